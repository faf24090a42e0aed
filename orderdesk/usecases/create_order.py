"""Use case `create_order`: an order taken by phone or typed in at the desk (D4 trigger, B1)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from orderdesk.clock import Clock
from orderdesk.config.settings import read_settings
from orderdesk.files.orders_file import ItemIn, OrderIn, OrderRow
from orderdesk.policy.access import check_may_create
from orderdesk.policy.errors import Conflict
from orderdesk.policy.money import format_money
from orderdesk.usecases import audit as audit_log
from orderdesk.usecases import task_rules
from orderdesk.usecases.assignment import distribute_pending
from orderdesk.usecases.import_orders import import_orders
from orderdesk.usecases.notify import notify, staff_of_store
from orderdesk.views.access import actor_of
from orderdesk.views.lookup import get_employee, store_id
from orderdesk.views.reference import reference
from storage import distribution_queries
from storage.models import Order, OrderItem


def create_order(*, session: Session, actor: str | None = None, clock: Clock, order: OrderIn) -> Order:
    """Create the order; a manager who creates it by hand becomes its manager (B1), otherwise it is
    distributed at once (D4)."""
    actor = get_employee(session, actor, active=True) if actor is not None else None
    if actor is not None:
        check_may_create(actor_of(session, actor), store_id(session, order.store), order.store)
        if "manager" in actor.roles and order.manager is None:
            order = order.model_copy(update={"manager": actor.login})
    audit = {"actor_id": actor.id, "action": "order.created"} if actor else {"rule": "api", "action": "order.created"}
    result = import_orders(
        session=session,
        clock=clock,
        rows=[OrderRow(order=order, row=1)],
        source="order",
        audit=audit,
        fire_rules=False,
    )
    if result.skipped:
        raise Conflict(f"order {order.number} already exists")
    ((order_id, created_at),) = result.created
    if actor is not None and order.manager == actor.login:
        actor.last_assigned_at = clock.now()
        session.add(actor)
        trace = {"via": "created", "candidates": [], "more": {},
                 "note": f"created by hand by {actor.login}, who becomes its manager"}  # fmt: skip
        audit_log.record(
            session=session,
            at=clock.now(),
            actor_id=actor.id,
            order_id=order_id,
            action="order.assigned",
            before={"manager": None},
            after={"manager": actor.login, "via": "created", "trace": trace},
        )
    elif order.manager is None:
        distribute_pending(session=session, clock=clock, order_ids=[order_id])
    created = session.get_one(Order, order_id)  # read once, as the distribution left it
    # the rules see the order complete, with the manager it was given (#MANAGER#)
    task_rules.fire(session=session, clock=clock, events=task_rules.created_events([(order_id, created_at)]))
    tell_staff_order_placed(
        session=session, clock=clock, order=created, creator_id=actor.id if actor else None, items=order.items
    )
    return created


def tell_staff_order_placed(
    *,
    session: Session,
    clock: Clock,
    order: Order,
    creator_id: int | None = None,
    items: Sequence[ItemIn] | None = None,
) -> None:
    """Seed 004: the staff hear of a new order some minutes after it is placed (its files are
    prepared first): its manager, or while it has none the store's supervisors and admins; not the
    employee who typed it in (he knows). `items`: the order's items as they were written (else they
    are read)."""
    settings = read_settings(session)
    if not settings.notifications.order_placed:
        return
    if order.manager_id == creator_id and creator_id is not None:
        return  # he is its manager and typed it in himself: nobody else is told
    facts = distribution_queries.placed_order_facts(session, customer_id=order.customer_id, manager_id=order.manager_id)
    recipients: list[Any] = (
        [facts.manager]
        if facts.manager is not None
        else staff_of_store(session=session, store_id=order.store_id, roles=["supervisor", "admin"])
    )
    recipients = [r for r in recipients if r.id != creator_id]
    if not recipients:
        return
    store = reference(session).store_rows.get(order.store_id)
    if items is None:
        items = session.exec(select(OrderItem).where(OrderItem.order_id == order.id).order_by(col(OrderItem.id))).all()
    zone = ZoneInfo(store.timezone if store else "UTC")
    name = facts.customer_name if facts.customer_name is not None else "?"
    reach = [x for x in (facts.customer_phone, facts.customer_email) if x]
    lines = [
        f"Order {order.number} was placed {order.created_at.astimezone(zone):%Y-%m-%d %H:%M %Z}"
        + (f" in {store.name}." if store else "."),
        f"Customer: {', '.join([name, *reach])}",
        "Items:",
        *(f"  {item.sku} {item.name} × {item.qty} at {format_money(item.price)}" for item in items),
        f"Total: {format_money(order.total)}",
        f"Manager: {facts.manager.name if facts.manager else '— (waiting)'}",
        "",
        f"orderdesk orders show {order.number}",
    ]
    notify(
        session=session, recipients=recipients, key=f"placed:{order.id}", kind="order_placed",
        subject=f"New order {order.number} — {format_money(order.total)}, {name}", text="\n".join(lines),
        order_id=order.id, send_after=order.created_at + timedelta(seconds=settings.notifications.order_placed_delay),
        now=clock.now(), email=bool(settings.smtp.host),
    )  # fmt: skip


def next_number(*, session: Session, store: str) -> str:
    """The next free number of the store's series: its code's initial and a counter ("H-1121")."""
    prefix = f"{store[:1].upper()}-"
    numbers = session.exec(select(Order.number).where(Order.number.startswith(prefix))).all()  # type: ignore[attr-defined]
    used = [int(n[len(prefix) :]) for n in numbers if n[len(prefix) :].isdigit()]
    return f"{prefix}{max(used, default=1000) + 1}"
