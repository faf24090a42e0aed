"""Money as integer minor units; decimal strings in files and JSON ("12.50")."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Protocol


def parse_money(value: object) -> int:
    """Minor units of a decimal string or integer; ValueError naming the value otherwise."""
    if isinstance(value, (bool, float)):
        raise ValueError(f'{value!r} is not a decimal amount (write it as a string, e.g. "12.50")')
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


@dataclass(frozen=True)
class Money:
    """An amount of a store's money in integer minor units, as the read models carry it. Amounts of
    different currencies are never added together (A3)."""

    minor: int
    currency: str | None = None  # stores have no currency column yet; None until they do


def format_money(amount: int | Money) -> str:
    """ "12.50": the one way an amount is written for people and for JSON."""
    minor = int(amount.minor if isinstance(amount, Money) else amount)  # PostgreSQL's sum() of a bigint is a numeric
    sign = "-" if minor < 0 else ""
    whole, cents = divmod(abs(minor), 100)
    return f"{sign}{whole}.{cents:02d}"


def money_text(amount: Money) -> str:
    """An amount as a person reads it: thousands grouped, with the store's currency once stores carry
    one ("£1,234.50", "1 234,50 ₽"); without one, "1,234.50"."""
    minor = int(amount.minor)
    sign = "-" if minor < 0 else ""
    whole, cents = divmod(abs(minor), 100)
    return f"{sign}{whole:,}.{cents:02d}"


class Line(Protocol):
    """An order's item as the total sees it (an imported item, a stored one)."""

    qty: int
    price: int
    discount: int


def order_total(items: Iterable[Line], *, discount: int, delivery_cost: int) -> int:
    """What the customer pays, in minor units: each item's quantity × price less its discount,
    less the order's discount, plus delivery. The import and every change of an order use this."""
    return sum(item.qty * item.price - item.discount for item in items) - discount + delivery_cost
