"""The desk's shell (U1, U8): the header, presence on sign-in and on quit, typing ahead at sign-in, help,
the palette, the user's keymap, live updates, and the scheduler's first round after the first paint."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static

from orderdesk.api.desk import Desk
from orderdesk.clock import FixedClock
from orderdesk.views.header import HeaderFacts
from screens.app import OrderDeskApp
from screens.help import HelpScreen
from screens.login import LoginScreen
from screens.queue import MyQueueScreen
from screens.widgets.header import header_line
from tests.conftest import NOW, PG_URL, execute, query
from tests.pilot import drive, settle, signed_in, stop_blinking, table_rows, toasts, until


@pytest.fixture(autouse=True)
def _config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The user's config directory of each test: empty unless the test writes a config.toml."""
    folder = tmp_path / "config"
    folder.mkdir()
    monkeypatch.setenv("ORDERDESK_CONFIG_DIR", str(folder))
    return folder


@pytest.fixture
def desk(demo_db: str, engine_of: Callable[[str], object]) -> Desk:
    return Desk(engine_of(demo_db), FixedClock(NOW))  # type: ignore[arg-type]


@pytest.fixture
def app(desk: Desk) -> Iterator[OrderDeskApp]:
    yield OrderDeskApp(desk=desk, watch=False)  # the tests look for changes themselves (check_changes)


def presence_of(db: str, login: str) -> str:
    return str(query(db, "SELECT presence FROM employee WHERE login = :login", login=login)[0][0])


def sessions_of(db: str, login: str) -> int:
    rows = query(db, "SELECT count(*) FROM login_session s JOIN employee e ON e.id = s.employee_id "
                     "WHERE e.login = :login", login=login)  # fmt: skip
    return int(rows[0][0])


def header_text(pilot: Pilot) -> str:
    return str(pilot.app.screen.query_one("#desk-header").render())


# ----------------------------------------------------------------------------------- header (U1)


def test_the_header_says_who_he_is_his_presence_in_words_and_his_counts(app: OrderDeskApp, demo_db: str) -> None:
    open_, late = query(demo_db, "SELECT count(*), coalesce(sum(CASE WHEN o.overdue OR o.stage_due_at <= :now "
                                 "THEN 1 ELSE 0 END), 0) FROM orders o "
                                 "JOIN employee e ON e.id = o.manager_id WHERE e.login = 'anna' AND o.is_open = true",
                        now=NOW.replace(tzinfo=None).isoformat(sep=" "))[0]  # fmt: skip

    async def scenario(pilot: Pilot) -> None:
        await signed_in(pilot, "anna")
        await until(pilot, lambda: "Anna" in header_text(pilot), "the header's facts")
        line = header_text(pilot)
        assert line.startswith("My queue")
        assert "Anna Petrova (anna)" in line and " free " in line
        assert f"{open_} open" in line and f"{late} overdue" in line and " unread" in line
        await pilot.press("p")
        await until(pilot, lambda: "on a break" in header_text(pilot), "anna on a break")
        assert presence_of(demo_db, "anna") == "break"
        assert "you are" not in line

    drive(app, scenario, size=(120, 24))


def test_the_header_fits_80_columns_dropping_the_login_and_name_first() -> None:
    facts = HeaderFacts(name="Anastasia Konstantinopolskaya", login="anastasia", presence="break",
                        open_orders=1234, overdue=56, unread=789)  # fmt: skip
    wide = header_line("My queue", facts, 200).plain
    assert "(anastasia)" in wide and "on a break" in wide
    narrow = header_line("My queue", facts, 78).plain
    assert len(narrow) <= 78
    assert "(anastasia)" not in narrow
    assert (
        narrow.startswith("My queue") and "on a break" in narrow and "56 overdue" in narrow and "789 unread" in narrow
    )
    tiny = header_line("My queue", facts, 30).plain
    assert tiny.startswith("My queue") and "on a break" in tiny and len(tiny) <= 30


# ----------------------------------------------------------------------------------- presence (U1)


def test_signing_in_makes_him_free_in_the_same_transaction_audited(app: OrderDeskApp, demo_db: str) -> None:
    assert presence_of(demo_db, "anna") == "offline"

    async def scenario(pilot: Pilot) -> None:
        await signed_in(pilot, "anna")
        assert presence_of(demo_db, "anna") == "free"
        assert sessions_of(demo_db, "anna") == 1

    drive(app, scenario)
    actions = query(demo_db, "SELECT a.action FROM audit_event a JOIN employee e ON e.id = a.actor_id "
                             "WHERE e.login = 'anna' ORDER BY a.id")  # fmt: skip
    assert [a for (a,) in actions][-2:] == ["employee.logged_in", "employee.presence"]


