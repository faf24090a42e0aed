"""The stage board (U3): one store's open stages side by side, each with its count, sum and orders.

At 80 columns three stage columns fit; the board shows as many as fit (each at least 26 wide) and
scrolls sideways with the cursor, and the line above says which stages are in view. `p` prints the
documents of the stage with the cursor in one file (screens/printing.py).
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import HorizontalScroll, Vertical
from textual.events import DescendantFocus, Resize
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from orderdesk.policy.errors import DeskError
from orderdesk.policy.money import money_text
from orderdesk.views.boards import BoardOrder, StageBoard, StageColumn
from screens.i18n import N_, _, ngettext
from screens.printing import Printer, document_dialog

PER_STAGE = 50  # orders read per column; the rest is "+ N more"
COLUMN_WIDTH = 26  # the narrowest a column is drawn
LONG_BATCH = 50  # a stage of more orders takes a noticeable while to lay out (500 waybills: seconds)


def span_text(seconds: int) -> str:
    """A stretch of time as a person says it, to the two largest units: "2d 4h", "3h 20m", "45m"."""
    minutes = abs(seconds) // 60
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return _("{d}d {h}h").format(d=days, h=hours) if hours else _("{d}d").format(d=days)
    if hours:
        return _("{h}h {m}m").format(h=hours, m=mins) if mins else _("{h}h").format(h=hours)
    return _("{m}m").format(m=max(mins, 1))


def time_left_text(seconds_left: int | None, *, late: bool) -> Text:
    """ "3h 20m over" in red for a late order, "45m left" otherwise, "no limit" for a stage without one."""
    if seconds_left is None:
        return Text(_("late"), style="bold red") if late else Text(_("no limit"), style="dim")
    if late or seconds_left < 0:
        return Text(_("{span} over").format(span=span_text(min(seconds_left, 0))), style="bold red")
    return Text(_("{span} left").format(span=span_text(seconds_left)))


def card(order: BoardOrder) -> Text:
    """An order on the board in two lines: number and time left or over; the customer."""
    line = Text(order.number, style="bold")
    left = time_left_text(order.seconds_left, late=order.overdue)
    line.append(" ")
    line.append(left)
    line.append("\n")
    line.append(order.customer, style="dim")
    return line


class StageColumnView(Vertical):
    """One stage: its name, count and sum, and its orders (a list the cursor moves in)."""

    def __init__(self, column: StageColumn) -> None:
        super().__init__(classes="stage-column")
        self.column = column

    def compose(self) -> ComposeResult:
        yield Static(classes="stage-title")
        yield OptionList(classes="stage-orders")

    def on_mount(self) -> None:
        self.show(self.column)

    def show(self, column: StageColumn, *, keep: str | None = None) -> None:
        """Draw this stage's orders again; the cursor stays on `keep` (an order number) if it is still here."""
        self.column = column
        title = Text(column.name, style="bold", overflow="ellipsis", no_wrap=True)
        title.append("\n")
        title.append(_("{count} · {sum}").format(count=column.count, sum=money_text(column.sum)), style="dim")
        self.query_one(".stage-title", Static).update(title)
        orders = self.orders
        before = orders.highlighted
        orders.clear_options()
        orders.add_options([Option(card(o), id=o.number) for o in column.orders])
        if column.more > 0:
            orders.add_option(Option(Text(_("+ {n} more").format(n=column.more), style="italic"), disabled=True))
        if not column.orders:
            orders.add_option(Option(Text(_("no orders"), style="dim"), disabled=True))
            return
        numbers = [o.number for o in column.orders]
        if keep in numbers:
            orders.highlighted = numbers.index(keep)
        else:
            orders.highlighted = min(before or 0, len(numbers) - 1)

    @property
    def orders(self) -> OptionList:
        return self.query_one(".stage-orders", OptionList)

    def selected(self) -> str | None:
        index = self.orders.highlighted
        if index is None or not self.column.orders or index >= len(self.column.orders):
            return None
        return self.column.orders[index].number


