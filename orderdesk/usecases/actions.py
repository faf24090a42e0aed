"""Use cases that change an order by hand (S2, S5, S6, A1, S7): advance, move, pay, items, delivery,
discount, linked orders, contractor.

Each is one function in the caller's transaction: the acting employee's permission first (one rule,
`policy.access`), then the change, then an audit row with exactly what changed, before → after. A
refused action raises a domain error before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, delete, or_
from sqlmodel import Session, select

from orderdesk.clock import Clock
from orderdesk.config.fields import MAX_MONEY, MAX_QTY
from orderdesk.policy.access import check_may_act, check_may_leave, check_may_see
from orderdesk.policy.errors import Conflict, InvalidInput, NotAllowed, NotFound
from orderdesk.policy.money import format_money, order_total
from orderdesk.policy.timestamps import iso
from orderdesk.policy.vocab import PAYMENT_STATUSES
from orderdesk.policy.workflow import StageSpec, is_forward, may_set, next_stage
from orderdesk.usecases import audit
from orderdesk.usecases.stage_entry import enter_stage
from orderdesk.views.access import actor_of, facts_of
from orderdesk.views.lookup import (
    get_employee,
    move_rules_of,
    order_by_number,
    pipeline_of,
    stage_named,
    store_code,
)
from storage.models import (
    DeliveryMethod,
    Employee,
    Order,
    OrderItem,
    OrderLink,
    PaymentMethod,
    Store,
)


@dataclass(frozen=True)
class Done:
    """What an action did: the order as it is now and its audit row's before → after."""

    order: Order
    action: str
    before: dict[str, Any]
    after: dict[str, Any]
    stage: StageSpec | None = None  # the stage a status change took it to


# ----------------------------------------------------------------------------------- permission


def _check_may_set(actor: Employee, status: str) -> None:
    if not may_set(actor.statuses, status):
        allowed = ", ".join(actor.statuses)
        raise NotAllowed(f'{actor.login} may not set the status "{status}" (allowed for him: {allowed})')


# ----------------------------------------------------------------------------------- status


def advance(*, session: Session, actor: str, clock: Clock, number: str) -> Done:
    """To the next applicable stage for the order's payment and delivery methods (S1, S2)."""
    actor, order, stages = _leaving(session, actor, number, forward=True)
    payment, delivery = _method_codes(session, order)
    target = next_stage(stages, order.status, payment_method=payment, delivery_method=delivery)
    if target is None:
        raise Conflict(
            f'order {order.number} is in "{order.status}", which has no next stage; move it to a status explicitly'
        )
    _check_may_set(actor, target.code)
    return _enter(session, clock, actor, order, target)


def move_to(*, session: Session, actor: str, clock: Clock, number: str, status: str) -> Done:
    """To any active stage of the order's store, side and closed stages included."""
    actor, order, stages = _leaving(session, actor, number, forward=False)
    target = stage_named(stages, status, store=store_code(session, order.store_id))
    if not target.active:
        raise Conflict(f'the status "{status}" of store {store_code(session, order.store_id)} is deactivated')
    if target.code == order.status:
        raise Conflict(f'order {order.number} is already in "{status}"')
    if is_forward(stages, order.status, target):
        _leaving(session, actor.login, number, forward=True)
    _check_may_set(actor, target.code)
    return _enter(session, clock, actor, order, target)


def _enter(session: Session, clock: Clock, actor: Employee, order: Order, stage: StageSpec) -> Done:
    changed = enter_stage(order, stage, clock.now(), move_rules_of(session, order.store_id))
    session.add(order)
    before = {name: _plain(old) for name, (old, _) in changed.items()}
    after = {name: _plain(new) for name, (_, new) in changed.items()}
    return _audit(session, clock, actor, order, "order.status", before, after, stage=stage)


