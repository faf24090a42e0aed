"""Tasks at the desk (T6, U5, U6): view 6 lists his tasks by due time in the order's store zone, `d` marks
one done (and `o` reopens it), Enter opens its order, the order screen lists its tasks, the header counts
them, and a toast says when one arrives. The tasks are rows put in by the test, as a rule would make them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from orderdesk.api.desk import Desk
from orderdesk.clock import FixedClock
from orderdesk.policy.errors import DeskError
from orderdesk.views.header import HeaderFacts
from screens import i18n
from screens.app import OrderDeskApp
from screens.messages import OrdersChanged
from screens.order import OrderScreen
from screens.tasks import TasksScreen
from screens.widgets.header import header_line
from tests.conftest import NOW, execute, query
from tests.pilot import drive, settle, signed_in, table_rows, toasts, until

STAMP = "%Y-%m-%d %H:%M:%S.%f"
HOME = "H-1003"  # Home & Garden, London: in November its clock is UTC's
OTHER = "H-1004"
MOSCOW = "D-1001"  # Дом и сад, Moscow: three hours ahead of UTC


def open_for(db: str, login: str, *numbers: str) -> None:
    """The demo finished these orders long ago: open, just received and held by `login` here."""
    for number in numbers:
        execute(
            db,
            "UPDATE orders SET status = 'new', is_open = true, payment_status = 'unpaid', overdue = false, issued_at = NULL,"
            " move_due_at = NULL, notice_due_at = NULL, status_entered_at = :entered, stage_due_at = :due,"
            " manager_id = (SELECT id FROM employee WHERE login = :login) WHERE number = :number",
            entered=(NOW - timedelta(minutes=10)).strftime(STAMP), due=(NOW + timedelta(hours=5)).strftime(STAMP),
            login=login, number=number,
        )  # fmt: skip


def task(
    db: str, login: str, title: str, *, due: timedelta | None, order: str | None = None, text: str = "",
    priority: str = "normal", status: str = "open",
) -> int:  # fmt: skip
    """A task as the rules engine writes one (due `due` from NOW); its id."""
    execute(
        db,
        "INSERT INTO task (title, text, order_id, assignee_id, created_at, due_at, priority, project, status, overdue,"
        " done_at) VALUES (:title, :text, (SELECT id FROM orders WHERE number = :order),"
        " (SELECT id FROM employee WHERE login = :login), :created, :due, :priority, 'default', :status,"
        " :overdue, :done)",
        title=title, text=text, order=order, login=login, created=(NOW - timedelta(hours=3)).strftime(STAMP),
        due=(NOW + due).strftime(STAMP) if due is not None else None, priority=priority, status=status,
        overdue=status == "open" and due is not None and due < timedelta(0),
        done=(NOW - timedelta(hours=1)).strftime(STAMP) if status == "done" else None,
    )  # fmt: skip
    return int(query(db, "SELECT max(id) FROM task")[0][0])  # type: ignore[arg-type]


def told(db: str, login: str, task_id: int, subject: str) -> None:
    """The notification the engine writes with a task: kind "task", its key naming the task."""
    execute(
        db,
        "INSERT INTO notification (employee_id, order_id, key, kind, subject, text, created_at, send_after,"
        " email_state, attempts) VALUES ((SELECT id FROM employee WHERE login = :login),"
        " (SELECT order_id FROM task WHERE id = :task), :key, 'task', :subject, '', :at, :at, 'none', 0)",
        login=login, task=task_id, key=f"task:{task_id}", subject=subject, at=NOW.strftime(STAMP),
    )  # fmt: skip


def status_of(db: str, task_id: int) -> tuple[object, ...]:
    return query(db, "SELECT t.status, e.login FROM task t LEFT JOIN employee e ON e.id = t.done_by_id"
                     " WHERE t.id = :id", id=task_id)[0]  # fmt: skip


@pytest.fixture(autouse=True)
def _english_after() -> Iterator[None]:
    """The language is the process's (one desk per process): the next test starts in English."""
    yield
    i18n.use_language("en")


@pytest.fixture
def desk(demo_db: str, engine_of: Callable[[str], object]) -> Desk:
    return Desk(engine_of(demo_db), FixedClock(NOW))  # type: ignore[arg-type]


