"""Tasks and the rule log through the command line (DESIGN T6, T7; seed 001).

Each test builds the tasks and rule-log rows it needs in the demo desk (its stores, staff and orders),
then drives `orderdesk tasks ...` and `orderdesk rules log` with the fixed clock. What is asserted is what
a person or a script notices: which tasks are listed and in which order, the JSON, who may mark a task
done, reopen or hand it over and who is refused (a refusal changes nothing), the audit row, the new
assignee's notification, and the blocks of the rule log.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event
from sqlmodel import Session, select

from orderdesk.policy.rules import Tried
from orderdesk.views.tasks import open_task_count, tasks_of_order
from storage.db import read_session, shared_engine
from storage.models import Employee, Order, RuleLog, Task
from tests.conftest import NOW, PG_URL, execute, ok, query, refused, snapshot_of

HOUR = timedelta(hours=1)


@pytest.fixture
def desk(demo_db: str) -> str:
    """The demo desk with no task and no rule log of its own (whatever its sample rules made)."""
    for table in ("task_schedule", "task", "rule_log"):
        execute(demo_db, f"DELETE FROM {table}")
    return demo_db


def ids(db: str, *logins: str) -> dict[str, int]:
    with Session(shared_engine(db)) as session:
        return {e.login: e.id for e in session.exec(select(Employee).where(Employee.login.in_(logins)))}  # type: ignore[attr-defined]


def order_id(db: str, number: str) -> int:
    return query(db, "SELECT id FROM orders WHERE number = :n", n=number)[0][0]  # type: ignore[return-value]


def add_task(db: str, *, title: str, assignee: str | None = "anna", order: str | None = "H-1001",
             due: datetime | None = None, **fields: Any) -> int:  # fmt: skip
    """One task as a rule (or a person) would have made it."""
    with Session(shared_engine(db)) as session:
        if assignee is not None:
            fields["assignee_id"] = session.exec(select(Employee.id).where(Employee.login == assignee)).one()
        if order is not None:
            fields["order_id"] = session.exec(select(Order.id).where(Order.number == order)).one()
        task = Task(title=title, created_at=fields.pop("created_at", NOW - HOUR), due_at=due, **fields)
        session.add(task)
        session.commit()
        assert task.id is not None
        return task.id


def listed(cli, db: str, *args: str) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    return json.loads(ok(cli("tasks", "list", *args, "--json", db=db)).stdout)


def task_of(db: str, task_id: int) -> tuple[Any, ...]:
    return query(db, "SELECT status, done_at IS NOT NULL, done_by_id, assignee_id FROM task WHERE id = :i", i=task_id)[
        0
    ]


def audit_rows(db: str, action: str) -> list[tuple[Any, ...]]:
    rows = query(
        db,
        "SELECT e.login, a.order_id, a.before, a.after FROM audit_event a LEFT JOIN employee e ON e.id = a.actor_id "
        "WHERE a.action = :a ORDER BY a.id",
        a=action,
    )
    return [(login, oid, _json(before), _json(after)) for login, oid, before, after in rows]


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


# ----------------------------------------------------------------------------------- list


def test_list_is_by_due_time_with_undated_last_then_by_id(cli, desk) -> None:  # type: ignore[no-untyped-def]
    later = add_task(desk, title="later", due=NOW + 2 * HOUR)
    undated_1 = add_task(desk, title="undated 1")
    late = add_task(desk, title="late", due=NOW - HOUR)
    soon = add_task(desk, title="soon", due=NOW + HOUR)
    undated_2 = add_task(desk, title="undated 2")
    tie = add_task(desk, title="soon too", due=NOW + HOUR)
    add_task(desk, title="emily's", assignee="emily", due=NOW)
    add_task(desk, title="done already", due=NOW - 2 * HOUR, status="done", done_at=NOW - HOUR)

    mine = listed(cli, desk, "--assignee", "anna")

    assert [t["id"] for t in mine] == [late, soon, tie, later, undated_1, undated_2]
    assert {t["assignee"] for t in mine} == {"anna"}
    assert [t["overdue"] for t in mine] == [True, False, False, False, False, False]
    assert len(listed(cli, desk)) == 7  # every open task, the done one not
    assert [t["title"] for t in listed(cli, desk, "--assignee", "anna", "--all")][:2] == ["done already", "late"]


def test_overdue_is_open_and_past_due_or_flagged(cli, desk) -> None:  # type: ignore[no-untyped-def]
    past = add_task(desk, title="past due", due=NOW - HOUR)
    on_the_minute = add_task(desk, title="due now", due=NOW)
    flagged = add_task(desk, title="flagged by the scheduler", due=NOW + HOUR, overdue=True)
    add_task(desk, title="not yet", due=NOW + HOUR)
    add_task(desk, title="no due time")
    add_task(desk, title="done late", due=NOW - HOUR, status="done", done_at=NOW)

    overdue = listed(cli, desk, "--overdue")

    assert [t["id"] for t in overdue] == [past, on_the_minute, flagged]
    assert all(t["overdue"] for t in overdue)
    assert listed(cli, desk, "--overdue", "--all") == overdue  # overdue ones are open ones


def test_list_of_one_order(cli, desk) -> None:  # type: ignore[no-untyped-def]
    home = add_task(desk, title="home order", order="H-1001")
    add_task(desk, title="another order", order="H-1002")
    loose = add_task(desk, title="no order", order=None)

    assert [t["id"] for t in listed(cli, desk, "--order", "H-1001")] == [home]
    assert [t["order"] for t in listed(cli, desk) if t["id"] == loose] == [None]
    assert listed(cli, desk, "--order", "D-1001") == []


def test_unknown_assignee_or_order_is_one_line(cli, desk) -> None:  # type: ignore[no-untyped-def]
    refused(cli("tasks", "list", "--assignee", "nobody", db=desk), '"nobody"')
    refused(cli("tasks", "list", "--order", "X-9", db=desk), "X-9")


def test_json_fields_of_a_task(cli, desk) -> None:  # type: ignore[no-untyped-def]
    execute(desk, "INSERT INTO task_rule (name, event, from_statuses, conditions, assignee, title, text, delay, "
                  "task_priority, project, priority, continues, enabled) VALUES ('Call within an hour', "
                  "'order_created', '[]', '{}', '{}', 'Call', '', 0, 'high', 'calls', 10, false, true)")  # fmt: skip
    rule = query(desk, "SELECT id FROM task_rule WHERE name = 'Call within an hour'")[0][0]
    task_id = add_task(desk, title="Call Alexander Sidorov about order H-1001", text="Phone +7 900 000-00-01",
                       due=NOW + HOUR, priority="high", project="calls", rule_id=rule)  # fmt: skip

    (task,) = listed(cli, desk, "--assignee", "anna")

    assert task == {
        "id": task_id, "title": "Call Alexander Sidorov about order H-1001", "text": "Phone +7 900 000-00-01",
        "status": "open", "priority": "high", "project": "calls", "order": "H-1001", "assignee": "anna",
        "rule": "Call within an hour", "created_at": "2026-11-25T08:00:00Z", "due_at": "2026-11-25T10:00:00Z",
        "overdue": False, "done_at": None, "done_by": None,
    }  # fmt: skip
    assert json.loads(ok(cli("tasks", "show", str(task_id), "--json", db=desk)).stdout) == task


def test_table_for_people_shows_due_in_the_store_zone(cli, desk) -> None:  # type: ignore[no-untyped-def]
    add_task(desk, title="Call back", assignee="boris", order="D-1001", due=NOW - HOUR, priority="high")

    out = ok(cli("tasks", "list", db=desk)).stdout

    (row,) = [line for line in out.splitlines() if "Call back" in line]
    assert "25 Nov 11:00 MSK" in row  # 08:00 UTC in Moscow
    for shown in ("high", "D-1001", "boris", "overdue"):  # logins, as --assignee takes them
        assert shown in row


def test_show_for_people(cli, desk) -> None:  # type: ignore[no-untyped-def]
    task_id = add_task(desk, title="Check the payment", text="Order H-1001\nsecond line", due=NOW + HOUR)

    out = ok(cli("tasks", "show", str(task_id), db=desk)).stdout

    assert out.splitlines()[0] == f"task {task_id}: Check the payment"
    assert "  second line" in out.splitlines()
    assert "assignee:  Anna Petrova (anna)" in out
    assert "due:       2026-11-25 10:00 GMT" in out  # home is in London
    refused(cli("tasks", "show", "999", db=desk), "no task 999")


# ----------------------------------------------------------------------------------- done, reopen


def test_the_assignee_marks_his_task_done(cli, desk) -> None:  # type: ignore[no-untyped-def]
    task_id = add_task(desk, title="Call the customer", due=NOW + HOUR)
    anna = ids(desk, "anna")["anna"]

    out = ok(cli("tasks", "done", str(task_id), "--as", "anna", db=desk)).stdout

    assert out.strip() == f"task {task_id} done: Call the customer"
    assert task_of(desk, task_id) == ("done", 1, anna, anna)
    (shown,) = listed(cli, desk, "--all")
    assert shown["done_at"] == "2026-11-25T09:00:00Z" and shown["done_by"] == "anna"
    assert listed(cli, desk) == []
    assert audit_rows(desk, "task.done") == [
        ("anna", order_id(desk, "H-1001"), {"task": task_id, "status": "open"},
         {"task": task_id, "status": "done", "done_at": "2026-11-25T09:00:00Z", "done_by": "anna"}),
    ]  # fmt: skip


def test_done_twice_is_a_conflict_and_changes_nothing(cli, desk) -> None:  # type: ignore[no-untyped-def]
    task_id = add_task(desk, title="Call")
    ok(cli("tasks", "done", str(task_id), "--as", "anna", db=desk))
    before = snapshot_of(desk)

    refused(cli("tasks", "done", str(task_id), "--as", "anna", db=desk), "already done", "anna")

    assert snapshot_of(desk) == before


@pytest.mark.parametrize("login", ["helen", "james"])  # home's supervisor; an admin
def test_a_supervisor_of_the_store_or_an_admin_may_mark_it_done(cli, desk, login) -> None:  # type: ignore[no-untyped-def]
    task_id = add_task(desk, title="Call", order="H-1001")

    ok(cli("tasks", "done", str(task_id), "--as", login, db=desk))

    assert task_of(desk, task_id)[:3] == ("done", 1, ids(desk, login)[login])
    assert [row[0] for row in audit_rows(desk, "task.done")] == [login]


@pytest.mark.parametrize(
    ("login", "words"),
    [
        ("emily", ("emily may not complete task", "anna's", "store home")),  # another manager of the store
        ("sergey", ("sergey may not complete task",)),  # a supervisor of other stores
        ("kirill", ("kirill is deactivated",)),
        ("nobody", ('"nobody"',)),
    ],
)
def test_others_may_not_mark_it_done(cli, desk, login, words) -> None:  # type: ignore[no-untyped-def]
    task_id = add_task(desk, title="Call", order="H-1001")
    before = snapshot_of(desk)

    refused(cli("tasks", "done", str(task_id), "--as", login, db=desk), *words)

    assert snapshot_of(desk) == before


def test_a_task_with_no_order_is_for_its_assignee_any_supervisor_and_admins(cli, desk) -> None:  # type: ignore[no-untyped-def]
    task_id = add_task(desk, title="Tidy the shelf", order=None)
    refused(cli("tasks", "done", str(task_id), "--as", "emily", db=desk), "emily may not complete")

    ok(cli("tasks", "done", str(task_id), "--as", "sergey", db=desk))

    assert audit_rows(desk, "task.done")[0][:2] == ("sergey", None)


def test_reopen_a_done_task(cli, desk) -> None:  # type: ignore[no-untyped-def]
    task_id = add_task(desk, title="Call", due=NOW - HOUR)
    ok(cli("tasks", "done", str(task_id), "--as", "anna", db=desk))

    out = ok(cli("tasks", "reopen", str(task_id), "--as", "helen", db=desk)).stdout

    assert out.strip() == f"task {task_id} open again: Call, due 2026-11-25 08:00 GMT"
    assert task_of(desk, task_id) == ("open", 0, None, ids(desk, "anna")["anna"])
    (shown,) = listed(cli, desk, "--assignee", "anna")
    assert shown["overdue"] is True and shown["done_by"] is None
    assert audit_rows(desk, "task.reopened") == [
        ("helen", order_id(desk, "H-1001"),
         {"task": task_id, "status": "done", "done_at": "2026-11-25T09:00:00Z", "done_by": "anna"},
         {"task": task_id, "status": "open"}),
    ]  # fmt: skip


def test_reopen_an_open_task_is_a_conflict(cli, desk) -> None:  # type: ignore[no-untyped-def]
    task_id = add_task(desk, title="Call")
    before = snapshot_of(desk)

    refused(cli("tasks", "reopen", str(task_id), "--as", "anna", db=desk), f"task {task_id} is already open")
    refused(cli("tasks", "reopen", str(task_id), "--as", "tom", db=desk), "tom may not reopen")

    assert snapshot_of(desk) == before


# ----------------------------------------------------------------------------------- reassign


def notifications_of(db: str, login: str) -> list[tuple[Any, ...]]:
    return query(
        db,
        "SELECT n.kind, n.key, n.subject, n.text, n.order_id FROM notification n JOIN employee e ON e.id = n.employee_id "
        "WHERE e.login = :l AND n.kind = 'task' ORDER BY n.id",
        l=login,
    )


def test_reassign_gives_it_to_the_new_assignee_who_is_told(cli, desk) -> None:  # type: ignore[no-untyped-def]
    task_id = add_task(desk, title="Call Alexander Sidorov", text="Phone +7 900 000-00-01", due=NOW + HOUR)

    out = ok(cli("tasks", "reassign", str(task_id), "--to", "tom", "--as", "helen", db=desk)).stdout

    assert out.strip() == f"task {task_id} → Thomas Reed (tom): Call Alexander Sidorov"
    assert [t["id"] for t in listed(cli, desk, "--assignee", "tom")] == [task_id]
    assert listed(cli, desk, "--assignee", "anna") == []
    assert audit_rows(desk, "task.reassigned") == [
        ("helen", order_id(desk, "H-1001"), {"task": task_id, "assignee": "anna"}, {"task": task_id, "assignee": "tom"})
    ]
    ((kind, key, subject, body, oid),) = notifications_of(desk, "tom")
    assert (kind, key, oid) == ("task", f"task:{task_id}:handover:1", order_id(desk, "H-1001"))
    assert subject == "Task for you: Call Alexander Sidorov"
    assert (
        f"Helen Brooks gave you task {task_id}: Call Alexander Sidorov (order H-1001), due 2026-11-25 10:00 GMT" in body
    )
    assert f"orderdesk tasks show {task_id}" in body
    inbox = json.loads(ok(cli("notifications", "list", "--to", "tom", "--json", db=desk)).stdout)
    assert [n["subject"] for n in inbox if n["kind"] == "task"] == ["Task for you: Call Alexander Sidorov"]


def test_each_hand_over_is_told_once(cli, desk) -> None:  # type: ignore[no-untyped-def]
    task_id = add_task(desk, title="Call")
    ok(cli("tasks", "reassign", str(task_id), "--to", "tom", "--as", "anna", db=desk))
    ok(cli("tasks", "reassign", str(task_id), "--to", "anna", "--as", "tom", db=desk))
    ok(cli("tasks", "reassign", str(task_id), "--to", "tom", "--as", "anna", db=desk))

    assert [n[1] for n in notifications_of(desk, "tom")] == [f"task:{task_id}:handover:1", f"task:{task_id}:handover:3"]
    assert [n[1] for n in notifications_of(desk, "anna")] == [f"task:{task_id}:handover:2"]


def test_taking_a_task_oneself_tells_nobody(cli, desk) -> None:  # type: ignore[no-untyped-def]
    task_id = add_task(desk, title="Call")

    ok(cli("tasks", "reassign", str(task_id), "--to", "helen", "--as", "helen", db=desk))

    assert [t["id"] for t in listed(cli, desk, "--assignee", "helen")] == [task_id]
    assert notifications_of(desk, "helen") == []


@pytest.mark.parametrize(
    ("to", "login", "words"),
    [
        ("anna", "helen", ("already anna's",)),
        ("kirill", "helen", ("kirill is deactivated",)),
        ("nobody", "helen", ('"nobody"',)),
        ("tom", "emily", ("emily may not reassign",)),
        ("tom", "sergey", ("sergey may not reassign", "store home")),
    ],
)
def test_reassign_refused(cli, desk, to, login, words) -> None:  # type: ignore[no-untyped-def]
    task_id = add_task(desk, title="Call")
    before = snapshot_of(desk)

    refused(cli("tasks", "reassign", str(task_id), "--to", to, "--as", login, db=desk), *words)

    assert snapshot_of(desk) == before


def test_a_done_task_is_reopened_before_it_is_handed_over(cli, desk) -> None:  # type: ignore[no-untyped-def]
    task_id = add_task(desk, title="Call")
    ok(cli("tasks", "done", str(task_id), "--as", "anna", db=desk))
    before = snapshot_of(desk)

    refused(cli("tasks", "reassign", str(task_id), "--to", "tom", "--as", "anna", db=desk), "is done", "reopen")

    assert snapshot_of(desk) == before


# ----------------------------------------------------------------------------------- the desk's reads


def test_tasks_of_an_order_open_first_and_the_header_count(desk) -> None:  # type: ignore[no-untyped-def]
    closed = add_task(desk, title="closed", due=NOW - 3 * HOUR, status="done", done_at=NOW)
    undated = add_task(desk, title="undated")
    late = add_task(desk, title="late", due=NOW - HOUR)
    soon = add_task(desk, title="soon", due=NOW + HOUR)
    add_task(desk, title="another order's", order="H-1002", due=NOW - HOUR)
    order, anna = order_id(desk, "H-1001"), ids(desk, "anna")["anna"]
    with read_session(shared_engine(desk)) as session:
        lines = tasks_of_order(session, order, now=NOW)
        counts = open_task_count(session, anna, now=NOW)

    assert [t.id for t in lines] == [late, soon, undated, closed]
    assert [t.timezone for t in lines] == ["Europe/London"] * 4
    assert counts == (4, 2)  # four open, two of them past due


@pytest.mark.skipif(bool(PG_URL), reason="reads SQLite's query plan")
def test_an_employees_open_tasks_are_read_in_index_order(cli, desk) -> None:  # type: ignore[no-untyped-def]
    for hours in range(5):
        add_task(desk, title=f"in {hours}h", due=NOW + hours * HOUR)
    add_task(desk, title="undated")
    engine = shared_engine(desk)
    statements: list[tuple[str, Any]] = []

    def seen(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if "FROM task" in statement:
            statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", seen)
    try:
        listed(cli, desk, "--assignee", "anna")
    finally:
        event.remove(engine, "before_cursor_execute", seen)

    assert len(statements) == 2  # the dated segment, then the undated one
    with engine.connect() as connection:
        for statement, parameters in statements:
            plan = " / ".join(
                row[3] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            )
            assert "task USING INDEX ix_task_assignee_status (assignee_id=? AND status=?" in plan, plan
            assert "TEMP B-TREE" not in plan, plan


# ----------------------------------------------------------------------------------- rules log


def add_log(db: str, *, number: str, at: datetime, event: str, occurrence: str, trace: list[Tried]) -> None:
    with Session(shared_engine(db)) as session:
        oid = session.exec(select(Order.id).where(Order.number == number)).one()
        session.add(RuleLog(at=at, order_id=oid, event=event, occurrence=occurrence,
                            trace=[t.as_json() for t in trace]))  # fmt: skip
        session.commit()


@pytest.fixture
def logged(desk: str) -> str:
    add_log(desk, number="H-1001", at=NOW - 2 * HOUR, event="order_created", occurrence="created", trace=[
        Tried(rule="Sidorov to Irina", rule_id=1, matched=False, fired=False,
              reason='customer is "Mary Jones", not "Alexander Sidorov"'),
        Tried(rule="Call within an hour", rule_id=2, matched=True, fired=True, reason="fired", chosen="anna",
              why="any employee with role manager: logged in and free, longest without a rule's task", task_id=7),
        Tried(rule="Check the payment", rule_id=3, matched=True, fired=False,
              reason='matched, but "Call within an hour" fired before it without continue'),
    ])  # fmt: skip
    add_log(desk, number="D-1001", at=NOW - HOUR, event="order_created", occurrence="created", trace=[
        Tried(rule="Check the payment", rule_id=3, matched=True, fired=True, reason="fired",
              delayed_until="2026-11-29T08:00:00Z"),
    ])  # fmt: skip
    add_log(desk, number="H-1001", at=NOW, event="status_changed", occurrence="status:picking:2026-11-25T09:00:00Z",
            trace=[])  # fmt: skip
    return desk


def test_rules_log_for_people(cli, logged) -> None:  # type: ignore[no-untyped-def]
    out = ok(cli("rules", "log", "--order", "H-1001", db=logged)).stdout

    assert out.split("\n\n") == [
        "2026-11-25 09:00:00 UTC  H-1001  status_changed  (status:picking:2026-11-25T09:00:00Z)\n"
        "  no enabled rule for this event",
        "2026-11-25 07:00:00 UTC  H-1001  order_created\n"
        '  Sidorov to Irina: not matched: customer is "Mary Jones", not "Alexander Sidorov"\n'
        "  Call within an hour: matched, fired\n"
        "    chosen: anna (any employee with role manager: logged in and free, longest without a rule's task)\n"
        "    task 7\n"
        '  Check the payment: matched, not fired: matched, but "Call within an hour" fired before it without continue\n',
    ]


def test_rules_log_delayed_and_newest_first(cli, logged) -> None:  # type: ignore[no-untyped-def]
    out = ok(cli("rules", "log", db=logged)).stdout

    heads = [line for line in out.splitlines() if line.startswith("2026")]
    assert [h.split()[3] for h in heads] == ["H-1001", "D-1001", "H-1001"]
    assert "  Check the payment: matched, fired\n    delayed until 2026-11-29 08:00 UTC" in out


def test_rules_log_json(cli, logged) -> None:  # type: ignore[no-untyped-def]
    rows = json.loads(ok(cli("rules", "log", "--order", "D-1001", "--json", db=logged)).stdout)

    assert rows == [{
        "id": rows[0]["id"], "at": "2026-11-25T08:00:00Z", "order": "D-1001", "event": "order_created",
        "occurrence": "created",
        "rules": [{"rule": "Check the payment", "rule_id": 3, "matched": True, "fired": True, "reason": "fired",
                   "delayed_until": "2026-11-29T08:00:00Z"}],
    }]  # fmt: skip


def test_rules_log_of_an_unknown_order_or_of_none(cli, desk) -> None:  # type: ignore[no-untyped-def]
    refused(cli("rules", "log", "--order", "X-9", db=desk), "X-9")
    assert ok(cli("rules", "log", db=desk)).stdout.strip() == "no rule has run yet"
    assert json.loads(ok(cli("rules", "log", "--json", db=desk)).stdout) == []
