"""What every view of the desk after sign-in shares: the header with his facts, the footer with the
keys, the desk and the signed-in viewer, and one hook for "the data changed"."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer
from textual.worker import Worker

from orderdesk.api.desk import Desk, Viewer
from screens.widgets.header import DeskHeader

if TYPE_CHECKING:
    from screens.app import OrderDeskApp


class DeskScreen(Screen[None]):
    """A screen of the signed-in desk. Subclasses yield their body from `compose_body` and reload in
    `refresh_data`, which the app calls when orders changed (scheduler, other desks, the CLI) and when
    the screen comes back into view."""

    VIEW_TITLE: ClassVar[str] = ""

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
        yield DeskHeader(self.VIEW_TITLE)
        yield from self.compose_body()
        yield Footer()

    def compose_body(self) -> ComposeResult:
        yield from ()

    def refresh_data(self) -> None:
        """Read what the screen shows again, keeping the cursor on its order."""

    def on_screen_resume(self) -> None:
        self.refresh_data()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # Textual calls this for every class of the screen's MRO, so a subclass's own handler adds to it
        self.desk_app.tell_failure(event)
