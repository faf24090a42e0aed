"""`?`: every key of the current screen and of the app, read from the bindings themselves (k9s, lazygit)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Static

from screens.i18n import N_, _
from screens.widgets.table import Table


@dataclass(frozen=True)
class KeyLine:
    key: str  # as the footer writes it
    description: str
    id: str


def keys_of(screen: Screen[object]) -> list[KeyLine]:
    """The keys the screen and the app answer to now, with what they do and their id (for [keys]):
    the screen's first, then the app's. Widgets' own keys (a table's arrows) and Textual's own keys
    without an id (tab between fields, copy) are left out: every key of the desk has an id."""
    app = screen.app
    lines: dict[str, KeyLine] = {}
    for active in sorted(screen.active_bindings.values(), key=lambda a: isinstance(a.node, App)):
        binding = active.binding
        if not isinstance(active.node, Screen | App) or not binding.description or not binding.id:
            continue
        ident = binding.id
        line = KeyLine(app.get_key_display(binding), binding.description, ident)
        if ident and ident in lines:  # a binding of several keys: one line
            known = lines[ident]
            lines[ident] = KeyLine(f"{known.key}, {line.key}", known.description, ident)
        else:
            lines[ident] = line
    return list(lines.values())


class HelpScreen(ModalScreen[None]):
    """Returns nothing; Escape (or ? again) closes it."""

    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
    }
    HelpScreen > Vertical {
        width: 76;
        max-width: 100%;
        height: auto;
        max-height: 90%;
        border: round $primary;
        background: $panel;
        padding: 0 1;
    }
    HelpScreen #help-title {
        text-style: bold;
    }
    HelpScreen DataTable {
        height: auto;
        max-height: 18;
    }
    """

    BINDINGS = [
        Binding("escape", "close", N_("Close"), id="help.close"),
        Binding("question_mark", "close", N_("Close"), id="help.close_again", show=False),
    ]

    def __init__(self, title: str, lines: list[KeyLine]) -> None:
        super().__init__()
        self.heading = title
        self.lines = lines

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(_("Keys of {view}").format(view=self.heading), id="help-title")
            yield Table(id="help-keys", cursor_type="row", show_cursor=False)
            yield Static(_("Escape closes · remap keys by id in [keys] of config.toml"), id="help-hint", markup=False)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns(_("Key"), _("What it does"), _("Id"))
        table.add_rows([(line.key, line.description, line.id) for line in self.lines])
        table.focus()

    def action_close(self) -> None:
        self.dismiss(None)