@pytest.fixture
def annas(demo_db: str) -> dict[str, int]:
    """Anna's tasks: one late, two to come, one without a due time, one done; and one of Emily's."""
    open_for(demo_db, "anna", HOME, OTHER)
    return {
        "soon": task(demo_db, "anna", "Check the payment", due=timedelta(minutes=50), order=OTHER,
                     text="Five days after the order: is it paid?"),
        "late": task(demo_db, "anna", "Call the customer", due=timedelta(minutes=-75), order=HOME, priority="high",
                     text="Phone +44 20 7946 0005 and confirm the order"),
        "moscow": task(demo_db, "anna", "Ask Moscow about the stock", due=timedelta(hours=2), order=MOSCOW,
                       priority="low"),
        "whenever": task(demo_db, "anna", "Tidy the sample shelf", due=None, text="The shelf by the door."),
        "done": task(demo_db, "anna", "Send the invoice", due=timedelta(hours=-2), order=HOME, status="done"),
        "emilys": task(demo_db, "emily", "Emily's own", due=timedelta(minutes=5)),
    }  # fmt: skip


async def tasks_view(pilot: Pilot, login: str = "anna") -> TasksScreen:
    await signed_in(pilot, login)
    await pilot.press("6")
    await until(pilot, lambda: isinstance(pilot.app.screen, TasksScreen) and pilot.app.screen.tasks is not None,
                "the tasks view")  # fmt: skip
    screen = pilot.app.screen
    assert isinstance(screen, TasksScreen)
    return screen


def rows(pilot: Pilot) -> list[list[str]]:
    return table_rows(pilot, "#tasks")


def titles(pilot: Pilot) -> list[str]:
    return [row[3] for row in rows(pilot)]


def detail(screen: TasksScreen) -> str:
    return str(screen.query_one("#task-text", Static).content)


def header(pilot: Pilot) -> str:
    return str(pilot.app.screen.query_one("#desk-header").render())


def cursor_title(screen: TasksScreen) -> str | None:
    task = screen.selected_task()
    return task.title if task is not None else None


# ----------------------------------------------------------------------------------- the list


def test_key_6_lists_his_open_tasks_by_due_time_with_store_zone_times(desk: Desk, annas: dict[str, int]) -> None:
    async def scenario(pilot: Pilot) -> None:
        await tasks_view(pilot)
        assert rows(pilot) == [
            ["25 Nov 07:45", "LATE 1h 15m", "! high", "Call the customer", HOME],
            ["25 Nov 09:50", "50m left", "normal", "Check the payment", OTHER],
            ["25 Nov 14:00", "2h 0m left", "low", "Ask Moscow about the stock", MOSCOW],  # 11:00 UTC in Moscow
            ["—", "—", "normal", "Tidy the sample shelf", "—"],
        ]  # neither the done one nor Emily's
        summary = str(pilot.app.screen.query_one("#tasks-summary", Static).content)
        assert summary.startswith("4 open tasks   1 late   by due time")

    drive(OrderDeskApp(desk=desk), scenario, size=(80, 24))


def test_the_text_of_the_task_under_the_cursor_is_shown_below(desk: Desk, annas: dict[str, int]) -> None:
    async def scenario(pilot: Pilot) -> None:
        screen = await tasks_view(pilot)
        assert "Phone +44 20 7946 0005 and confirm the order" in detail(screen)
        assert f"order {HOME}" in detail(screen)
        await pilot.press("down", "down", "down")
        await settle(pilot)
        assert "The shelf by the door." in detail(screen) and "no order" in detail(screen)

    drive(OrderDeskApp(desk=desk), scenario)


def test_v_shows_every_task_and_back(desk: Desk, annas: dict[str, int]) -> None:
    async def scenario(pilot: Pilot) -> None:
        await tasks_view(pilot)
        await pilot.press("v")
        await until(pilot, lambda: len(rows(pilot)) == 5, "every task of hers")
        assert rows(pilot)[0] == ["25 Nov 07:00", "done", "normal", "Send the invoice", HOME]
        assert "Emily's own" not in titles(pilot)
        await pilot.press("v")
        await until(pilot, lambda: len(rows(pilot)) == 4, "the open ones again")

    drive(OrderDeskApp(desk=desk), scenario, size=(80, 24))


