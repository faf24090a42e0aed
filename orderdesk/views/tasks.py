"""Tasks as the CLI and the desk read them (T6): typed lines, times in the order's store zone.

The reads are over storage/task_queries.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from orderdesk.policy.errors import NotFound
from orderdesk.policy.timestamps import iso
from orderdesk.views.lookup import get_employee, order_by_number
from storage.task_queries import (
    TaskFilter,
    open_task_counts,
    order_task_rows,
    rule_log_rows,
    task_row,
    task_rows,
)


@dataclass(frozen=True)
class TaskLine:
    id: int
    title: str
    text: str
    status: str  # open | done | cancelled
    priority: str  # low | normal | high
    project: str
    created_at: datetime
    due_at: datetime | None
    overdue: bool  # open and past its due time
    order_number: str | None = None
    assignee: str | None = None  # login
    assignee_name: str | None = None
    rule: str | None = None  # the rule's name that made it
    done_at: datetime | None = None
    done_by: str | None = None  # login
    timezone: str = "UTC"  # of the order's store: the desk shows times in it

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "title": self.title, "text": self.text, "status": self.status,
            "priority": self.priority, "project": self.project, "order": self.order_number,
            "assignee": self.assignee, "rule": self.rule, "created_at": iso(self.created_at),
            "due_at": iso(self.due_at), "overdue": self.overdue,
            "done_at": iso(self.done_at), "done_by": self.done_by,
        }  # fmt: skip


@dataclass(frozen=True)
class RuleLogLine:
    """One event's run of the rules (T7)."""

    id: int
    at: datetime
    order_number: str
    event: str
    occurrence: str
    trace: tuple[dict[str, Any], ...]  # policy.rules.Tried.as_json() of each rule tried

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "at": iso(self.at), "order": self.order_number, "event": self.event,
                "occurrence": self.occurrence, "rules": list(self.trace)}  # fmt: skip


# ----------------------------------------------------------------------------------- reads


def task_line(row: Any, *, now: datetime) -> TaskLine:
    """A row of storage.task_queries as people and scripts read it."""
    return TaskLine(
        id=row.id, title=row.title, text=row.text, status=row.status, priority=row.priority,
        project=row.project, created_at=row.created_at, due_at=row.due_at,
        overdue=is_overdue(status=row.status, due_at=row.due_at, flagged=row.overdue, now=now),
        order_number=row.order_number, assignee=row.assignee, assignee_name=row.assignee_name, rule=row.rule,
        done_at=row.done_at, done_by=row.done_by, timezone=row.timezone or "UTC",
    )  # fmt: skip


def is_overdue(*, status: str, due_at: datetime | None, flagged: bool, now: datetime) -> bool:
    """Open and past its due time, or flagged so by the scheduler (which told its assignee)."""
    return status == "open" and (flagged or (due_at is not None and due_at <= now))


def list_tasks(
    session: Session,
    *,
    now: datetime,
    assignee: str | None = None,
    order: str | None = None,
    overdue: bool = False,
    status: str | None = "open",
    limit: int = 500,
) -> list[TaskLine]:
    """Tasks by due time (none last, then by id); `assignee` a login, `order` a number (NotFound if
    unknown); `status` None = every status; `overdue` only open ones past their due time at `now`."""
    flt = TaskFilter(
        assignee_id=get_employee(session, assignee).id if assignee is not None else None,
        order_id=order_by_number(session, order).id if order is not None else None,
        status=status,
        overdue_at=now if overdue else None,
    )
    return [task_line(row, now=now) for row in task_rows(session, flt, limit=limit)]


def get_task(session: Session, task_id: int, *, now: datetime) -> TaskLine:
    """NotFound("no task 12") if there is none."""
    row = task_row(session, task_id)
    if row is None:
        raise NotFound(f"no task {task_id}")
    return task_line(row, now=now)


def tasks_of_order(session: Session, order_id: int, *, now: datetime) -> list[TaskLine]:
    """Every task of the order, open ones first by due time, then the closed ones."""
    return [task_line(row, now=now) for row in order_task_rows(session, order_id)]


def open_task_count(session: Session, employee_id: int, *, now: datetime) -> tuple[int, int]:
    """(open, of them past due) for the desk's header."""
    return open_task_counts(session, employee_id, now=now)


def rule_log(session: Session, *, order: str | None = None, limit: int = 200) -> list[RuleLogLine]:
    """The rule log newest first; `order` a number (NotFound if unknown)."""
    order_id = order_by_number(session, order).id if order is not None else None
    return [
        RuleLogLine(
            id=row.id,
            at=row.at,
            order_number=row.number,
            event=row.event,
            occurrence=row.occurrence,
            trace=tuple(row.trace or ()),
        )  # fmt: skip
        for row in rule_log_rows(session, order_id=order_id, limit=limit)
    ]
