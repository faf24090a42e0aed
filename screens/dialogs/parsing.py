"""What a form's fields accept, as the use cases check it (orderdesk.config.fields's limits, policy.money's
amounts): text in, a value out, or ValueError saying why in words for the field's message."""

from __future__ import annotations

from orderdesk.config.fields import MAX_CODE_LENGTH, MAX_MONEY, MAX_QTY
from orderdesk.policy.money import Money, money_text, parse_money
from screens.i18n import _


def text(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError(_("must not be empty"))
    return value


def code(value: str) -> str:
    """An article code or an order number."""
    value = text(value)
    if len(value) > MAX_CODE_LENGTH:
        raise ValueError(_("is longer than {n} characters").format(n=MAX_CODE_LENGTH))
    return value


def qty(value: str) -> int:
    try:
        count = int(value.strip())
    except ValueError:
        raise ValueError(_('"{value}" is not a whole number').format(value=value)) from None
    if not 0 < count <= MAX_QTY:
        raise ValueError(_("must be from 1 to {max}").format(max=f"{MAX_QTY:,}"))
    return count


def amount(value: str, *, at_most: int | None = None, what: str = "") -> int:
    """Minor units of "12.50"; not negative, not above MAX_MONEY nor `at_most` (`what` names that)."""
    try:
        minor = parse_money(value.strip() or "0")
    except ValueError:
        raise ValueError(_('"{value}" is not an amount (write e.g. 12.50)').format(value=value)) from None
    if minor < 0:
        raise ValueError(_("must not be negative"))
    if minor > MAX_MONEY:
        raise ValueError(_("must not be more than {max}").format(max=money_text(Money(MAX_MONEY))))
    if at_most is not None and minor > at_most:
        raise ValueError(_("is more than {what} {max}").format(what=what, max=money_text(Money(at_most))))
    return minor