class StageBoardScreen(Printer):
    VIEW_TITLE = N_("Stage board")
    CSS_PATH = "boards.tcss"

    BINDINGS = [
        # priority: the stage's list would scroll sideways with them
        Binding("left", "column(-1)", N_("Stage ←"), id="board.left", show=False, priority=True),
        Binding("right", "column(1)", N_("Stage →"), id="board.right", show=False, priority=True),
        Binding("enter", "open", N_("Open"), id="board.open", priority=True),
        Binding("left_square_bracket", "store(-1)", N_("Store ←"), id="board.previous_store"),
        Binding("right_square_bracket", "store(1)", N_("Store →"), id="board.next_store"),
        Binding("r", "reload", N_("Refresh"), id="board.refresh"),
        Binding("P", "print", N_("Print stage"), id="board.print"),  # shift: p stays "on a break" everywhere
    ]

    class Loaded(Message):
        def __init__(self, board: StageBoard) -> None:
            super().__init__()
            self.board = board

    class Refused(Message):
        def __init__(self, reason: str) -> None:
            super().__init__()
            self.reason = reason

    def __init__(self) -> None:
        super().__init__()
        self.board: StageBoard | None = None
        self.store: str | None = None  # the store shown (a code); None until the first read
        self.place: tuple[str, str | None] | None = None  # (stage code, order number) to come back to
        self.at = 0  # the column with the cursor
        self.first = 0  # the first column in view

    def compose_body(self) -> ComposeResult:
        yield Static(_("Loading the board…"), id="board-line")
        yield HorizontalScroll(id="board")

    def on_mount(self) -> None:
        self.load(self.store)

    def refresh_data(self) -> None:
        if self.board is not None:
            self.place = self.where()
            self.load(self.store)

    def action_reload(self) -> None:
        self.refresh_data()

    @work(thread=True, exclusive=True, exit_on_error=False, group="board")
    def load(self, store: str | None) -> None:
        try:
            board = self.desk.stage_board(self.viewer, store, per_stage=PER_STAGE)
        except DeskError as exc:
            self.post_message(self.Refused(str(exc)))
            return
        self.post_message(self.Loaded(board))

    def on_stage_board_screen_refused(self, message: Refused) -> None:
        self.notify(message.reason, severity="warning", timeout=8)

    async def on_stage_board_screen_loaded(self, message: Loaded) -> None:
        board = message.board
        same = (
            self.board is not None
            and board.store == self.board.store
            and [c.code for c in board.columns] == [v.column.code for v in self.columns()]
        )
        place = self.place if self.place is not None else self.where()
        self.board, self.place = board, None
        self.store = board.store.code if board.store else None
        if same:
            for view, column in zip(self.columns(), board.columns, strict=True):
                view.show(column, keep=place[1] if place and place[0] == column.code else None)
        else:
            host = self.query_one("#board", HorizontalScroll)
            await host.remove_children()
            self.first = 0
            await host.mount_all([StageColumnView(c) for c in board.columns])
            self.size_columns()
        self.come_back(place)
        self.describe()

    def columns(self) -> list[StageColumnView]:
        return list(self.query(StageColumnView))

    def current(self) -> int:
        """Which column has the cursor."""
        return min(self.at, max(0, len(self.columns()) - 1))

    def on_descendant_focus(self, event: DescendantFocus) -> None:
        for index, view in enumerate(self.columns()):
            if event.widget is view.orders and index != self.at:
                self.at = index  # by Tab or the mouse
                self.follow()

    def where(self) -> tuple[str, str | None] | None:
        views = self.columns()
        if not views:
            return None
        view = views[self.current()]
        return (view.column.code, view.selected())

    def come_back(self, place: tuple[str, str | None] | None) -> None:
        views = self.columns()
        if not views:
            return
        index = next((i for i, v in enumerate(views) if place and v.column.code == place[0]), 0)
        self.focus_column(index)

    def focus_column(self, index: int, *, row: int | None = None) -> None:
        self.at = index
        view = self.columns()[index]
        if row is not None and view.column.orders:
            view.orders.highlighted = min(row, len(view.column.orders) - 1)
        self.set_focus(view.orders, scroll_visible=False)  # the board scrolls by whole columns, below
        self.follow()

    def fit(self) -> tuple[int, int]:
        """How many columns are in view, and how wide each is."""
        count = max(1, len(self.columns()))
        fit = max(1, min(count, self.size.width // COLUMN_WIDTH))
        return fit, max(1, self.size.width // fit)

    def follow(self) -> None:
        """Scroll by whole columns so that the cursor's column is in view."""
        fit, width = self.fit()
        if self.at < self.first:
            self.first = self.at
        elif self.at >= self.first + fit:
            self.first = self.at - fit + 1
        self.first = max(0, min(self.first, len(self.columns()) - fit))
        self.query_one("#board", HorizontalScroll).scroll_to(x=self.first * width, animate=False, immediate=True)
        self.describe()

    def action_column(self, step: int) -> None:
        views = self.columns()
        if not views:
            return
        index = self.current()
        target = max(0, min(len(views) - 1, index + step))
        if target != index:
            self.focus_column(target, row=views[index].orders.highlighted)

    def action_open(self) -> None:
        views = self.columns()
        if views and (number := views[self.current()].selected()) is not None:
            self.desk_app.open_order(number)

    @on(OptionList.OptionSelected)
    def opened(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is not None:
            self.desk_app.open_order(event.option.id)

    def action_print(self) -> None:
        """The stage with the cursor, every order of it he sees in one file (the waybills first in the choice)."""
        views = self.columns()
        if self.board is None or self.board.store is None or not views:
            return
        store, column = self.board.store.code, views[self.current()].column
        if column.count == 0:
            self.notify(_("{stage} has no orders to print.").format(stage=column.name), severity="warning")
            return
        orders = ngettext("{n} order", "{n} orders", column.count).format(n=column.count)
        title = _("Print {stage}: {orders} in one file").format(stage=column.name, orders=orders)

        def chosen(doc: Any) -> None:
            if doc:
                if column.count > LONG_BATCH:  # seconds of layout: say it is under way
                    self.notify(_("Printing {orders}…").format(orders=orders), timeout=3)
                self.print_with(lambda: self.desk.print_stage(self.viewer, store, column.code, doc))

        self.app.push_screen(document_dialog(title), chosen)

    def action_store(self, step: int) -> None:
        if self.board is None or len(self.board.stores) < 2 or self.board.store is None:
            return
        codes = [s.code for s in self.board.stores]
        self.place = None
        self.load(codes[(codes.index(self.board.store.code) + step) % len(codes)])

    def on_resize(self, event: Resize) -> None:
        self.size_columns()

    def size_columns(self) -> None:
        """As many columns as fit at least COLUMN_WIDTH wide, sharing the width between them."""
        fit, width = self.fit()
        for view in self.columns():
            view.styles.width = width
        # whole columns only: the spare cells stay blank rather than show a sliver of the next stage
        self.query_one("#board", HorizontalScroll).styles.width = width * fit
        self.call_after_refresh(self.follow)

    def describe(self) -> None:
        """The line above the board: the store, which stages are in view, and the keys to the others."""
        line = self.query_one("#board-line", Static)
        board = self.board
        if board is None:
            return
        if board.store is None:
            line.update(_("No store is yours: the board shows a store's stages to the people of that store."))
            return
        text = Text(board.store.name, style="bold")
        views = self.columns()
        if views:
            fit, _width = self.fit()
            last = min(len(views), self.first + fit)
            text.append("   ")
            text.append(_("stages {a}–{b} of {n}").format(a=self.first + 1, b=last, n=len(views)), style="dim")
            if len(views) > fit:
                text.append("  ←/→", style="dim")
        if len(board.stores) > 1:
            text.append("   ")
            text.append(_("[ ] other stores ({i} of {n})").format(i=board.stores.index(board.store) + 1,
                        n=len(board.stores)), style="dim")  # fmt: skip
        line.update(text)
