"""The notification inbox (A2, U6): what the desk has told the signed-in employee, newest first.

Enter (or moving the cursor) shows a notification's text below the list and marks it read; `a` marks
them all read; Escape goes back to the orders. The list is read a page at a time (toolong: never all
of it): the summary says "200 of 236", and the cursor reaching the last row reads the next page. The
cursor stays on its notification when the list is read again, and a toast says when new ones came.
"""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Static

from orderdesk.views.inbox import InboxEntry, InboxPage
from screens.base import DeskScreen
from screens.i18n import N_, _, day_time, ngettext, translate_bindings
from screens.widgets.table import Table

KINDS = {"overdue": N_("late"), "automove_notice": N_("timed move"), "order_placed": N_("new order")}


def when(at: datetime, zone: str) -> str:
    """In the zone of the notification's order (or of his store): "24 Nov 21:00"."""
    return day_time(at, zone)


class InboxRead(Message):
    """A page of the inbox was read; `more` appends it (the next page), else it replaces the list."""

    def __init__(self, page: InboxPage, *, more: bool = False) -> None:
        super().__init__()
        self.page = page
        self.more = more


class InboxScreen(DeskScreen):
    VIEW_TITLE = N_("Inbox")
    PAGE = 200

    BINDINGS = [
        Binding("escape", "app.view('mine')", N_("Back"), id="inbox.back"),
        Binding("a", "read_all", N_("All read"), id="inbox.read_all"),
        Binding("r", "refresh", N_("Refresh"), id="inbox.refresh"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.VIEW_TITLE = _(type(self).VIEW_TITLE)  # built after sign-in: in his language
        translate_bindings(self)
        self.rows: list[InboxEntry] = []
        self.total = 0
        self.unread: int | None = None  # None until first read: nothing is "new" on the first load
        self.next_key: tuple[datetime, int] | None = None
        self.paging = False

    def compose_body(self) -> ComposeResult:
        yield Static(_("Loading notifications…"), id="inbox-summary")
        yield Table(id="inbox", cursor_type="row", zebra_stripes=True)
        with VerticalScroll(id="inbox-text-box"):
            yield Static("", id="inbox-text")

    def on_mount(self) -> None:
        table = self.query_one("#inbox", DataTable)
        table.add_columns(" ", _("When"), _("What"), _("Order"), _("Subject"))
        table.focus()
        self.load()

    def action_refresh(self) -> None:
        self.load()

    def refresh_data(self) -> None:
        if self.is_mounted:
            self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="inbox")
    def load(self) -> None:
        """The list from the top again, as many rows as are shown now (so the cursor's row is still there)."""
        limit = max(self.PAGE, len(self.rows))
        self.post_message(InboxRead(self.desk.inbox_page(self.viewer, limit=limit)))

    @work(thread=True, exclusive=True, exit_on_error=False, group="inbox-more")
    def load_more(self, before: tuple[datetime, int]) -> None:
        self.post_message(InboxRead(self.desk.inbox_page(self.viewer, before=before, limit=self.PAGE), more=True))

    def on_inbox_read(self, message: InboxRead) -> None:
        page = message.page
        table = self.query_one("#inbox", DataTable)
        if message.more:
            self.paging = False
            self.rows.extend(page.rows)  # older than the last shown: keyset paging never repeats one
            for row in page.rows:
                table.add_row(*self.cells(row), key=str(row.id))
        else:
            kept = self.rows[table.cursor_row].id if self.row_at(table.cursor_row) else None
            self.tell_new(page.unread)
            self.rows = list(page.rows)
            table.clear()
            for row in self.rows:
                table.add_row(*self.cells(row), key=str(row.id))
            where = next((i for i, row in enumerate(self.rows) if row.id == kept), None)
            if where is not None:
                table.move_cursor(row=where, animate=False)
        self.total, self.unread, self.next_key = page.total, page.unread, page.next_key
        self.show_summary()
        if not self.rows:
            self.query_one("#inbox-text", Static).update(_("Nothing here yet."))

    def tell_new(self, unread: int) -> None:
        """A toast when more are unread than at the last look (U6): something new came in."""
        if self.unread is not None and unread > self.unread:
            new = unread - self.unread
            self.notify(
                ngettext("{n} new notification", "{n} new notifications", new).format(n=new),
                title=_("Inbox"),
                timeout=8,
            )

    def show_summary(self) -> None:
        if len(self.rows) < self.total:
            shown = _("{shown} of {total} notifications").format(shown=len(self.rows), total=self.total)
        else:
            shown = ngettext("{n} notification", "{n} notifications", self.total).format(n=self.total)
        unread = _("{n} unread").format(n=self.unread or 0)
        keys = _("Enter reads one, a marks all read")
        self.query_one("#inbox-summary", Static).update(f"{shown}  ·  {unread}  ·  {keys}")  # 80 columns

    @staticmethod
    def cells(row: InboxEntry) -> tuple[str | Text, ...]:
        style = "" if row.read else "bold"
        kind = KINDS.get(row.kind)
        return (
            "" if row.read else "●",
            when(row.at, row.timezone),
            _(kind) if kind else row.kind,
            row.order or "",
            Text(row.subject, style=style),
        )

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        row = self.row_at(event.cursor_row)
        if row is not None:
            self.query_one("#inbox-text", Static).update(Text(f"{row.subject}\n\n{row.text}"))
        if event.cursor_row >= len(self.rows) - 1 and self.next_key is not None and not self.paging:
            self.paging = True  # the last row: the next page, once
            self.load_more(self.next_key)

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
        self.post_message(InboxRead(self.desk.inbox_page(self.viewer, limit=max(self.PAGE, len(self.rows)))))
