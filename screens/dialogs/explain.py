"""Why an order went to its manager (D6): the decision in a line, each candidate and why he was or was
not chosen, as a table."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from orderdesk.views.order_detail import AssignmentTrace
from screens.i18n import N_, _
from screens.widgets.table import Table


class ExplainDialog(ModalScreen[None]):
    CSS_PATH = "dialogs.tcss"
    BINDINGS = [
        Binding("escape", "close", N_("Close"), id="explain.close"),
        Binding("enter", "close", N_("Close"), id="explain.close_enter", show=False),
    ]

    def __init__(self, trace: AssignmentTrace) -> None:
        super().__init__()
        self.trace = trace

    def compose(self) -> ComposeResult:
        with Vertical(id="explain-box") as box:
            box.border_title = _("Assignment")
            yield Static(self.trace.headline, id="explain-headline")
            table = Table(id="explain-trace", cursor_type="row")
            table.add_columns("", _("Manager"), _("Why"))
            for row in self.trace.rows:
                mark = Text("✓", style="bold green") if row.chosen else Text("·")
                table.add_row(mark, row.login, row.reason)
            for reason, count in self.trace.more:
                table.add_row("·", _("{n} more").format(n=count), reason)
            yield table
            if self.trace.note:
                yield Static(self.trace.note, id="explain-note")
            yield Static(_("Esc to close"), id="form-keys")

    def action_close(self) -> None:
        self.dismiss(None)
