"""Pick one of a short list by name (a status to move to, a contractor, a linked order); returns its code."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from screens.i18n import N_, _


class ChooseDialog(ModalScreen[str | None]):
    CSS_PATH = "dialogs.tcss"
    BINDINGS = [Binding("escape", "cancel", N_("Cancel"), id="choose.cancel")]

    def __init__(self, title: str, choices: list[tuple[str, str]], *, empty: str = "") -> None:
        """`choices`: (code, name shown), in the order shown; `empty`: what to say when there are none."""
        super().__init__()
        self.title_text = title
        self.choices = choices
        self.empty = empty

    def compose(self) -> ComposeResult:
        with Vertical(id="choose-box") as box:
            box.border_title = self.title_text
            if self.choices:
                yield OptionList(*(Option(name, id=code) for code, name in self.choices), id="choices")
            else:
                yield Static(self.empty or _("Nothing to choose from."), id="choose-empty")
            yield Static(_("Enter to choose · Esc to cancel"), id="form-keys")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
