"""My queue and the pool (U2) driven by keys: claim, take next, advance and undo, mark paid, filter,
sort, the cursor kept on refresh, urgency; each checked in the database afterwards. Snapshots of both
views at 80×24 and 120×36."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from orderdesk.api.desk import Desk
from orderdesk.clock import FixedClock
from screens.app import OrderDeskApp
from screens.messages import OrdersChanged
from screens.queue import MyQueueScreen, PoolScreen, QueueScreen
from tests.conftest import NOW, as_json, execute, query
from tests.pilot import drive, settle, signed_in, stop_blinking, toasts, until

NUMBER, CUSTOMER, TOTAL, STAGE, LEFT, PAYMENT = range(6)


@pytest.fixture
def desk(demo_db: str, engine_of: Callable[[str], object]) -> Desk:
    return Desk(engine_of(demo_db), FixedClock(NOW))  # type: ignore[arg-type]


@pytest.fixture
def app(desk: Desk) -> OrderDeskApp:
    return OrderDeskApp(desk=desk)


def rows(pilot: Pilot) -> list[list[str]]:
    table = pilot.app.screen.query_one("#queue", DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


def selected(pilot: Pilot) -> str:
    screen = pilot.app.screen
    assert isinstance(screen, QueueScreen)
    number = screen.selected()
    assert number is not None
    return number


def summary(pilot: Pilot) -> str:
    return str(pilot.app.screen.query_one("#queue-summary", Static).content)


async def view(pilot: Pilot, key: str, kind: type[QueueScreen]) -> None:
    await pilot.press(key)
    await until(pilot, lambda: isinstance(pilot.app.screen, kind) and pilot.app.screen.page is not None, kind.__name__)


async def told(pilot: Pilot, words: str) -> str:
    await until(pilot, lambda: any(words in t for t in toasts(pilot)), f"a toast with {words!r}")
    return next(t for t in toasts(pilot) if words in t)


def status_of(db: str, number: str) -> str:
    return str(query(db, "SELECT status FROM orders WHERE number = :n", n=number)[0][0])


def manager_of(db: str, number: str) -> str | None:
    found = query(db, "SELECT e.login FROM orders o LEFT JOIN employee e ON e.id = o.manager_id WHERE o.number = :n",
                  n=number)  # fmt: skip
    return found[0][0]  # type: ignore[return-value]


# ----------------------------------------------------------------------------------- the pool


def test_c_claims_the_selected_pool_order_and_it_leaves_the_pool(app: OrderDeskApp, demo_db: str) -> None:
    async def scenario(pilot: Pilot) -> None:
        await signed_in(pilot, "anna")
        await view(pilot, "2", PoolScreen)
        await pilot.press("down")
        number = selected(pilot)
        assert manager_of(demo_db, number) is None
        await pilot.press("c")
        await told(pilot, f"{number} is yours now")
        await settle(pilot)
        assert manager_of(demo_db, number) == "anna"
        assert query(demo_db, "SELECT a.after FROM audit_event a JOIN orders o ON o.id = a.order_id "
                              "WHERE o.number = :n AND a.action = 'order.assigned'", n=number)  # fmt: skip
        assert number not in [r[NUMBER] for r in rows(pilot)]
        await view(pilot, "1", MyQueueScreen)
        assert number in [r[NUMBER] for r in rows(pilot)]

    drive(app, scenario)


def test_n_takes_the_order_the_carousel_would_give_her_and_is_audited(
    app: OrderDeskApp, desk: Desk, demo_db: str
) -> None:
    anna = desk.sign_in("anna", "demo")
    before = {o.number for o in desk.queue(anna, list="mine", limit=1000).rows}

    async def scenario(pilot: Pilot) -> None:
        await signed_in(pilot, "anna")
        await pilot.press("n")
        line = await told(pilot, "is yours now (the next one for you)")
        number = line.split()[0]
        await settle(pilot)
        assert number not in before and manager_of(demo_db, number) == "anna"
        after = query(demo_db, "SELECT a.after FROM audit_event a JOIN orders o "
                               "ON o.id = a.order_id WHERE o.number = :n AND a.action = 'order.assigned'", n=number)  # fmt: skip
        assert [as_json(a)["via"] for (a,) in after] == ["take_next"]
        assert selected(pilot) == number  # the cursor on what she took

    drive(app, scenario)


def test_n_with_nothing_for_her_is_refused_with_the_reason(app: OrderDeskApp, demo_db: str) -> None:
    execute(demo_db, "UPDATE orders SET manager_id = (SELECT id FROM employee WHERE login = 'boris') "
                     "WHERE manager_id IS NULL")  # fmt: skip

    async def scenario(pilot: Pilot) -> None:
        await signed_in(pilot, "anna")
        await pilot.press("n")
        await told(pilot, "the pool is empty")
        afters = query(demo_db, "SELECT after FROM audit_event WHERE after IS NOT NULL")
        assert not [a for (a,) in afters if as_json(a).get("via") == "take_next"]

    drive(app, scenario)


def test_a_supervisor_sees_every_stores_pool_and_may_not_take_one(app: OrderDeskApp) -> None:
    async def scenario(pilot: Pilot) -> None:
        await signed_in(pilot, "helen")
        await view(pilot, "2", PoolScreen)
        line = summary(pilot)
        assert all(f"{store} " in line for store in ("home", "dom", "print"))
        await pilot.press("n")
        await told(pilot, "helen is not a manager")

    drive(app, scenario, size=(120, 32))


# ----------------------------------------------------------------------------------- my queue


def late_orders(db: str) -> list[str]:
    """Four of anna's orders, made late and not: 2 days over, 1 hour over, 30 minutes left, no limit."""
    numbers = [str(r[0]) for r in query(db, "SELECT o.number FROM orders o JOIN employee e ON e.id = o.manager_id "
                                            "WHERE e.login = 'anna' AND o.is_open ORDER BY o.id")]  # fmt: skip
    while len(numbers) < 4:  # she has a few in the demo; give her more from the pool
        execute(db, "UPDATE orders SET manager_id = (SELECT id FROM employee WHERE login = 'anna') WHERE id = "
                    "(SELECT min(id) FROM orders WHERE manager_id IS NULL AND is_open AND store_id = "
                    "(SELECT id FROM store WHERE code = 'home'))")  # fmt: skip
        numbers = [str(r[0]) for r in query(db, "SELECT o.number FROM orders o JOIN employee e ON e.id = o.manager_id "
                                                "WHERE e.login = 'anna' AND o.is_open ORDER BY o.id")]  # fmt: skip
    fmt = "%Y-%m-%d %H:%M:%S.%f"
    due = [NOW - timedelta(hours=1), NOW + timedelta(minutes=30), None, NOW - timedelta(days=2)]
    for number, at in zip(numbers, due, strict=False):
        execute(db, "UPDATE orders SET stage_due_at = :at, overdue = :late WHERE number = :n",
                at=at.strftime(fmt) if at else None, late=bool(at and at < NOW), n=number)  # fmt: skip
    for number in numbers[4:]:
        execute(db, "UPDATE orders SET stage_due_at = :at WHERE number = :n",
                at=(NOW + timedelta(days=5)).strftime(fmt), n=number)  # fmt: skip
    return numbers


