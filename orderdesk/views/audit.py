"""The audit log as people and scripts read it (S7)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from orderdesk.views.lookup import order_by_number
from storage.models import AuditEvent, Employee, Order


def audit_log(*, session: Session, order_number: str | None = None, limit: int | None = 200) -> list[dict[str, Any]]:
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
        {
            "at": event.at.isoformat().replace("+00:00", "Z"),
            "actor": login,
            "rule": event.rule,
            "order": number,
            "action": event.action,
            "before": event.before,
            "after": event.after,
        }
        for event, login, number in session.exec(query)
    ]
