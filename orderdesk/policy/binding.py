"""Binding managers to customers (seed 002, DESIGN B1). Pure.

`customer_manager_after_assignment` is the rule; `CustomerBinding` applies it to orders that get
managers one after another. Every path that gives an order a manager (the distribution pass, claim,
assign, save, create, import) goes through them."""

from __future__ import annotations

from collections.abc import Callable, Mapping


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


class CustomerBinding:
    """Customers' responsible managers as their orders get managers, one after another: each order
    sees the binding the orders before it left, as if they had arrived one at a time."""

    def __init__(self, managers: Mapping[int, int | None], *, active: Callable[[int], bool]) -> None:
        self.managers: dict[int, int | None] = dict(managers)  # customer -> responsible manager
        self.active = active  # is this employee active?
        self.changed: dict[int, int | None] = {}  # customers bound anew, not yet written

    def manager_of(self, customer_id: int, known: int | None = None) -> int | None:
        """The customer's responsible manager; `known` (his card's) the first time he is met."""
        return self.managers.setdefault(customer_id, known)

    def assigned(self, customer_id: int, manager_id: int | None) -> int | None:
        """An order of the customer got `manager_id`: his responsible manager from now on."""
        current = self.managers.get(customer_id)
        active = self.active(current) if current is not None else True
        new = customer_manager_after_assignment(current, manager_id, current_active=active)
        if new != current:
            self.managers[customer_id] = new
            self.changed[customer_id] = new
        return new

    def take_changes(self) -> dict[int, int | None]:
        """The customers bound anew since the last call, to be written."""
        changed, self.changed = self.changed, {}
        return changed