def test_my_queue_is_sorted_by_urgency(app: OrderDeskApp, demo_db: str) -> None:
    hour_late, half_hour_left, no_limit, days_late = late_orders(demo_db)[:4]

    async def scenario(pilot: Pilot) -> None:
        await signed_in(pilot, "anna")
        shown = rows(pilot)
        order = [r[NUMBER] for r in shown]
        assert order[:2] == [days_late, hour_late]  # most over first
        assert order.index(half_hour_left) == 2  # then least time left
        assert order[-1] == no_limit  # no limit last
        left = {r[NUMBER]: r[LEFT] for r in shown}
        assert left[days_late] == "LATE 2d 0h" and left[hour_late] == "LATE 1h 0m"
        assert left[half_hour_left] == "30m left" and left[no_limit] == "—"

    drive(app, scenario)


def test_s_cycles_the_sort_as_the_database_orders_them(app: OrderDeskApp, demo_db: str) -> None:
    mine = ("SELECT o.number FROM orders o JOIN employee e ON e.id = o.manager_id WHERE e.login = 'anna' "
            "AND o.is_open ORDER BY ")  # fmt: skip
    late_orders(demo_db)

    async def scenario(pilot: Pilot) -> None:
        await signed_in(pilot, "anna")
        for sort, by in (("newest first", "o.created_at DESC, o.id DESC"), ("oldest first", "o.created_at, o.id"),
                         ("by total", "o.total DESC, o.id DESC")):  # fmt: skip
            await pilot.press("s")
            await until(pilot, lambda sort=sort: sort in summary(pilot), sort)
            assert [r[NUMBER] for r in rows(pilot)] == [str(n) for (n,) in query(demo_db, mine + by)]
        await pilot.press("s")
        await until(pilot, lambda: "by urgency" in summary(pilot), "back to urgency")

    drive(app, scenario)


