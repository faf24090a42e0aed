"""Orders as their printed documents need them (S8): `OrderSheet`s read from the database, one order by
its number or a stage's batch, as the viewer may see them (A1). Dates are the store's: the day printed
and the day placed, in its zone."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from orderdesk.config.requisites import requisites_of
from orderdesk.policy.documents import OrderSheet, SheetLine
from orderdesk.policy.errors import NotAllowed
from orderdesk.views import access, lookup
from orderdesk.views.orders import is_visible
from storage import queries
from storage.models import Customer, DeliveryMethod, Employee, Order, PaymentMethod, Store
from storage.queries import OrderFilter


def order_sheet(*, session: Session, number: str, now: datetime, viewer: Employee) -> OrderSheet:
    """One order's sheet; NotFound, or NotAllowed when it is not his to see (A1), as its screen says."""
    order = lookup.order_by_number(session, number)
    if not is_visible(session, viewer, number):
        raise NotAllowed(f"order {number} is not yours to see")
    return _sheets(session, [order], now)[0]


def stage_sheets(*, session: Session, store: str, status: str, now: datetime, viewer: Employee) -> list[OrderSheet]:
    """The sheets of the orders of `store` in the stage `status` that he may see, oldest first (a warehouse's
    batch of the day); NotFound for an unknown store or stage, an empty list when he sees none there."""
    store_id = lookup.store_id(session, store)
    lookup.stage_named(lookup.pipeline_of(session, store_id), status, store=store)
    scope = access.scope_of(access.actor_of(session, viewer))
    rows = queries.list_orders(session, scope=scope, flt=OrderFilter(status=status, store_id=store_id), limit=None)
    ids = [row.id for row in reversed(rows)]  # the listing is newest first
    orders = _by_id(session, Order, set(ids))
    return _sheets(session, [orders[i] for i in ids], now)


def _sheets(session: Session, orders: Sequence[Order], now: datetime) -> list[OrderSheet]:
    """The sheets of these orders, read in a few queries whatever their number (500 waybills in one file)."""
    if not orders:
        return []
    ids = [o.id for o in orders if o.id is not None]
    stores = {s.id: s for s in session.exec(select(Store).where(Store.id.in_({o.store_id for o in orders})))}  # type: ignore[union-attr]
    customers = _by_id(session, Customer, {o.customer_id for o in orders})
    deliveries = _names(session, DeliveryMethod, {o.delivery_method_id for o in orders})
    payments = _names(session, PaymentMethod, {o.payment_method_id for o in orders})
    managers = _names(session, Employee, {o.manager_id for o in orders})
    items = queries.items_of(session, ids)
    sheets = []
    for order in orders:
        store, customer = stores[order.store_id], customers[order.customer_id]
        zone = ZoneInfo(store.timezone)
        sheets.append(
            OrderSheet(
                number=order.number,
                printed_on=now.astimezone(zone).date(),
                placed_on=order.created_at.astimezone(zone).date(),
                store_code=store.code,
                store_name=store.name,
                currency=store.currency,
                requisites=requisites_of(store.requisites),
                customer_name=customer.name,
                customer_kind=customer.kind,
                customer_phone=customer.phone,
                customer_email=customer.email,
                customer_address=customer.address or customer.city or None,
                lines=tuple(SheetLine(i.sku, i.name, i.qty, i.price, i.discount) for i in items[order.id]),  # type: ignore[index]
                discount=order.discount,
                delivery_name=deliveries.get(order.delivery_method_id),
                delivery_cost=order.delivery_cost,
                payment_method=payments.get(order.payment_method_id),
                total=order.total,
                manager_name=managers.get(order.manager_id),
            )
        )
    return sheets


def _chunks(ids: Sequence[Any]) -> list[list[Any]]:
    values = sorted(ids)
    return [values[start : start + 500] for start in range(0, len(values), 500)]


def _by_id(session: Session, table: Any, ids: set[int]) -> dict[int, Any]:
    found: dict[int, Any] = {}
    for chunk in _chunks(ids):
        found.update((row.id, row) for row in session.exec(select(table).where(table.id.in_(chunk))))
    return found


def _names(session: Session, table: Any, ids: set[int | None]) -> dict[int | None, str]:
    names: dict[int | None, str] = {}
    for chunk in _chunks({i for i in ids if i is not None}):
        names.update(session.exec(select(table.id, table.name).where(table.id.in_(chunk))).all())
    return names
