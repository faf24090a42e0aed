"""Binding managers to customers (seed 002, DESIGN B1). Pure."""

from __future__ import annotations


def customer_manager_after_assignment(
    customer_manager: int | None, order_manager: int | None, *, current_active: bool = True
) -> int | None:
    """The customer's responsible manager once an order of his got `order_manager`.

    A customer with none is bound to the order's manager (seed 002, feature 2). A deactivated
    responsible manager is replaced by the one the order went to; one who is only offline, busy or
    at his limit stays."""
    if order_manager is None:
        return customer_manager
    if customer_manager is None or not current_active:
        return order_manager
    return customer_manager