def test_a_advances_and_u_moves_it_back_audited(app: OrderDeskApp, demo_db: str) -> None:
    async def scenario(pilot: Pilot) -> None:
        await signed_in(pilot, "anna")
        table = pilot.app.screen.query_one("#queue", DataTable)
        table.move_cursor(row=next(i for i, r in enumerate(rows(pilot)) if r[STAGE] == "Received"))
        number = selected(pilot)
        entered = query(demo_db, "SELECT status_entered_at, stage_due_at FROM orders WHERE number = :n", n=number)
        await pilot.press("a")
        line = await told(pilot, f"{number}: Received → Call-back")
        assert line.endswith("u to undo")
        assert status_of(demo_db, number) == "callback"
        await settle(pilot)
        await pilot.press("u")
        await told(pilot, f"{number}: Call-back → Received")
        assert status_of(demo_db, number) == "new"
        # as it was: an undo gives no extra time in the stage
        assert (
            query(demo_db, "SELECT status_entered_at, stage_due_at FROM orders WHERE number = :n", n=number) == entered
        )
        afters = query(demo_db, "SELECT a.after FROM audit_event a JOIN orders o ON o.id = a.order_id "
                                "WHERE o.number = :n AND a.action = 'order.status' ORDER BY a.id", n=number)  # fmt: skip
        moves = [(as_json(a)["status"], as_json(a).get("undo_of")) for (a,) in afters]
        assert [m[0] for m in moves] == ["callback", "new"] and moves[1][1] is not None

    drive(app, scenario)


def test_undo_is_refused_ten_seconds_after_the_move(app: OrderDeskApp, desk: Desk, demo_db: str) -> None:
    async def scenario(pilot: Pilot) -> None:
        await signed_in(pilot, "anna")
        table = pilot.app.screen.query_one("#queue", DataTable)
        table.move_cursor(row=next(i for i, r in enumerate(rows(pilot)) if r[STAGE] == "Received"))
        number = selected(pilot)
        await pilot.press("a")
        await told(pilot, "u to undo")
        assert isinstance(desk.clock, FixedClock)
        desk.clock.advance(timedelta(seconds=11))
        await pilot.press("u")
        await told(pilot, f"too late to undo the move of order {number}")
        assert status_of(demo_db, number) == "callback"

    drive(app, scenario)


def test_undo_is_refused_once_someone_else_moved_it(desk: Desk, demo_db: str) -> None:
    from orderdesk.policy.errors import DeskError

    anna = desk.sign_in("anna", "demo")
    number = next(o.number for o in desk.queue(anna, list="mine").rows if o.status == "new")
    desk.advance_with_undo(anna, number)
    helen = desk.sign_in("helen", "demo")
    desk.advance(helen, number)
    with pytest.raises(DeskError, match="helen made it"):
        desk.undo_move(anna, number)
    assert status_of(demo_db, number) not in ("new", "callback")