def test_presence_on_sign_in_is_a_setting(app: OrderDeskApp, demo_db: str, cli) -> None:  # type: ignore[no-untyped-def]
    assert cli("settings", "set", "presence_on_sign_in", "busy", db=demo_db).exit_code == 0
    bad = cli("settings", "set", "presence_on_sign_in", "lunch", db=demo_db)
    assert bad.exit_code == 1 and len(bad.stderr.strip().splitlines()) == 1 and "presence_on_sign_in" in bad.stderr

    async def scenario(pilot: Pilot) -> None:
        await signed_in(pilot, "anna")
        assert presence_of(demo_db, "anna") == "busy"

    drive(app, scenario)


def test_ctrl_q_sets_him_offline_and_ends_his_login_before_the_app_exits(app: OrderDeskApp, demo_db: str) -> None:
    async def scenario(pilot: Pilot) -> None:
        await signed_in(pilot, "anna")
        assert presence_of(demo_db, "anna") == "free"
        await pilot.press("ctrl+q")

    drive(app, scenario)
    assert app.return_code == 0
    assert presence_of(demo_db, "anna") == "offline"
    assert sessions_of(demo_db, "anna") == 0


def test_ctrl_o_sets_him_offline_at_once(app: OrderDeskApp, demo_db: str) -> None:
    async def scenario(pilot: Pilot) -> None:
        await signed_in(pilot, "anna")
        await pilot.press("ctrl+o")
        await until(pilot, lambda: isinstance(pilot.app.screen, LoginScreen), "the login screen")
        assert presence_of(demo_db, "anna") == "offline" and sessions_of(demo_db, "anna") == 0

    drive(app, scenario)


def test_sign_off_after_run_leaves_whoever_is_signed_in_offline(app: OrderDeskApp, demo_db: str) -> None:
    """What cli.main.run_tui does when run() returns without ctrl+q (a crash, a hang-up)."""

    async def scenario(pilot: Pilot) -> None:
        await signed_in(pilot, "anna")

    drive(app, scenario)  # run_test ends the app without ctrl+q
    assert presence_of(demo_db, "anna") == "free"
    app.sign_off()
    assert presence_of(demo_db, "anna") == "offline" and sessions_of(demo_db, "anna") == 0


def test_presence_keys_do_not_fire_inside_an_input(app: OrderDeskApp, demo_db: str) -> None:
    async def scenario(pilot: Pilot) -> None:
        await signed_in(pilot, "anna")
        field = Input(id="typing")
        await pilot.app.screen.mount(field)
        field.focus()
        await pilot.pause()
        await pilot.press("b", "p", "f")
        await settle(pilot)
        assert field.value == "bpf"
        assert presence_of(demo_db, "anna") == "free"
        pilot.app.set_focus(pilot.app.screen.query_one(DataTable))
        await pilot.press("b")
        await until(pilot, lambda: presence_of(demo_db, "anna") == "busy", "anna busy")

    drive(app, scenario)


# ----------------------------------------------------------------------------------- typing ahead


def burst(pilot: Pilot, *keys: str) -> None:
    """Keys as a paste or a password manager sends them: all queued before the desk handles the first
    (pilot.press waits for the app to be idle after each key, which hides the bug)."""
    from textual import events

    driver = pilot.app._driver
    assert driver is not None
    for key in keys:
        event = events.Key(key, key if len(key) == 1 else None)
        event.set_sender(pilot.app)
        driver.send_message(event)


def test_login_tab_password_enter_in_one_burst_signs_in(app: OrderDeskApp, demo_db: str) -> None:
    async def scenario(pilot: Pilot) -> None:
        await pilot.press("a", "n", "n", "a", "tab", "d", "e", "m", "o", "enter")
        await until(pilot, lambda: isinstance(pilot.app.screen, MyQueueScreen), "anna signed in")
        assert pilot.app.viewer is not None and pilot.app.viewer.login == "anna"

    drive(app, scenario)


