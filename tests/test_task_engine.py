"""The task-rule engine (seed 001, DESIGN T1–T7): rules fire when events happen and make tasks.

Rules are written straight into `task_rule` (through `orderdesk.views.rules.row_values`), orders come
in through `orders import`, time is stepped with `orderdesk tick --at`. What is asserted is what
people see: the tasks in the database, who got them, their notifications, and the rule log.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event as sa_event
from sqlmodel import Session

from orderdesk.api.desk import Desk
from orderdesk.clock import FixedClock
from orderdesk.policy.rules import EmployeeConditions, OrderConditions, RuleEvent, TaskRule
from orderdesk.usecases.task_rules import fire
from orderdesk.views.rules import row_values
from storage.db import shared_engine
from storage.models import TaskRuleRow
from tests.conftest import NOW, execute, query

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)

DESK = """
[[stores]]
code = "shop"
name = "Garden shop"
timezone = "Europe/London"
currency = "GBP"

[[stores]]
code = "print"
name = "Print shop"
timezone = "Europe/Moscow"
currency = "RUB"

[[channels]]
code = "site"
name = "Web site"

[[order_types]]
code = "regular"
name = "Regular"

[[payment_methods]]
code = "card"
name = "Card"

[[delivery_methods]]
code = "pickup"
name = "Pickup"
price = "0.00"

[[groups]]
code = "shop-staff"
name = "Shop staff"
stores = ["shop"]

[[groups]]
code = "print-staff"
name = "Print staff"
stores = ["print"]

[[employees]]
login = "sam"
name = "Sam Supervisor"
roles = ["supervisor"]
groups = ["shop-staff"]
password = "x"

[[employees]]
login = "max"
name = "Max Manager"
roles = ["manager"]
groups = ["shop-staff"]
city = "London"
password = "x"

[[employees]]
login = "mia"
name = "Mia Manager"
roles = ["manager"]
groups = ["shop-staff"]
city = "Saint Petersburg"
email = "mia@example.com"
password = "x"

[[employees]]
login = "pia"
name = "Pia Printer"
roles = ["manager"]
groups = ["print-staff"]
password = "x"

[[stages]]
store = "shop"
code = "new"
name = "Received"
time_limit = "1h"

[[stages]]
store = "shop"
code = "confirmed"
name = "Confirmed"

[[stages]]
store = "shop"
code = "packed"
name = "Packed"

[[stages]]
store = "shop"
code = "done"
name = "Done"
kind = "final"

[[stages]]
store = "shop"
code = "cancelled"
name = "Cancelled"
kind = "cancelled"

[[stages]]
store = "print"
code = "placed"
name = "Placed"

[[stages]]
store = "print"
code = "in_print"
name = "In print"
time_limit = "2d"

[[stages]]
store = "print"
code = "issued"
name = "Issued"
kind = "final"

