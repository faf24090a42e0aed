"""Whom to hand an order to: the store's active managers, with their presence and open load. Returns
the chosen login, or None when he changes his mind."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from orderdesk.policy.money import money_text
from orderdesk.policy.vocab import PRESENCE_WORDS
from orderdesk.views.boards import ManagerChoice, ReassignChoices
from screens.i18n import N_, _, ngettext

PRESENCE_STYLES = {"free": "green", "busy": "yellow", "break": "yellow", "offline": "dim"}


def candidate_line(choice: ManagerChoice) -> Table:
    row = Table.grid(expand=True, padding=(0, 1))
    row.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
    row.add_column(width=10, no_wrap=True)
    row.add_column(width=20, no_wrap=True, justify="right")
    presence = Text(
        _(PRESENCE_WORDS.get(choice.presence, choice.presence)), style=PRESENCE_STYLES.get(choice.presence, "")
    )
    load = ngettext("{n} open", "{n} open", choice.open).format(n=choice.open)
    row.add_row(choice.name, presence, Text(f"{load} · {money_text(choice.sum)}", style="dim"))
    return row


class ReassignDialog(ModalScreen[str | None]):
    DEFAULT_CSS = """
    ReassignDialog {
        align: center middle;
    }
    #reassign-box {
        width: 70;
        max-width: 100%;
        height: auto;
        max-height: 90%;
        padding: 0 1;
        border: round $primary;
        background: $panel;
    }
    #reassign-title {
        text-style: bold;
        margin-bottom: 1;
    }
    #reassign-managers {
        height: auto;
        max-height: 14;
        border: none;
        padding: 0;
    }
    #reassign-hint {
        color: $text-muted;
        margin-top: 1;
    }
    """

    BINDINGS = [Binding("escape", "cancel", N_("Cancel"), id="reassign.cancel")]

    def __init__(self, choices: ReassignChoices) -> None:
        super().__init__()
        self.choices = choices

    def compose(self) -> ComposeResult:
        choices = self.choices
        if choices.manager:
            title = _("Reassign order {number} ({store}), now {manager}'s").format(
                number=choices.number, store=choices.store, manager=choices.manager
            )
        else:
            title = _("Give order {number} ({store}) to").format(number=choices.number, store=choices.store)
        with Vertical(id="reassign-box"):
            yield Static(title, id="reassign-title")
            yield OptionList(
                *(Option(candidate_line(c), id=c.login) for c in choices.candidates), id="reassign-managers"
            )
            yield Static(_("Enter: hand it over   Escape: cancel"), id="reassign-hint")

    def on_mount(self) -> None:
        managers = self.query_one(OptionList)
        managers.highlighted = 0
        managers.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
