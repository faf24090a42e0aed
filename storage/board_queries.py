"""Read queries of the stage board and the overdue board (U3, U4), bounded."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import case, func, or_, select
from sqlmodel import Session

from storage.models import (
    Customer,
    Employee,
    Order,
)
from storage.queries import OrderFilter, OrderScope, _manager, _scoped


def stage_totals(session: Session, *, store_id: int, scope: OrderScope) -> list[Any]:
    """A store's open orders that the reader sees, per status: how many and their sum."""
    query = select(
        Order.status, func.count().label("count"), func.coalesce(func.sum(Order.total), 0).label("sum")
    ).where(Order.store_id == store_id, Order.is_open)
    query = _scoped(query, scope, OrderFilter())
    return list(session.execute(query.group_by(Order.status)).all())


def stage_heads(session: Session, *, store_id: int, scope: OrderScope, per_stage: int) -> list[Any]:
    """The first `per_stage` open orders of each status of a store (least time left first; no limit
    last), with what a board card shows: customer, manager, total, due time. Each status is read in
    the order of `ix_orders_board` (store, status, due time, id): those with a due time, then those
    without, each stopping at `per_stage`, instead of ranking every open order of the store."""
    statuses = session.execute(
        select(Order.status).where(Order.store_id == store_id, Order.is_open).group_by(Order.status)
    ).scalars()
    card = select(
        Order.id, Order.number, Order.status, Customer.name.label("customer"), _manager.name.label("manager_name"),
        Order.total, Order.stage_due_at, Order.overdue, Order.is_open,
    ).join(Customer, Customer.id == Order.customer_id).outerjoin(_manager, _manager.id == Order.manager_id)  # fmt: skip
    found: list[Any] = []
    for status in sorted(statuses):
        in_stage = _scoped(card.where(Order.store_id == store_id, Order.status == status, Order.is_open), scope,
                           OrderFilter())  # fmt: skip
        dated = in_stage.where(Order.stage_due_at.is_not(None)).order_by(Order.stage_due_at, Order.id)
        rows = list(session.execute(dated.limit(per_stage)).all())
        if len(rows) < per_stage:
            undated = in_stage.where(Order.stage_due_at.is_(None)).order_by(Order.id)
            rows += session.execute(undated.limit(per_stage - len(rows))).all()
        found += [_Ranked(*row, rank) for rank, row in enumerate(rows, start=1)]
    return found


class _Ranked(NamedTuple):
    """A board card's row with its place in its stage (1 is the most urgent)."""

    id: int
    number: str
    status: str
    customer: str
    manager_name: str | None
    total: int
    stage_due_at: datetime | None
    overdue: bool
    is_open: bool
    rank: int


def _late(query: Any, now: datetime) -> Any:
    return query.where(Order.is_open, or_(Order.stage_due_at < now, Order.overdue))


def late_totals(session: Session, *, now: datetime) -> list[Any]:
    """Open orders past their stage's limit (or flagged so), per store, status and manager: how many."""
    query = _late(select(Order.store_id, Order.status, Order.manager_id, func.count().label("count")), now)
    return list(session.execute(query.group_by(Order.store_id, Order.status, Order.manager_id)).all())


def late_orders(session: Session, *, now: datetime, limit: int) -> list[Any]:
    """The `limit` open orders longest past their stage's limit, most over first (flagged ones with no
    due time last): those with a due time read in the order of `ix_orders_open_due`, then the
    undated flagged ones by id, each stopping at the limit (not a sort of every late order)."""
    late = _late(
        select(
            Order.id, Order.number, Order.store_id, Order.status, Order.manager_id, Order.total,
            Order.stage_due_at, Customer.name.label("customer"),
        ).join(Customer, Customer.id == Order.customer_id),
        now,
    )  # fmt: skip
    dated = late.where(Order.stage_due_at.is_not(None)).order_by(Order.stage_due_at, Order.id)
    found = list(session.execute(dated.limit(limit)).all())
    if len(found) < limit:
        undated = late.where(Order.stage_due_at.is_(None)).order_by(Order.id)
        found += session.execute(undated.limit(limit - len(found))).all()
    return found


def store_staff_of(session: Session, store_id: int) -> list[Any]:
    """The employees whose groups list this store, once each."""
    from storage.models import EmployeeGroup, GroupStore

    in_store = (
        select(EmployeeGroup.employee_id)
        .join(GroupStore, GroupStore.group_id == EmployeeGroup.group_id)
        .where(GroupStore.store_id == store_id)
    )
    query = (
        select(Employee.id, Employee.login, Employee.name, Employee.presence, Employee.roles, Employee.active)
        .where(Employee.id.in_(in_store))
        .order_by(Employee.name)
    )
    return list(session.execute(query).all())


def open_load_of(session: Session, manager_ids: Sequence[int], *, store_id: int) -> dict[int, tuple[int, int]]:
    """Each of these managers' open orders: how many in all, and the sum of those in this store (one
    store's money: currencies are never added up). Managers with none are absent."""
    if not manager_ids:
        return {}
    here = case((Order.store_id == store_id, Order.total), else_=0)
    query = (
        select(Order.manager_id, func.count(), func.coalesce(func.sum(here), 0))
        .where(Order.is_open, Order.manager_id.in_(sorted(set(manager_ids))))
        .group_by(Order.manager_id)
    )
    return {manager_id: (int(count), int(total)) for manager_id, count, total in session.execute(query)}