[[automoves]]
store = "print"
from = ["placed"]
after = "2w"
to = "in_print"
"""


def stamp(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def order(number: str, store: str = "shop", *, status: str | None = None, created: datetime = NOW,
          name: str | None = None, city: str | None = None, price: str = "10.00") -> dict[str, Any]:  # fmt: skip
    return {
        "number": number, "store": store, "channel": "site", "type": "regular", "created_at": stamp(created),
        "customer": {"name": name or f"Customer {number}", "phone": f"+44 7700 {abs(hash(number)) % 10**6:06d}",
                     "email": f"{number.lower()}@example.com", "city": city},
        "items": [{"sku": "A", "name": "Thing", "qty": 1, "price": price}],
        "payment_method": "card", "delivery": {"method": "pickup"}, "status": status,
    }  # fmt: skip


@pytest.fixture
def desk(empty_db: str, cli: Any, tmp_path: Path) -> str:
    config = tmp_path / "desk.toml"
    config.write_text(DESK, encoding="utf-8")
    assert cli("load", str(config), db=empty_db).exit_code == 0
    return empty_db


def add_rule(db: str, name: str, event: str, title: str, **fields: Any) -> None:
    rule = TaskRule(id=0, name=name, event=event, title=title, **fields)
    with Session(shared_engine(db)) as session:
        session.add(TaskRuleRow(**row_values(rule)))
        session.commit()


def add_orders(cli: Any, db: str, tmp_path: Path, *orders: dict[str, Any]) -> None:
    path = tmp_path / f"orders-{orders[0]['number']}.json"
    path.write_text(json.dumps(list(orders)), encoding="utf-8")
    result = cli("orders", "import", str(path), db=db)
    assert result.exit_code == 0, result.stderr


def tick(cli: Any, db: str, at: datetime) -> dict[str, Any]:
    result = cli("tick", "--at", stamp(at), "--json", db=db)
    assert result.exit_code == 0, result.stdout + result.stderr
    return json.loads(result.stdout)


def tasks(db: str, number: str | None = None) -> list[tuple[Any, ...]]:
    """(title, assignee login, status, rule name) of the tasks, oldest first."""
    rows = query(
        db,
        "SELECT t.title, e.login, t.status, r.name FROM task t LEFT JOIN employee e ON e.id = t.assignee_id "
        "LEFT JOIN task_rule r ON r.id = t.rule_id LEFT JOIN orders o ON o.id = t.order_id "
        "WHERE CAST(:n AS TEXT) IS NULL OR o.number = :n ORDER BY t.id",
        n=number,
    )
    return [tuple(row) for row in rows]


def log(db: str, number: str) -> list[tuple[str, list[dict[str, Any]]]]:
    """(occurrence, trace) of the order's rule log, oldest first."""
    rows = query(
        db,
        "SELECT l.occurrence, l.trace FROM rule_log l JOIN orders o ON o.id = l.order_id WHERE o.number = :n "
        "ORDER BY l.id",
        n=number,
    )
    return [(occurrence, json.loads(trace) if isinstance(trace, str) else trace) for occurrence, trace in rows]


def order_id(db: str, number: str) -> int:
    return query(db, "SELECT id FROM orders WHERE number = :n", n=number)[0][0]  # type: ignore[return-value]


def inbox(db: str, login: str) -> list[tuple[Any, ...]]:
    rows = query(
        db,
        "SELECT n.kind, n.key, n.subject, n.text, n.email_state FROM notification n "
        "JOIN employee e ON e.id = n.employee_id WHERE e.login = :login AND n.kind LIKE 'task%' ORDER BY n.id",
        login=login,
    )
    return [tuple(row) for row in rows]


# ----------------------------------------------------------------------------------- order created


def test_a_new_order_makes_the_task_filled_in_for_the_chosen_manager_and_tells_him(
    desk: str, cli: Any, tmp_path: Path
) -> None:
    add_rule(desk, "call", "order_created", "Call #NAME# about #ORDER_ID#",
             text="Phone #PHONE#, e-mail #EMAIL#: #TOTAL# in #STORE# (#STATUS#)",
             assignee=EmployeeConditions(role="manager"), due_in=3600, task_priority="high")  # fmt: skip
    assert cli("settings", "set", "smtp.host", '"smtp.example.com"', db=desk).exit_code == 0
    add_orders(cli, desk, tmp_path, order("S-1", name="Jo #1 {x}", price="1234.50"))
    rows = query(desk, "SELECT t.title, t.text, t.priority, t.due_at, t.created_at FROM task t")
    assert len(rows) == 1
    title, text, priority, due_at, created_at = rows[0]
    assert title == "Call Jo #1 {x} about S-1"  # literal: the name's # and braces print as given
    assert text == "Phone +44 7700 " + f"{abs(hash('S-1')) % 10**6:06d}" + \
        ", e-mail s-1@example.com: £1,234.50 in Garden shop (Received)"  # fmt: skip
    assert priority == "high"
    assert str(due_at).startswith("2026-11-25 10:00") and str(created_at).startswith("2026-11-25 09:00")
    (who,) = [login for _, login, _, _ in tasks(desk)]
    assert who in ("max", "mia")
    (note,) = inbox(desk, who)
    assert note[0] == "task" and note[2] == title
    assert "due 2026-11-25 10:00 GMT" in note[3]  # in the store's zone
    assert note[4] == ("pending" if who == "mia" else "none")  # e-mail where configured and he has an address
    audit = query(desk, "SELECT rule, after FROM audit_event WHERE action = 'task.created'")
    assert audit[0][0] == 'rule "call"' and _json(audit[0][1])["assignee"] == who  # type: ignore[arg-type]
    ((occurrence, trace),) = log(desk, "S-1")
    assert occurrence == "created"
    assert trace[0]["fired"] and trace[0]["chosen"] == who and trace[0]["task_id"] and trace[0]["why"]


