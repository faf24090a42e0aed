"""Changing what an order holds by hand (S6, A1): its payment status, items, delivery and discount.

Items, delivery and discount change only on an open order, and the total follows by the import's
formula; a change that would take the total out of range is refused.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from orderdesk.clock import Clock
from orderdesk.config.fields import MAX_MONEY, MAX_QTY
from orderdesk.policy.errors import Conflict, InvalidInput, NotFound
from orderdesk.policy.money import format_money, order_total
from orderdesk.policy.vocab import PAYMENT_STATUSES
from orderdesk.usecases.acting import Done, acting_on, audited, code_of
from storage.models import DeliveryMethod, Order, OrderItem


def set_payment(*, session: Session, actor: str, clock: Clock, number: str, status: str = "paid") -> Done:
    """The order's payment status, kept apart from its stage (A1): paid, unpaid or refunded."""
    employee, order, _ = acting_on(session=session, actor=actor, number=number)
    if status not in PAYMENT_STATUSES:
        raise InvalidInput(f'payment status "{status}" is not one of {", ".join(PAYMENT_STATUSES)}')
    if order.payment_status == status:
        raise Conflict(f"order {order.number} is already {status}")
    before = {"payment_status": order.payment_status}
    order.payment_status = status
    session.add(order)
    return audited(
        session=session, clock=clock, employee=employee, order=order, action="order.paid",
        before=before, after={"payment_status": status},
    )  # fmt: skip


# ----------------------------------------------------------------------------------- items (S6)


def add_item(
    *, session: Session, actor: str, clock: Clock, number: str, sku: str, name: str, qty: int, price: int,
    discount: int = 0,
) -> Done:  # fmt: skip
    employee, order, _ = acting_on(session=session, actor=actor, number=number)
    sku, name = sku.strip(), name.strip()
    if not sku:
        raise InvalidInput("sku: must not be empty")
    if not name:
        raise InvalidInput("name: must not be empty")
    _check_line(qty, price, discount)
    _check_open(order)
    items = _items(session, order)
    if any(i.sku == sku for i in items):
        raise Conflict(f"order {order.number} already has an item {sku}; change its quantity instead")
    item = OrderItem(order_id=order.id, sku=sku, name=name, qty=qty, price=price, discount=discount)  # type: ignore[arg-type]
    before_total = order.total
    _retotal(order, [*items, item])
    session.add(item)
    session.add(order)
    return audited(
        session=session, clock=clock, employee=employee, order=order, action="order.items",
        before={"item": None, "total": format_money(before_total)},
        after={"item": _item_json(item), "total": format_money(order.total)},
    )  # fmt: skip


def change_item(
    *, session: Session, actor: str, clock: Clock, number: str, sku: str, qty: int | None = None,
    price: int | None = None, discount: int | None = None,
) -> Done:  # fmt: skip
    employee, order, _ = acting_on(session=session, actor=actor, number=number)
    if qty is None and price is None and discount is None:
        raise InvalidInput("give a new quantity, price or discount")
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
    return audited(
        session=session, clock=clock, employee=employee, order=order, action="order.items", before=before, after=after
    )


def remove_item(*, session: Session, actor: str, clock: Clock, number: str, sku: str) -> Done:
    employee, order, _ = acting_on(session=session, actor=actor, number=number)
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
    return audited(
        session=session, clock=clock, employee=employee, order=order, action="order.items",
        before=before, after={"item": None, "total": format_money(order.total)},
    )  # fmt: skip


# ----------------------------------------------------------------------------------- delivery, discount


def set_delivery(
    *, session: Session, actor: str, clock: Clock, number: str, method: str, cost: int | None = None
) -> Done:
    """Another delivery method (seed 003: the customer switched from courier to pickup), at the
    method's price unless a cost is given; the total follows."""
    employee, order, _ = acting_on(session=session, actor=actor, number=number)
    if cost is not None:
        _check_amount("cost", cost)
    _check_open(order)
    row = session.exec(select(DeliveryMethod).where(DeliveryMethod.code == method)).first()
    if row is None:
        known = ", ".join(session.exec(select(DeliveryMethod.code).order_by(DeliveryMethod.code)))
        raise NotFound(f'unknown delivery method "{method}" (known: {known or "none"})')
    cost = row.price if cost is None else cost
    old_method = code_of(session=session, table=DeliveryMethod, row_id=order.delivery_method_id)
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
    return audited(
        session=session, clock=clock, employee=employee, order=order, action="order.delivery",
        before=before, after=after,
    )  # fmt: skip


def set_discount(
    *, session: Session, actor: str, clock: Clock, number: str, amount: int, sku: str | None = None
) -> Done:
    """A discount on the whole order, or on one item (S6); never more than what it applies to."""
    employee, order, _ = acting_on(session=session, actor=actor, number=number)
    _check_amount("discount", amount)
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
    return audited(
        session=session, clock=clock, employee=employee, order=order, action="order.discount",
        before=before, after=after,
    )  # fmt: skip


# ----------------------------------------------------------------------------------- checks, totals


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
