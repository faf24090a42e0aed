"""The notification outbox (A2): who is told what, once.

`notify` writes rows; the TUI inbox shows a row once its `send_after` has come, and the delivery job
(`orderdesk.delivery`) e-mails it where SMTP is configured and the employee has an address. A row's
`key` names the event; (employee, key) is unique, so telling twice is impossible by construction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from storage.models import Employee, EmployeeGroup, GroupStore, Notification


def staff_of_store(session: Session, store_id: int, roles: Sequence[str]) -> list[Employee]:
    """Active employees with one of `roles` whose groups cover the store (no group, or a group
    with no store list, covers every store)."""
    found = []
    employees = session.exec(select(Employee).where(Employee.active == True)).all()  # noqa: E712
    groups_of: dict[int, list[int]] = {}
    for employee_id, group_id in session.exec(select(EmployeeGroup.employee_id, EmployeeGroup.group_id)):
        groups_of.setdefault(employee_id, []).append(group_id)
    stores_of: dict[int, set[int]] = {}
    for group_id, sid in session.exec(select(GroupStore.group_id, GroupStore.store_id)):
        stores_of.setdefault(group_id, set()).add(sid)
    for employee in employees:
        if not any(role in employee.roles for role in roles):
            continue
        groups = groups_of.get(employee.id or 0, [])
        if not groups or any(not stores_of.get(g) or store_id in stores_of[g] for g in groups):
            found.append(employee)
    return found


def notify(
    session: Session,
    *,
    recipients: Iterable[Employee],
    key: str,
    kind: str,
    subject: str,
    text: str = "",
    order_id: int | None = None,
    send_after: datetime,
    now: datetime,
    email: bool,
) -> int:
    """Queue one notification per recipient; a (recipient, key) already queued is left alone.
    `email`: SMTP is configured, so recipients with an address get it by e-mail too.
    Returns how many rows were new."""
    people = {employee.id: employee for employee in recipients}
    told = set(session.exec(select(Notification.employee_id).where(Notification.key == key)))
    rows: list[dict[str, Any]] = []
    for employee_id, employee in people.items():
        if employee_id in told:
            continue
        mail = email and bool(employee.email)
        rows.append(
            {
                "employee_id": employee_id,
                "order_id": order_id,
                "key": key,
                "kind": kind,
                "subject": subject,
                "text": text,
                "created_at": now,
                "send_after": send_after,
                "email_state": "pending" if mail else "none",
                "attempts": 0,
                "next_attempt_at": send_after if mail else None,
            }
        )
    queue(session, rows)
    return len(rows)


def queue(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert outbox rows as they are; one whose (key, employee) is already there is skipped, so a
    sweep that runs twice, or a second scheduler that slipped past the lease, tells nobody twice."""
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(Notification.__table__).on_conflict_do_nothing(  # type: ignore[attr-defined]
        index_elements=["key", "employee_id"]
    )
    connection.execute(statement, rows)