def test_m_marks_the_selected_order_paid(app: OrderDeskApp, demo_db: str) -> None:
    async def scenario(pilot: Pilot) -> None:
        await signed_in(pilot, "anna")
        table = pilot.app.screen.query_one("#queue", DataTable)
        table.move_cursor(row=next(i for i, r in enumerate(rows(pilot)) if r[PAYMENT] == "unpaid"))
        number = selected(pilot)
        await pilot.press("m")
        await told(pilot, f"{number}: payment unpaid → paid")
        await settle(pilot)
        assert query(demo_db, "SELECT payment_status FROM orders WHERE number = :n", n=number) == [("paid",)]
        assert selected(pilot) == number and rows(pilot)[table.cursor_row][PAYMENT] == "paid"

    drive(app, scenario)


def test_slash_filters_in_the_database_and_escape_clears(app: OrderDeskApp, demo_db: str) -> None:
    expected = [str(n) for (n,) in query(demo_db, "SELECT o.number FROM orders o JOIN customer c ON c.id = o.customer_id "
                                                  "JOIN store s ON s.id = o.store_id WHERE s.code = 'home' AND "
                                                  "o.manager_id IS NULL AND o.is_open AND c.name LIKE '%Hughes%' "
                                                  "ORDER BY o.created_at, o.id")]  # fmt: skip
    assert expected

    async def scenario(pilot: Pilot) -> None:
        await signed_in(pilot, "anna")
        await view(pilot, "2", PoolScreen)
        everything = len(rows(pilot))
        await pilot.press("slash", *"hughes")
        await until(pilot, lambda: 'filter "hughes"' in summary(pilot), "the filter")
        assert [r[NUMBER] for r in rows(pilot)] == expected
        await pilot.press("enter")  # keeps the filter, back to the list
        assert pilot.app.focused is pilot.app.screen.query_one("#queue", DataTable)
        await pilot.press("escape")
        await until(pilot, lambda: len(rows(pilot)) == everything, "every order again")
        assert "filter" not in summary(pilot)
        phone = str(query(demo_db, "SELECT phone_key FROM customer WHERE name LIKE '%Hughes%'")[0][0])
        await pilot.press("slash", *phone[-6:])
        await until(pilot, lambda: "filter" in summary(pilot), "the phone filter")
        assert [r[NUMBER] for r in rows(pilot)] == expected

    drive(app, scenario)


def test_a_refresh_keeps_the_cursor_on_its_order(app: OrderDeskApp, demo_db: str) -> None:
    async def scenario(pilot: Pilot) -> None:
        await signed_in(pilot, "anna")
        await view(pilot, "2", PoolScreen)
        table = pilot.app.screen.query_one("#queue", DataTable)
        table.move_cursor(row=5)
        number, first = selected(pilot), rows(pilot)[0][NUMBER]
        execute(demo_db, "UPDATE orders SET manager_id = (SELECT id FROM employee WHERE login = 'boris') "
                         "WHERE number = :n", n=first)  # another desk took the first one  # fmt: skip
        pilot.app.post_message(OrdersChanged())
        await until(pilot, lambda: first not in [r[NUMBER] for r in rows(pilot)], "the refresh")
        assert selected(pilot) == number and table.cursor_row == 4

    drive(app, scenario)


# ----------------------------------------------------------------------------------- snapshots


@pytest.mark.parametrize("size", [(80, 24), (120, 36)], ids=["80x24", "120x36"])
@pytest.mark.parametrize("key", ["1", "2"], ids=["mine", "pool"])
def test_snapshot_of_the_queue(app: OrderDeskApp, demo_db: str, snap_compare, size, key) -> None:  # type: ignore[no-untyped-def]
    late_orders(demo_db)

    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        await signed_in(pilot, "anna")
        await view(pilot, key, MyQueueScreen if key == "1" else PoolScreen)
        stop_blinking(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


def test_enter_opens_the_selected_order_and_escape_comes_back(app: OrderDeskApp) -> None:
    from screens.order import OrderScreen

    async def scenario(pilot: Pilot) -> None:
        await signed_in(pilot, "anna")
        await view(pilot, "2", PoolScreen)
        await pilot.press("down")
        number = selected(pilot)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(pilot.app.screen, OrderScreen), "the order screen")
        assert pilot.app.screen.number == number
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(pilot.app.screen, PoolScreen), "back to the pool")
        assert selected(pilot) == number

    drive(app, scenario)
