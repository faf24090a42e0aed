"""The notification inbox (A2, U6): what the desk has told the signed-in employee, newest first.

Enter (or moving the cursor) shows a notification's text below the list and marks it read; `a` marks
them all read; Escape goes back to the orders.
"""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Static

from orderdesk.views.inbox import InboxEntry
from screens.base import DeskScreen
from screens.messages import InboxLoaded

KINDS = {"overdue": "late", "automove_notice": "timed move", "order_placed": "new order"}


def when(at: datetime) -> str:
    return at.astimezone().strftime("%d %b %H:%M")


class InboxScreen(DeskScreen):
    VIEW_TITLE = "Inbox"

    BINDINGS = [
        Binding("escape", "app.view('mine')", "Back", id="inbox.back"),
        Binding("a", "read_all", "All read", id="inbox.read_all"),
        Binding("r", "refresh", "Refresh", id="inbox.refresh"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[InboxEntry] = []

    def compose_body(self) -> ComposeResult:
        yield Static("Loading notifications…", id="inbox-summary")
        yield DataTable(id="inbox", cursor_type="row", zebra_stripes=True)
        with VerticalScroll(id="inbox-text-box"):
            yield Static("", id="inbox-text")

    def on_mount(self) -> None:
        table = self.query_one("#inbox", DataTable)
        table.add_columns(" ", "When", "What", "Order", "Subject")
        table.focus()
        self.load()

    def action_refresh(self) -> None:
        self.load()

    def refresh_data(self) -> None:
        if self.is_mounted:
            self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="inbox")
    def load(self) -> None:
        self.post_message(InboxLoaded(self.desk.inbox(self.viewer)))

    def on_inbox_loaded(self, message: InboxLoaded) -> None:
        self.rows = message.rows
        table = self.query_one("#inbox", DataTable)
        table.clear()
        for row in self.rows:
            table.add_row(*self.cells(row), key=str(row.id))
        self.show_summary()
        if not self.rows:
            self.query_one("#inbox-text", Static).update("Nothing here yet.")

    def show_summary(self) -> None:
        unread = sum(1 for r in self.rows if not r.read)
        self.query_one("#inbox-summary", Static).update(
            f"{len(self.rows)} notifications   ·   {unread} unread   ·   Enter reads one, a marks all read"
        )

    @staticmethod
    def cells(row: InboxEntry) -> tuple[str | Text, ...]:
        style = "" if row.read else "bold"
        return (
            "" if row.read else "●",
            when(row.at),
            KINDS.get(row.kind, row.kind),
            row.order or "",
            Text(row.subject, style=style),
        )

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        row = self.row_at(event.cursor_row)
        if row is not None:
            self.query_one("#inbox-text", Static).update(Text(f"{row.subject}\n\n{row.text}"))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        row = self.row_at(event.cursor_row)
        if row is not None and not row.read:
            self.reading([row.id])

    def row_at(self, index: int) -> InboxEntry | None:
        return self.rows[index] if 0 <= index < len(self.rows) else None

    def action_read_all(self) -> None:
        self.reading(None)

    @work(thread=True, exclusive=True, exit_on_error=False, group="inbox-read")
    def reading(self, ids: list[int] | None) -> None:
        self.desk.mark_read(self.viewer, ids)
        self.post_message(InboxLoaded(self.desk.inbox(self.viewer)))
