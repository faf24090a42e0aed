"""The facts `policy.access` decides on, read from the database: an employee as an `Actor` (his
stores and the desk's `managers_see_all`), an order as `OrderFacts`, and what he sees as a query
scope. Every read and every use case asks through here, so the rule is applied one way."""

from __future__ import annotations

from sqlmodel import Session, select

from orderdesk.policy.access import Actor, OrderFacts, visibility
from orderdesk.policy.workflow import StageSpec
from orderdesk.views.lookup import pipeline_of
from storage.models import Employee, EmployeeGroup, GroupStore, Order
from storage.queries import OrderScope


def employee_store_ids(session: Session, employee_id: int) -> frozenset[int]:
    """The stores his groups list. A group with no store list gives none."""
    query = (
        select(GroupStore.store_id)
        .join(EmployeeGroup, EmployeeGroup.group_id == GroupStore.group_id)
        .where(EmployeeGroup.employee_id == employee_id)
    )
    return frozenset(session.exec(query))


def actor_of(session: Session, employee: Employee) -> Actor:
    roles = frozenset(employee.roles)
    see_all = False
    if "manager" in roles:
        from orderdesk.config.settings import read_settings  # pydantic models: only when a manager asks

        see_all = read_settings(session).managers_see_all
    assert employee.id is not None
    return Actor(
        id=employee.id,
        login=employee.login,
        roles=roles,
        stores=employee_store_ids(session, employee.id),
        active=employee.active,
        managers_see_all=see_all,
    )


def facts_of(session: Session, order: Order, stages: list[StageSpec] | None = None) -> OrderFacts:
    """`stages`: the store's pipeline when the caller has read it already."""
    if stages is None:
        stages = pipeline_of(session, order.store_id)
    manager = session.exec(select(Employee.login).where(Employee.id == order.manager_id)).first()
    return OrderFacts(
        number=order.number,
        store_id=order.store_id,
        manager_id=order.manager_id,
        manager_login=manager,
        contractor_id=order.contractor_id,
        is_open=order.is_open,
        status=order.status,
        stage=next((s for s in stages if s.code == order.status), None),
        paid=order.payment_status == "paid",
    )


def scope_of(actor: Actor) -> OrderScope:
    seen = visibility(actor)
    if seen.everything:
        return OrderScope()
    return OrderScope(
        everything=False,
        manager_id=seen.manager_id,
        contractor_id=seen.contractor_id,
        store_ids=seen.stores,
        store_orders=seen.store_orders,
    )