def set_payment(*, session: Session, actor: str, clock: Clock, number: str, status: str = "paid") -> Done:
    """The order's payment status, kept apart from its stage (A1): paid, unpaid or refunded."""
    if status not in PAYMENT_STATUSES:
        raise InvalidInput(f'payment status "{status}" is not one of {", ".join(PAYMENT_STATUSES)}')
    actor, order, _ = _acting(session, actor, number)
    if order.payment_status == status:
        raise Conflict(f"order {order.number} is already {status}")
    before = {"payment_status": order.payment_status}
    order.payment_status = status
    session.add(order)
    return _audit(session, clock, actor, order, "order.paid", before, {"payment_status": status})


# ----------------------------------------------------------------------------------- items (S6)


def add_item(
    *, session: Session, actor: str, clock: Clock, number: str, sku: str, name: str, qty: int, price: int,
    discount: int = 0,
) -> Done:  # fmt: skip
    sku, name = sku.strip(), name.strip()
    if not sku:
        raise InvalidInput("sku: must not be empty")
    if not name:
        raise InvalidInput("name: must not be empty")
    _check_line(qty, price, discount)
    actor, order, _ = _acting(session, actor, number)
    _check_open(order)
    items = _items(session, order)
    if any(i.sku == sku for i in items):
        raise Conflict(f"order {order.number} already has an item {sku}; change its quantity instead")
    item = OrderItem(order_id=order.id, sku=sku, name=name, qty=qty, price=price, discount=discount)  # type: ignore[arg-type]
    before_total = order.total
    _retotal(order, [*items, item])
    session.add(item)
    session.add(order)
    return _audit(
        session, clock, actor, order, "order.items",
        {"item": None, "total": format_money(before_total)},
        {"item": _item_json(item), "total": format_money(order.total)},
    )  # fmt: skip


def change_item(
    *, session: Session, actor: str, clock: Clock, number: str, sku: str, qty: int | None = None,
    price: int | None = None, discount: int | None = None,
) -> Done:  # fmt: skip
    if qty is None and price is None and discount is None:
        raise InvalidInput("give a new quantity, price or discount")
    actor, order, _ = _acting(session, actor, number)
    _check_open(order)
    items = _items(session, order)
    item = _item(order, items, sku)
    wanted = {"qty": qty, "price": price, "discount": discount}
    new = {key: getattr(item, key) if value is None else value for key, value in wanted.items()}
    _check_line(new["qty"], new["price"], new["discount"])
    changes = {key: value for key, value in new.items() if value != getattr(item, key)}
    if not changes:
        raise Conflict(f"item {sku} of order {order.number} already is that")
    was = _line_money({key: getattr(item, key) for key in changes})
    before = {"item": {"sku": sku, **was}, "total": format_money(order.total)}
    for key, value in changes.items():
        setattr(item, key, value)
    _retotal(order, items)
    session.add(item)
    session.add(order)
    after = {"item": {"sku": sku, **_line_money(changes)}, "total": format_money(order.total)}
    return _audit(session, clock, actor, order, "order.items", before, after)


def remove_item(*, session: Session, actor: str, clock: Clock, number: str, sku: str) -> Done:
    actor, order, _ = _acting(session, actor, number)
    _check_open(order)
    items = _items(session, order)
    item = _item(order, items, sku)
    if len(items) == 1:
        raise Conflict(
            f"{sku} is the only item of order {order.number}; an order keeps at least one (cancel it instead)"
        )
    before = {"item": _item_json(item), "total": format_money(order.total)}
    _retotal(order, [i for i in items if i is not item])
    session.delete(item)
    session.add(order)
    return _audit(
        session, clock, actor, order, "order.items", before, {"item": None, "total": format_money(order.total)}
    )


# ----------------------------------------------------------------------------------- delivery, discount


