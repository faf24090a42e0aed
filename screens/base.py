"""What every view of the desk after sign-in shares: the header with his facts, the banner that says
the database is away, the footer with the keys, the desk and the signed-in viewer, and one hook for
"the data changed"."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Static
from textual.worker import Worker

from orderdesk.api.desk import Desk, Viewer
from screens.i18n import _, translate_bindings
from screens.widgets.header import DeskHeader

if TYPE_CHECKING:
    from screens.app import OrderDeskApp


class DeskScreen(Screen[None]):
    """A screen of the signed-in desk. Subclasses yield their body from `compose_body` and reload in
    `refresh_data`, which the app calls when orders changed (scheduler, other desks, the CLI) and when
    the screen comes back into view; the header reads its facts again at the same moments."""

    VIEW_TITLE: ClassVar[str] = ""

    DEFAULT_CSS = """
    DeskScreen #db-banner {
        height: 1;
        padding: 0 1;
        background: $error;
        color: $text;
        display: none;
    }
    DeskScreen #db-banner.-shown {
        display: block;
    }
    """

    def __init__(self) -> None:
        super().__init__()
        self.shown_before = False
        self.hidden = False  # suspended since it was last shown
        translate_bindings(self)  # built after sign-in: its keys in his language (U10)

    @property
    def desk_app(self) -> OrderDeskApp:
        return cast("OrderDeskApp", self.app)

    @property
    def desk(self) -> Desk:
        return self.desk_app.desk

    @property
    def viewer(self) -> Viewer:
        viewer = self.desk_app.viewer
        assert viewer is not None, "a desk screen is only shown to someone signed in"
        return viewer

    def compose(self) -> ComposeResult:
        yield DeskHeader(_(self.VIEW_TITLE))
        yield Static("", id="db-banner")
        yield from self.compose_body()
        yield Footer(compact=True, show_command_palette=False)  # 80 columns: ctrl+p is listed by ?

    def compose_body(self) -> ComposeResult:
        yield from ()

    def refresh_data(self) -> None:
        """Read what the screen shows again, keeping the cursor on its order."""

    def on_screen_resume(self) -> None:
        """Also sent when the screen is first shown, after its `on_mount` has started the first read:
        the header is read then, the body only when he comes back to it. Textual resumes the first
        screen of a new mode twice: the second, with nothing hidden between, reads nothing again."""
        if self.shown_before and not self.hidden:
            return
        self.show_shell()
        if self.shown_before:
            self.refresh_data()
        self.shown_before, self.hidden = True, False

    def on_screen_suspend(self) -> None:
        self.hidden = True

    def show_shell(self) -> None:
        """The header and the banner as the app knows them now, and a fresh read of the header."""
        self.show_facts()
        self.show_trouble(self.desk_app.db_trouble)
        self.desk_app.read_header()

    def show_facts(self) -> None:
        self.query_one(DeskHeader).facts = self.desk_app.header_facts

    def show_trouble(self, trouble: str | None) -> None:
        banner = self.query_one("#db-banner", Static)
        banner.update(_banner(trouble))
        banner.set_class(trouble is not None, "-shown")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # Textual calls this for every class of the screen's MRO, so a subclass's own handler adds to it
        self.desk_app.tell_failure(event)


def _banner(trouble: str | None) -> str:
    return "" if trouble is None else _("database unavailable — retrying")
