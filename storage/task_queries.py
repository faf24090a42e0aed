"""Read queries of tasks and the rule log (T6, T7): plain rows out, bounded.

Tasks are read by due time, those with none last, then by id. A list of one employee's open tasks is
read in the order of `ix_task_assignee_status` (assignee_id, status, due_at; SQLite keeps the rowid after them):
first the dated segment, then the undated one, each straight off the index, like the queue's urgency.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, literal_column, or_, select
from sqlalchemy.orm import aliased
from sqlmodel import Session

from storage.models import Employee, Order, RuleLog, Store, Task, TaskRuleRow

_assignee = aliased(Employee, name="assignee")
_done_by = aliased(Employee, name="done_by")
# written out, not bound: SQLite uses a partial index only for a query whose WHERE says its condition
_OPEN = Task.status == literal_column("'open'")


@dataclass(frozen=True)
class TaskFilter:
    """Which tasks: of one employee (`assignee_id`), of one order (`order_id`), in one `status`
    (None: every status), and with `overdue_at` only the open ones past their due time then (or
    flagged overdue by the scheduler)."""

    assignee_id: int | None = None
    order_id: int | None = None
    status: str | None = "open"
    overdue_at: datetime | None = None
    task_id: int | None = None


def _task_select() -> Any:
    return (
        select(
            Task.id,
            Task.title,
            Task.text,
            Task.status,
            Task.priority,
            Task.project,
            Task.created_at,
            Task.due_at,
            Task.overdue,
            Task.done_at,
            Task.order_id,
            Task.assignee_id,
            Order.number.label("order_number"),
            Order.store_id.label("store_id"),
            Store.timezone.label("timezone"),
            _assignee.login.label("assignee"),
            _assignee.name.label("assignee_name"),
            TaskRuleRow.name.label("rule"),
            _done_by.login.label("done_by"),
        )
        .select_from(Task)
        .outerjoin(Order, Order.id == Task.order_id)
        .outerjoin(Store, Store.id == Order.store_id)
        .outerjoin(_assignee, _assignee.id == Task.assignee_id)
        .outerjoin(TaskRuleRow, TaskRuleRow.id == Task.rule_id)
        .outerjoin(_done_by, _done_by.id == Task.done_by_id)
    )


def _where(query: Any, flt: TaskFilter) -> Any:
    if flt.task_id is not None:
        query = query.where(Task.id == flt.task_id)
    if flt.assignee_id is not None:
        query = query.where(Task.assignee_id == flt.assignee_id)
    if flt.order_id is not None:
        query = query.where(Task.order_id == flt.order_id)
    if flt.overdue_at is not None:
        query = query.where(_OPEN, or_(Task.due_at <= flt.overdue_at, Task.overdue))
    elif flt.status == "open":
        query = query.where(_OPEN)
    elif flt.status is not None:
        query = query.where(Task.status == flt.status)
    return query


def task_rows(session: Session, flt: TaskFilter = TaskFilter(), *, limit: int = 500) -> list[Any]:
    """Tasks by due time (none last), then id: the dated ones, then the undated ones, each segment
    read in index order when it is one employee's open tasks."""
    dated = _where(_task_select(), flt).where(Task.due_at.is_not(None)).order_by(Task.due_at, Task.id)
    found = list(session.execute(dated.limit(limit)).all())
    if len(found) < limit:
        undated = _where(_task_select(), flt).where(Task.due_at.is_(None)).order_by(Task.id)
        found += session.execute(undated.limit(limit - len(found))).all()
    return found


def task_row(session: Session, task_id: int) -> Any | None:
    return session.execute(_where(_task_select(), TaskFilter(task_id=task_id, status=None))).first()


def order_task_rows(session: Session, order_id: int, *, limit: int = 500) -> list[Any]:
    """Every task of an order (ix_task_order_id): the open ones first by due time (none last), then
    the others the same way."""
    query = _where(_task_select(), TaskFilter(order_id=order_id, status=None)).order_by(
        Task.status != "open", Task.due_at.is_(None), Task.due_at, Task.id
    )
    return list(session.execute(query.limit(limit)).all())


def open_task_counts(session: Session, employee_id: int, *, now: datetime) -> tuple[int, int]:
    """How many open tasks the employee has, and how many of them are past due at `now` (or flagged)."""
    late = case((or_(Task.due_at <= now, Task.overdue), 1), else_=0)
    query = select(func.count(), func.coalesce(func.sum(late), 0)).where(Task.assignee_id == employee_id, _OPEN)
    count, overdue = session.execute(query).one()
    return int(count), int(overdue)


def rule_log_rows(session: Session, *, order_id: int | None = None, limit: int = 200) -> list[Any]:
    """The rule log newest first (ix_rule_log_at; of one order, the (order_id, occurrence) key)."""
    query = (
        select(RuleLog.id, RuleLog.at, RuleLog.event, RuleLog.occurrence, RuleLog.trace, Order.number.label("number"))
        .join(Order, Order.id == RuleLog.order_id)
        .order_by(RuleLog.at.desc(), RuleLog.id.desc())
    )
    if order_id is not None:
        query = query.where(RuleLog.order_id == order_id)
    return list(session.execute(query.limit(limit)).all())