def set_delivery(
    *, session: Session, actor: str, clock: Clock, number: str, method: str, cost: int | None = None
) -> Done:
    """Another delivery method (seed 003: the customer switched from courier to pickup), at the
    method's price unless a cost is given; the total follows."""
    if cost is not None:
        _check_amount("cost", cost)
    actor, order, _ = _acting(session, actor, number)
    _check_open(order)
    row = session.exec(select(DeliveryMethod).where(DeliveryMethod.code == method)).first()
    if row is None:
        known = ", ".join(session.exec(select(DeliveryMethod.code).order_by(DeliveryMethod.code)))
        raise NotFound(f'unknown delivery method "{method}" (known: {known or "none"})')
    cost = row.price if cost is None else cost
    old_method = _code_of(session, DeliveryMethod, order.delivery_method_id)
    if row.id == order.delivery_method_id and cost == order.delivery_cost:
        raise Conflict(f"order {order.number} already goes by {method} for {format_money(cost)}")
    before = {
        "delivery": {"method": old_method, "cost": format_money(order.delivery_cost)},
        "total": format_money(order.total),
    }
    order.delivery_method_id = row.id
    order.delivery_cost = cost
    _retotal(order, _items(session, order))
    session.add(order)
    after = {"delivery": {"method": method, "cost": format_money(cost)}, "total": format_money(order.total)}
    return _audit(session, clock, actor, order, "order.delivery", before, after)


def set_discount(
    *, session: Session, actor: str, clock: Clock, number: str, amount: int, sku: str | None = None
) -> Done:
    """A discount on the whole order, or on one item (S6); never more than what it applies to."""
    _check_amount("discount", amount)
    actor, order, _ = _acting(session, actor, number)
    _check_open(order)
    items = _items(session, order)
    if sku is not None:
        item = _item(order, items, sku)
        if amount > item.qty * item.price:
            raise InvalidInput(
                f"a discount of {format_money(amount)} is more than item {sku}'s value "
                f"{format_money(item.qty * item.price)}"
            )
        if amount == item.discount:
            raise Conflict(f"item {sku} of order {order.number} already has a discount of {format_money(amount)}")
        before = {"item": {"sku": sku, "discount": format_money(item.discount)}, "total": format_money(order.total)}
        item.discount = amount
        _retotal(order, items)
        session.add(item)
        after = {"item": {"sku": sku, "discount": format_money(amount)}, "total": format_money(order.total)}
    else:
        value = order_total(items, discount=0, delivery_cost=order.delivery_cost)
        if amount > value:
            raise InvalidInput(
                f"a discount of {format_money(amount)} is more than order {order.number}'s value {format_money(value)}"
            )
        if amount == order.discount:
            raise Conflict(f"order {order.number} already has a discount of {format_money(amount)}")
        before = {"discount": format_money(order.discount), "total": format_money(order.total)}
        order.discount = amount
        _retotal(order, items)
        after = {"discount": format_money(amount), "total": format_money(order.total)}
    session.add(order)
    return _audit(session, clock, actor, order, "order.discount", before, after)


# ----------------------------------------------------------------------------------- links, contractor (A1)


def link(*, session: Session, actor: str, clock: Clock, number: str, other: str) -> Done:
    """Link two orders; the link reads both ways, and both orders' histories show it."""
    actor, order, _ = _acting(session, actor, number)
    linked = _linkable(session, actor, order, other)
    if _link_row(session, order, linked) is not None:
        raise Conflict(f"orders {order.number} and {linked.number} are already linked")
    session.add(OrderLink(order_id=order.id, linked_id=linked.id))  # type: ignore[arg-type]
    _audit(session, clock, actor, linked, "order.link", {"linked": None}, {"linked": order.number})
    return _audit(session, clock, actor, order, "order.link", {"linked": None}, {"linked": linked.number})


def unlink(*, session: Session, actor: str, clock: Clock, number: str, other: str) -> Done:
    actor, order, _ = _acting(session, actor, number)
    linked = _linkable(session, actor, order, other)
    if _link_row(session, order, linked) is None:
        raise Conflict(f"orders {order.number} and {linked.number} are not linked")
    session.execute(delete(OrderLink).where(_link_between(order, linked)))
    _audit(session, clock, actor, linked, "order.unlink", {"linked": order.number}, {"linked": None})
    return _audit(session, clock, actor, order, "order.unlink", {"linked": linked.number}, {"linked": None})


def set_contractor(*, session: Session, actor: str, clock: Clock, number: str, contractor: str | None) -> Done:
    """The contractor who works on the order and sees it (A1), or none."""
    actor, order, _ = _acting(session, actor, number)
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
    return _audit(session, clock, actor, order, "order.contractor", {"contractor": current}, {"contractor": contractor})


