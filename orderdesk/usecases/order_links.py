"""Who and what an order is tied to, by hand (A1): links between two orders, and its contractor."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, delete, or_
from sqlmodel import Session, select

from orderdesk.clock import Clock
from orderdesk.policy.access import check_may_see
from orderdesk.policy.errors import Conflict, InvalidInput
from orderdesk.usecases.acting import Done, acting_on, audited
from orderdesk.views.access import actor_of, facts_of
from orderdesk.views.lookup import get_employee, order_by_number
from storage.models import Employee, Order, OrderLink


def link(*, session: Session, actor: str, clock: Clock, number: str, other: str) -> Done:
    """Link two orders; the link reads both ways, and both orders' histories show it."""
    employee, order, _ = acting_on(session=session, actor=actor, number=number)
    linked = _linkable(session, employee, order, other)
    if _link_row(session, order, linked) is not None:
        raise Conflict(f"orders {order.number} and {linked.number} are already linked")
    session.add(OrderLink(order_id=order.id, linked_id=linked.id))  # type: ignore[arg-type]
    audited(
        session=session, clock=clock, employee=employee, order=linked, action="order.link",
        before={"linked": None}, after={"linked": order.number},
    )  # fmt: skip
    return audited(
        session=session, clock=clock, employee=employee, order=order, action="order.link",
        before={"linked": None}, after={"linked": linked.number},
    )  # fmt: skip


def unlink(*, session: Session, actor: str, clock: Clock, number: str, other: str) -> Done:
    employee, order, _ = acting_on(session=session, actor=actor, number=number)
    linked = _linkable(session, employee, order, other)
    if _link_row(session, order, linked) is None:
        raise Conflict(f"orders {order.number} and {linked.number} are not linked")
    session.execute(delete(OrderLink).where(_link_between(order, linked)))
    audited(
        session=session, clock=clock, employee=employee, order=linked, action="order.unlink",
        before={"linked": order.number}, after={"linked": None},
    )  # fmt: skip
    return audited(
        session=session, clock=clock, employee=employee, order=order, action="order.unlink",
        before={"linked": linked.number}, after={"linked": None},
    )  # fmt: skip


def set_contractor(*, session: Session, actor: str, clock: Clock, number: str, contractor: str | None) -> Done:
    """The contractor who works on the order and sees it (A1), or none."""
    employee, order, _ = acting_on(session=session, actor=actor, number=number)
    new_id = None
    if contractor is not None:
        person = get_employee(session, contractor, active=True)
        if "contractor" not in person.roles:
            raise InvalidInput(f"{contractor} is not a contractor (roles: {', '.join(person.roles) or 'none'})")
        new_id = person.id
    current = _login_of(session, order.contractor_id)
    if new_id == order.contractor_id:
        has = "no contractor" if contractor is None else f"the contractor {contractor}"
        raise Conflict(f"order {order.number} already has {has}")
    order.contractor_id = new_id
    session.add(order)
    return audited(
        session=session, clock=clock, employee=employee, order=order, action="order.contractor",
        before={"contractor": current}, after={"contractor": contractor},
    )  # fmt: skip


def _linkable(session: Session, employee: Employee, order: Order, other: str) -> Order:
    if other == order.number:
        raise InvalidInput(f"order {order.number} cannot be linked to itself")
    linked = order_by_number(session, other)
    check_may_see(actor_of(session, employee), facts_of(session, linked, stages=[]))
    return linked


def _link_between(a: Order, b: Order) -> Any:
    return or_(
        and_(OrderLink.order_id == a.id, OrderLink.linked_id == b.id),  # type: ignore[arg-type]
        and_(OrderLink.order_id == b.id, OrderLink.linked_id == a.id),  # type: ignore[arg-type]
    )


def _link_row(session: Session, a: Order, b: Order) -> OrderLink | None:
    return session.exec(select(OrderLink).where(_link_between(a, b))).first()


def _login_of(session: Session, employee_id: int | None) -> str | None:
    if employee_id is None:
        return None
    return session.exec(select(Employee.login).where(Employee.id == employee_id)).first()