def test_the_carousel_turns_within_one_import_and_across_imports(desk: str, cli: Any, tmp_path: Path) -> None:
    add_rule(desk, "call", "order_created", "Call #ORDER_ID#", assignee=EmployeeConditions(role="manager"))
    add_orders(cli, desk, tmp_path, *(order(f"S-{n}") for n in range(1, 5)))
    add_orders(cli, desk, tmp_path, order("S-9"))
    assert [login for _, login, _, _ in tasks(desk)] == ["max", "mia", "max", "mia", "max"]


def test_an_order_created_at_the_desk_fires_with_its_manager_filled_in(desk: str, cli: Any) -> None:
    add_rule(
        desk, "confirm", "order_created", "Confirm #ORDER_ID# (#MANAGER#)", assignee=EmployeeConditions(login="sam")
    )
    made = cli("orders", "create", "--as", "max", "--store", "shop", "--customer", "Jo", "--phone", "+44 7700 123456", "--item", "A:Thing:1:5.00",
               "--channel", "site", "--payment", "card", "--delivery", "pickup", "--number", "S-7", db=desk)  # fmt: skip
    assert made.exit_code == 0, made.stderr
    assert tasks(desk) == [("Confirm S-7 (Max Manager)", "sam", "open", "confirm")]


def test_an_order_imported_closed_fires_nothing_and_the_log_says_why(desk: str, cli: Any, tmp_path: Path) -> None:
    add_rule(desk, "call", "order_created", "Call #ORDER_ID#", assignee=EmployeeConditions(role="manager"))
    add_orders(cli, desk, tmp_path, order("S-1", status="done", created=NOW - 30 * DAY))
    assert tasks(desk) == []
    ((occurrence, (tried,)),) = log(desk, "S-1")
    assert occurrence == "created" and not tried["fired"] and "arrived closed" in tried["reason"]
    assert "Done" in tried["reason"]


def test_the_same_occurrence_fired_twice_makes_one_task(desk: str, cli: Any, tmp_path: Path) -> None:
    add_rule(desk, "call", "order_created", "Call #ORDER_ID#", assignee=EmployeeConditions(role="manager"))
    add_orders(cli, desk, tmp_path, order("S-1"))
    event = RuleEvent("order_created", order_id(desk, "S-1"), "created", NOW)
    with Session(shared_engine(desk)) as session:
        result = fire(session=session, clock=FixedClock(NOW + HOUR), events=[event, event])
        session.commit()
    assert result.repeated == 2 and not result.tasks
    assert len(tasks(desk)) == 1 and len(log(desk, "S-1")) == 1


def test_with_no_rule_for_the_events_fire_costs_one_query_and_writes_no_log(
    desk: str, cli: Any, tmp_path: Path
) -> None:
    add_rule(desk, "late", "overdue", "Late: #ORDER_ID#")  # a rule, but of another event
    add_orders(cli, desk, tmp_path, order("S-1"))
    statements: list[str] = []
    engine = shared_engine(desk)
    listen = lambda *args: statements.append(args[2])  # noqa: E731  (conn, cursor, statement, ...)
    sa_event.listen(engine, "before_cursor_execute", listen)
    try:
        with Session(engine) as session:
            many = [RuleEvent("order_created", order_id(desk, "S-1"), "created", NOW)] * 100_000
            statements.clear()
            assert fire(session=session, clock=FixedClock(NOW), events=many).events == 0
            session.commit()
    finally:
        sa_event.remove(engine, "before_cursor_execute", listen)
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1
    assert query(desk, "SELECT count(*) FROM rule_log") == [(0,)]


# ----------------------------------------------------------------------------------- position and continue


