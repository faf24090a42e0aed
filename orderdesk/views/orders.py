"""Reading orders: who may see which (A1), and the order as people and scripts see it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from orderdesk.policy.access import may_see, pool_stores
from orderdesk.policy.errors import NotAllowed, NotFound
from orderdesk.policy.money import Money, format_money, sums_by_currency
from orderdesk.policy.timestamps import iso
from orderdesk.views import access, lookup
from storage import queries
from storage.models import Employee, Order, OrderLink
from storage.queries import OrderFilter, OrderScope


def scope_for(session: Session, employee: Employee) -> OrderScope:
    """The orders he sees (A1; the rule is `policy.access`)."""
    return access.scope_of(access.actor_of(session, employee))


@dataclass(frozen=True)
class OrderCustomer:
    name: str
    phone: str | None
    email: str | None
    city: str | None
    manager: str | None  # the customer's responsible manager (B1), a login

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "phone": self.phone, "email": self.email, "city": self.city, "manager": self.manager}


@dataclass(frozen=True)
class OrderItemLine:
    sku: str
    name: str
    qty: int
    price: Money
    discount: Money

    def to_json(self) -> dict[str, Any]:
        return {
            "sku": self.sku,
            "name": self.name,
            "qty": self.qty,
            "price": format_money(self.price),
            "discount": format_money(self.discount),
        }  # in the order's currency


@dataclass(frozen=True)
class ListedOrder:
    """An order as a list shows it (DESIGN.md §3 without the items). Times are aware, in UTC."""

    number: str
    extra_number: str | None
    store: str
    timezone: str  # the store's zone, for showing its times
    channel: str
    type: str
    status: str
    stage: str | None  # the stage's name in the store's pipeline
    payment_status: str
    customer: OrderCustomer
    manager: str | None
    contractor: str | None
    payment_method: str | None
    delivery_method: str | None
    delivery_cost: Money
    discount: Money
    total: Money
    created_at: datetime
    status_entered_at: datetime | None
    stage_due_at: datetime | None
    overdue: bool  # as of the time it was read
    issued_at: datetime | None
    move_due_at: datetime | None  # its next timed move (S4)
    links: tuple[str, ...]  # numbers of its linked orders

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "extra_number": self.extra_number,
            "store": self.store,
            "timezone": self.timezone,
            "channel": self.channel,
            "type": self.type,
            "status": self.status,
            "stage": self.stage,
            "payment_status": self.payment_status,
            "customer": self.customer.to_json(),
            "manager": self.manager,
            "contractor": self.contractor,
            "payment_method": self.payment_method,
            "delivery": {"method": self.delivery_method, "cost": format_money(self.delivery_cost)},
            "discount": format_money(self.discount),
            "total": format_money(self.total),
            "currency": self.total.currency,  # of every amount of the order: its store's (A3)
            "created_at": iso(self.created_at),
            "status_entered_at": iso(self.status_entered_at),
            "stage_due_at": iso(self.stage_due_at),
            "overdue": self.overdue,
            "issued_at": iso(self.issued_at),
            "move_due_at": iso(self.move_due_at),
            "links": list(self.links),
        }


@dataclass(frozen=True)
class ShownOrder(ListedOrder):
    """An order shown whole: the listing's fields and its items."""

    items: tuple[OrderItemLine, ...]

    def to_json(self) -> dict[str, Any]:
        return {**super().to_json(), "items": [item.to_json() for item in self.items]}


@dataclass(frozen=True)
class OrderPage:
    rows: tuple[ListedOrder, ...]  # ShownOrder when read with items
    total: int  # how many match, across all pages
    next_key: tuple[datetime, int] | None  # pass as `before` for the next page

    def to_json(self) -> list[dict[str, Any]]:
        return [row.to_json() for row in self.rows]


@dataclass(frozen=True)
class OrderExtra:
    """What an order's view shows beyond the listing's row: its next timed move and linked orders."""

    move_due_at: datetime | None = None
    links: tuple[str, ...] = ()


