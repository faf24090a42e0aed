"""An employee's tasks as his desk shows them (T6: "he sees the task at once, with its due time"): his
list as of a moment, and the tasks that arrived since the desk last looked (the notifications of kind
"task" of his inbox newer than the last one it has seen, each with the task it tells of)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from orderdesk.policy.errors import NotFound
from orderdesk.views.tasks import TaskLine, get_task, list_tasks
from storage.models import Notification, Order, Store

TASK_KIND = "task"
_TASK_KEY = re.compile(r"^task:(\d+)(?::|$)")  # the notification's key names its task: "task:12", "task:12:…"


@dataclass(frozen=True)
class MyTasks:
    """His tasks by due time (none last), as of `at` (how long past due they are is said from it)."""

    at: datetime
    every: bool  # every status (done and cancelled too), or the open ones only
    rows: tuple[TaskLine, ...]
    limit: int  # at most this many were read: len(rows) == limit says there may be more


def my_tasks(session: Session, login: str, *, now: datetime, every: bool = False, limit: int = 500) -> MyTasks:
    rows = list_tasks(session, now=now, assignee=login, status=None if every else "open", limit=limit)
    return MyTasks(at=now, every=every, rows=tuple(rows), limit=limit)


@dataclass(frozen=True)
class ArrivedTask:
    title: str
    due_at: datetime | None
    order_number: str | None
    timezone: str = "UTC"  # of the order's store: the toast says the due time in it


@dataclass(frozen=True)
class TaskNews:
    seen: int  # the newest task notification of his inbox: pass it as `after` next time
    arrived: tuple[ArrivedTask, ...]  # oldest first


def task_news(session: Session, employee_id: int, *, after: int | None, now: datetime) -> TaskNews:
    """What came after `after`; with `after` None only where he is now (nothing is news at sign-in:
    the inbox and the tasks view list what came before)."""
    mine = (
        Notification.employee_id == employee_id,
        Notification.kind == TASK_KIND,
        col(Notification.send_after) <= now,
    )
    if after is None:
        newest = session.exec(select(func.max(Notification.id)).where(*mine)).one()
        return TaskNews(seen=int(newest or 0), arrived=())
    rows = session.exec(
        select(Notification.id, Notification.key, Notification.subject, Order.number, Store.timezone)
        .outerjoin(Order, col(Order.id) == Notification.order_id)
        .outerjoin(Store, col(Store.id) == Order.store_id)
        .where(*mine, col(Notification.id) > after)
        .order_by(col(Notification.id))
    ).all()
    arrived = [_arrived(session, key, subject, number, zone or "UTC", now) for _id, key, subject, number, zone in rows]
    return TaskNews(seen=max([after, *(row[0] for row in rows)]), arrived=tuple(arrived))


def _arrived(session: Session, key: str, subject: str, number: str | None, zone: str, now: datetime) -> ArrivedTask:
    """The task the key names; a notice whose task is gone (or whose key names none) says its subject."""
    if (match := _TASK_KEY.match(key)) is not None:
        try:
            task = get_task(session, int(match.group(1)), now=now)
        except NotFound:
            pass
        else:
            return ArrivedTask(title=task.title, due_at=task.due_at, order_number=task.order_number,
                               timezone=task.timezone)  # fmt: skip
    return ArrivedTask(title=subject, due_at=None, order_number=number, timezone=zone)
