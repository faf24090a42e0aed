"""Money as integer minor units; decimal strings in files and JSON ("12.50")."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Protocol


def parse_money(value: object) -> int:
    """Minor units of a decimal string or integer; ValueError naming the value otherwise."""
    if isinstance(value, bool) or isinstance(value, float):
        raise ValueError(f"{value!r} is not a decimal amount (write it as a string, e.g. \"12.50\")")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f'"{value}" is not a decimal amount') from None
    if not amount.is_finite():
        raise ValueError(f'"{value}" is not a decimal amount')
    cents = amount * 100
    if cents != cents.to_integral_value():
        raise ValueError(f'"{value}" has more than two decimal places')
    return int(cents)


def format_money(minor: int) -> str:
    minor = int(minor)  # PostgreSQL's sum() of a bigint is a numeric
    sign = "-" if minor < 0 else ""
    whole, cents = divmod(abs(minor), 100)
    return f"{sign}{whole}.{cents:02d}"


class Line(Protocol):
    """An order's item as the total sees it (an imported item, a stored one)."""

    qty: int
    price: int
    discount: int


def order_total(items: Iterable[Line], *, discount: int, delivery_cost: int) -> int:
    """What the customer pays, in minor units: each item's quantity × price less its discount,
    less the order's discount, plus delivery. The import and every change of an order use this."""
    return sum(item.qty * item.price - item.discount for item in items) - discount + delivery_cost
