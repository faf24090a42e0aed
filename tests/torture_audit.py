"""The torture run read back (tests/test_torture.py, bench/torture.py): the audit log replayed from
its first row, every row checked against the state the rows before it left."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from tests.torture_load import LIMIT

AUDIT_LOG = ("SELECT a.id, a.action, a.order_id, e.login, a.rule, a.before, a.after FROM audit_event a "
             "LEFT JOIN employee e ON e.id = a.actor_id ORDER BY a.id")  # fmt: skip


def _json(value: Any) -> Any:
    """A JSON column as read: text on SQLite, decoded on PostgreSQL."""
    return json.loads(value) if isinstance(value, str) else value


def replay(rows: list[tuple[Any, ...]]) -> dict[str, Any]:
    """The audit log from its first row: each order's status, manager and overdue flag and each
    employee's presence as the log says they became, checked at every row against what it says they
    were (a missing row or one too many breaks the chain), and each manager's load in "new" at each
    assignment (rows in id order: a row written after another transaction's commit it depends on has
    the greater id, on PostgreSQL too). `rows`: the result of AUDIT_LOG."""
    status: dict[int, str] = {}
    manager: dict[int, str | None] = {}
    overdue: dict[int, bool] = {}
    presence: dict[str, str] = {}
    load: Counter[str] = Counter()
    over: list[tuple[int, str, str, str, int]] = []  # (audit id, manager, via, by whom, his load then)
    actions: Counter[tuple[str, str | None, str | None]] = Counter()
    for id_, action, order, login, rule, before, after in rows:
        before, after = _json(before), _json(after)
        actions[(action, login, (after or {}).get("via") if action == "order.assigned" else rule)] += 1
        if action == "order.imported":
            assert order not in status, id_
            status[order], manager[order], overdue[order] = after["status"], after["manager"], False
        elif action == "order.assigned":
            assert before["manager"] == manager[order], (id_, before, manager[order])  # given once
            manager[order] = after["manager"]
            if status[order] == "new":
                load[after["manager"]] += 1
                if load[after["manager"]] > LIMIT:
                    over.append((id_, after["manager"], after["via"], login or rule, load[after["manager"]]))
        elif action == "order.status":
            assert before["status"] == status[order], (id_, before, status[order])
            if manager[order] is not None:
                load[manager[order]] += (after["status"] == "new") - (before["status"] == "new")
            status[order] = after["status"]
            overdue[order] = after.get("overdue", overdue[order])
        elif action == "order.overdue":
            assert overdue[order] is False, id_  # flagged once per stage visit
            overdue[order] = True
        elif action in ("employee.presence", "employee.logged_out"):
            assert before["presence"] == presence.get(login, "offline"), (id_, login, before)
            presence[login] = after["presence"]
    return {"status": status, "manager": manager, "overdue": overdue, "presence": presence, "over": over,
            "actions": actions}  # fmt: skip