def test_login_tab_password_enter_sent_at_once_land_in_their_fields(app: OrderDeskApp, demo_db: str) -> None:
    async def scenario(pilot: Pilot) -> None:
        burst(pilot, "a", "n", "n", "a", "tab", "d", "e", "m", "o", "enter")
        await until(pilot, lambda: isinstance(pilot.app.screen, MyQueueScreen), "anna signed in")
        assert pilot.app.viewer is not None and pilot.app.viewer.login == "anna"

    drive(app, scenario)


# ----------------------------------------------------------------------------------- help and palette


def test_question_mark_lists_the_keys_of_the_screen_and_the_app(app: OrderDeskApp) -> None:
    async def scenario(pilot: Pilot) -> None:
        await signed_in(pilot, "anna")
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(pilot.app.screen, HelpScreen)
        rows = table_rows(pilot, "#help-keys")
        ids = {row[2] for row in rows}
        assert {"queue.advance", "queue.mark_paid", "app.help", "app.free", "app.sign_out", "app.quit"} <= ids
        assert ["a", "Advance", "queue.advance"] in rows
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(pilot.app.screen, MyQueueScreen)

    drive(app, scenario)


def offered(pilot: Pilot) -> list[str]:
    return [str(o.prompt) for o in pilot.app.screen.query_one("CommandList").options]  # type: ignore[attr-defined]


def test_the_palette_offers_the_screens_actions_and_the_views(app: OrderDeskApp, demo_db: str) -> None:
    from textual.command import CommandPalette

    async def scenario(pilot: Pilot) -> None:
        await signed_in(pilot, "anna")
        table = pilot.app.screen.query_one("#queue", DataTable)
        rows = table_rows(pilot, "#queue")
        at = next(i for i, row in enumerate(rows) if row[8] == "anna" and query(
            demo_db, "SELECT payment_status FROM orders WHERE number = :n", n=row[0]) == [("unpaid",)])  # fmt: skip
        table.move_cursor(row=at)
        first = rows[at][0]
        stage_before = query(demo_db, "SELECT status FROM orders WHERE number = :n", n=first)
        await pilot.press("ctrl+p")
        await settle(pilot)
        assert isinstance(pilot.app.screen, CommandPalette)
        await pilot.press(*"go to inbox")
        await until(pilot, lambda: any("Go to Inbox" in s for s in offered(pilot)), "the inbox offered")
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"paid")
        await until(pilot, lambda: any("Paid" in s for s in offered(pilot)), "mark paid offered")
        await pilot.press("enter")
        await settle(pilot)
        await until(pilot, lambda: any("paid" in t.lower() for t in toasts(pilot)), "the order marked paid")
        assert query(demo_db, "SELECT payment_status FROM orders WHERE number = :n", n=first) == [("paid",)]
        assert query(demo_db, "SELECT status FROM orders WHERE number = :n", n=first) == stage_before

    drive(app, scenario)


# ----------------------------------------------------------------------------------- keymap


def test_a_remapped_key_performs_the_action_and_an_unknown_id_is_told(
    app: OrderDeskApp, demo_db: str, _config_dir: Path
) -> None:
    (_config_dir / "config.toml").write_text(
        '[keys]\n"app.busy" = "ctrl+b,B"\n"orders.nonsense" = "x"\n"app.free" = "ctrl+"\n', encoding="utf-8"
    )

    async def scenario(pilot: Pilot) -> None:
        told = toasts(pilot)
        assert any('"orders.nonsense" is no key of the desk' in t for t in told)
        assert any('"app.free"' in t and "is not a key" in t for t in told)
        await signed_in(pilot, "anna")
        await pilot.press("b")  # no longer busy: the key moved
        await settle(pilot)
        assert presence_of(demo_db, "anna") == "free"
        await pilot.press("B")
        await until(pilot, lambda: presence_of(demo_db, "anna") == "busy", "anna busy by B")
        await pilot.press("f")  # the bad entry left the default key as it was
        await until(pilot, lambda: presence_of(demo_db, "anna") == "free", "anna free by f")

    drive(app, scenario)


# ----------------------------------------------------------------------------------- live (U8)


def test_a_change_by_another_desk_refreshes_the_screen(app: OrderDeskApp, demo_db: str) -> None:
    async def scenario(pilot: Pilot) -> None:
        await signed_in(pilot, "anna")
        first = table_rows(pilot, "#queue")[0]
        customer = first[1]
        pilot.app.check_changes()
        await settle(pilot)
        execute(demo_db, "UPDATE customer SET name = 'Renamed Elsewhere' WHERE id = "
                         "(SELECT customer_id FROM orders WHERE number = :n)", n=first[0])  # fmt: skip
        assert table_rows(pilot, "#queue")[0][1] == customer  # nothing is read before the watcher looks
        pilot.app.check_changes()
        await until(pilot, lambda: table_rows(pilot, "#queue")[0][1] == "Renamed Elsewhere", "the new name")

    drive(app, scenario)