# ----------------------------------------------------------------------------------- helpers


def _acting(session: Session, login: str, number: str) -> tuple[Employee, Order, list[StageSpec]]:
    """The actor, the order and its store's pipeline, once the actor may change it."""
    actor, order, stages = _read(session, login, number)
    check_may_act(actor_of(session, actor), facts_of(session, order, stages))
    return actor, order, stages


def _leaving(session: Session, login: str, number: str, *, forward: bool) -> tuple[Employee, Order, list[StageSpec]]:
    """The same, once the actor may move it out of its stage (forward: into a later stage)."""
    actor, order, stages = _read(session, login, number)
    check_may_leave(actor_of(session, actor), facts_of(session, order, stages), forward=forward)
    return actor, order, stages


def _read(session: Session, login: str, number: str) -> tuple[Employee, Order, list[StageSpec]]:
    actor = get_employee(session, login, active=True)
    order = order_by_number(session, number, lock=True)
    return actor, order, pipeline_of(session, order.store_id)


def _audit(
    session: Session, clock: Clock, actor: Employee, order: Order, action: str,
    before: dict[str, Any], after: dict[str, Any], *, stage: StageSpec | None = None,
) -> Done:  # fmt: skip
    audit.record(session=session, at=clock.now(), actor_id=actor.id, order_id=order.id, action=action,
                 before=before, after=after)  # fmt: skip
    session.flush()
    return Done(order=order, action=action, before=before, after=after, stage=stage)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso(value)
    return value


def _login_of(session: Session, employee_id: int | None) -> str | None:
    if employee_id is None:
        return None
    return session.exec(select(Employee.login).where(Employee.id == employee_id)).first()


def _code_of(session: Session, table: Any, row_id: int | None) -> str | None:
    if row_id is None:
        return None
    return session.exec(select(table.code).where(table.id == row_id)).first()


def _method_codes(session: Session, order: Order) -> tuple[str | None, str | None]:
    return (
        _code_of(session, PaymentMethod, order.payment_method_id),
        _code_of(session, DeliveryMethod, order.delivery_method_id),
    )


def _check_open(order: Order) -> None:
    if not order.is_open:
        raise Conflict(
            f'order {order.number} is closed ("{order.status}"); its items, delivery and discount no longer change'
        )


def _check_amount(what: str, amount: int) -> None:
    if amount < 0:
        raise InvalidInput(f"{what}: must not be negative")
    if amount > MAX_MONEY:
        raise InvalidInput(f"{what}: must not be more than {format_money(MAX_MONEY)}")


def _check_line(qty: int, price: int, discount: int) -> None:
    if not 0 < qty <= MAX_QTY:
        raise InvalidInput(f"qty: must be from 1 to {MAX_QTY}")
    _check_amount("price", price)
    _check_amount("discount", discount)
    if discount > qty * price:
        raise InvalidInput(
            f"discount: {format_money(discount)} is more than the item's value {format_money(qty * price)}"
        )


def _items(session: Session, order: Order) -> list[OrderItem]:
    query = select(OrderItem).where(OrderItem.order_id == order.id).order_by(OrderItem.id)  # type: ignore[arg-type]
    return list(session.exec(query))


def _item(order: Order, items: list[OrderItem], sku: str) -> OrderItem:
    found = next((i for i in items if i.sku == sku), None)
    if found is None:
        skus = ", ".join(i.sku for i in items)
        raise NotFound(f"order {order.number} has no item {sku} (its items: {skus})")
    return found


def _retotal(order: Order, items: list[OrderItem]) -> None:
    """The order's total after a change, by the import's formula; refused if it leaves the range."""
    total = order_total(items, discount=order.discount, delivery_cost=order.delivery_cost)
    if total < 0:
        raise InvalidInput(
            f"order {order.number}'s discount {format_money(order.discount)} would be more than its value "
            f"{format_money(total + order.discount)}; lower the discount first"
        )
    if total > MAX_MONEY:
        raise InvalidInput(f"order {order.number}'s total would be more than {format_money(MAX_MONEY)}")
    order.total = total


