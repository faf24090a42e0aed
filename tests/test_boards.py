"""The stage board (U3) and the overdue board (U4) driven by keyboard through the pilot, checked on
what the screens show and what the database holds afterwards; their layout pinned by snapshots."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from rich.console import Console
from textual.pilot import Pilot
from textual.widgets import OptionList, Static

from orderdesk.api.desk import Desk
from orderdesk.clock import FixedClock
from orderdesk.policy.money import Money, money_text
from screens.app import OrderDeskApp
from screens.dialogs.reassign import ReassignDialog
from screens.order import OrderScreen
from screens.overdue import OverdueScreen
from screens.stage_board import StageBoardScreen
from tests.conftest import NOW, execute, query
from tests.pilot import drive, settle, signed_in, stop_blinking, toasts, until

CALM = "2026-11-26 09:00:00"  # a day after NOW: nothing late


@pytest.fixture
def app(demo_db: str, engine_of: Callable[[str], object]) -> OrderDeskApp:
    return OrderDeskApp(desk=Desk(engine_of(demo_db), FixedClock(NOW)))  # type: ignore[arg-type]


def calm(db: str) -> None:
    execute(db, "UPDATE orders SET overdue = FALSE, stage_due_at = :due WHERE is_open", due=CALM)


def open_in(db: str, number: str, status: str, manager_id: int | None) -> None:
    """The order open in a stage with a manager (or none): the demo finished the old ones."""
    execute(db, "UPDATE orders SET status = :status, is_open = TRUE, manager_id = :manager WHERE number = :n",
            status=status, manager=manager_id, n=number)  # fmt: skip


def late(db: str, number: str, due: str, *, flagged: bool = True) -> None:
    execute(db, "UPDATE orders SET overdue = :flag, stage_due_at = :due WHERE number = :n", flag=flagged, due=due,
            n=number)  # fmt: skip


def name_of(db: str, employee_id: int) -> str:
    return str(query(db, "SELECT name FROM employee WHERE id = :i", i=employee_id)[0][0])


def manager_id_of(db: str, number: str) -> int | None:
    return query(db, "SELECT manager_id FROM orders WHERE number = :n", n=number)[0][0]  # type: ignore[return-value]


async def on_board(pilot: Pilot, login: str) -> StageBoardScreen:
    await signed_in(pilot, login)
    await pilot.press("3")
    await until(pilot, lambda: isinstance(pilot.app.screen, StageBoardScreen) and pilot.app.screen.board is not None
                and bool(pilot.app.screen.columns()), "the stage board")  # fmt: skip
    screen = pilot.app.screen
    assert isinstance(screen, StageBoardScreen)
    return screen


async def on_overdue(pilot: Pilot, login: str = "helen") -> OverdueScreen:
    await signed_in(pilot, login)
    await pilot.press("4")
    await until(pilot, lambda: isinstance(pilot.app.screen, OverdueScreen) and pilot.app.screen.board is not None,
                "the overdue board")  # fmt: skip
    screen = pilot.app.screen
    assert isinstance(screen, OverdueScreen)
    return screen


def column_texts(screen: StageBoardScreen) -> list[str]:
    return [str(view.query_one(".stage-title", Static).render()) for view in screen.columns()]


def shown_lines(listing: OptionList) -> list[str]:
    """Each option as the person reads it (tables drawn as one line of text)."""
    console = Console(width=76, record=True, file=io.StringIO(), color_system=None)
    lines = []
    for i in range(listing.option_count):
        console.print(listing.get_option_at_index(i).prompt)
        lines.append(console.export_text().rstrip("\n"))
    return lines


# ----------------------------------------------------------------------------------- the stage board


def test_the_board_has_a_column_per_open_stage_named_with_its_count_and_sum(app: OrderDeskApp, demo_db: str) -> None:
    stages = query(demo_db, "SELECT st.code, st.name FROM stage st JOIN store s ON s.id = st.store_id "
                            "WHERE s.code = 'home' AND st.kind NOT IN ('final', 'cancelled') ORDER BY st.position")  # fmt: skip
    totals = {
        status: (count, total)
        for status, count, total in query(
            demo_db,
            "SELECT status, count(*), sum(total) FROM orders WHERE is_open "
            "AND store_id = (SELECT id FROM store WHERE code = 'home') GROUP BY status",
        )  # fmt: skip
    }
    # the newest order in Call-back is far the most over its limit
    [(most_over,)] = query(demo_db, "SELECT number FROM orders WHERE is_open AND status = 'callback' "
                                    "AND store_id = (SELECT id FROM store WHERE code = 'home') "
                                    "ORDER BY created_at DESC LIMIT 1")  # fmt: skip
    late(demo_db, str(most_over), "2026-01-01 00:00:00")

    async def scenario(pilot: Pilot) -> None:
        screen = await on_board(pilot, "helen")  # a supervisor: every store, Home & Garden first by name
        assert "Home & Garden" in str(pilot.app.screen.query_one("#board-line", Static).render())
        expected = []
        for code, name in stages:
            count, total = totals.get(code, (0, 0))
            expected.append(f"{name}\n{count} · {money_text(Money(int(total or 0), 'GBP'))}")
        assert column_texts(screen) == expected
        assert "Received" in expected[0] and "new" not in column_texts(screen)[0]  # names, never codes
        callback = next(v for v in screen.columns() if v.column.code == "callback")
        lines = shown_lines(callback.orders)
        assert lines[0].startswith(f"{most_over} ") and "over" in lines[0]  # the most over first, marked late

    drive(app, scenario, size=(80, 24))


def test_arrows_move_between_stages_and_orders_and_enter_opens_the_order(app: OrderDeskApp, demo_db: str) -> None:
    calm(demo_db)  # nothing late, so the sweep does not reorder a column while the keys move

    async def scenario(pilot: Pilot) -> None:
        screen = await on_board(pilot, "helen")
        second = screen.columns()[1].column
        assert len(second.orders) >= 2
        await pilot.press("right", "down")
        assert screen.where() == (second.code, second.orders[1].number)
        await pilot.press("right", "right", "right")  # past the third column at 80×24: the board scrolls
        await settle(pilot)
        fifth = screen.columns()[4]
        assert screen.where()[0] == fifth.column.code  # type: ignore[index]
        assert "stages 3–5 of 8" in str(screen.query_one("#board-line", Static).render())
        await pilot.press("left", "left", "left")
        code, number = screen.where()  # type: ignore[misc]
        assert code == second.code  # back in the second column, on the row the columns between allowed
        at = [o.number for o in second.orders].index(number)
        below = second.orders[min(at + 1, len(second.orders) - 1)].number
        await pilot.press("down")
        assert screen.where() == (second.code, below)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(pilot.app.screen, OrderScreen), "the order opened")
        assert pilot.app.screen.number == below  # type: ignore[attr-defined]

    drive(app, scenario, size=(80, 24))


def test_a_manager_of_two_stores_sees_his_orders_and_the_pool_and_switches_store(
    app: OrderDeskApp, demo_db: str
) -> None:
    vera = query(demo_db, "SELECT id FROM employee WHERE login = 'vera'")[0][0]

    def seen(store: str) -> dict[str, int]:
        rows = query(demo_db, "SELECT status, count(*) FROM orders WHERE is_open AND store_id = (SELECT id FROM store "
                              "WHERE code = :s) AND (manager_id = :v OR manager_id IS NULL) GROUP BY status", s=store, v=vera)  # fmt: skip
        return dict(rows)  # type: ignore[misc]

    async def scenario(pilot: Pilot) -> None:
        screen = await on_board(pilot, "vera")
        assert screen.board is not None and [s.name for s in screen.board.stores] == ["Дом и сад", "Печатный двор"]
        assert screen.board.store is not None and screen.board.store.code == "dom"
        assert {c.code: c.count for c in screen.board.columns if c.count} == seen("dom")
        await pilot.press("right_square_bracket")
        await until(pilot, lambda: screen.board is not None and screen.board.store.code == "print", "print")  # type: ignore[union-attr]
        assert "Печатный двор" in str(screen.query_one("#board-line", Static).render())
        assert {c.code: c.count for c in screen.board.columns if c.count} == seen("print")  # type: ignore[union-attr]
        assert "Оформлен" in column_texts(screen)[0]

    drive(app, scenario, size=(80, 24))


def test_a_long_stage_shows_its_first_orders_and_how_many_more(app: OrderDeskApp, demo_db: str) -> None:
    # a busy day: sixty of home's orders are (back) in "new"
    execute(demo_db, "UPDATE orders SET status = 'new', is_open = TRUE WHERE id IN (SELECT o.id FROM orders o "
                     "JOIN store s ON s.id = o.store_id WHERE s.code = 'home' ORDER BY o.created_at DESC LIMIT 60)")  # fmt: skip
    count = query(demo_db, "SELECT count(*) FROM orders o JOIN store s ON s.id = o.store_id "
                           "WHERE s.code = 'home' AND o.status = 'new' AND o.is_open")[0][0]  # fmt: skip
    assert count > 50  # type: ignore[operator]

    async def scenario(pilot: Pilot) -> None:
        screen = await on_board(pilot, "helen")
        lines = shown_lines(screen.columns()[0].orders)
        assert len(lines) == 51 and lines[-1] == f"+ {count - 50} more"  # type: ignore[operator]

    drive(app, scenario, size=(80, 24))


def test_refresh_keeps_the_board_cursor_on_its_order(app: OrderDeskApp, demo_db: str) -> None:
    async def scenario(pilot: Pilot) -> None:
        screen = await on_board(pilot, "helen")
        await pilot.press("right", "down", "down")
        place = screen.where()
        assert place is not None and place[1] is not None
        # another order of that stage becomes the most urgent: it comes first, above his
        late(demo_db, "H-1109", "2026-01-01 00:00:00")
        screen.refresh_data()
        await until(pilot, lambda: shown_lines(screen.columns()[1].orders)[0].startswith("H-1109"), "the refresh")
        assert screen.where() == place

    drive(app, scenario, size=(80, 24))


# ----------------------------------------------------------------------------------- the overdue board


def test_the_overdue_board_groups_late_orders_by_stage_and_manager_most_over_first(
    app: OrderDeskApp, demo_db: str
) -> None:
    for number, status, manager in [("H-1026", "callback", 5), ("H-1079", "callback", 7), ("H-1092", "callback", None),
                                    ("H-1095", "callback", None), ("D-1001", "postupil", None)]:  # fmt: skip
        open_in(demo_db, number, status, manager)
    calm(demo_db)
    late(demo_db, "H-1026", "2026-11-25 04:00:00")  # manager 5's: 5h over
    late(demo_db, "H-1079", "2026-11-25 08:00:00")  # manager 7: 1h over
    late(demo_db, "H-1092", "2026-11-25 05:40:00", flagged=False)  # nobody's, 3h 20m over, not flagged yet
    late(demo_db, "H-1095", "2026-11-25 08:30:00")  # nobody's, 30m over
    late(demo_db, "D-1001", "2026-11-24 09:00:00")  # another store
    execute(demo_db, "UPDATE orders SET manager_id = NULL WHERE number = 'D-1001'")
    first, second = sorted([name_of(demo_db, 5), name_of(demo_db, 7)])

    async def scenario(pilot: Pilot) -> None:
        screen = await on_overdue(pilot)
        lines = [" ".join(line.split()) for line in shown_lines(screen.query_one("#overdue", OptionList))]
        home, dom = lines[:7], lines[7:]  # stores by name
        assert home[0] == f"Call-back · Home & Garden · {first} 1 order"
        assert home[1].startswith("H-1026 ") and home[1].endswith("5h over")
        assert home[2] == f"Call-back · Home & Garden · {second} 1 order"
        assert home[4] == "Call-back · Home & Garden · no manager 2 orders"
        assert home[5].startswith("H-1092 ") and home[5].endswith("3h 20m over")  # the most over first
        assert home[6].startswith("H-1095 ") and home[6].endswith("30m over")
        assert dom[0] == "Поступил · Дом и сад · no manager 1 order"
        assert dom[1].startswith("D-1001 ") and dom[1].endswith("1d over")
        assert len(dom) == 2
        assert " £" in home[1] and dom[1].split()[-3].endswith("₽")  # each store's money in its currency
        assert str(screen.query_one("#overdue-line", Static).render()).startswith("5 late orders")

    drive(app, scenario, size=(80, 24))


def test_r_reassigns_the_order_to_the_manager_chosen_in_the_dialog_and_audits_it(
    app: OrderDeskApp, demo_db: str
) -> None:
    open_in(demo_db, "H-1026", "callback", 5)
    calm(demo_db)
    late(demo_db, "H-1026", "2026-11-25 04:00:00")
    before = manager_id_of(demo_db, "H-1026")

    async def scenario(pilot: Pilot) -> None:
        screen = await on_overdue(pilot)
        assert screen.selected() == "H-1026"
        await pilot.press("r")
        await until(pilot, lambda: isinstance(pilot.app.screen, ReassignDialog), "the dialog")
        dialog = pilot.app.screen
        assert isinstance(dialog, ReassignDialog)
        candidates = dialog.choices.candidates
        assert candidates and all(c.login != "anna" or before != 5 for c in candidates)
        shown = shown_lines(dialog.query_one(OptionList))
        assert len(shown) == len(candidates)
        chosen = candidates[1] if len(candidates) > 1 else candidates[0]
        await pilot.press(*(["down"] if len(candidates) > 1 else []), "enter")
        await until(pilot, lambda: any("is now" in t for t in toasts(pilot)), "the reassignment told")
        assert query(demo_db, "SELECT e.login FROM orders o JOIN employee e ON e.id = o.manager_id "
                              "WHERE o.number = 'H-1026'") == [(chosen.login,)]  # fmt: skip
        audit = query(demo_db, "SELECT a.action, e.login FROM audit_event a JOIN employee e ON e.id = a.actor_id "
                               "JOIN orders o ON o.id = a.order_id WHERE o.number = 'H-1026' ORDER BY a.id DESC LIMIT 1")  # fmt: skip
        assert audit == [("order.assigned", "helen")]
        await until(pilot, lambda: f"{chosen.name} 1 order" in " ".join(" ".join(line.split()) for line in
                    shown_lines(screen.query_one("#overdue", OptionList))), "the board shows his new manager")  # fmt: skip
        assert screen.selected() == "H-1026"

    drive(app, scenario, size=(80, 24))


def test_the_reassign_dialog_lists_the_stores_active_managers_with_presence_and_load(
    app: OrderDeskApp, demo_db: str
) -> None:
    open_in(demo_db, "H-1092", "callback", None)
    calm(demo_db)
    late(demo_db, "H-1092", "2026-11-25 04:00:00")  # nobody's
    execute(demo_db, "UPDATE employee SET presence = 'break' WHERE login = 'emily'")
    execute(demo_db, "UPDATE employee SET active = FALSE WHERE login = 'tom'")

    async def scenario(pilot: Pilot) -> None:
        await on_overdue(pilot)
        await pilot.press("r")
        await until(pilot, lambda: isinstance(pilot.app.screen, ReassignDialog), "the dialog")
        dialog = pilot.app.screen
        assert isinstance(dialog, ReassignDialog)
        logins = {c.login for c in dialog.choices.candidates}
        assert logins == {"anna", "emily", "nikolai"}  # home's managers; tom is deactivated
        emily = next(c for c in dialog.choices.candidates if c.login == "emily")
        open_orders = query(demo_db, "SELECT count(*) FROM orders o JOIN employee e ON e.id = o.manager_id "
                                     "WHERE e.login = 'emily' AND o.is_open")[0][0]  # fmt: skip
        assert emily.open == open_orders
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(pilot.app.screen, OverdueScreen)
        assert manager_id_of(demo_db, "H-1092") is None  # changed his mind: nothing written

    drive(app, scenario, size=(80, 24))


def test_a_manager_cannot_open_the_overdue_board_and_is_told_why(app: OrderDeskApp) -> None:
    async def scenario(pilot: Pilot) -> None:
        await signed_in(pilot, "vera")
        await pilot.press("4")
        await settle(pilot)
        assert not isinstance(pilot.app.screen, OverdueScreen)
        assert any("supervisor" in t for t in toasts(pilot))

    drive(app, scenario, size=(80, 24))


def test_refresh_data_after_a_change_keeps_the_cursor_on_its_order(app: OrderDeskApp, demo_db: str) -> None:
    for number in ["H-1026", "H-1092", "H-1095"]:
        open_in(demo_db, number, "callback", 5 if number == "H-1026" else None)
    calm(demo_db)
    late(demo_db, "H-1026", "2026-11-25 04:00:00")
    late(demo_db, "H-1095", "2026-11-25 08:30:00")

    async def scenario(pilot: Pilot) -> None:
        screen = await on_overdue(pilot)
        await pilot.press("down")
        assert screen.selected() == "H-1095"
        late(demo_db, "H-1092", "2026-11-25 01:00:00")  # the scheduler flags another one, above his
        screen.refresh_data()
        await until(pilot, lambda: screen.board is not None and screen.board.total == 3, "the refresh")
        assert screen.selected() == "H-1095"

    drive(app, scenario, size=(80, 24))


# ----------------------------------------------------------------------------------- snapshots


@pytest.mark.parametrize("size", [(80, 24), (120, 36)])
def test_snapshot_of_the_stage_board(app: OrderDeskApp, snap_compare, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        await on_board(pilot, "helen")
        await pilot.press("right", "down")
        await settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", [(80, 24), (120, 36)])
def test_snapshot_of_the_overdue_board(app: OrderDeskApp, snap_compare, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        await on_overdue(pilot)
        stop_blinking(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


def test_snapshot_of_the_reassign_dialog(app: OrderDeskApp, demo_db: str, snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        await on_overdue(pilot)
        await pilot.press("r")
        await until(pilot, lambda: isinstance(pilot.app.screen, ReassignDialog), "the dialog")

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
