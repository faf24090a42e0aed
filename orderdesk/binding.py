"""Binding managers to customers (seed 002). Pure."""

from __future__ import annotations


def customer_manager_after_assignment(customer_manager: int | None, order_manager: int | None) -> int | None:
    """An order that gets a manager binds him to a customer that has none (seed 002, feature 2)."""
    if customer_manager is None:
        return order_manager
    return customer_manager