def _order_view(row: Any, items: list[Any] | None, *, now: datetime, extra: OrderExtra) -> ListedOrder:
    """A row of `storage.queries` as the order people and scripts see; with `items`, shown whole."""
    cur = row.currency
    fields = {
        "number": row.number,
        "extra_number": row.extra_number,
        "store": row.store,
        "timezone": row.timezone,
        "channel": row.channel,
        "type": row.type,
        "status": row.status,
        "stage": row.stage_name,
        "payment_status": row.payment_status,
        "customer": OrderCustomer(
            name=row.customer_name,
            phone=row.customer_phone,
            email=row.customer_email,
            city=row.customer_city,
            manager=row.customer_manager,
        ),
        "manager": row.manager,
        "contractor": row.contractor,
        "payment_method": row.payment_method,
        "delivery_method": row.delivery_method,
        "delivery_cost": _money(row.delivery_cost, cur),
        "discount": _money(row.discount, cur),
        "total": _money(row.total, cur),
        "created_at": row.created_at,
        "status_entered_at": row.status_entered_at,
        "stage_due_at": row.stage_due_at,
        "overdue": is_overdue(row, now),
        "issued_at": row.issued_at,
        "move_due_at": extra.move_due_at,
        "links": extra.links,
    }
    if items is None:
        return ListedOrder(**fields)
    lines = tuple(
        OrderItemLine(sku=i.sku, name=i.name, qty=i.qty, price=_money(i.price, cur), discount=_money(i.discount, cur))
        for i in items
    )
    return ShownOrder(**fields, items=lines)


def _money(minor: Any, currency: str | None) -> Money:
    return Money(int(minor), currency)  # PostgreSQL's sum() of a bigint is a numeric


def order_extras(session: Session, order_ids: list[int]) -> dict[int, OrderExtra]:
    """The next timed move and the linked orders (read both ways, A1) of each order, by id."""
    due: dict[int, datetime | None] = {}
    links: dict[int, set[str]] = {}
    linked = aliased(Order)
    for start in range(0, len(order_ids), 500):
        chunk = order_ids[start : start + 500]
        due.update(session.exec(select(Order.id, Order.move_due_at).where(Order.id.in_(chunk))).all())  # type: ignore[union-attr]
        for mine, theirs in ((OrderLink.order_id, OrderLink.linked_id), (OrderLink.linked_id, OrderLink.order_id)):
            rows = session.exec(
                select(mine, linked.number).join(linked, linked.id == theirs).where(mine.in_(chunk))  # type: ignore[attr-defined]
            )
            for order_id, number in rows:
                links.setdefault(order_id, set()).add(number)
    return {
        order_id: OrderExtra(move_due_at=due.get(order_id), links=tuple(sorted(links.get(order_id, ()))))
        for order_id in order_ids
    }


def is_overdue(row: Any, now: datetime) -> bool:
    if not row.is_open:
        return False
    return bool(row.overdue or (row.stage_due_at is not None and row.stage_due_at < now))


def order_page(
    *,
    session: Session,
    now: datetime,
    viewer: Employee | None = None,
    flt: OrderFilter = OrderFilter(),
    limit: int | None = 500,
    before: tuple[datetime, int] | None = None,
    with_items: bool = True,
) -> OrderPage:
    """Newest first, a page at a time, as this viewer may see them (A1); with items, `ShownOrder`s."""
    scope = scope_for(session, viewer) if viewer else OrderScope()
    rows = queries.list_orders(session, scope=scope, flt=flt, limit=limit, before=before)
    items = queries.items_of(session, [r.id for r in rows]) if with_items else {}
    extras = order_extras(session, [r.id for r in rows])
    page_is_full = bool(limit) and len(rows) == limit
    total = queries.count_orders(session, scope=scope, flt=flt) if page_is_full or before else len(rows)
    next_key = (rows[-1].created_at, rows[-1].id) if page_is_full else None
    return OrderPage(
        rows=tuple(_order_view(r, items[r.id] if with_items else None, now=now, extra=extras[r.id]) for r in rows),
        total=total,
        next_key=next_key,
    )


