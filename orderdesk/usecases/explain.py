"""Why an order went to its manager, or where it would go now (D6): the recorded decision of the
pass or the desk that gave it, else the decision the current carousel would make."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from orderdesk.clock import Clock
from orderdesk.config.settings import read_settings
from orderdesk.policy.distribution import decide
from orderdesk.policy.timestamps import iso
from orderdesk.usecases.assignment import load_carousel, order_facts, policy_of
from orderdesk.views.lookup import order_by_number
from storage import distribution_queries
from storage.models import AuditEvent, Employee


def explain(*, session: Session, clock: Clock, number: str) -> dict[str, Any]:
    """The recorded decision for an order, or for one still waiting, the decision it would get now."""
    order = order_by_number(session, number)
    event = session.exec(
        select(AuditEvent)
        .where(AuditEvent.order_id == order.id, AuditEvent.action == "order.assigned")
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())  # type: ignore[union-attr]
    ).first()
    if event is not None:
        after = event.after or {}
        trace = after.get("trace") or {"via": after.get("via"), "candidates": [], "more": {}, "note": ""}
        return {
            "order": number, "at": iso(event.at),
            "manager": after.get("manager"), "recorded": True, **trace,
        }  # fmt: skip
    logins = dict(session.exec(select(Employee.id, Employee.login)).all())
    now = clock.now()
    settings = read_settings(session)
    policy = policy_of(settings)
    facts = order_facts(distribution_queries.order_fact_rows(session, [order.id])[0], settings=settings)  # type: ignore[list-item]
    carousel = load_carousel(session=session, now=now, settings=settings, policy=policy)
    decision = decide(facts, carousel, policy, now)
    note = decision.note
    if order.manager_id is not None:
        note = f"assigned to {logins.get(order.manager_id)} without a recorded decision (imported or older)"
    elif not order.is_open:
        note = f"closed ({order.status}); never distributed"
    return {
        "order": number, "at": None, "manager": logins.get(order.manager_id) if order.manager_id else None,
        "recorded": False, "would_go_to": logins.get(decision.manager_id) if decision.manager_id else None,
        **decision.as_json(), "note": note,
    }  # fmt: skip
