"""A manager takes the next order the carousel would give him (U2 `n`): the pending orders in the
distribution's priority, each decided by `policy.distribution.decide` with him as the only one in
the carousel (free, since he asks for work) and the customer's responsible manager tried first, as
a pass would; the first one the decision gives him is his, audited with its trace (D6)."""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import datetime

from sqlmodel import Session

from orderdesk.clock import Clock
from orderdesk.config.settings import read_settings
from orderdesk.policy.access import check_may_claim
from orderdesk.policy.distribution import Carousel, Decision, Manager, decide
from orderdesk.policy.errors import NotAllowed
from orderdesk.usecases import audit
from orderdesk.usecases.assignment import load_carousel, order_facts, policy_of
from orderdesk.usecases.binding import bind_customers
from orderdesk.views.access import actor_of, facts_of
from orderdesk.views.lookup import get_employee, order_by_number
from storage import distribution_queries, writes
from storage.models import Employee, Order

CHUNK = 500  # pending orders read and decided at a time, until one is his


def take_next(*, session: Session, actor: str, clock: Clock) -> Order:
    """The order is his once the conditional UPDATE takes it (another desk may win a race: then the
    next one is tried; the pending rows another desk is reading now are passed over). Refused, with
    the reason, when the carousel would give him none now."""
    now = clock.now()
    employee = get_employee(session, actor, active=True)
    if "manager" not in employee.roles:
        raise NotAllowed(f"{employee.login} is not a manager; orders are taken by managers")
    # after his other claims, takes and passes giving him orders: his load is read once they committed
    writes.lock_employees(session.connection(), [employee.id])  # type: ignore[list-item]
    settings = read_settings(session)
    policy = policy_of(settings)
    if not policy.enabled:
        raise NotAllowed("distribution is switched off: claim an order from the pool instead")
    why_not: Counter[str] = Counter()
    after: tuple[datetime, int] | None = None
    while True:
        rows = distribution_queries.pending_orders(
            session, created_after=now - policy.max_age, newest_first=policy.newest_first, limit=CHUNK, after=after
        )
        if not rows:
            break
        facts = [order_facts(r, settings=settings) for r in rows]
        carousel = load_carousel(session=session, now=now, settings=settings, policy=policy, only_for=facts)
        me = carousel.people.get(employee.id)  # type: ignore[arg-type]
        if me is None or not me.groups:
            why_not["no order-processing group of his covers them"] += len(rows)
        else:
            asking = dataclasses.replace(me, logged_in=True, presence="free", in_carousel=True)
            for fact in facts:
                responsible = carousel.people.get(fact.responsible_id) if fact.responsible_id is not None else None
                them = [responsible] if responsible is not None and responsible.id != me.id else []
                decision = decide(fact, Carousel([asking, *them]), policy, now)
                if decision.manager_id != me.id:
                    why_not[_reason(decision, me, responsible)] += 1
                    continue
                order = _taken(session, employee=employee, decision=decision, now=now)
                if order is not None:
                    return order
                why_not["taken by another desk a moment ago"] += 1
        after = (rows[-1].created_at, rows[-1].id)
        if len(rows) < CHUNK:
            break
    if not why_not:
        raise NotAllowed("the pool is empty: no order is waiting for a manager")
    reasons = ", ".join(f"{reason} ({count})" for reason, count in why_not.most_common(3))
    raise NotAllowed(f"no waiting order would go to {employee.login} now: {reasons}")


def _reason(decision: Decision, me: Manager, responsible: Manager | None) -> str:
    if decision.manager_id is not None and responsible is not None and decision.manager_id == responsible.id:
        return f"the customer's manager {responsible.login} takes it"
    mine = next((v for v in decision.trace if v.login == me.login), None)
    if mine is not None and not mine.chosen:
        return mine.reason
    return decision.note or "not his"


def _taken(session: Session, *, employee: Employee, decision: Decision, now: datetime) -> Order | None:
    order = session.get(Order, decision.order.id)
    assert order is not None
    check_may_claim(actor_of(session, employee), facts_of(session, order, stages=[]))
    if writes.set_managers_where_unassigned(session.connection(), [(employee.id, order.id)]) != 1:  # type: ignore[list-item]
        return None
    session.refresh(order)
    bind_customers(session=session, assigned=[(order.customer_id, employee.id)])
    employee.last_assigned_at = now  # to the back of the carousel, as if the pass had given it
    session.add(employee)
    audit.record(
        session=session, at=now, actor_id=employee.id, order_id=order.id, action="order.assigned",
        before={"manager": None},
        after={"manager": employee.login, "via": "take_next",
               "trace": {**decision.as_json(), "via": "take_next", "note": f"taken by {employee.login} (next)"}},
    )  # fmt: skip
    return order_by_number(session, order.number)
