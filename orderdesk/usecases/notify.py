"""The notification outbox (A2): who is told what, once.

`notify` writes rows; the TUI inbox shows a row once its `send_after` has come, and the delivery job
(`orderdesk.usecases.mail`) e-mails it where SMTP is configured and the employee has an address. A row's
`key` names the event; (employee, key) is unique, so telling twice is impossible by construction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from storage import writes
from storage.models import Employee, EmployeeGroup, GroupStore, Notification


def staff_of_store(*, session: Session, store_id: int, roles: Sequence[str]) -> list[Employee]:
    """Active employees with one of `roles` whose groups give them the store."""
    given = (
        select(EmployeeGroup.employee_id)
        .join(GroupStore, GroupStore.group_id == EmployeeGroup.group_id)
        .where(GroupStore.store_id == store_id)
    )
    query = select(Employee).where(Employee.active == True, col(Employee.id).in_(given))  # noqa: E712
    return [employee for employee in session.exec(query.order_by(Employee.id)) if set(roles) & set(employee.roles)]


def outbox_row(
    employee: Employee,
    *,
    key: str,
    kind: str,
    subject: str,
    text: str = "",
    order_id: int | None = None,
    send_after: datetime,
    now: datetime,
    email: bool,
) -> dict[str, Any]:
    """One outbox row for `queue`. `email`: SMTP is configured, so an employee with an address gets it
    by e-mail too, from `send_after` on."""
    mail = email and bool(employee.email)
    return {
        "employee_id": employee.id, "order_id": order_id, "key": key, "kind": kind, "subject": subject,
        "text": text, "created_at": now, "send_after": send_after, "email_state": "pending" if mail else "none",
        "attempts": 0, "next_attempt_at": send_after if mail else None,
    }  # fmt: skip


def notify(*, session: Session, recipients: Iterable[Employee], **message: Any) -> None:
    """Queue one notification per recipient (`message`: the fields of `outbox_row`); a (recipient,
    key) already queued is left alone."""
    queue(session=session, rows=[outbox_row(employee, **message) for employee in recipients])


def queue(*, session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert outbox rows as they are; one whose (key, employee) is already there is skipped, so a
    sweep that runs twice, or a second scheduler that slipped past the lease, tells nobody twice."""
    if not rows:
        return
    table = Notification.__table__  # type: ignore[attr-defined]
    writes.insert_ignoring_duplicates(session.connection(), table, rows, keys=["key", "employee_id"])
