"""An employee's notification inbox (A2, U6) and the admin's view of the whole outbox.

A notification is in the inbox once its `send_after` has come (seed 004: the staff notice of a new
order waits 5–20 minutes); before that only `notifications list` shows it.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_
from sqlmodel import Session, col, select

from orderdesk.policy.timestamps import iso
from orderdesk.views.lookup import get_employee
from orderdesk.views.staff import zone_of
from storage.models import Employee, Notification, Order, Store


@dataclass(frozen=True)
class InboxEntry:
    """A notification in an employee's inbox; `at` is when it became due (aware, UTC)."""

    id: int
    at: datetime
    kind: str
    subject: str
    text: str
    order: str | None  # the order's number
    read: bool
    timezone: str = "UTC"  # for showing `at`: the order's store's zone, else the employee's store's (U6)

    def to_json(self) -> dict[str, Any]:
        return {**_values(self), "at": iso(self.at)}


def inbox_entries(
    session: Session,
    login: str,
    now: datetime,
    *,
    unread_only: bool = False,
    limit: int | None = 100,
    before: tuple[datetime, int] | None = None,
) -> list[InboxEntry]:
    """The employee's notifications that are due, newest first; `before` (at, id) starts after that one."""
    employee = get_employee(session, login)
    query = (
        select(Notification.id, Notification.send_after, Notification.kind, Notification.subject,
               Notification.text, Order.number, Notification.read_at, Store.timezone)
        .outerjoin(Order, col(Order.id) == Notification.order_id)
        .outerjoin(Store, col(Store.id) == Order.store_id)
        .where(Notification.employee_id == employee.id, col(Notification.send_after) <= now)
        .order_by(col(Notification.send_after).desc(), col(Notification.id).desc())
    )  # fmt: skip
    if before is not None:
        at, id_ = before
        query = query.where(
            or_(col(Notification.send_after) < at, and_(col(Notification.send_after) == at, col(Notification.id) < id_))
        )
    if limit:
        query = query.limit(limit)
    if unread_only:
        query = query.where(col(Notification.read_at).is_(None))
    own_zone: str | None = None
    entries = []
    for id_, at, kind, subject, text, number, read_at, zone in session.exec(query):
        if zone is None:
            own_zone = own_zone or zone_of(session, employee)
        entries.append(
            InboxEntry(id=id_, at=at, kind=kind, subject=subject, text=text, order=number, read=read_at is not None,
                       timezone=zone or own_zone or "UTC")
        )  # fmt: skip
    return entries


@dataclass(frozen=True)
class InboxPage:
    """A page of the inbox and the counts of all of it (U6: "200 of 236", never the page's length)."""

    rows: tuple[InboxEntry, ...]
    total: int  # due notifications, across all pages
    unread: int  # of those, unread
    next_key: tuple[datetime, int] | None  # pass as `before` for the next page; None on the last

    def to_json(self) -> dict[str, Any]:
        return {"total": self.total, "unread": self.unread, "rows": [r.to_json() for r in self.rows]}


def inbox_page(
    session: Session, login: str, now: datetime, *, limit: int = 200, before: tuple[datetime, int] | None = None
) -> InboxPage:
    rows = inbox_entries(session, login, now, limit=limit + 1, before=before)
    more = len(rows) > limit
    rows = rows[:limit]
    next_key = (rows[-1].at, rows[-1].id) if more else None
    return InboxPage(rows=tuple(rows), total=due_count(session, login, now), unread=unread_count(session, login, now),
                     next_key=next_key)  # fmt: skip


def due_count(session: Session, login: str, now: datetime) -> int:
    employee = get_employee(session, login)
    query = (
        select(func.count())
        .select_from(Notification)
        .where(Notification.employee_id == employee.id, col(Notification.send_after) <= now)
    )
    return int(session.exec(query).one())


def unread_count(session: Session, login: str, now: datetime) -> int:
    employee = get_employee(session, login)
    query = (
        select(func.count())
        .select_from(Notification)
        .where(
            Notification.employee_id == employee.id,
            col(Notification.send_after) <= now,
            col(Notification.read_at).is_(None),
        )
    )
    return int(session.exec(query).one())


@dataclass(frozen=True)
class OutboxEntry:
    """A notification as the admin sees it: to whom, when due, what, and how its e-mail went."""

    id: int
    to: str  # login
    due: datetime
    kind: str
    subject: str
    order: str | None
    read: bool
    email_state: str
    attempts: int
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    last_error: str | None
    created_at: datetime

    def to_json(self) -> dict[str, Any]:
        """What `notifications list --json` prints."""
        return {k: iso(v) if isinstance(v, datetime) else v for k, v in _values(self).items()}


def outbox_entries(
    session: Session, *, login: str | None = None, state: str | None = None, limit: int | None = 200
) -> list[OutboxEntry]:
    """Every notification, due or not, newest (by due time) first."""
    query = (
        select(Notification, Employee.login, Order.number)
        .join(Employee, col(Employee.id) == Notification.employee_id)
        .outerjoin(Order, col(Order.id) == Notification.order_id)
        .order_by(col(Notification.send_after).desc(), col(Notification.id).desc())
    )
    if login is not None:
        query = query.where(Notification.employee_id == get_employee(session, login).id)
    if state is not None:
        query = query.where(Notification.email_state == state)
    if limit:
        query = query.limit(limit)
    return [
        OutboxEntry(
            id=row.id,
            to=to,
            due=row.send_after,
            kind=row.kind,
            subject=row.subject,
            order=number,
            read=row.read_at is not None,
            email_state=row.email_state,
            attempts=row.attempts,
            next_attempt_at=row.next_attempt_at,
            delivered_at=row.delivered_at,
            last_error=row.last_error,
            created_at=row.created_at,
        )  # fmt: skip
        for row, to, number in session.exec(query)
    ]


def _values(entry: InboxEntry | OutboxEntry) -> dict[str, Any]:
    return {f.name: getattr(entry, f.name) for f in fields(entry)}
