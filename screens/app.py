"""The order desk in the terminal: sign-in, then the views a key apart (screens.views), each a Textual
mode with its own stack (an order opened from the pool stays open there while he looks at his queue)."""

from __future__ import annotations

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.screen import Screen
from textual.timer import Timer
from textual.worker import Worker, WorkerState

from orderdesk.api.desk import Desk, Viewer
from screens.base import DeskScreen
from screens.i18n import N_, _, translate_bindings, use_language
from screens.login import LoginScreen
from screens.messages import OrdersChanged
from screens.views import VIEWS


class OrderDeskApp(App[None]):
    TITLE = "orderdesk"
    CSS_PATH = "app.tcss"
    BINDINGS = [
        Binding("ctrl+q", "quit", N_("Quit"), id="app.quit", priority=True),
        Binding("ctrl+o", "sign_out", N_("Sign out"), id="app.sign_out"),
        *(
            Binding(view.key, f"view('{view.name}')", view.title, id=f"app.view.{view.name}", show=False)
            for view in VIEWS
        ),
    ]

    HEARTBEAT_SECONDS = 30.0  # well inside the default session_timeout of 2 minutes

    def __init__(self, *, desk: Desk) -> None:
        super().__init__()
        self.desk = desk
        self.viewer: Viewer | None = None
        self.beating: Timer | None = None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # nobody signed in: not offered, not in the footer
        return not (action in ("sign_out", "view") and self.viewer is None)

    def on_mount(self) -> None:
        self.push_screen(LoginScreen(), callback=self.signed_in)

    def signed_in(self, viewer: Viewer | None) -> None:
        if viewer is None:
            self.exit()
            return
        self.viewer = viewer
        use_language(viewer.language)  # U10: the views below are built in his language
        translate_bindings(self)
        self.sub_title = f"{viewer.name} ({viewer.login})"
        self.beating = self.set_interval(self.HEARTBEAT_SECONDS, self.beat)
        for view in VIEWS:
            if view.open_to(viewer.roles):
                self.add_mode(view.name, view.screen)
        self.switch_mode(VIEWS[0].name)

    def action_view(self, name: str) -> None:
        """Jump to one of the views (1 my queue, 2 the pool, …), where he left it."""
        view = next((v for v in VIEWS if v.name == name), None)
        if self.viewer is None or view is None:
            return
        if not view.open_to(self.viewer.roles):
            self.notify(_("The {title} is for {roles}.").format(title=view.title, roles=", ".join(view.roles or ())),
                        severity="warning")  # fmt: skip
            return
        self.switch_mode(name)

    def open_order(self, number: str) -> None:
        """The order screen (U5) over the current view; Escape comes back to it."""
        from screens.order import OrderScreen

        self.push_screen(OrderScreen(number))

    def on_orders_changed(self, message: OrdersChanged) -> None:
        """Orders changed under the desk (scheduler, another desk, the CLI): the view on top reads again."""
        if isinstance(self.screen, DeskScreen):
            self.screen.refresh_data()

    @work(thread=True, exclusive=True, exit_on_error=False, group="heartbeat")
    def beat(self) -> None:
        """The login is alive while the desk beats: a crashed terminal goes offline by itself (U1)."""
        viewer = self.viewer
        if viewer is not None and not self.desk.heartbeat(viewer):
            self.notify(_("Your login had expired; sign in again."), severity="warning", timeout=10)

    @work(thread=True, exit_on_error=False, group="sign-out")
    def signing_out(self, viewer: Viewer) -> None:
        self.desk.sign_out(viewer)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        self.tell_failure(event)

    def tell_failure(self, event: Worker.StateChanged) -> None:
        """A worker that failed unexpectedly is told to the person, not swallowed or a crash.

        `Worker.StateChanged` does not bubble: DeskScreen (and the login screen) pass theirs here."""
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            self.notify(f"{event.worker.error}", title=_("Something went wrong"), severity="error", timeout=10)

    async def action_sign_out(self) -> None:
        if self.beating is not None:
            self.beating.stop()
        if self.viewer is not None:
            self.signing_out(self.viewer)
        self.viewer = None
        self.sub_title = ""
        if "signed-out" not in self._modes:
            self.add_mode("signed-out", Screen)  # a blank screen under the login, as at start
        await self.switch_mode("signed-out")
        for view in VIEWS:
            if view.name in self._modes:
                await self.remove_mode(view.name)
        self.push_screen(LoginScreen(), callback=self.signed_in)
