"""The audit log as people and scripts read it (S7)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from orderdesk.policy.timestamps import iso
from orderdesk.views.lookup import order_by_number
from storage.models import AuditEvent, Employee, Order


@dataclass(frozen=True)
class AuditEntry:
    """One change: who (an employee's login) or which automatic rule, when, what, before → after, and
    through which door: the channel (desk, cli, scheduler; None before migration 0010) and, for the
    command line and the scheduler, the OS user and host that ran it."""

    at: datetime
    actor: str | None
    rule: str | None
    order: str | None  # the order's number
    action: str
    before: dict[str, Any] | None  # as stored: JSON values, times already ISO strings
    after: dict[str, Any] | None
    channel: str | None = None
    os_user: str | None = None
    host: str | None = None

    @property
    def via(self) -> str:
        """The door in a few words: "desk", "cli ops@till-2", "scheduler ops@srv"; "" when unknown."""
        operator = "@".join(part for part in (self.os_user, self.host) if part)
        return " ".join(part for part in (self.channel, operator) if part)

    def to_json(self) -> dict[str, Any]:
        return {
            "at": iso(self.at),
            "actor": self.actor,
            "rule": self.rule,
            "order": self.order,
            "action": self.action,
            "before": self.before,
            "after": self.after,
            "channel": self.channel,
            "os_user": self.os_user,
            "host": self.host,
        }


def audit_entries(*, session: Session, order_number: str | None = None, limit: int | None = 200) -> list[AuditEntry]:
    """Newest first; of one order, or of everything."""
    query = (
        select(AuditEvent, Employee.login, Order.number)
        .outerjoin(Employee, Employee.id == AuditEvent.actor_id)
        .outerjoin(Order, Order.id == AuditEvent.order_id)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())  # type: ignore[union-attr]
    )
    if order_number is not None:
        query = query.where(AuditEvent.order_id == order_by_number(session, order_number).id)
    if limit:
        query = query.limit(limit)
    return [
        AuditEntry(
            at=event.at,
            actor=login,
            rule=event.rule,
            order=number,
            action=event.action,
            before=event.before,
            after=event.after,
            channel=event.channel,
            os_user=event.os_user,
            host=event.host,
        )  # fmt: skip
        for event, login, number in session.exec(query)
    ]
