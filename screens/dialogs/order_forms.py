"""The fields of the order screen's forms (S6): an item, a changed item, the delivery with the new
total shown before he confirms."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from orderdesk.policy.money import Money, format_money, money_text
from orderdesk.views.order_detail import OrderDetail
from screens.dialogs import parsing
from screens.dialogs.form import FormField
from screens.i18n import _


def new_item() -> list[FormField]:
    return [
        FormField("sku", _("Article code"), parse=parsing.code),
        FormField("name", _("Name"), parse=parsing.text),
        FormField("qty", _("Quantity"), "1", parse=parsing.qty),
        FormField("price", _("Unit price"), parse=parsing.amount),
        FormField("discount", _("Discount on the line"), "0", parse=parsing.amount),
    ]


def item(line: Any) -> list[FormField]:
    """A line of the order as it is now, to change its quantity, price or discount."""
    return [
        FormField("qty", _("Quantity"), str(line.qty), parse=parsing.qty),
        FormField("price", _("Unit price"), format_money(line.price), parse=parsing.amount),
        FormField("discount", _("Discount on the line"), format_money(line.discount), parse=parsing.amount),
    ]


def delivery(d: OrderDetail) -> list[FormField]:
    current = next((c.code for c in d.deliveries if c.name == d.delivery_method_name), d.deliveries[0].code)
    return [
        FormField("method", _("Delivery method"), current, choices=tuple((c.name, c.code) for c in d.deliveries)),
        FormField("cost", _("Cost (empty: the method's price)"), "", parse=optional_amount),
    ]


def delivery_preview(d: OrderDetail) -> Callable[[dict[str, str]], str]:
    """The order's new total for the method and cost typed so far (the method's price if none)."""
    prices = {c.code: c.price.minor for c in d.deliveries}

    def preview(raw: dict[str, str]) -> str:
        try:
            cost = optional_amount(raw["cost"])
        except ValueError:
            return _("New total: —")
        cost = prices.get(raw["method"], 0) if cost is None else cost
        return _("New total: {total} (now {now})").format(
            total=money_text(Money(d.total_with_delivery(cost), d.order.total.currency)),
            now=money_text(d.order.total),
        )

    return preview


def optional_amount(text: str) -> int | None:
    return None if not text.strip() else parsing.amount(text)