# ----------------------------------------------------------------------------------- done and reopened


def test_d_marks_the_task_under_the_cursor_done(demo_db: str, desk: Desk, annas: dict[str, int]) -> None:
    async def scenario(pilot: Pilot) -> None:
        screen = await tasks_view(pilot)
        assert "2 tasks, 1 late" not in header(pilot) and "4 tasks, 1 late" in header(pilot)
        await pilot.press("d")
        await until(pilot, lambda: "Call the customer" not in titles(pilot), "the done task leaves the list")
        assert status_of(demo_db, annas["late"]) == ("done", "anna")
        assert "Done: Call the customer" in toasts(pilot)
        assert cursor_title(screen) == "Check the payment"  # the next one
        await until(pilot, lambda: "3 tasks ·" in header(pilot), "the header counts one fewer")
        await pilot.press("v")
        await until(pilot, lambda: len(rows(pilot)) == 5, "every task")
        assert ["25 Nov 07:45", "done", "! high", "Call the customer", HOME] in rows(pilot)

    drive(OrderDeskApp(desk=desk), scenario, size=(100, 24))


def test_o_reopens_a_done_task(demo_db: str, desk: Desk, annas: dict[str, int]) -> None:
    async def scenario(pilot: Pilot) -> None:
        screen = await tasks_view(pilot)
        await pilot.press("o")  # an open one: nothing to reopen, and it says how to find the done ones
        await settle(pilot)
        assert any("v shows the done tasks" in t for t in toasts(pilot))
        await pilot.press("v")
        await until(pilot, lambda: len(rows(pilot)) == 5, "every task")
        await pilot.press("ctrl+home")
        await settle(pilot)
        assert cursor_title(screen) == "Send the invoice"
        await pilot.press("o")
        await until(pilot, lambda: rows(pilot)[0][1] == "LATE 2h 0m", "reopened, and late")
        assert status_of(demo_db, annas["done"]) == ("open", None)
        assert "Reopened: Send the invoice" in toasts(pilot)

    drive(OrderDeskApp(desk=desk), scenario)


def test_a_refused_d_says_why_and_changes_nothing(demo_db: str, desk: Desk, annas: dict[str, int]) -> None:
    async def scenario(pilot: Pilot) -> None:
        screen = await tasks_view(pilot)
        assert cursor_title(screen) == "Call the customer"
        # given to Emily meanwhile (the list has not been read again): Anna, a manager, may not close it
        execute(demo_db, "UPDATE task SET assignee_id = (SELECT id FROM employee WHERE login = 'emily') WHERE id = :id",
                id=annas["late"])  # fmt: skip
        anna = pilot.app.viewer  # type: ignore[attr-defined]
        with pytest.raises(DeskError) as refusal:
            desk.complete_task(anna, annas["late"])
        await pilot.press("d")
        await until(pilot, lambda: str(refusal.value) in toasts(pilot), "the refusal told")
        assert status_of(demo_db, annas["late"]) == ("open", None)

    drive(OrderDeskApp(desk=desk, watch=False), scenario)


def test_d_on_a_done_task_says_it_is_done(demo_db: str, desk: Desk, annas: dict[str, int]) -> None:
    async def scenario(pilot: Pilot) -> None:
        await tasks_view(pilot)
        await pilot.press("v")
        await until(pilot, lambda: len(rows(pilot)) == 5, "every task")
        await pilot.press("ctrl+home", "d")
        await settle(pilot)
        assert "Send the invoice is done already." in toasts(pilot)

    drive(OrderDeskApp(desk=desk), scenario)


# ----------------------------------------------------------------------------------- Enter, refreshes