def test_position_and_continue_end_to_end(desk: str, cli: Any, tmp_path: Path) -> None:
    # tried in position order: "vip" (1, continue) and "spb" (5) fire; "all" (10) matched but was stopped
    add_rule(desk, "all", "order_created", "Anyone: #ORDER_ID#", priority=10)
    add_rule(desk, "spb", "order_created", "SPb: #ORDER_ID#", priority=5,
             when=OrderConditions(city="Saint Petersburg"), assignee=EmployeeConditions(role="manager", city="Saint Petersburg"))  # fmt: skip
    add_rule(desk, "vip", "order_created", "VIP: #ORDER_ID#", priority=1, continues=True,
             when=OrderConditions(customer="Alexander Sidorov"), assignee=EmployeeConditions(login="max"))  # fmt: skip
    add_orders(cli, desk, tmp_path, order("S-1", name="Alexander Sidorov", city="Saint Petersburg"),
               order("S-2", city="London"))  # fmt: skip
    assert tasks(desk, "S-1") == [("VIP: S-1", "max", "open", "vip"), ("SPb: S-1", "mia", "open", "spb")]
    ((_, trace),) = log(desk, "S-1")
    assert [(t["rule"], t["matched"], t["fired"]) for t in trace] == [
        ("vip", True, True), ("spb", True, True), ("all", True, False)]  # fmt: skip
    assert "spb" in trace[2]["reason"]
    assert [t[0] for t in tasks(desk, "S-2")] == ["Anyone: S-2"]
    ((_, trace),) = log(desk, "S-2")
    assert [(t["rule"], t["fired"]) for t in trace] == [("vip", False), ("spb", False), ("all", True)]


def test_nobody_matches_the_task_goes_to_the_stores_supervisor_and_the_log_says_so(
    desk: str, cli: Any, tmp_path: Path
) -> None:
    add_rule(desk, "kazan", "order_created", "#ORDER_ID#", assignee=EmployeeConditions(role="manager", city="Kazan"))
    add_orders(cli, desk, tmp_path, order("S-1"))
    assert tasks(desk) == [("S-1", "sam", "open", "kazan")]
    ((_, (tried,)),) = log(desk, "S-1")
    assert tried["chosen"] == "sam" and "nobody is" in tried["why"] and "supervisor" in tried["why"]


# ----------------------------------------------------------------------------------- status changed


def status_rule(db: str) -> None:
    add_rule(db, "pack it", "status_changed", "Pack #ORDER_ID# (#STATUS#)", to_status="confirmed",
             from_statuses=("new",), assignee=EmployeeConditions(login="mia"))  # fmt: skip


def test_an_advance_by_a_person_at_the_desk_fires_the_stages_rule(desk: str, cli: Any, tmp_path: Path,
                                                                 engine_of: Any) -> None:  # fmt: skip
    status_rule(desk)
    add_orders(cli, desk, tmp_path, order("S-1"))
    app_desk = Desk(engine_of(desk), FixedClock(NOW + HOUR))
    app_desk.advance(app_desk.sign_in("sam", "x"), "S-1")
    assert tasks(desk) == [("Pack S-1 (Confirmed)", "mia", "open", "pack it")]
    assert log(desk, "S-1")[-1][0] == f"status:confirmed:{stamp(NOW + HOUR)}"


def test_an_advance_from_the_cli_fires_it_and_to_and_from_are_respected(desk: str, cli: Any, tmp_path: Path) -> None:
    status_rule(desk)
    add_orders(cli, desk, tmp_path, order("S-1"), order("S-2"))
    assert cli("orders", "advance", "S-1", "--as", "sam", db=desk).exit_code == 0  # new → confirmed
    assert cli("orders", "advance", "S-1", "--as", "sam", db=desk).exit_code == 0  # → packed: not "to"
    assert cli("orders", "move", "S-2", "packed", "--as", "sam", db=desk).exit_code == 0
    assert cli("orders", "move", "S-2", "confirmed", "--as", "sam", db=desk).exit_code == 0  # from packed: not "from"
    assert tasks(desk) == [("Pack S-1 (Confirmed)", "mia", "open", "pack it")]
    reasons = [trace[0]["reason"] for occurrence, trace in log(desk, "S-2")]
    assert 'changed to "packed", not "confirmed"' in reasons[0]
    assert 'from "packed", not from new' in reasons[1]


def test_a_timed_move_fires_the_status_changed_rule_once(desk: str, cli: Any, tmp_path: Path) -> None:
    add_rule(desk, "print it", "status_changed", "Print #ORDER_ID#", to_status="in_print",
             assignee=EmployeeConditions(role="manager"))  # fmt: skip
    add_orders(cli, desk, tmp_path, order("P-1", "print"))
    tick(cli, desk, NOW + 15 * DAY)
    tick(cli, desk, NOW + 15 * DAY)
    assert tasks(desk) == [("Print P-1", "pia", "open", "print it")]
    assert log(desk, "P-1")[-1][0] == f"status:in_print:{stamp(NOW + 14 * DAY)}"


