"""My queue and the pool (U2), two views a key apart (1, 2): a keyset-paged list of orders with the keys
to open, claim, take the next one, advance (and undo), mark paid, filter in place and cycle the sort."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable, Input, Static
from textual.worker import Worker, WorkerState

from orderdesk.policy.errors import DeskError
from orderdesk.policy.money import money_text
from orderdesk.views.orders import ListedOrder
from orderdesk.views.queue import SORTS, Acted, QueuePage
from screens.base import DeskScreen
from screens.i18n import N_, _, ngettext
from screens.widgets.table import Table

PAGE = 300
WIDE = 110  # columns from which store, created and manager are shown too
UNDO_SECONDS = 10
# orderdesk.policy.vocab.PAYMENT_STATUSES, marked for the catalog: the cells say _(payment_status)
PAYMENT_MARKERS = (N_("unpaid"), N_("paid"), N_("refunded"))
SORT_NAMES = {"urgency": N_("by urgency"), "newest": N_("newest first"), "oldest": N_("oldest first"),
              "total": N_("by total")}  # fmt: skip


def _keys(prefix: str, *, pool: bool) -> list[Binding]:
    keys = [
        Binding("enter", "open_order", N_("Open"), id=f"{prefix}.open"),
        *([Binding("c", "claim", N_("Claim"), id=f"{prefix}.claim")] if pool else []),
        Binding("n", "take_next", N_("Take next"), id=f"{prefix}.take_next"),
        Binding("a", "advance", N_("Advance"), id=f"{prefix}.advance"),
        Binding("u", "undo", N_("Undo"), id=f"{prefix}.undo", show=False),
        Binding("m", "mark_paid", N_("Paid"), id=f"{prefix}.mark_paid"),
        Binding("slash", "filter", N_("Filter"), id=f"{prefix}.filter"),
        Binding("s", "sort", N_("Sort"), id=f"{prefix}.sort"),
        Binding("r", "refresh", N_("Refresh"), id=f"{prefix}.refresh", show=False),
        Binding("escape", "clear_filter", N_("Clear filter"), id=f"{prefix}.clear_filter", show=False),
    ]
    return keys


def time_left(order: ListedOrder, at: datetime) -> Text:
    """ "2h 10m left", or in red "LATE 1d 3h"; "—" when the stage has no limit."""
    if order.stage_due_at is None:
        return Text("—")
    seconds = int((order.stage_due_at - at).total_seconds())
    if order.overdue or seconds < 0:
        return Text(_("LATE {span}").format(span=_span(-seconds)), style="bold red")
    return Text(_("{span} left").format(span=_span(seconds)))


def _span(seconds: int) -> str:
    seconds = max(seconds, 0)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days >= 10:
        return _("{d}d").format(d=days)  # the hours no longer matter, and the column stays 11 wide
    if days:
        return _("{d}d {h}h").format(d=days, h=hours)
    if hours:
        return _("{h}h {m}m").format(h=hours, m=minutes)
    return _("{m}m").format(m=minutes)


def local_time(at: datetime, zone: str) -> str:
    return at.astimezone(ZoneInfo(zone)).strftime("%d %b %H:%M")


class QueueScreen(DeskScreen):
    """A list of orders (LIST "mine" or "pool"); the two views differ in what they list and `c`."""

    CSS_PATH = "queue.tcss"
    LIST: ClassVar[str] = "mine"
    DEFAULT_SORT: ClassVar[str] = "urgency"

    class PageLoaded(Message):
        def __init__(self, page: QueuePage, *, first: bool, keep: str | None) -> None:
            super().__init__()
            self.page, self.first, self.keep = page, first, keep

    class ActionDone(Message):
        """An action was done (`acted`) or refused (`refusal`)."""

        def __init__(self, action: str, acted: Acted | None = None, refusal: str | None = None) -> None:
            super().__init__()
            self.action, self.acted, self.refusal = action, acted, refusal

    def __init__(self) -> None:
        super().__init__()
        self.sort = self.DEFAULT_SORT
        self.text = ""
        self.orders: list[ListedOrder] = []
        self.page: QueuePage | None = None
        self.next_key: tuple[Any, ...] | None = None
        self.loading_more = False
        self.wide: bool | None = None
        self.undoable: str | None = None  # the order his last advance moved, while `u` may take it back
        self.cursor_to: str | None = None  # where a reload on its way puts the cursor (the order he acted on)

    def compose_body(self) -> ComposeResult:
        yield Static(_("Loading orders…"), id="queue-summary")
        yield Input(placeholder=_("number, customer or phone; Enter keeps it, Escape clears"), id="queue-filter")
        yield Table(id="queue", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.query_one("#queue-filter", Input).display = False
        self.set_columns()
        self.query_one("#queue", DataTable).focus()
        self.load(first=True)

    # ------------------------------------------------------------------ columns

    def set_columns(self) -> None:
        wide = self.size.width >= WIDE if self.size.width else False
        if wide == self.wide:
            return
        self.wide = wide
        table = self.query_one("#queue", DataTable)
        table.clear(columns=True)
        # 80 columns: 6 columns of 2 padding each, a 1-wide scrollbar, and the customer takes the rest;
        # Total fits "1 234 567,89 ₽" and "£1,234,567.89" (seed 001 speaks of orders up to 1,000,000)
        fixed = [(_("Number"), 8), (_("Total"), 14), (_("Stage"), 14 if wide else 11), (_("Time left"), 12),
                 (_("Payment"), 8)]  # fmt: skip
        extra = [(_("Store"), 10), (_("Created"), 12), (_("Manager"), 10)] if wide else []
        width = max(self.size.width, 80) - 1 - 2 * (1 + len(fixed) + len(extra)) - sum(w for _, w in fixed + extra)
        customer = max(12, min(width, 40))
        columns = [fixed[0], (_("Customer"), customer), *fixed[1:], *extra]
        for label, size in columns:
            table.add_column(label, width=size)
        self.draw_rows(keep=self.selected())

    def on_resize(self) -> None:
        self.set_columns()

    def cells(self, order: ListedOrder, at: datetime) -> tuple[str | Text, ...]:
        row: tuple[str | Text, ...] = (
            order.number,
            Text(order.customer.name, overflow="ellipsis", no_wrap=True),
            Text(money_text(order.total), justify="right"),
            Text(order.stage or order.status, overflow="ellipsis", no_wrap=True),
            time_left(order, at),
            _(order.payment_status),
        )
        if self.wide:
            row += (order.store, local_time(order.created_at, order.timezone), order.manager or "—")
        return row

    def draw_rows(self, *, keep: str | None) -> None:
        table = self.query_one("#queue", DataTable)
        row = table.cursor_row
        table.clear()
        if self.page is not None:
            table.add_rows([self.cells(o, self.page.at) for o in self.orders])
        numbers = [o.number for o in self.orders]
        if keep in numbers:
            table.move_cursor(row=numbers.index(keep), animate=False)
        elif numbers:
            table.move_cursor(row=min(max(row, 0), len(numbers) - 1), animate=False)

    # ------------------------------------------------------------------ loading

    def selected(self) -> str | None:
        row = self.query_one("#queue", DataTable).cursor_row
        return self.orders[row].number if 0 <= row < len(self.orders) else None

    def refresh_data(self) -> None:
        # a reload asked for while one that puts the cursor on an order (what he just took) is still on
        # its way cancels that one (exclusive), so it takes over where that one meant to put the cursor
        self.load(first=True, keep=self.cursor_to or self.selected())

    def action_refresh(self) -> None:
        self.refresh_data()

    @work(thread=True, exclusive=True, exit_on_error=False, group="queue")
    def load(self, *, first: bool, keep: str | None = None) -> None:
        """From the top (as many rows as were shown, so the cursor stays on its order), or the next page."""
        if first:
            limit = min(max(PAGE, len(self.orders)), 10 * PAGE)
            page = self.desk.queue(self.viewer, list=self.LIST, sort=self.sort, text=self.text, limit=limit)
        else:
            page = self.desk.queue(self.viewer, list=self.LIST, sort=self.sort, text=self.text, after=self.next_key,
                                   limit=PAGE)  # fmt: skip
        self.post_message(self.PageLoaded(page, first=first, keep=keep))

    def on_queue_screen_page_loaded(self, message: PageLoaded) -> None:
        page = message.page
        if page.sort != self.sort:
            return  # an answer to a sort he has already left
        self.page = page
        if message.first:
            self.orders = list(page.rows)
            self.cursor_to = None
            self.draw_rows(keep=message.keep)
        else:
            table = self.query_one("#queue", DataTable)
            table.add_rows([self.cells(o, page.at) for o in page.rows])
            self.orders += page.rows
        self.next_key = page.next_key
        self.loading_more = False
        self.query_one("#queue-summary", Static).update(self.summary())
        if not message.first:
            self.more_if_near_the_end()  # ctrl+end: he is still at the end of what has come

    def summary(self) -> str:
        page = self.page
        if page is None:
            return ""
        shown = len(self.orders)
        count = ngettext("{n} order", "{n} orders", page.total).format(n=page.total)
        if shown < page.total:
            count += _(" (showing {shown})").format(shown=shown)
        parts = [count, _(SORT_NAMES[self.sort]) + " (s)"]
        if self.text:
            parts.append(_('filter "{text}"').format(text=self.text))
        if page.stores:
            parts.insert(0, ", ".join(f"{s.store} {s.count} ({money_text(s.sum)})" for s in page.stores))
        return "   ".join(parts)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.more_if_near_the_end()

    def more_if_near_the_end(self) -> None:
        table = self.query_one("#queue", DataTable)
        if table.cursor_row >= table.row_count - 20 and self.next_key is not None and not self.loading_more:
            self.loading_more = True
            self.load(first=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR and event.worker.group == "queue":
            self.loading_more = False  # reaching the end again retries the page
            if self.page is None:
                self.query_one("#queue-summary", Static).update(_("Orders could not be loaded; press r to try again."))

    # ------------------------------------------------------------------ filter and sort

    def action_filter(self) -> None:
        field = self.query_one("#queue-filter", Input)
        field.display = True
        field.focus()

    @on(Input.Changed, "#queue-filter")
    def filter_changed(self, event: Input.Changed) -> None:
        self.text = event.value.strip()
        self.load(first=True)

    @on(Input.Submitted, "#queue-filter")
    def filter_kept(self) -> None:
        field = self.query_one("#queue-filter", Input)
        field.display = bool(field.value)
        self.query_one("#queue", DataTable).focus()

    def action_clear_filter(self) -> None:
        field = self.query_one("#queue-filter", Input)
        if not field.display and not self.text:
            return
        field.value = ""
        field.display = False
        self.query_one("#queue", DataTable).focus()
        if self.text:
            self.text = ""
            self.load(first=True)

    def action_sort(self) -> None:
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self.orders = []
        self.load(first=True)
        self.notify(_("Sorted {how}").format(how=_(SORT_NAMES[self.sort])), timeout=2)

    # ------------------------------------------------------------------ actions

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open_order()

    def action_open_order(self) -> None:
        if (number := self.selected()) is not None:
            self.desk_app.open_order(number)

    def action_claim(self) -> None:
        if (number := self.selected()) is not None:
            self.act("claim", number)

    def action_take_next(self) -> None:
        self.act("take_next", None)

    def action_advance(self) -> None:
        if (number := self.selected()) is not None:
            self.act("advance_with_undo", number)

    def action_mark_paid(self) -> None:
        if (number := self.selected()) is not None:
            self.act("pay", number)

    def action_undo(self) -> None:
        if self.undoable is None:
            self.notify(_("Nothing to undo."), severity="warning", timeout=4)
            return
        self.act("undo_move", self.undoable)

    @work(thread=True, exit_on_error=False, group="act")
    def act(self, action: str, number: str | None) -> None:
        """An action on an order; a refusal comes back with its reason, and nothing changed."""
        call = getattr(self.desk, action)
        try:
            acted = call(self.viewer) if number is None else call(self.viewer, number)
        except DeskError as exc:
            self.post_message(self.ActionDone(action, refusal=str(exc)))
            return
        self.post_message(self.ActionDone(action, acted))

    def on_queue_screen_action_done(self, message: QueueScreen.ActionDone) -> None:
        if message.acted is None:
            self.notify(message.refusal or "", severity="warning", timeout=8)
            return
        acted = message.acted
        if message.action == "advance_with_undo":
            self.undoable = acted.number
            self.notify(_("{line} — u to undo").format(line=acted.line), timeout=UNDO_SECONDS)
            self.set_timer(UNDO_SECONDS, lambda number=acted.number: self.undo_expired(number))
        else:
            if message.action == "undo_move":
                self.undoable = None
            self.notify(acted.line, timeout=5)
        keep = acted.number if message.action != "claim" else None
        self.cursor_to = keep
        self.load(first=True, keep=keep or self.selected())

    def undo_expired(self, number: str) -> None:
        if self.undoable == number:
            self.undoable = None


class MyQueueScreen(QueueScreen):
    """The open orders he is the manager of, most urgent first: overdue (most over first), then least
    time left in the stage, then those without a limit, oldest first."""

    VIEW_TITLE = N_("My queue")
    LIST = "mine"
    DEFAULT_SORT = "urgency"
    BINDINGS = _keys("queue", pool=False)


class PoolScreen(QueueScreen):
    """Open orders nobody has, of the stores he may claim in (every store for supervisors and admins),
    oldest first, with the count and sum per store above (D5)."""

    VIEW_TITLE = N_("Pool")
    LIST = "pool"
    DEFAULT_SORT = "oldest"
    BINDINGS = _keys("pool", pool=True)
