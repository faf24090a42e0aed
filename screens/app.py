"""The order desk in the terminal."""

from __future__ import annotations

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.timer import Timer
from textual.worker import Worker, WorkerState

from orderdesk.api.desk import Desk, Viewer
from screens.login import LoginScreen
from screens.orders import OrdersScreen


class OrderDeskApp(App[None]):
    TITLE = "orderdesk"
    CSS_PATH = "app.tcss"
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True),
    ]

    HEARTBEAT_SECONDS = 30.0  # well inside the default session_timeout of 2 minutes

    def __init__(self, *, desk: Desk) -> None:
        super().__init__()
        self.desk = desk
        self.viewer: Viewer | None = None
        self.beating: Timer | None = None

    def on_mount(self) -> None:
        self.push_screen(LoginScreen(), callback=self.signed_in)

    def signed_in(self, viewer: Viewer | None) -> None:
        if viewer is None:
            self.exit()
            return
        self.viewer = viewer
        self.sub_title = f"{viewer.name} ({viewer.login})"
        self.beating = self.set_interval(self.HEARTBEAT_SECONDS, self.beat)
        self.push_screen(OrdersScreen(viewer))

    @work(thread=True, exclusive=True, exit_on_error=False, group="heartbeat")
    def beat(self) -> None:
        """The login is alive while the desk beats: a crashed terminal goes offline by itself (U1)."""
        viewer = self.viewer
        if viewer is not None and not self.desk.heartbeat(viewer):
            self.notify("Your login had expired; sign in again.", severity="warning", timeout=10)

    @work(thread=True, exit_on_error=False, group="sign-out")
    def signing_out(self, viewer: Viewer) -> None:
        self.desk.sign_out(viewer)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        self.tell_failure(event)

    def tell_failure(self, event: Worker.StateChanged) -> None:
        """A worker that failed unexpectedly is told to the person, not swallowed or a crash.

        `Worker.StateChanged` does not bubble, so each screen passes its workers' events here."""
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            self.notify(f"{event.worker.error}", title="Something went wrong", severity="error", timeout=10)

    def action_sign_out(self) -> None:
        if self.beating is not None:
            self.beating.stop()
        if self.viewer is not None:
            self.signing_out(self.viewer)
        self.viewer = None
        self.sub_title = ""
        self.pop_screen()
        self.push_screen(LoginScreen(), callback=self.signed_in)
