"""Money as integer minor units; decimal strings in files and JSON ("12.50")."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation


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