def test_enter_opens_the_tasks_order_or_shows_the_text_of_one_without(desk: Desk, annas: dict[str, int]) -> None:
    async def scenario(pilot: Pilot) -> None:
        await tasks_view(pilot)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(pilot.app.screen, OrderScreen) and pilot.app.screen.detail is not None,
                    "the task's order")  # fmt: skip
        assert pilot.app.screen.number == HOME  # type: ignore[attr-defined]
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(pilot.app.screen, TasksScreen), "back at the tasks")
        await pilot.press("ctrl+end", "enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, TasksScreen)
        assert "The shelf by the door." in toasts(pilot)

    drive(OrderDeskApp(desk=desk), scenario)


def test_the_cursor_stays_on_its_task_when_the_list_is_read_again(
    demo_db: str, desk: Desk, annas: dict[str, int]
) -> None:
    async def scenario(pilot: Pilot) -> None:
        screen = await tasks_view(pilot)
        await pilot.press("down")
        await settle(pilot)
        assert cursor_title(screen) == "Check the payment"
        task(demo_db, "anna", "Something earlier still", due=timedelta(hours=-5))
        pilot.app.post_message(OrdersChanged())
        await until(pilot, lambda: titles(pilot)[0] == "Something earlier still", "the new task first")
        assert cursor_title(screen) == "Check the payment"

    drive(OrderDeskApp(desk=desk, watch=False), scenario)


# ----------------------------------------------------------------------------------- the order, the header, news


def test_the_order_screen_lists_its_tasks(desk: Desk, annas: dict[str, int]) -> None:
    async def scenario(pilot: Pilot) -> None:
        await signed_in(pilot, "anna")
        pilot.app.open_order(HOME)  # type: ignore[attr-defined]
        await until(pilot, lambda: isinstance(pilot.app.screen, OrderScreen) and pilot.app.screen.detail is not None,
                    "the order")  # fmt: skip
        assert table_rows(pilot, "#order-tasks-table") == [
            ["Call the customer", "Anna Petrova", "25 Nov 07:45", "LATE"],
            ["Send the invoice", "Anna Petrova", "25 Nov 07:00", "done"],
        ]
        assert pilot.app.screen.query_one("#order-tasks").display

    drive(OrderDeskApp(desk=desk), scenario)


def test_an_order_without_tasks_shows_no_tasks_section(demo_db: str, desk: Desk, annas: dict[str, int]) -> None:
    open_for(demo_db, "anna", "H-1005")

    async def scenario(pilot: Pilot) -> None:
        await signed_in(pilot, "anna")
        pilot.app.open_order("H-1005")  # type: ignore[attr-defined]
        await until(pilot, lambda: isinstance(pilot.app.screen, OrderScreen) and pilot.app.screen.detail is not None,
                    "the order")  # fmt: skip
        assert table_rows(pilot, "#order-tasks-table") == []
        assert not pilot.app.screen.query_one("#order-tasks").display

    drive(OrderDeskApp(desk=desk), scenario)


def test_the_header_counts_his_open_and_late_tasks(desk: Desk, annas: dict[str, int]) -> None:
    async def scenario(pilot: Pilot) -> None:
        await signed_in(pilot, "anna")
        await until(pilot, lambda: "4 tasks, 1 late" in header(pilot), "her tasks in the header")
        assert len(header(pilot)) <= 80

    drive(OrderDeskApp(desk=desk), scenario, size=(80, 24))


def test_the_header_gives_room_to_the_tasks_before_the_name_at_80_columns() -> None:
    facts = HeaderFacts(name="Anastasia Konstantinopolskaya", login="anastasia", presence="break", open_orders=12,
                        overdue=3, unread=7, open_tasks=5, late_tasks=2)  # fmt: skip
    narrow = header_line("Tasks", facts, 78).plain
    assert "5 tasks, 2 late" in narrow and len(narrow) <= 78
    assert "anastasia" not in narrow  # the login went first
    none = HeaderFacts(name="Anna Petrova", login="anna", presence="free", open_orders=1, overdue=0, unread=0)
    assert "task" not in header_line("Tasks", none, 200).plain  # no "0 tasks"


def test_a_toast_says_when_a_task_arrives_for_him(demo_db: str, desk: Desk, annas: dict[str, int]) -> None:
    before = task(demo_db, "anna", "Told before she came", due=timedelta(hours=1))
    told(demo_db, "anna", before, "New task: Told before she came")

    async def scenario(pilot: Pilot) -> None:
        await signed_in(pilot, "anna")
        new = task(demo_db, "anna", "Call the customer within an hour", due=timedelta(hours=1), order=MOSCOW)
        told(demo_db, "anna", new, "New task: Call the customer within an hour")
        theirs = task(demo_db, "emily", "Emily's new one", due=timedelta(hours=1))
        told(demo_db, "emily", theirs, "New task: Emily's new one")
        pilot.app.post_message(OrdersChanged())
        line = "Call the customer within an hour — due 25 Nov 13:00"  # 10:00 UTC in Moscow
        await until(pilot, lambda: line in toasts(pilot), "the toast")
        pilot.app.post_message(OrdersChanged())
        await settle(pilot)
        assert toasts(pilot).count(line) == 1  # told once
        assert not any("Told before she came" in t or "Emily" in t for t in toasts(pilot))

    drive(OrderDeskApp(desk=desk, watch=False), scenario)


def test_a_burst_of_tasks_is_one_toast_not_a_wall_of_them(demo_db: str, desk: Desk, annas: dict[str, int]) -> None:
    """A first round after an outage makes many tasks at once: one toast names the first and counts the rest."""

    async def scenario(pilot: Pilot) -> None:
        await signed_in(pilot, "anna")
        for n in range(6):
            made = task(demo_db, "anna", f"Check payment {n}", due=timedelta(hours=1))
            told(demo_db, "anna", made, f"New task: Check payment {n}")
        pilot.app.post_message(OrdersChanged())
        await until(pilot, lambda: any("and 3 more" in t for t in toasts(pilot)), "the toast")
        burst = [t for t in toasts(pilot) if "Check payment" in t]
        assert len(burst) == 1, burst
        assert burst[0].splitlines()[0] == "· Check payment 0"

    drive(OrderDeskApp(desk=desk, watch=False), scenario)


# ----------------------------------------------------------------------------------- Russian, snapshots


def test_her_tasks_speak_russian(demo_db: str, desk: Desk) -> None:
    task(demo_db, "irina", "Позвонить клиенту", due=timedelta(minutes=-30), order=MOSCOW, priority="high")

    async def scenario(pilot: Pilot) -> None:
        screen = await tasks_view(pilot, "irina")
        table = screen.query_one("#tasks", DataTable)
        labels = [str(c.label) for c in table.columns.values()]
        assert labels == ["Срок", "Осталось", "Приоритет", "Задача", "Заказ"]
        # hers comes first: the most urgent; the demo's task rules gave her the others
        assert rows(pilot)[0] == ["25 ноя 11:30", "−30м", "! высокий", "Позвонить клиенту", MOSCOW]
        assert f"задач: {len(rows(pilot))}" in header(pilot)

    drive(OrderDeskApp(desk=desk), scenario, size=(80, 24))


def _shown(login: str, *keys: str) -> Callable[[Pilot], object]:
    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        await tasks_view(pilot, login)
        if keys:
            await pilot.press(*keys)
        await settle(pilot)

    return run_before


def test_snapshot_of_the_tasks_view(desk: Desk, annas: dict[str, int], snap_compare) -> None:  # type: ignore[no-untyped-def]
    app = OrderDeskApp(desk=desk, watch=False)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_shown("anna"))


def test_snapshot_of_every_task(desk: Desk, annas: dict[str, int], snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:
        await _shown("anna")(pilot)  # type: ignore[misc]
        await pilot.press("v")
        await until(pilot, lambda: len(rows(pilot)) == 5, "every task")

    assert snap_compare(OrderDeskApp(desk=desk, watch=False), terminal_size=(80, 24), run_before=run_before)


def test_snapshot_of_the_tasks_view_in_russian(demo_db: str, desk: Desk, snap_compare) -> None:  # type: ignore[no-untyped-def]
    task(demo_db, "irina", "Позвонить клиенту в течение часа", due=timedelta(minutes=-30), order=MOSCOW,
         priority="high", text="Телефон +7 900 123-45-67, подтвердить заказ")  # fmt: skip
    task(demo_db, "irina", "Проверить оплату заказа", due=timedelta(days=5), order=MOSCOW)
    assert snap_compare(OrderDeskApp(desk=desk, watch=False), terminal_size=(80, 24), run_before=_shown("irina"))
