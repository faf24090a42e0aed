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
    currency: str | None = None  # the store's ISO 4217 code; None for a store whose currency is not configured


def format_money(amount: int | Money) -> str:
    """ "12.50": the one way an amount is written for people and for JSON."""
    minor = int(amount.minor if isinstance(amount, Money) else amount)  # PostgreSQL's sum() of a bigint is a numeric
    sign = "-" if minor < 0 else ""
    whole, cents = divmod(abs(minor), 100)
    return f"{sign}{whole}.{cents:02d}"


# ISO 4217 codes of the currencies in use (and the funds and metals a shop is unlikely to need, left out)
CURRENCIES = frozenset(
    """AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD CAD
    CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD
    HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL
    LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR
    PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP
    TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XOF XPF YER ZAR ZMW ZWL""".split()  # noqa: SIM905
)

# how people write these amounts: symbol before ("£1,234.50") or after with its grouping ("1 234,50 ₽")
_BEFORE = {"GBP": "£", "USD": "$", "EUR": "€"}
_AFTER = {"RUB": "₽"}
NARROW_NBSP = "\u202f"  # thousands in Russian: a narrow no-break space, so "1 234,50 ₽" never breaks


def check_currency(code: str) -> str:
    """The ISO 4217 code upper-cased; ValueError naming it when it is not one."""
    upper = code.strip().upper()
    if upper not in CURRENCIES:
        raise ValueError(f'"{code}" is not an ISO 4217 currency code (e.g. "GBP", "RUB", "EUR")')
    return upper


def money_text(amount: Money) -> str:
    """An amount as a person reads it, thousands grouped: "£1,234.50", "$5.00", "€5.00", "1 234,50 ₽"
    (narrow no-break spaces); another code after it ("1,234.50 XYZ"); no currency: "1,234.50"."""
    minor = int(amount.minor)
    sign = "-" if minor < 0 else ""
    whole, cents = divmod(abs(minor), 100)
    plain = f"{whole:,}.{cents:02d}"
    code = amount.currency
    if code in _BEFORE:
        return f"{sign}{_BEFORE[code]}{plain}"
    if code in _AFTER:
        grouped = f"{whole:,}".replace(",", NARROW_NBSP)
        return f"{sign}{grouped},{cents:02d}{NARROW_NBSP}{_AFTER[code]}"
    return f"{sign}{plain} {code}" if code else f"{sign}{plain}"


def sums_by_currency(amounts: Iterable[Money]) -> tuple[Money, ...]:
    """One sum per currency, never one over two (A3); currencies in alphabetical order, none last."""
    totals: dict[str | None, int] = {}
    for amount in amounts:
        totals[amount.currency] = totals.get(amount.currency, 0) + int(amount.minor)
    return tuple(Money(totals[c], c) for c in sorted(totals, key=lambda c: (c is None, c or "")))


class Line(Protocol):
    """An order's item as the total sees it (an imported item, a stored one)."""

    qty: int
    price: int
    discount: int


def order_total(items: Iterable[Line], *, discount: int, delivery_cost: int) -> int:
    """What the customer pays, in minor units: each item's quantity × price less its discount,
    less the order's discount, plus delivery. The import and every change of an order use this."""
    return sum(item.qty * item.price - item.discount for item in items) - discount + delivery_cost
