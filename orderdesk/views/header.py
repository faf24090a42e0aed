"""The facts of the line at the top of every desk screen (U1): who he is, his presence, his open and
overdue orders, his unread notifications, his open tasks. One read, so that the parts agree."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from orderdesk.views.inbox import unread_count
from orderdesk.views.tasks import open_task_count
from storage.models import Employee, Order


@dataclass(frozen=True)
class HeaderFacts:
    name: str
    login: str
    presence: str  # free | busy | break | offline (policy.vocab.PRESENCE_WORDS says it in words)
    open_orders: int  # open orders he is the manager of
    overdue: int  # of those, past their stage's limit as of `now`
    unread: int  # notifications due and not read
    open_tasks: int = 0  # his open tasks (T6)
    late_tasks: int = 0  # of those, past their due time as of `now`

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "login": self.login,
            "presence": self.presence,
            "open_orders": self.open_orders,
            "overdue": self.overdue,
            "unread": self.unread,
            "open_tasks": self.open_tasks,
            "late_tasks": self.late_tasks,
        }


def header_facts(*, session: Session, employee: Employee, now: datetime) -> HeaderFacts:
    late = or_(col(Order.overdue), col(Order.stage_due_at) <= now)
    # both through ix_orders_open_by_manager (manager_id, status, total WHERE is_open)
    open_orders = session.exec(
        select(func.count()).where(Order.manager_id == employee.id, Order.is_open == True)  # noqa: E712
    ).one()
    overdue = session.exec(
        select(func.count()).where(Order.manager_id == employee.id, Order.is_open == True, late)  # noqa: E712
    ).one()
    assert employee.id is not None
    open_tasks, late_tasks = open_task_count(session, employee.id, now=now)
    return HeaderFacts(
        name=employee.name,
        login=employee.login,
        presence=employee.presence,
        open_orders=int(open_orders),
        overdue=int(overdue),
        unread=unread_count(session, employee.login, now),
        open_tasks=open_tasks,
        late_tasks=late_tasks,
    )
