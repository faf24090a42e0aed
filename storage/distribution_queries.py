"""What the distribution reads (D1–D6): the pending orders and their customers, the staff as the
carousel sees them, their logins and loads; and what a new order's notice names of it (issue 18)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, func, or_, select
from sqlalchemy.orm import aliased
from sqlmodel import Session

from storage.models import (
    Customer,
    Employee,
    EmployeeGroup,
    GroupChannel,
    GroupOrderType,
    GroupStore,
    LoginSession,
    Order,
    UserGroup,
)

# ----------------------------------------------------------------------------------- distribution


def _order_facts() -> Any:
    """What distribution reads about an order and its customer, one row per order."""
    return select(
        Order.id, Order.number, Order.store_id, Order.channel_id, Order.type_id, Order.created_at,
        Order.status, Order.customer_id, Customer.manager_id.label("responsible_id"),
        Customer.registered_by_id.label("registrar_id"),
    ).join(Customer, Customer.id == Order.customer_id)  # fmt: skip


def order_fact_rows(session: Session, order_ids: Sequence[int]) -> list[Any]:
    """The rows `pending_orders` gives, for these orders whatever their state."""
    return list(session.execute(_order_facts().where(Order.id.in_(list(order_ids))).order_by(Order.id)).all())


def customer_managers(session: Session, customer_ids: Sequence[int]) -> dict[int, int | None]:
    """Each customer's responsible manager (none: None)."""
    found: dict[int, int | None] = {}
    ids = sorted(set(customer_ids))
    for start in range(0, len(ids), 500):
        query = select(Customer.id, Customer.manager_id).where(Customer.id.in_(ids[start : start + 500]))
        found.update(dict(session.execute(query).all()))
    return found


def active_employees(session: Session, employee_ids: Sequence[int]) -> dict[int, bool]:
    """Whether each of these employees is active."""
    found: dict[int, bool] = {}
    ids = sorted(set(employee_ids))
    for start in range(0, len(ids), 500):
        query = select(Employee.id, Employee.active).where(Employee.id.in_(ids[start : start + 500]))
        found.update({id_: bool(active) for id_, active in session.execute(query)})
    return found


def pending_orders(
    session: Session,
    *,
    created_after: datetime,
    newest_first: bool = False,
    limit: int | None = None,
    order_ids: Sequence[int] | None = None,
    after: tuple[datetime, int] | None = None,
) -> list[Any]:
    """Open orders with no manager, newer than `created_after`, in distribution order, a page at a
    time (`after` = the last row's created_at and id). On PostgreSQL the rows are locked, skipping
    those another desk is distributing at this moment."""
    query = _order_facts().where(Order.manager_id.is_(None), Order.is_open, Order.created_at >= created_after)
    if order_ids is not None:
        query = query.where(Order.id.in_(list(order_ids)))
    if after is not None:
        at, id_ = after
        if newest_first:
            query = query.where(or_(Order.created_at < at, and_(Order.created_at == at, Order.id < id_)))
        else:
            query = query.where(or_(Order.created_at > at, and_(Order.created_at == at, Order.id > id_)))
    created = Order.created_at.desc() if newest_first else Order.created_at.asc()
    query = query.order_by(created, Order.id.desc() if newest_first else Order.id.asc())
    if limit:
        query = query.limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=Order)
    session.flush()  # as the ORM's own read would; then Core rows: its loading cost ~5 µs a row (a pass reads 100,000)
    return list(session.connection().execute(query).all())


def employees_for_distribution(session: Session, *, ids: set[int] | None = None) -> list[Any]:
    if ids is None:
        return list(session.connection().execute(_DISTRIBUTION_STAFF).all())
    return list(session.connection().execute(_DISTRIBUTION_STAFF_OF, {"ids": sorted(ids)}).all())


_DISTRIBUTION_STAFF = select(
    Employee.id, Employee.login, Employee.active, Employee.roles, Employee.presence, Employee.last_assigned_at
)
_DISTRIBUTION_STAFF_OF = _DISTRIBUTION_STAFF.where(Employee.id.in_(bindparam("ids", expanding=True)))


def processing_groups(session: Session) -> dict[int, dict[str, Any]]:
    """Order-processing groups: {group id: {code, members, stores, channels, types}}."""

    groups: dict[int, dict[str, Any]] = {
        gid: {"code": code, "members": set(), "stores": set(), "channels": set(), "types": set()}
        for gid, code in session.execute(select(UserGroup.id, UserGroup.code).where(UserGroup.process_orders))
    }
    for link, column, key in (
        (GroupStore, GroupStore.store_id, "stores"),
        (GroupChannel, GroupChannel.channel_id, "channels"),
        (GroupOrderType, GroupOrderType.order_type_id, "types"),
        (EmployeeGroup, EmployeeGroup.employee_id, "members"),
    ):
        for gid, value in session.execute(select(link.group_id, column)):
            if gid in groups:
                groups[gid][key].add(value)
    return groups


def logged_in_employees(session: Session, *, since: datetime, ids: set[int] | None = None) -> set[int]:
    """The employees (of `ids`, if given) with a login whose heartbeat is `since` or later."""

    query = select(LoginSession.employee_id).where(LoginSession.heartbeat_at >= since)
    if ids is not None:
        query = query.where(LoginSession.employee_id.in_(sorted(ids)))
    return set(session.connection().execute(query.distinct()).scalars())


def open_load(session: Session, statuses: Sequence[str], *, manager_ids: set[int] | None = None) -> dict[int, int]:
    """Each manager's open orders in these statuses (the workload limit, D1)."""
    if not statuses or manager_ids == set():
        return {}
    query = select(Order.manager_id, func.count()).where(
        Order.is_open, Order.manager_id.is_not(None), Order.status.in_(list(statuses))
    )
    if manager_ids is not None:
        query = query.where(Order.manager_id.in_(sorted(manager_ids)))
    rows = session.execute(query.group_by(Order.manager_id))
    return dict(rows.all())


# ---------------------------------------------------------------------------------- an arriving order (issue 18)


@dataclass(frozen=True)
class Recipient:
    """An employee as a notification needs him (`usecases.notify.outbox_row`)."""

    id: int
    name: str
    email: str | None


@dataclass(frozen=True)
class PlacedOrderFacts:
    customer_name: str | None
    customer_phone: str | None
    customer_email: str | None
    manager: Recipient | None


def placed_order_facts(session: Session, *, customer_id: int, manager_id: int | None) -> PlacedOrderFacts:
    """The customer's name and contacts and the manager (if any) of a new order, in one query."""
    row = session.execute(
        _PLACED, {"customer_id": customer_id, "manager_id": manager_id if manager_id is not None else -1}
    ).first()
    if row is None:
        return PlacedOrderFacts(None, None, None, None)
    manager = Recipient(row.manager_id, row.manager_name, row.manager_email) if row.manager_id is not None else None
    return PlacedOrderFacts(row.name, row.phone, row.email, manager)


_placed_manager = aliased(Employee, name="placed_manager")
_PLACED = (
    select(
        Customer.name,
        Customer.phone,
        Customer.email,
        _placed_manager.id.label("manager_id"),
        _placed_manager.name.label("manager_name"),
        _placed_manager.email.label("manager_email"),
    )  # fmt: skip
    .outerjoin(_placed_manager, _placed_manager.id == bindparam("manager_id"))
    .where(Customer.id == bindparam("customer_id"))
)
