"""One order whole (U5). A first cut: the order's number; the order screen is being built."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from screens.base import DeskScreen


class OrderScreen(DeskScreen):
    VIEW_TITLE = "Order"
    BINDINGS = [Binding("escape", "app.pop_screen", "Back", id="order.back")]

    def __init__(self, number: str) -> None:
        super().__init__()
        self.number = number

    def compose_body(self) -> ComposeResult:
        yield Static(self.number, id="order-number")
