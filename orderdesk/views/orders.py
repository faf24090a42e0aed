"""Reading orders: who may see which (A1), and the order as people and scripts see it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from orderdesk.policy.errors import NotAllowed, NotFound
from orderdesk.policy.money import format_money
from orderdesk.policy.access import may_see
from orderdesk.views import access, lookup
from storage import queries
from storage.models import Employee, Order, OrderLink
from storage.queries import OrderFilter, OrderScope


def scope_for(session: Session, employee: Employee) -> OrderScope:
    """The orders he sees (A1; the rule is `policy.access`)."""
    return access.scope_of(access.actor_of(session, employee))


@dataclass(frozen=True)
class OrderPage:
    rows: list[dict[str, Any]]
    total: int  # how many match, across all pages
    next_key: tuple[datetime, int] | None  # pass as `before` for the next page


def order_json(row: Any, items: list[Any] | None, *, now: datetime, extra: OrderExtra | None = None) -> dict[str, Any]:
    """An order in the JSON shape of DESIGN.md §3."""
    extra = extra or OrderExtra()
    data: dict[str, Any] = {
        "number": row.number,
        "extra_number": row.extra_number,
        "store": row.store,
        "timezone": row.timezone,
        "channel": row.channel,
        "type": row.type,
        "status": row.status,
        "stage": row.stage_name,
        "payment_status": row.payment_status,
        "customer": {
            "name": row.customer_name,
            "phone": row.customer_phone,
            "email": row.customer_email,
            "city": row.customer_city,
            "manager": row.customer_manager,
        },
        "manager": row.manager,
        "contractor": row.contractor,
        "payment_method": row.payment_method,
        "delivery": {"method": row.delivery_method, "cost": format_money(row.delivery_cost)},
        "discount": format_money(row.discount),
        "total": format_money(row.total),
        "created_at": _iso(row.created_at),
        "status_entered_at": _iso(row.status_entered_at),
        "stage_due_at": _iso(row.stage_due_at),
        "overdue": is_overdue(row, now),
        "issued_at": _iso(row.issued_at),
        "move_due_at": _iso(extra.move_due_at),
        "links": list(extra.links),
    }
    if items is not None:
        data["items"] = [
            {
                "sku": i.sku,
                "name": i.name,
                "qty": i.qty,
                "price": format_money(i.price),
                "discount": format_money(i.discount),
            }
            for i in items
        ]
    return data


@dataclass(frozen=True)
class OrderExtra:
    """What an order's JSON shows beyond the listing's row: its next timed move and linked orders."""

    move_due_at: datetime | None = None
    links: tuple[str, ...] = ()


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


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def list_orders(
    *,
    session: Session,
    now: datetime,
    viewer: Employee | None = None,
    flt: OrderFilter = OrderFilter(),
    limit: int | None = 500,
    before: tuple[datetime, int] | None = None,
    with_items: bool = True,
) -> OrderPage:
    scope = scope_for(session, viewer) if viewer else OrderScope()
    rows = queries.list_orders(session, scope=scope, flt=flt, limit=limit, before=before)
    items = queries.items_of(session, [r.id for r in rows]) if with_items else {}
    extras = order_extras(session, [r.id for r in rows])
    page_is_full = bool(limit) and len(rows) == limit
    total = queries.count_orders(session, scope=scope, flt=flt) if page_is_full or before else len(rows)
    next_key = (rows[-1].created_at, rows[-1].id) if page_is_full else None
    return OrderPage(
        rows=[order_json(r, items.get(r.id) if with_items else None, now=now, extra=extras[r.id]) for r in rows],
        total=total,
        next_key=next_key,
    )


def show_order(*, session: Session, number: str, now: datetime, viewer: Employee | None = None) -> dict[str, Any]:
    row = queries.order_by_number(session, number)
    if row is None:
        raise NotFound(f"order {number} not found")
    if viewer is not None and not is_visible(session, viewer, number):
        raise NotAllowed(f"order {number} is not yours to see")
    extra = order_extras(session, [row.id])[row.id]
    return order_json(row, queries.items_of(session, [row.id])[row.id], now=now, extra=extra)


def is_visible(session: Session, viewer: Employee, number: str) -> bool:
    order = lookup.order_by_number(session, number)
    return may_see(access.actor_of(session, viewer), access.facts_of(session, order, stages=[]))


def undistributed(*, session: Session) -> list[dict[str, Any]]:
    """Open orders with no manager, per store: count and sum (D5)."""
    return [
        {"store_id": r.id, "store": r.code, "name": r.name, "count": r.count, "sum": format_money(r.sum), "minor": r.sum}
        for r in queries.undistributed_by_store(session)
    ]


def stats(*, session: Session) -> dict[str, Any]:
    """Undistributed orders (count and sum) per store, and the load per manager (D5)."""
    per_store = undistributed(session=session)
    stores = [{k: s[k] for k in ("store", "name", "count", "sum")} for s in per_store]
    managers = [
        {"login": r.login, "name": r.name, "presence": r.presence, "open": r.open, "sum": format_money(r.sum)}
        for r in queries.open_orders_per_manager(session)
    ]
    return {
        "undistributed": {
            "count": sum(s["count"] for s in stores),
            "sum": format_money(sum(s["minor"] for s in per_store)),
            "stores": stores,
        },
        "managers": managers,
    }