def test_undoing_a_move_fires_nothing_and_cancels_the_moves_tasks(desk: str, cli: Any, tmp_path: Path,
                                                                 engine_of: Any) -> None:  # fmt: skip
    status_rule(desk)
    add_rule(desk, "back in new", "status_changed", "Again #ORDER_ID#", to_status="new")
    add_orders(cli, desk, tmp_path, order("S-1"))
    app_desk = Desk(engine_of(desk), FixedClock(NOW + HOUR))
    sam = app_desk.sign_in("sam", "x")
    app_desk.advance_with_undo(sam, "S-1")
    app_desk.undo_move(sam, "S-1")
    assert tasks(desk) == [("Pack S-1 (Confirmed)", "mia", "cancelled", "pack it")]
    assert query(desk, "SELECT count(*) FROM audit_event WHERE action = 'task.cancelled'") == [(1,)]


# ----------------------------------------------------------------------------------- overdue


def test_an_overdue_rule_fires_once_per_overdue_occurrence(desk: str, cli: Any, tmp_path: Path) -> None:
    add_rule(desk, "late", "overdue", "Late: #ORDER_ID#", to_status="new", assignee=EmployeeConditions(login="max"))
    add_orders(cli, desk, tmp_path, order("S-1"))
    tick(cli, desk, NOW + 2 * HOUR)
    tick(cli, desk, NOW + 3 * HOUR)
    assert tasks(desk) == [("Late: S-1", "max", "open", "late")]
    assert log(desk, "S-1")[-1][0] == f"overdue:new:{stamp(NOW)}"
    # a second visit of the stage is another occurrence
    assert cli("orders", "move", "S-1", "confirmed", "--as", "sam", db=desk).exit_code == 0
    execute(desk, "UPDATE orders SET status = 'new', status_entered_at = :at, stage_due_at = :due, overdue = false",
            at=(NOW + 4 * HOUR).replace(tzinfo=None), due=(NOW + 5 * HOUR).replace(tzinfo=None))  # fmt: skip
    tick(cli, desk, NOW + 6 * HOUR)
    assert [t[0] for t in tasks(desk)] == ["Late: S-1", "Late: S-1"]


# ----------------------------------------------------------------------------------- delayed


def delayed_rule(db: str) -> None:
    add_rule(db, "paid?", "order_created", "Was #ORDER_ID# paid?", delay=5 * 86400, due_in=86400,
             assignee=EmployeeConditions(login="max"))  # fmt: skip


def test_a_five_day_delayed_rule_makes_its_task_at_five_days_once(desk: str, cli: Any, tmp_path: Path) -> None:
    delayed_rule(desk)
    add_orders(cli, desk, tmp_path, order("S-1"))
    ((_, (tried,)),) = log(desk, "S-1")
    assert tried["fired"] and tried["delayed_until"] == stamp(NOW + 5 * DAY)
    assert tick(cli, desk, NOW + 4 * DAY)["jobs"]["tasks"]["made"] == 0
    assert tasks(desk) == []
    assert tick(cli, desk, NOW + 5 * DAY)["jobs"]["tasks"]["made"] == 1
    assert tick(cli, desk, NOW + 6 * DAY)["jobs"]["tasks"]["made"] == 0
    assert tasks(desk) == [("Was S-1 paid?", "max", "open", "paid?")]
    due = query(desk, "SELECT created_at, due_at FROM task")[0]
    assert str(due[0]).startswith("2026-11-30 09:00") and str(due[1]).startswith("2026-12-01 09:00")
    assert query(desk, "SELECT state, task_id IS NOT NULL FROM task_schedule") == [("made", 1)]
    assert log(desk, "S-1")[-1][1][0]["task_id"]


def test_a_delayed_task_of_an_order_cancelled_on_day_three_is_never_made(
    desk: str, cli: Any, tmp_path: Path, clock: FixedClock
) -> None:
    delayed_rule(desk)
    add_orders(cli, desk, tmp_path, order("S-1"))
    clock.set(NOW + 3 * DAY)  # the clock of the commands `cli` runs
    cancel = cli("orders", "move", "S-1", "cancelled", "--as", "sam", db=desk)
    assert cancel.exit_code == 0, cancel.stderr
    assert str(query(desk, "SELECT status, status_entered_at FROM orders")[0][1]).startswith("2026-11-28 09:00")
    tick(cli, desk, NOW + 5 * DAY)
    tick(cli, desk, NOW + 6 * DAY)
    assert tasks(desk) == []
    ((state, note),) = query(desk, "SELECT state, note FROM task_schedule")
    assert state == "skipped" and "closed" in note and "Cancelled" in note  # type: ignore[operator]
    occurrence, (tried,) = log(desk, "S-1")[-1]
    assert occurrence.startswith("delayed:") and not tried["fired"] and "Cancelled" in tried["reason"]