def _item_json(item: OrderItem) -> dict[str, Any]:
    money = _line_money({"price": item.price, "discount": item.discount})
    return {"sku": item.sku, "name": item.name, "qty": item.qty, **money}


def _line_money(values: dict[str, Any]) -> dict[str, Any]:
    return {key: format_money(value) if key in ("price", "discount") else value for key, value in values.items()}


def _linkable(session: Session, actor: Employee, order: Order, other: str) -> Order:
    if other == order.number:
        raise InvalidInput(f"order {order.number} cannot be linked to itself")
    linked = order_by_number(session, other)
    check_may_see(actor_of(session, actor), facts_of(session, linked, stages=[]))
    return linked


def _link_between(a: Order, b: Order) -> Any:
    return or_(
        and_(OrderLink.order_id == a.id, OrderLink.linked_id == b.id),  # type: ignore[arg-type]
        and_(OrderLink.order_id == b.id, OrderLink.linked_id == a.id),  # type: ignore[arg-type]
    )


def _link_row(session: Session, a: Order, b: Order) -> OrderLink | None:
    return session.exec(select(OrderLink).where(_link_between(a, b))).first()


# ----------------------------------------------------------------------------------- what happened


def describe(*, session: Session, done: Done) -> str:
    """One line saying what an action did, as the CLI prints it and the desk shows it."""
    number, before, after = done.order.number, done.before, done.after
    if done.action == "order.status":
        assert done.stage is not None
        return f"{number}: {before.get('status')} → {after.get('status')} ({_stage_note(session, done)})"
    if done.action == "order.paid":
        return f"{number}: payment {before['payment_status']} → {after['payment_status']}"
    total = f"total {before['total']} → {after['total']}" if "total" in before else ""
    if done.action == "order.items":
        if before["item"] is None:
            i = after["item"]
            discount = f" less {i['discount']}" if i["discount"] != "0.00" else ""
            return f"{number}: added {i['sku']} {i['name']} × {i['qty']} at {i['price']}{discount}; {total}"
        if after["item"] is None:
            return f"{number}: removed {before['item']['sku']}; {total}"
        changes = ", ".join(f"{k} {before['item'][k]} → {after['item'][k]}" for k in after["item"] if k != "sku")
        return f"{number}: {after['item']['sku']} {changes}; {total}"
    if done.action == "order.delivery":
        b, a = before["delivery"], after["delivery"]
        return f"{number}: delivery {b['method'] or '—'} {b['cost']} → {a['method']} {a['cost']}; {total}"
    if done.action == "order.discount":
        if "item" in after:
            sku = after["item"]["sku"]
            return f"{number}: discount on {sku} {before['item']['discount']} → {after['item']['discount']}; {total}"
        return f"{number}: discount {before['discount']} → {after['discount']}; {total}"
    if done.action == "order.link":
        return f"{number} and {after['linked']} are linked"
    if done.action == "order.unlink":
        return f"{number} and {before['linked']} are no longer linked"
    if done.action == "order.contractor":
        return f"{number}: contractor {before['contractor'] or '—'} → {after['contractor'] or '—'}"
    return f"{number}: {done.action}"


def _stage_note(session: Session, done: Done) -> str:
    stage, order = done.stage, done.order
    assert stage is not None
    if not order.is_open:
        return f"{stage.name}; closed"
    parts = [f"owner: {stage.owner.describe()}"]
    if order.stage_due_at is not None:
        zone = session.exec(select(Store.timezone).where(Store.id == order.store_id)).one()
        parts.append(f"due {_local(order.stage_due_at, ZoneInfo(zone))}")
    else:
        parts.append("no time limit")
    if order.move_due_at is not None:
        zone = session.exec(select(Store.timezone).where(Store.id == order.store_id)).one()
        parts.append(f"moves on {_local(order.move_due_at, ZoneInfo(zone))}")
    return ", ".join(parts)


def _local(at: Any, zone: Any) -> str:
    return at.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")