@pytest.mark.skipif(bool(PG_URL), reason="moves the SQLite file away")
def test_a_vanished_database_shows_a_banner_until_it_answers_again(app: OrderDeskApp, demo_db: str) -> None:
    path = Path(demo_db)
    aside = path.with_suffix(".aside")

    async def scenario(pilot: Pilot) -> None:
        await signed_in(pilot, "anna")
        banner = pilot.app.screen.query_one("#db-banner", Static)
        assert not banner.display
        path.rename(aside)
        pilot.app.check_changes()
        await until(pilot, lambda: banner.display, "the banner")
        assert "database unavailable — retrying" in str(banner.content)
        aside.rename(path)
        pilot.app.check_changes()
        await until(pilot, lambda: not banner.display, "the banner gone")

    drive(app, scenario)


def test_the_scheduler_thread_posts_orders_changed_and_the_screen_reads_again(app: OrderDeskApp) -> None:
    from screens.messages import OrdersChanged

    async def scenario(pilot: Pilot) -> None:
        await signed_in(pilot, "anna")
        screen = pilot.app.screen
        reads: list[int] = []
        original = screen.refresh_data
        screen.refresh_data = lambda: (reads.append(1), original())[-1]  # type: ignore[method-assign]
        await asyncio.to_thread(pilot.app.post_message, OrdersChanged())  # from another thread, as the runner
        await settle(pilot)
        assert reads == [1]

    drive(app, scenario)


def test_the_first_round_waits_for_the_first_view_and_its_rows(app: OrderDeskApp) -> None:
    rows_then: list[int] = []

    def start() -> None:
        screen = app.screen
        rows_then.append(screen.query_one("#queue", DataTable).row_count if isinstance(screen, MyQueueScreen) else -1)

    app.when_first_view_painted = start
    gate = threading.Event()  # his rows are read only when the test says so
    read = app.desk.queue
    app.desk.queue = lambda *a, **k: (gate.wait(10), read(*a, **k))[1]  # type: ignore[method-assign]

    async def scenario(pilot: Pilot) -> None:
        await settle(pilot)
        assert rows_then == []  # the login screen is not the desk yet
        await pilot.press(*"anna", "enter", *"demo", "enter")
        for _ in range(50):
            await pilot.pause()
            if isinstance(pilot.app.screen, MyQueueScreen):
                break
        for _ in range(10):
            await pilot.pause()
        assert isinstance(pilot.app.screen, MyQueueScreen) and rows_then == []  # painted, rows not in: waits
        gate.set()
        await until(pilot, lambda: bool(rows_then), "the first round started")
        assert len(rows_then) == 1 and rows_then[0] > 0  # once, with his rows on the screen

    drive(app, scenario)


# ----------------------------------------------------------------------------------- a terminal that went away


def test_a_hung_up_terminal_is_seen_without_reading_from_it() -> None:
    import os
    import pty

    from screens.terminal import terminal_gone

    master, slave = pty.openpty()
    try:
        os.write(master, b"x")
        assert not terminal_gone(slave)
        os.close(master)
        assert terminal_gone(slave)
    finally:
        os.close(slave)


def test_a_hang_up_signs_him_off_and_ends_the_desk(app: OrderDeskApp, demo_db: str) -> None:
    async def scenario(pilot: Pilot) -> None:
        await signed_in(pilot, "anna")
        pilot.app.hung_up()
        await pilot.pause()

    drive(app, scenario)
    assert app.return_code == 0
    assert presence_of(demo_db, "anna") == "offline" and sessions_of(demo_db, "anna") == 0


# ----------------------------------------------------------------------------------- snapshots


@pytest.mark.parametrize("size", [(80, 24), (120, 36)])
def test_snapshot_of_help(app: OrderDeskApp, snap_compare, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        await signed_in(pilot, "anna")
        await pilot.press("question_mark")
        await settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", [(80, 24), (120, 36)])
def test_snapshot_of_the_palette(app: OrderDeskApp, snap_compare, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        await signed_in(pilot, "anna")
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"go")
        await until(pilot, lambda: any("Go to Inbox" in s for s in offered(pilot)), "the views offered")
        stop_blinking(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)
