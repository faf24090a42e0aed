"""The terminal desk driven through Textual's pilot: signing in and out, who sees which orders, paging;
and the layout of the login and orders screens pinned by snapshots (pytest-textual-snapshot).

pytest-asyncio is not a dependency, so each pilot scenario is a coroutine run with `asyncio.run`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static

import screens.queue
from orderdesk.api.desk import Desk
from orderdesk.clock import FixedClock
from orderdesk.policy.money import money_text
from screens.app import OrderDeskApp
from screens.login import LoginScreen
from screens.queue import MyQueueScreen, PoolScreen, QueueScreen
from tests.conftest import NOW
from tests.pilot import drive as pilot_drive
from tests.pilot import settle, until

SIZE = (120, 32)


@pytest.fixture
def desk(demo_db: str, engine_of: Callable[[str], object]) -> Desk:
    return Desk(engine_of(demo_db), FixedClock(NOW))  # type: ignore[arg-type]


@pytest.fixture
def app(desk: Desk) -> Iterator[OrderDeskApp]:
    """The app as `orderdesk` with no command builds it (cli.run_tui), on the demo data at NOW."""
    yield OrderDeskApp(desk=desk)


def drive(app: OrderDeskApp, scenario: Callable[[Pilot], Awaitable[None]]) -> None:
    pilot_drive(app, scenario, size=SIZE)


def answered(pilot: Pilot) -> bool:
    """The sign-in was refused, or the orders screen has shown its first page (or failed to)."""
    screen = pilot.app.screen
    if isinstance(screen, LoginScreen):
        return error_line(pilot) not in ("", "Signing in…")
    loaded = screen.page is not None or summary_line(pilot) == LOADING_FAILED
    return isinstance(screen, QueueScreen) and loaded and not screen.loading_more


async def sign_in(pilot: Pilot, login: str, password: str = "demo") -> None:
    """From a fresh login screen, by keyboard only: a mouse left over a table row would draw a hover."""
    assert pilot.app.focused is pilot.app.screen.query_one("#login", Input)
    await pilot.press(*login, "enter", *password, "enter")
    await until(pilot, lambda: answered(pilot), f"an answer to {login} signing in")


def stop_blinking(pilot: Pilot) -> None:
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False


def error_line(pilot: Pilot) -> str:
    return str(pilot.app.screen.query_one("#login-error", Static).content)


def header_line(pilot: Pilot) -> str:
    return str(pilot.app.screen.query_one("#desk-header").render())


def summary_line(pilot: Pilot) -> str:
    return str(pilot.app.screen.query_one("#queue-summary", Static).content)


def table_rows(pilot: Pilot) -> list[list[str]]:
    table = pilot.app.screen.query_one("#queue", DataTable)
    return [list(map(str, table.get_row_at(i))) for i in range(table.row_count)]


def row_count(pilot: Pilot) -> int:
    return pilot.app.screen.query_one("#queue", DataTable).row_count


NUMBER, CUSTOMER, STAGE, STORE, MANAGER = 0, 1, 3, 6, 8  # the columns at 120 wide


async def to_pool(pilot: Pilot) -> None:
    await pilot.press("2")
    await until(pilot, lambda: isinstance(pilot.app.screen, PoolScreen) and answered(pilot), "the pool")


# ----------------------------------------------------------------------------------- signing in


def test_a_wrong_password_is_refused_and_keeps_the_login_screen(app: OrderDeskApp) -> None:
    async def scenario(pilot: Pilot) -> None:
        await sign_in(pilot, "anna", "nope")
        assert isinstance(pilot.app.screen, LoginScreen)
        assert error_line(pilot) == "Wrong login or password."
        assert pilot.app.focused is pilot.app.screen.query_one("#password", Input)
        assert pilot.app.screen.query_one("#password", Input).value == ""
        assert pilot.app.viewer is None

    drive(app, scenario)


def test_a_deactivated_employee_is_told_so(app: OrderDeskApp) -> None:
    async def scenario(pilot: Pilot) -> None:
        await sign_in(pilot, "kirill")
        assert isinstance(pilot.app.screen, LoginScreen)
        assert "deactivated" in error_line(pilot)
        assert pilot.app.viewer is None

    drive(app, scenario)


def test_an_empty_login_asks_for_one(app: OrderDeskApp) -> None:
    async def scenario(pilot: Pilot) -> None:
        await pilot.click("#sign-in")
        await settle(pilot)
        assert error_line(pilot) == "Type your login."
        assert pilot.app.focused is pilot.app.screen.query_one("#login", Input)

    drive(app, scenario)


def test_enter_on_the_login_moves_to_the_password(app: OrderDeskApp) -> None:
    async def scenario(pilot: Pilot) -> None:
        assert pilot.app.focused is pilot.app.screen.query_one("#login", Input)
        await pilot.press(*"anna", "enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, LoginScreen)
        assert pilot.app.focused is pilot.app.screen.query_one("#password", Input)
        assert error_line(pilot) == ""

    drive(app, scenario)


def test_typing_login_and_password_without_pausing_signs_in(app: OrderDeskApp) -> None:
    """Keys arrive faster than the fields handle them (a fast typist, a paste, tmux send-keys): the
    password must still land in the password field."""
    from textual import events

    async def scenario(pilot: Pilot) -> None:
        for key in [*"anna", "enter", *"demo", "enter"]:
            char = "\r" if key == "enter" else key
            pilot.app.post_message(events.Key(key, char))
        await until(pilot, lambda: answered(pilot), "an answer to anna signing in")
        assert isinstance(pilot.app.screen, MyQueueScreen)

    drive(app, scenario)


# ----------------------------------------------------------------------------------- the orders list


def test_a_manager_sees_her_queue_then_her_stores_pool(app: OrderDeskApp, desk: Desk) -> None:
    anna = desk.sign_in("anna", "demo")
    mine = desk.queue(anna, list="mine", limit=1000)
    pool = desk.queue(anna, list="pool", sort="oldest", limit=1000)

    async def scenario(pilot: Pilot) -> None:
        await sign_in(pilot, "anna")
        assert isinstance(pilot.app.screen, MyQueueScreen)
        assert pilot.app.sub_title == "Anna Petrova (anna)"
        rows = table_rows(pilot)
        assert [r[NUMBER] for r in rows] == [o.number for o in mine.rows]
        assert {r[MANAGER] for r in rows} == {"anna"}
        await to_pool(pilot)
        rows = table_rows(pilot)
        assert [r[NUMBER] for r in rows] == [o.number for o in pool.rows]
        assert {r[STORE] for r in rows} == {"home"} and {r[MANAGER] for r in rows} == {"—"}
        home = pool.stores[0]
        assert summary_line(pilot).startswith(f"home {home.count} ({money_text(home.sum)})   {len(rows)} orders")
        assert [s.store for s in pool.stores] == ["home"]

    drive(app, scenario)


def test_rows_painted_before_the_table_measured_them_are_redrawn_at_full_width(app: OrderDeskApp, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A paint between `add_rows` and the table's idle (a race in a real terminal) used to leave the
    rows cut to the header widths, out of line with the header (textual #4470)."""
    loaded = QueueScreen.on_queue_screen_page_loaded

    def loaded_then_painted(screen: QueueScreen, message) -> None:  # type: ignore[no-untyped-def]
        loaded(screen, message)
        screen.query_one("#queue", DataTable).render_line(1)

    monkeypatch.setattr(QueueScreen, "on_queue_screen_page_loaded", loaded_then_painted)

    async def scenario(pilot: Pilot) -> None:
        await sign_in(pilot, "anna")
        await to_pool(pilot)
        table = pilot.app.screen.query_one("#queue", DataTable)
        header, first = table.render_line(0).text, table.render_line(1).text
        customer = table_rows(pilot)[0][CUSTOMER]
        assert first.index(customer[:8]) == header.index("Customer")
        assert first.rstrip().endswith("—")  # the last column (manager) drawn whole

    drive(app, scenario)


