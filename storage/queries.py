"""Read queries the desk runs all day. Plain rows out; formatting is the caller's."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, and_, cast, false, func, or_, select
from sqlalchemy.orm import aliased
from sqlmodel import Session

from storage.models import (
    Channel,
    Customer,
    DeliveryMethod,
    Employee,
    Order,
    OrderItem,
    OrderType,
    PaymentMethod,
    Stage,
    Store,
)

_manager = aliased(Employee, name="manager")
_contractor = aliased(Employee, name="contractor")
_responsible = aliased(Employee, name="responsible")


@dataclass(frozen=True)
class OrderScope:
    """Which orders a reader may see: everything, or those he manages (`manager_id`), those he is
    the contractor of (`contractor_id`), and of the stores `store_ids` all orders or only the open
    unassigned ones (`store_orders` = "all" | "pool" | "none")."""

    everything: bool = True
    manager_id: int | None = None
    contractor_id: int | None = None
    store_ids: frozenset[int] = frozenset()
    store_orders: str = "none"


@dataclass(frozen=True)
class OrderFilter:
    status: str | None = None
    manager_id: int | None = None
    unassigned: bool = False
    overdue_at: datetime | None = None  # orders whose stage was due before this time
    store_id: int | None = None
    number: str | None = None


def _order_columns() -> list[Any]:
    return [
        Order.id,
        Order.number,
        Order.extra_number,
        Store.code.label("store"),
        Store.name.label("store_name"),
        Store.timezone.label("timezone"),
        Store.currency.label("currency"),
        Channel.code.label("channel"),
        OrderType.code.label("type"),
        Order.status,
        Order.is_open,
        Stage.name.label("stage_name"),
        Stage.kind.label("stage_kind"),
        Order.payment_status,
        Customer.name.label("customer_name"),
        Customer.phone.label("customer_phone"),
        Customer.email.label("customer_email"),
        Customer.city.label("customer_city"),
        _responsible.login.label("customer_manager"),
        _manager.login.label("manager"),
        _manager.name.label("manager_name"),
        _contractor.login.label("contractor"),
        PaymentMethod.code.label("payment_method"),
        DeliveryMethod.code.label("delivery_method"),
        Order.delivery_cost,
        Order.discount,
        Order.total,
        Order.created_at,
        Order.status_entered_at,
        Order.stage_due_at,
        Order.overdue,
        Order.issued_at,
    ]


def _order_select() -> Any:
    return (
        select(*_order_columns())
        .join(Store, Store.id == Order.store_id)
        .join(Channel, Channel.id == Order.channel_id)
        .join(OrderType, OrderType.id == Order.type_id)
        .join(Customer, Customer.id == Order.customer_id)
        .outerjoin(Stage, and_(Stage.store_id == Order.store_id, Stage.code == Order.status))
        .outerjoin(_responsible, _responsible.id == Customer.manager_id)
        .outerjoin(_manager, _manager.id == Order.manager_id)
        .outerjoin(_contractor, _contractor.id == Order.contractor_id)
        .outerjoin(PaymentMethod, PaymentMethod.id == Order.payment_method_id)
        .outerjoin(DeliveryMethod, DeliveryMethod.id == Order.delivery_method_id)
    )


def _seen(scope: OrderScope) -> list[Any]:
    """What a reader who does not see everything sees, one condition per kind of order (A1); he sees
    an order that meets any of them."""
    seen = []
    if scope.manager_id is not None:
        seen.append(Order.manager_id == scope.manager_id)
    if scope.contractor_id is not None:
        seen.append(Order.contractor_id == scope.contractor_id)
    if scope.store_ids and scope.store_orders != "none":
        in_stores = Order.store_id.in_(sorted(scope.store_ids))
        if scope.store_orders == "pool":
            in_stores = and_(in_stores, Order.manager_id.is_(None), Order.is_open)
        seen.append(in_stores)
    return seen


def _filtered(query: Any, flt: OrderFilter) -> Any:
    if flt.status is not None:
        query = query.where(Order.status == flt.status)
    if flt.manager_id is not None:
        query = query.where(Order.manager_id == flt.manager_id)
    if flt.unassigned:
        query = query.where(Order.manager_id.is_(None))
    if flt.overdue_at is not None:
        query = query.where(Order.stage_due_at < flt.overdue_at)
    if flt.store_id is not None:
        query = query.where(Order.store_id == flt.store_id)
    if flt.number is not None:
        query = query.where(Order.number == flt.number)
    return query


def _scoped(query: Any, scope: OrderScope, flt: OrderFilter) -> Any:
    if not scope.everything:
        seen = _seen(scope)
        query = query.where(or_(*seen) if seen else false())
    return _filtered(query, flt)


def _newest_first(query: Any, before: tuple[datetime, int] | None, limit: int | None) -> Any:
    if before is not None:
        created_at, id_ = before
        query = query.where(or_(Order.created_at < created_at, and_(Order.created_at == created_at, Order.id < id_)))
    query = query.order_by(Order.created_at.desc(), Order.id.desc())
    return query.limit(limit) if limit else query


def list_orders(
    session: Session,
    *,
    scope: OrderScope = OrderScope(),
    flt: OrderFilter = OrderFilter(),
    limit: int | None = 500,
    before: tuple[datetime, int] | None = None,
) -> list[Any]:
    """Newest first, a page at a time: pass the last row's (created_at, id) as `before`.

    A reader who sees several kinds of order (his own, those he is the contractor of, his stores'
    pool) gets each kind's first page read in the order of its own index (ix_orders_manager_created,
    ix_orders_contractor_created, ix_orders_mine_created), merged here: one query with their OR
    would sort all of them for the first page."""
    seen = [] if scope.everything else _seen(scope)
    if not limit or len(seen) < 2:
        return list(session.execute(_newest_first(_scoped(_order_select(), scope, flt), before, limit)).all())
    keys: set[tuple[datetime, int]] = set()
    for term in seen:
        page = _newest_first(_filtered(select(Order.created_at, Order.id).where(term), flt), before, limit)
        keys.update((created_at, id_) for created_at, id_ in session.execute(page))
    chosen = [id_ for _, id_ in sorted(keys, reverse=True)[:limit]]
    rows = {row.id: row for row in session.execute(_order_select().where(Order.id.in_(chosen)))}
    return [rows[id_] for id_ in chosen]


def count_orders(session: Session, *, scope: OrderScope = OrderScope(), flt: OrderFilter = OrderFilter()) -> int:
    query = _scoped(select(func.count()).select_from(Order), scope, flt)
    return int(session.execute(query).scalar_one())


def order_by_number(session: Session, number: str) -> Any | None:
    return session.execute(_order_select().where(Order.number == number)).first()


def items_of(session: Session, order_ids: Sequence[int]) -> dict[int, list[Any]]:
    items: dict[int, list[Any]] = {order_id: [] for order_id in order_ids}
    for start in range(0, len(order_ids), 500):
        chunk = list(order_ids[start : start + 500])
        rows = session.execute(
            select(
                OrderItem.order_id, OrderItem.sku, OrderItem.name, OrderItem.qty, OrderItem.price, OrderItem.discount
            )
            .where(OrderItem.order_id.in_(chunk))
            .order_by(OrderItem.order_id, OrderItem.id)
        )
        for row in rows:
            items[row.order_id].append(row)
    return items


def undistributed_by_store(session: Session) -> list[Any]:
    """Orders with no manager that are still open: count and sum per store (D5). The pending pool
    is aggregated on its own partial index first, then named."""
    pool = (
        select(
            Order.store_id,
            func.count().label("count"),
            func.coalesce(func.sum(Order.total), 0).label("sum"),
        )
        .where(Order.manager_id.is_(None), Order.is_open)
        .group_by(Order.store_id)
        .subquery()
    )
    query = (
        select(Store.id, Store.code, Store.name, Store.currency, pool.c.count, pool.c.sum)
        .join(pool, pool.c.store_id == Store.id)
        .order_by(Store.code)
    )
    return list(session.execute(query).all())


def open_orders_per_manager(session: Session) -> list[Any]:
    """Each employee with open orders: how many and their sum, a row per currency of their stores (A3).
    The open orders are counted per manager and store off the covering `ix_orders_open_store` first
    (in its order, no sort), and only those few hundred rows are named and summed per currency."""
    load = (
        select(
            Order.manager_id.label("manager_id"),
            Order.store_id.label("store_id"),
            func.count().label("open"),
            func.sum(Order.total).label("sum"),
        )
        .where(Order.is_open, Order.manager_id.is_not(None))
        .group_by(Order.manager_id, Order.store_id)
        .subquery()
    )
    query = (
        select(
            Employee.login,
            Employee.name,
            Employee.presence,
            Store.currency,
            cast(func.sum(load.c.open), BigInteger).label("open"),  # PostgreSQL sums counts as numeric
            func.coalesce(func.sum(load.c.sum), 0).label("sum"),
        )
        .select_from(load)
        .join(Employee, Employee.id == load.c.manager_id)
        .join(Store, Store.id == load.c.store_id)
        .group_by(Employee.login, Employee.name, Employee.presence, Store.currency)
        .order_by(Employee.login, Store.currency)
    )
    return list(session.execute(query).all())


# ----------------------------------------------------------------------------------- scheduler sweeps


def overdue_candidates(session: Session, *, now: datetime, limit: int) -> list[Any]:
    """Open orders past their stage's limit and not flagged yet, earliest due first; read through the
    partial index `ix_orders_due_unflagged`, so the cost follows the due orders only."""
    query = (
        select(
            Order.id,
            Order.number,
            Order.store_id,
            Order.status,
            Order.status_entered_at,
            Order.stage_due_at,
            Order.manager_id,
        )  # fmt: skip
        .where(Order.stage_due_at <= now, Order.overdue == False, Order.is_open == True)  # noqa: E712
        .order_by(Order.stage_due_at, Order.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=Order)
    session.flush()  # as the ORM's own read would; then Core rows: its loading cost ~5 µs a row (a pass reads 100,000)
    return list(session.connection().execute(query).all())


def timed_move_candidates(session: Session, *, now: datetime, limit: int) -> list[Any]:
    """Orders whose timed move or its notice has come (`ix_orders_move_due`, `ix_orders_notice_due`),
    earliest first."""
    columns = (
        Order.id, Order.number, Order.store_id, Order.status, Order.status_entered_at, Order.move_due_at,
        Order.notice_due_at, Order.issued_at, Order.manager_id,
    )  # fmt: skip
    moves = select(*columns).where(Order.move_due_at <= now).order_by(Order.move_due_at, Order.id).limit(limit)
    notices = select(*columns).where(Order.notice_due_at <= now).order_by(Order.notice_due_at, Order.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        moves = moves.with_for_update(skip_locked=True, of=Order)
        notices = notices.with_for_update(skip_locked=True, of=Order)
    rows = {row.id: row for row in session.execute(notices)}
    rows.update({row.id: row for row in session.execute(moves)})
    return sorted(rows.values(), key=lambda r: (min(d for d in (r.notice_due_at, r.move_due_at) if d), r.id))


def open_due_times(session: Session, *, store_id: int, status: str, after_id: int, limit: int) -> list[Any]:
    """A page (by id, after `after_id`) of the store's open orders in `status`, with their due times."""
    c = Order.__table__.c  # type: ignore[attr-defined]
    return list(
        session.connection()
        .execute(
            select(c.id, c.status_entered_at, c.stage_due_at, c.move_due_at, c.notice_due_at, c.overdue)
            .where(and_(c.status == status, c.store_id == store_id, c.is_open == True, c.id > after_id))  # noqa: E712
            .order_by(c.id)
            .limit(limit)
        )
        .all()
    )


# ---------------------------------------------------------------------------------- configuration generation


def config_generation(session: Session) -> int:
    """The configuration's generation number (`storage.models.ConfigGeneration`): what a process's
    cache of reference data, settings and pipelines was read at is still good while this is the same."""
    return session.connection().exec_driver_sql("SELECT generation FROM config_generation WHERE id = 1").scalar() or 0
