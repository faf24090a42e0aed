"""Reads of the task-rule engine (seed 001): the orders' facts the rules ask about, the employees
the task carousel picks from, and what the scheduler finds due. Plain rows out, a batch per query.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, func, select
from sqlalchemy.orm import aliased
from sqlmodel import Session

from storage.models import (
    Channel,
    Customer,
    DeliveryMethod,
    Employee,
    EmployeeGroup,
    GroupStore,
    Order,
    OrderType,
    PaymentMethod,
    ScheduledTask,
    Stage,
    Store,
    Task,
    UserGroup,
)

_manager = aliased(Employee, name="manager")


def rule_order_rows(session: Session, order_ids: Sequence[int]) -> list[Any]:
    """What the rules read of each order (one query for the batch): codes to match, names to print.
    The statement is built once (an arriving order runs it: building it cost more than running it)."""
    return list(session.connection().execute(_RULE_ORDERS, {"ids": sorted(set(order_ids))}).all())


_RULE_ORDERS = (
    select(
        Order.id,
        Order.number,
        Order.store_id,
        Store.code.label("store"),
        Store.name.label("store_name"),
        Store.currency,
        Store.timezone,
        Channel.code.label("channel"),
        OrderType.code.label("type"),
        PaymentMethod.code.label("payment_method"),
        DeliveryMethod.code.label("delivery_method"),
        Customer.name.label("customer_name"),
        Customer.phone,
        Customer.email,
        Customer.city,
        Order.status,
        Stage.name.label("status_name"),
        Order.status_entered_at,
        Order.total,
        Order.is_open,
        _manager.name.label("manager_name"),
        Order.manager_id,
        Order.created_at,
    )  # fmt: skip
    .join(Store, Store.id == Order.store_id)
    .join(Channel, Channel.id == Order.channel_id)
    .join(OrderType, OrderType.id == Order.type_id)
    .join(Customer, Customer.id == Order.customer_id)
    .outerjoin(Stage, and_(Stage.store_id == Order.store_id, Stage.code == Order.status))
    .outerjoin(_manager, _manager.id == Order.manager_id)
    .outerjoin(PaymentMethod, PaymentMethod.id == Order.payment_method_id)
    .outerjoin(DeliveryMethod, DeliveryMethod.id == Order.delivery_method_id)
    .where(Order.id.in_(bindparam("ids", expanding=True)))  # type: ignore[union-attr]
)


def task_staff(session: Session) -> list[Any]:
    """Every employee as the task carousel reads him (a desk has hundreds, not millions)."""
    query = select(
        Employee.id, Employee.login, Employee.name, Employee.email, Employee.city, Employee.roles,
        Employee.active, Employee.presence,
    ).order_by(Employee.id)  # fmt: skip
    return list(session.execute(query).all())


def staff_groups(session: Session) -> list[tuple[int, str]]:
    """(employee id, group code) of every membership."""
    query = select(EmployeeGroup.employee_id, UserGroup.code).join(UserGroup, UserGroup.id == EmployeeGroup.group_id)
    return [(e, c) for e, c in session.execute(query)]


def staff_stores(session: Session) -> list[tuple[int, int]]:
    """(employee id, store id): the stores each employee's groups give him."""
    query = (
        select(EmployeeGroup.employee_id, GroupStore.store_id)
        .join(GroupStore, GroupStore.group_id == EmployeeGroup.group_id)
        .distinct()
    )
    return [(e, s) for e, s in session.execute(query)]


def last_rule_task_at(session: Session) -> dict[int, datetime]:
    """Each employee's latest task made by a rule: the task carousel's turn."""
    query = (
        select(Task.assignee_id, func.max(Task.created_at))
        .where(Task.rule_id.is_not(None), Task.assignee_id.is_not(None))  # type: ignore[union-attr]
        .group_by(Task.assignee_id)
    )
    return dict(session.execute(query).all())  # max() keeps the column's type (aware UTC)


def due_schedules(session: Session, *, now: datetime, limit: int) -> list[ScheduledTask]:
    """Delayed tasks waiting whose time has come, earliest first (`ix_task_schedule_due`)."""
    query = (
        select(ScheduledTask)
        .where(ScheduledTask.state == "waiting", ScheduledTask.due_at <= now)
        .order_by(ScheduledTask.due_at, ScheduledTask.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(session.scalars(query).all())


def overdue_tasks(session: Session, *, now: datetime, limit: int) -> list[Any]:
    """Open tasks past their due time not flagged yet (`ix_task_overdue_due`), earliest first."""
    query = (
        select(Task.id, Task.title, Task.order_id, Task.assignee_id, Task.due_at, Order.number, Store.timezone)
        .outerjoin(Order, Order.id == Task.order_id)
        .outerjoin(Store, Store.id == Order.store_id)
        .where(Task.status == "open", Task.overdue == False, Task.due_at <= now)  # noqa: E712
        .order_by(Task.due_at, Task.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=Task)
    return list(session.execute(query).all())


def employees_by_id(session: Session, ids: Sequence[int]) -> dict[int, Employee]:
    if not ids:
        return {}
    query = select(Employee).where(Employee.id.in_(sorted(set(ids))))  # type: ignore[union-attr]
    return {e.id: e for e in session.scalars(query)}  # type: ignore[misc]