def test_an_admin_sees_the_pool_of_every_store(app: OrderDeskApp) -> None:
    async def scenario(pilot: Pilot) -> None:
        await sign_in(pilot, "james")
        await to_pool(pilot)
        assert {r[STORE] for r in table_rows(pilot)} == {"home", "dom", "print"}
        summary = summary_line(pilot)
        for store in ("home", "dom", "print"):
            assert f"{store} " in summary

    drive(app, scenario)


@pytest.mark.parametrize("keys", [("ctrl+end",), ("pagedown",) * 8], ids=["ctrl+end", "pagedown"])
def test_the_cursor_at_the_end_of_a_page_loads_the_next(
    app: OrderDeskApp, desk: Desk, keys: tuple[str, ...], monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(screens.queue, "PAGE", 40)
    everything = [o.number for o in desk.queue(desk.sign_in("james", "demo"), list="pool", sort="oldest").rows]
    assert len(everything) > 40

    async def scenario(pilot: Pilot) -> None:
        await sign_in(pilot, "james")
        await to_pool(pilot)
        assert len(table_rows(pilot)) == 40
        assert f"{len(everything)} orders (showing 40)" in summary_line(pilot)
        for _ in range(len(everything) // 40 + 1):  # each press at the end fetches the next page
            await pilot.press(*keys)
            await settle(pilot)
        await until(pilot, lambda: row_count(pilot) == len(everything), "the next pages")
        assert [r[NUMBER] for r in table_rows(pilot)] == everything
        assert "showing" not in summary_line(pilot)

    drive(app, scenario)


def test_ctrl_o_signs_out_to_the_login_screen(app: OrderDeskApp) -> None:
    async def scenario(pilot: Pilot) -> None:
        await sign_in(pilot, "anna")
        assert isinstance(pilot.app.screen, MyQueueScreen)
        await pilot.press("ctrl+o")
        await until(pilot, lambda: isinstance(pilot.app.screen, LoginScreen), "the login screen")
        assert isinstance(pilot.app.screen, LoginScreen)
        assert pilot.app.viewer is None and pilot.app.sub_title == ""
        assert pilot.app.screen.query_one("#login", Input).value == ""
        await sign_in(pilot, "james")  # the desk can be handed to the next person
        assert isinstance(pilot.app.screen, MyQueueScreen)
        assert pilot.app.sub_title == "James Carter (james)"

    drive(app, scenario)


def test_escape_on_the_login_screen_leaves_the_desk(app: OrderDeskApp) -> None:
    async def scenario(pilot: Pilot) -> None:
        await pilot.press("escape")
        await pilot.pause()
        assert pilot.app._exit  # noqa: SLF001 — the app has been told to exit

    drive(app, scenario)


# ----------------------------------------------------------------------------------- failures


def notifications(pilot: Pilot) -> list[str]:
    return [n.message for n in pilot.app._notifications]  # noqa: SLF001 — what the toasts show


LOADING_FAILED = "Orders could not be loaded; press r to try again."


def broken(*args: object, **kwargs: object) -> None:
    raise RuntimeError("database is locked")


def test_a_failing_sign_in_is_told_and_the_screen_recovers(app: OrderDeskApp, desk: Desk, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(desk, "sign_in", broken)

    async def scenario(pilot: Pilot) -> None:
        await sign_in(pilot, "anna")
        assert isinstance(pilot.app.screen, LoginScreen)
        assert notifications(pilot) == ["database is locked"]
        assert error_line(pilot) == "Could not sign in; try again."

    drive(app, scenario)


def test_orders_that_fail_to_load_are_told_and_r_tries_again(app: OrderDeskApp, desk: Desk, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    async def scenario(pilot: Pilot) -> None:
        with monkeypatch.context() as patch:
            patch.setattr(desk, "queue", broken)  # what loads the list
            await sign_in(pilot, "anna")
            assert notifications(pilot) == ["database is locked"]
            assert summary_line(pilot) == LOADING_FAILED
        await pilot.press("r")
        await until(pilot, lambda: summary_line(pilot) != LOADING_FAILED, "the orders after all")
        mine = desk.queue(pilot.app.screen.viewer, list="mine").total  # type: ignore[attr-defined]
        assert mine > 0
        assert summary_line(pilot).startswith(f"{mine} orders   by urgency (s)")

    drive(app, scenario)


def test_a_next_page_that_fails_is_fetched_again_when_the_cursor_returns(
    app: OrderDeskApp, desk: Desk, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    async def scenario(pilot: Pilot) -> None:
        monkeypatch.setattr(screens.queue, "PAGE", 40)
        await sign_in(pilot, "james")
        await to_pool(pilot)
        everything = pilot.app.screen.page.total
        with monkeypatch.context() as patch:
            patch.setattr(desk, "queue", broken)
            await pilot.press("ctrl+end")
            await until(pilot, lambda: bool(notifications(pilot)), "a notification")
        assert len(table_rows(pilot)) == 40
        assert notifications(pilot) == ["database is locked"]
        for _ in range(everything // 40 + 1):
            await pilot.press("up", "ctrl+end")
            await settle(pilot)
        await until(pilot, lambda: row_count(pilot) == everything, "the next pages")

    drive(app, scenario)


# ----------------------------------------------------------------------------------- snapshots


def test_snapshot_of_the_login_screen(app: OrderDeskApp, snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        stop_blinking(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_snapshot_of_a_managers_orders(app: OrderDeskApp, snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        stop_blinking(pilot)
        await sign_in(pilot, "anna")
        stop_blinking(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_signing_in_logs_in_and_f_makes_her_free_and_hands_her_waiting_orders(app: OrderDeskApp, demo_db) -> None:
    from tests.conftest import query

    async def scenario(pilot: Pilot) -> None:
        await sign_in(pilot, "anna")
        assert query(demo_db, "SELECT count(*) FROM login_session s JOIN employee e ON e.id = s.employee_id "
                              "WHERE e.login = 'anna'") == [(1,)]  # fmt: skip
        mine_before = row_count(pilot)
        await pilot.press("f")
        await until(pilot, lambda: row_count(pilot) > mine_before, "the pool came to her")
        assert query(demo_db, "SELECT presence FROM employee WHERE login = 'anna'") == [("free",)]
        assert "free" in header_line(pilot)
        assert {r[MANAGER] for r in table_rows(pilot)} == {"anna"}
        await pilot.press("b")
        await settle(pilot)
        assert query(demo_db, "SELECT presence FROM employee WHERE login = 'anna'") == [("busy",)]
        await pilot.press("ctrl+o")
        await until(pilot, lambda: isinstance(pilot.app.screen, LoginScreen), "the login screen")
        await pilot.app.workers.wait_for_complete()
        assert query(demo_db, "SELECT presence FROM employee WHERE login = 'anna'") == [("offline",)]

    drive(app, scenario)


# ----------------------------------------------------------------------------------- acting on orders (S6) and the inbox (A2)


def cursor_to(pilot: Pilot, wanted: Callable[[list[str]], bool]) -> list[str]:
    table = pilot.app.screen.query_one("#queue", DataTable)
    for i, row in enumerate(table_rows(pilot)):
        if wanted(row):
            table.move_cursor(row=i)
            return row
    raise AssertionError("no such row")


def toasts(pilot: Pilot) -> list[str]:
    return [str(n.message) for n in pilot.app._notifications]


def test_a_advances_her_order_to_its_next_stage_and_an_order_not_hers_is_refused(
    app: OrderDeskApp, demo_db: str
) -> None:
    from tests.conftest import query

    async def scenario(pilot: Pilot) -> None:
        await sign_in(pilot, "anna")
        row = cursor_to(pilot, lambda r: r[MANAGER] == "anna" and r[STAGE] == "Received")
        await pilot.press("a")
        await until(pilot, lambda: any(t.startswith(f"{row[NUMBER]}: Received → Call-back") for t in toasts(pilot)),
                    "the advance told")  # fmt: skip
        assert query(demo_db, "SELECT status FROM orders WHERE number = :n", n=row[NUMBER]) == [("callback",)]
        moved = next(r for r in table_rows(pilot) if r[NUMBER] == row[NUMBER])
        assert moved[STAGE] == "Call-back"  # the list shows it where it is now

        await to_pool(pilot)
        other = cursor_to(pilot, lambda r: r[MANAGER] == "—")  # the pool: she must take it first
        await pilot.press("a")
        refusal = f"anna may not move order {other[NUMBER]}: it is an unassigned order"
        await until(pilot, lambda: any(t.startswith(refusal) for t in toasts(pilot)), "the refusal told")
        assert query(demo_db, "SELECT count(*) FROM audit_event a JOIN orders o ON o.id = a.order_id "
                              "WHERE o.number = :n AND a.action = 'order.status'", n=other[NUMBER]) == [(0,)]  # fmt: skip

        await pilot.press("1")
        await settle(pilot)
        mine = cursor_to(pilot, lambda r: r[MANAGER] == "anna")
        await pilot.press("m")
        await until(pilot, lambda: any(t.startswith(f"{mine[NUMBER]}: payment") for t in toasts(pilot)), "paid")
        assert query(demo_db, "SELECT payment_status FROM orders WHERE number = :n", n=mine[NUMBER]) == [("paid",)]

    drive(app, scenario)


def test_the_inbox_shows_what_the_scheduler_told_her_and_reading_clears_the_unread_count(
    app: OrderDeskApp, desk: Desk
) -> None:
    from orderdesk.api.jobs import run_all
    from screens.inbox import InboxScreen

    results = run_all(desk.engine, desk.clock)  # the demo's late orders are flagged; supervisors told
    assert results["overdue"]["ok"] and results["overdue"]["done"] > 0

    async def scenario(pilot: Pilot) -> None:
        await sign_in(pilot, "helen")
        unread = desk.unread(desk_viewer(desk, "helen"))
        await until(pilot, lambda: "helen" in header_line(pilot), "her header")
        assert unread > 0 and f"{unread} unread" in header_line(pilot)
        await pilot.press("5")
        await until(pilot, lambda: isinstance(pilot.app.screen, InboxScreen)
                    and pilot.app.screen.query_one("#inbox", DataTable).row_count == unread, "the inbox")  # fmt: skip
        first = pilot.app.screen.query_one("#inbox", DataTable).get_row_at(0)
        assert "is late in" in str(first[4])
        text = str(pilot.app.screen.query_one("#inbox-text", Static).content)
        assert "longer than its limit" in text
        await pilot.press("enter")
        await until(pilot, lambda: desk.unread(desk_viewer(desk, "helen")) == unread - 1, "one read")
        await pilot.press("a")
        await until(pilot, lambda: desk.unread(desk_viewer(desk, "helen")) == 0, "all read")
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(pilot.app.screen, MyQueueScreen) and " 0 unread" in header_line(pilot),
                    "back to the orders")  # fmt: skip

    drive(app, scenario)


def desk_viewer(desk: Desk, login: str):  # type: ignore[no-untyped-def]
    from orderdesk.api.desk import Viewer

    return Viewer(id=0, login=login, name=login, roles=())
