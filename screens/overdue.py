"""The overdue board (U4, supervisors and admins): every late open order, by store, stage and manager,
most over first; `r` hands the selected one to another manager. It follows the scheduler by itself:
the app calls `refresh_data` when orders change, and the cursor stays on its order."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from orderdesk.policy.errors import DeskError
from orderdesk.policy.money import money_text
from orderdesk.views.boards import LateGroup, LateOrder, OverdueBoard, ReassignChoices
from screens.base import DeskScreen
from screens.dialogs.reassign import ReassignDialog
from screens.i18n import N_, _, ngettext
from screens.stage_board import time_left_text

CAP = 300  # late orders drawn; the line above says how many there are in all


def group_line(group: LateGroup) -> Text:
    line = Text(group.stage, style="bold")
    line.append(f" · {group.store} · ", style="dim")
    line.append(group.manager or _("no manager"), style="bold" if group.manager else "italic")
    count = ngettext("{n} order", "{n} orders", group.count).format(n=group.count)
    if len(group.orders) < group.count:
        count += " " + _("({n} shown)").format(n=len(group.orders))
    line.append(f"  {count}", style="dim")
    return line


def late_line(order: LateOrder) -> Table:
    row = Table.grid(expand=True, padding=(0, 1))
    row.add_column(width=9, no_wrap=True)
    row.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
    row.add_column(width=12, no_wrap=True, justify="right")
    row.add_column(width=14, no_wrap=True, justify="right")
    over = -order.seconds_over if order.seconds_over is not None else None
    row.add_row(Text(f" {order.number}"), order.customer, money_text(order.total), time_left_text(over, late=True))
    return row


class OverdueScreen(DeskScreen):
    VIEW_TITLE = N_("Overdue")
    CSS_PATH = "boards.tcss"

    BINDINGS = [
        Binding("r", "reassign", N_("Reassign"), id="overdue.reassign"),
        Binding("enter", "open", N_("Open"), id="overdue.open", priority=True),
        Binding("g", "reload", N_("Refresh"), id="overdue.refresh"),
    ]

    class Loaded(Message):
        def __init__(self, board: OverdueBoard) -> None:
            super().__init__()
            self.board = board

    class ChoicesLoaded(Message):
        def __init__(self, choices: ReassignChoices) -> None:
            super().__init__()
            self.choices = choices

    class Acted(Message):
        """A reassignment was done (`line` says what) or refused (`refused`: why)."""

        def __init__(self, line: str, *, refused: bool = False) -> None:
            super().__init__()
            self.line = line
            self.refused = refused

    def __init__(self) -> None:
        super().__init__()
        self.board: OverdueBoard | None = None
        self.numbers: list[str | None] = []  # each option's order number (None: a group's title)

    def compose_body(self) -> ComposeResult:
        yield Static(_("Loading late orders…"), id="overdue-line")
        yield OptionList(id="overdue")

    def on_mount(self) -> None:
        self.query_one("#overdue", OptionList).focus()
        self.load()

    def refresh_data(self) -> None:
        if self.board is not None:
            self.load()

    def action_reload(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="overdue")
    def load(self) -> None:
        self.post_message(self.Loaded(self.desk.overdue_board(self.viewer, limit=CAP)))

    def on_overdue_screen_loaded(self, message: Loaded) -> None:
        board = message.board
        listing = self.query_one("#overdue", OptionList)
        keep = self.selected()
        at = listing.highlighted
        self.board = board
        options: list[Option] = []
        self.numbers = []
        for group in board.groups:
            options.append(Option(group_line(group), disabled=True))
            self.numbers.append(None)
            for order in group.orders:
                options.append(Option(late_line(order), id=order.number))
                self.numbers.append(order.number)
        listing.clear_options()
        listing.add_options(options)
        if keep is not None and keep in self.numbers:
            listing.highlighted = self.numbers.index(keep)
        elif any(self.numbers):
            # its order is gone (handed on, advanced): the cursor stays where it was, on an order
            start = min(at or 0, len(self.numbers) - 1)
            below = [i for i in range(start, len(self.numbers)) if self.numbers[i]]
            above = [i for i in range(start, -1, -1) if self.numbers[i]]
            listing.highlighted = (below or above)[0]
        self.query_one("#overdue-line", Static).update(self.summary(board))

    @staticmethod
    def summary(board: OverdueBoard) -> str:
        if not board.total:
            return _("No order is late.")
        line = ngettext("{n} late order", "{n} late orders", board.total).format(n=board.total)
        if board.shown < board.total:
            line += "   " + _("(the {n} most over shown)").format(n=board.shown)
        return line + "   " + _("most over first · r reassign · Enter open")

    def selected(self) -> str | None:
        index = self.query_one("#overdue", OptionList).highlighted
        return self.numbers[index] if index is not None and 0 <= index < len(self.numbers) else None

    def action_open(self) -> None:
        if (number := self.selected()) is not None:
            self.desk_app.open_order(number)

    @on(OptionList.OptionSelected, "#overdue")
    def opened(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is not None:
            self.desk_app.open_order(event.option.id)

    def action_reassign(self) -> None:
        if (number := self.selected()) is not None:
            self.choose(number)

    @work(thread=True, exclusive=True, exit_on_error=False, group="reassign")
    def choose(self, number: str) -> None:
        try:
            choices = self.desk.reassign_candidates(self.viewer, number)
        except DeskError as exc:
            self.post_message(self.Acted(str(exc), refused=True))
            return
        self.post_message(self.ChoicesLoaded(choices))

    def on_overdue_screen_choices_loaded(self, message: ChoicesLoaded) -> None:
        choices = message.choices
        if not choices.candidates:
            self.notify(_("No other active manager works in {store}.").format(store=choices.store),
                        severity="warning", timeout=8)  # fmt: skip
            return

        def chosen(login: str | None) -> None:
            if login is not None:
                self.hand_over(choices.number, login)

        self.app.push_screen(ReassignDialog(choices), callback=chosen)

    @work(thread=True, exit_on_error=False, group="reassign")
    def hand_over(self, number: str, login: str) -> None:
        try:
            line = self.desk.reassign(self.viewer, number, login)
        except DeskError as exc:
            self.post_message(self.Acted(str(exc), refused=True))
            return
        self.post_message(self.Acted(line))

    def on_overdue_screen_acted(self, message: Acted) -> None:
        if message.refused:
            self.notify(message.line, severity="warning", timeout=8)
            return
        self.notify(message.line, timeout=5)
        self.load()