def test_after_a_ten_day_outage_one_tick_makes_each_due_task_once(desk: str, cli: Any, tmp_path: Path) -> None:
    delayed_rule(desk)
    add_rule(desk, "two days", "order_created", "Two days: #ORDER_ID#", delay=2 * 86400, continues=True,
             priority=1, assignee=EmployeeConditions(login="mia"))  # fmt: skip
    add_orders(cli, desk, tmp_path, order("S-1"), order("S-2", created=NOW + DAY))
    assert tick(cli, desk, NOW + 10 * DAY)["jobs"]["tasks"]["made"] == 4
    assert tick(cli, desk, NOW + 10 * DAY + HOUR)["jobs"]["tasks"]["made"] == 0
    assert sorted(t[0] for t in tasks(desk)) == ["Two days: S-1", "Two days: S-2", "Was S-1 paid?", "Was S-2 paid?"]


# ----------------------------------------------------------------------------------- overdue tasks


def test_a_task_past_due_is_flagged_and_its_assignee_told_once(desk: str, cli: Any, tmp_path: Path) -> None:
    add_rule(desk, "call", "order_created", "Call #ORDER_ID#", due_in=3600, assignee=EmployeeConditions(login="max"))
    add_orders(cli, desk, tmp_path, order("S-1"))
    tick(cli, desk, NOW + HOUR / 2)
    assert query(desk, "SELECT overdue FROM task") == [(0,)]
    assert tick(cli, desk, NOW + 2 * HOUR)["jobs"]["tasks"]["overdue"] == 1
    assert tick(cli, desk, NOW + 3 * HOUR)["jobs"]["tasks"]["overdue"] == 0
    assert query(desk, "SELECT overdue FROM task") == [(1,)]
    told = [row for row in inbox(desk, "max") if row[0] == "task_overdue"]
    assert len(told) == 1 and told[0][2] == "Task overdue: Call S-1"


def test_a_delayed_rule_on_entering_a_closed_stage_still_makes_its_task(desk: str, cli: Any, tmp_path: Path) -> None:
    add_rule(desk, "review", "status_changed", "Ask #NAME# for a review", to_status="done", delay=3 * 86400,
             assignee=EmployeeConditions(login="max"))  # fmt: skip
    add_orders(cli, desk, tmp_path, order("S-1", name="Jo"))
    assert cli("orders", "move", "S-1", "done", "--as", "sam", db=desk).exit_code == 0
    tick(cli, desk, NOW + 3 * DAY)
    assert tasks(desk) == [("Ask Jo for a review", "max", "open", "review")]


def test_a_delayed_task_whose_rule_was_disabled_or_no_longer_matches_is_skipped(
    desk: str, cli: Any, tmp_path: Path
) -> None:
    delayed_rule(desk)
    add_rule(desk, "big", "order_created", "Big #ORDER_ID#", delay=86400, continues=True, priority=1,
             when=OrderConditions(amount_from=5000), assignee=EmployeeConditions(login="mia"))  # fmt: skip
    add_orders(cli, desk, tmp_path, order("S-1", price="60.00"))
    execute(desk, "UPDATE task_rule SET enabled = false WHERE name = 'paid?'")
    execute(desk, "UPDATE orders SET total = 1000")  # a discount made it small
    tick(cli, desk, NOW + 6 * DAY)
    assert tasks(desk) == []
    notes = sorted(note for (note,) in query(desk, "SELECT note FROM task_schedule"))
    assert notes[0].startswith("the order no longer matches: total £10.00 is under")
    assert notes[1].startswith('the rule "paid?" is disabled')


def _json(value: object) -> dict:  # type: ignore[type-arg]
    """A JSON column as read: text on SQLite, already a dict on PostgreSQL."""
    return json.loads(value) if isinstance(value, str) else value  # type: ignore[return-value]