def order_shown(*, session: Session, number: str, now: datetime, viewer: Employee | None = None) -> ShownOrder:
    """One order whole; NotFound, or NotAllowed when it is not in what the viewer sees (A1)."""
    row = queries.order_by_number(session, number)
    if row is None:
        raise NotFound(f"order {number} not found")
    if viewer is not None and not is_visible(session, viewer, number):
        raise NotAllowed(f"order {number} is not yours to see")
    extra = order_extras(session, [row.id])[row.id]
    shown = _order_view(row, queries.items_of(session, [row.id])[row.id], now=now, extra=extra)
    assert isinstance(shown, ShownOrder)
    return shown


def is_visible(session: Session, viewer: Employee, number: str) -> bool:
    order = lookup.order_by_number(session, number)
    return may_see(access.actor_of(session, viewer), access.facts_of(session, order, stages=[]))


# ----------------------------------------------------------------------------------- undistributed (D5)


@dataclass(frozen=True)
class UndistributedInStore:
    """A store's open orders with no manager: how many, and their sum in the store's money."""

    store_id: int
    store: str  # code
    name: str
    count: int
    sum: Money

    def to_json(self) -> dict[str, Any]:
        return {
            "store_id": self.store_id,
            "store": self.store,
            "name": self.name,
            "count": self.count,
            "sum": format_money(self.sum),
            "minor": self.sum.minor,
            "currency": self.sum.currency,
        }


@dataclass(frozen=True)
class ManagerLoad:
    login: str
    name: str
    presence: str
    open: int  # his open orders
    sums: tuple[Money, ...]  # their total, one per currency (A3: a manager of £ and ₽ stores has two)

    def to_json(self) -> dict[str, Any]:
        return {"login": self.login, "name": self.name, "presence": self.presence, "open": self.open,
                "sums": _sums_json(self.sums)}  # fmt: skip


def _sums_json(sums: tuple[Money, ...]) -> list[dict[str, Any]]:
    return [{"currency": m.currency, "sum": format_money(m)} for m in sums]


@dataclass(frozen=True)
class DeskStats:
    """Undistributed orders per store and the load per manager (D5, `stats`)."""

    undistributed: tuple[UndistributedInStore, ...]
    managers: tuple[ManagerLoad, ...]

    @property
    def undistributed_sums(self) -> tuple[Money, ...]:
        return sums_by_currency(s.sum for s in self.undistributed)

    def to_json(self) -> dict[str, Any]:
        stores = [
            {k: s.to_json()[k] for k in ("store", "name", "count", "sum", "currency")} for s in self.undistributed
        ]
        return {
            "undistributed": {
                "count": sum(s.count for s in self.undistributed),
                # a sum per currency: £ and ₽ are never added up (A3)
                "sums": _sums_json(self.undistributed_sums),
                "stores": stores,
            },
            "managers": [m.to_json() for m in self.managers],
        }


def undistributed_per_store(
    *, session: Session, store_ids: frozenset[int] | None = None
) -> tuple[UndistributedInStore, ...]:
    """Open orders with no manager, per store (of these stores; None = all), by store code (D5)."""
    return tuple(
        UndistributedInStore(store_id=r.id, store=r.code, name=r.name, count=r.count, sum=_money(r.sum, r.currency))
        for r in queries.undistributed_by_store(session)
        if store_ids is None or r.id in store_ids
    )


def undistributed_seen_by(session: Session, employee: Employee) -> tuple[UndistributedInStore, ...] | None:
    """Per store he covers, when the desk is set to show them (`show_undistributed`); None when not.
    Stores are kept apart because their currencies may differ (A3)."""
    from orderdesk.config.settings import read_settings  # pydantic models: only when a desk reads

    if not read_settings(session).show_undistributed:
        return None
    return undistributed_per_store(session=session, store_ids=pool_stores(access.actor_of(session, employee)))


def desk_stats(*, session: Session) -> DeskStats:
    rows: dict[str, list[Any]] = {}
    for r in queries.open_orders_per_manager(session):  # a row per manager and currency, by login
        rows.setdefault(r.login, []).append(r)
    managers = tuple(
        ManagerLoad(
            login=login, name=mine[0].name, presence=mine[0].presence, open=sum(r.open for r in mine),
            sums=sums_by_currency(_money(r.sum, r.currency) for r in mine),
        )
        for login, mine in rows.items()
    )  # fmt: skip
    return DeskStats(undistributed=undistributed_per_store(session=session), managers=managers)
