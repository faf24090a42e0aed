"""The orders of the signed-in employee's stores, newest first; the selected one can be advanced to
its next stage or marked paid, and the inbox is a key away."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static
from textual.worker import Worker, WorkerState

from orderdesk.policy.errors import DeskError
from orderdesk.policy.money import format_money
from orderdesk.views.orders import ListedOrder, UndistributedInStore
from screens.base import DeskScreen
from screens.messages import OrderActed, OrdersLoaded

PAGE = 200
LOADING = "Loading orders…"
COLUMNS = ("Number", "Store", "Stage", "Customer", "Manager", "Total", "Created", "Due")


def local_time(at: datetime | None, zone: str) -> str:
    """A time in the store's zone, as a person reads it: "24 Nov 21:00"."""
    if at is None:
        return "—"
    return at.astimezone(ZoneInfo(zone)).strftime("%d %b %H:%M")


class OrdersScreen(DeskScreen):
    VIEW_TITLE = "My queue"

    BINDINGS = [
        Binding("a", "advance", "Advance", id="orders.advance"),
        Binding("m", "mark_paid", "Mark paid", id="orders.mark_paid"),
        Binding("i", "inbox", "Inbox", id="orders.inbox"),
        Binding("r", "refresh", "Refresh", id="orders.refresh", show=False),  # live (U8): seldom needed
    ]

    def __init__(self) -> None:
        super().__init__()
        self.next_key: tuple[datetime, int] | None = None
        self.loading_more = False
        self.presence = "offline"
        self.unread = 0
        self.keep_place = False  # the reload after an action keeps the cursor on his row
        self.numbers: list[str] = []  # the order number of each row, in table order
        self.total = 0
        self.undistributed: tuple[UndistributedInStore, ...] | None = None

    def compose_body(self) -> ComposeResult:
        yield Static(LOADING, id="orders-summary")
        yield DataTable(id="orders", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one("#orders", DataTable)
        table.add_columns(*COLUMNS)
        table.focus()
        self.watch(table, "virtual_size", self.redraw_rows, init=False)
        self.load_page(first=True)

    def redraw_rows(self) -> None:
        # DataTable measures new rows only when idle, and keeps the cells it drew before then at the
        # old column widths: truncated under wider headers (textual #4470). Draw them again.
        self.query_one("#orders", DataTable).notify_style_update()

    def action_refresh(self) -> None:
        self.load_page(first=True)

    def refresh_data(self) -> None:
        if self.numbers:  # back from another view: the unread count and the orders may have moved on
            self.keep_place = True
            self.load_page(first=True)

    def action_inbox(self) -> None:
        self.desk_app.action_view("inbox")

    def selected(self) -> str | None:
        row = self.query_one("#orders", DataTable).cursor_row
        return self.numbers[row] if 0 <= row < len(self.numbers) else None

    def action_advance(self) -> None:
        if (number := self.selected()) is not None:
            self.act("advance", number)

    def action_mark_paid(self) -> None:
        if (number := self.selected()) is not None:
            self.act("mark_paid", number)

    @work(thread=True, exit_on_error=False, group="act")
    def act(self, action: str, number: str) -> None:
        """S6 on the selected order; a refusal is told with its reason, and nothing changed."""
        try:
            line = getattr(self.desk, action)(self.viewer, number)
        except DeskError as exc:
            self.post_message(OrderActed(str(exc), refused=True))
            return
        self.post_message(OrderActed(line))

    def on_order_acted(self, message: OrderActed) -> None:
        if message.refused:
            self.notify(message.line, severity="warning", timeout=8)
            return
        self.notify(message.line, timeout=5)
        self.keep_place = True
        self.load_page(first=True)

    @work(thread=True, exclusive=True, exit_on_error=False, group="orders")
    def load_page(self, *, first: bool) -> None:
        """From the top: the first page and the summary line's facts, read together; else the next page."""
        desk = self.desk
        if first:
            self.post_message(OrdersLoaded.from_the_top(desk.orders_refresh(self.viewer, limit=PAGE)))
        else:
            page = desk.orders_page(self.viewer, before=self.next_key, limit=PAGE)
            self.post_message(OrdersLoaded(page, first=False))

    def on_orders_loaded(self, message: OrdersLoaded) -> None:
        table = self.query_one("#orders", DataTable)
        if message.first:
            cursor = table.cursor_row
            table.clear()
            self.numbers = []
            self.presence = message.presence or self.presence
            self.unread = message.unread if message.unread is not None else self.unread
            self.total = message.page.total
            self.undistributed = message.undistributed
        table.add_rows([self.cells(order) for order in message.page.rows])
        self.numbers += [order.number for order in message.page.rows]
        if message.first and self.keep_place and 0 < cursor < table.row_count:
            table.move_cursor(row=cursor)
        self.keep_place = False
        self.next_key = message.page.next_key
        self.loading_more = False
        self.query_one("#orders-summary", Static).update(self.summary(table.row_count))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            self.loading_more = False  # so that reaching the end again retries the page
            summary = self.query_one("#orders-summary", Static)
            if str(summary.content) == LOADING:
                summary.update("Orders could not be loaded; press r to try again.")

    def summary(self, shown: int) -> str:
        # who he is, his presence and his unread notifications are in the header (U1)
        line = f"{self.total} orders" + (f" (showing {shown})" if shown < self.total else "")
        if self.undistributed:
            waiting = ", ".join(f"{s.store} {s.count} ({format_money(s.sum)})" for s in self.undistributed)
            line += f"   ·   undistributed: {waiting}"
        return line

    @staticmethod
    def cells(order: ListedOrder) -> tuple[str | Text, ...]:
        due: str | Text = local_time(order.stage_due_at, order.timezone)
        if order.overdue:  # S3: past its stage's limit
            due = Text("LATE", style="bold red")
        return (
            order.number,
            order.store,
            order.stage or order.status,
            order.customer.name,
            order.manager or "—",
            Text(format_money(order.total), justify="right"),
            local_time(order.created_at, order.timezone),
            due,
        )

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        near_end = event.cursor_row >= event.data_table.row_count - 20
        if near_end and self.next_key is not None and not self.loading_more:
            self.loading_more = True
            self.load_page(first=False)
