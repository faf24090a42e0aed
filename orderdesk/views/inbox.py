"""An employee's notification inbox (A2, U6) and the admin's view of the whole outbox.

A notification is in the inbox once its `send_after` has come (seed 004: the staff notice of a new
order waits 5–20 minutes); before that only `notifications list` shows it.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from orderdesk.policy.timestamps import iso
from orderdesk.views.lookup import get_employee
from storage.models import Employee, Notification, Order


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

    def to_json(self) -> dict[str, Any]:
        return {**_values(self), "at": iso(self.at)}


def inbox_entries(
    session: Session, login: str, now: datetime, *, unread_only: bool = False, limit: int = 100
) -> list[InboxEntry]:
    """The employee's notifications that are due, newest first."""
    employee = get_employee(session, login)
    query = (
        select(Notification.id, Notification.send_after, Notification.kind, Notification.subject,
               Notification.text, Order.number, Notification.read_at)
        .outerjoin(Order, col(Order.id) == Notification.order_id)
        .where(Notification.employee_id == employee.id, col(Notification.send_after) <= now)
        .order_by(col(Notification.send_after).desc(), col(Notification.id).desc())
        .limit(limit)
    )  # fmt: skip
    if unread_only:
        query = query.where(col(Notification.read_at).is_(None))
    return [
        InboxEntry(id=id_, at=at, kind=kind, subject=subject, text=text, order=number, read=read_at is not None)
        for id_, at, kind, subject, text, number, read_at in session.exec(query)
    ]


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
