"""Sign in as an employee (U1)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Button, Footer, Header, Input, Label, Static
from textual.worker import Worker, WorkerState

from orderdesk.api.desk import Viewer
from orderdesk.policy.errors import DeskError
from orderdesk.policy.signin import WRONG_LOGIN_OR_PASSWORD, LoginLocked
from screens.i18n import N_, _, day_time, ngettext
from screens.messages import SignedIn, SignInRefused


class LoginScreen(Screen[Viewer | None]):
    """Returns the signed-in viewer with `dismiss`, or None when the person leaves."""

    BINDINGS = [
        Binding("escape", "leave", N_("Quit"), id="login.quit", show=False),
        # Priority, so that it runs as the key arrives: a person who types "anna⏎demo⏎" without
        # pausing must not find "annademo" in the login field (Input.Submitted would come too late).
        Binding("enter", "enter", N_("Sign in"), id="login.enter", show=False, priority=True),
        # The same for Tab: a password manager or a paste sends "anna⇥secret⏎" in one burst, and the
        # app's focus_next would move the focus only after "secret" had been queued to the login field.
        Binding("tab", "next_field", N_("Next field"), id="login.next", show=False, priority=True),
        Binding("shift+tab", "previous_field", N_("Previous field"), id="login.previous", show=False, priority=True),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="login-box"):
            yield Static(_("Sign in to the order desk"), id="login-title")
            yield Label(_("Login"))
            yield Input(placeholder=_("login"), id="login")
            yield Label(_("Password"))
            yield Input(placeholder=_("password"), password=True, id="password")
            yield Button(_("Sign in"), variant="primary", id="sign-in")
            yield Static("", id="login-error")
        yield Footer()

    def action_enter(self) -> None:
        password = self.query_one("#password", Input)
        if self.focused is self.query_one("#login", Input) and not password.value:
            self.set_focus(password)  # at once, not later like Widget.focus()
        else:
            self.call_after_refresh(self.submit)  # once the fields have taken the keys typed before

    def action_next_field(self) -> None:
        self.set_focus(self.focus_chain_step(+1))

    def action_previous_field(self) -> None:
        self.set_focus(self.focus_chain_step(-1))

    def focus_chain_step(self, step: int) -> Widget | None:
        chain = self.focus_chain
        if not chain:
            return None
        at = chain.index(self.focused) if self.focused in chain else -step
        return chain[(at + step) % len(chain)]

    @on(Button.Pressed, "#sign-in")
    def submit(self) -> None:
        login = self.query_one("#login", Input).value.strip()
        password = self.query_one("#password", Input).value
        if not login:
            self.show_error(_("Type your login."))
            self.set_focus(self.query_one("#login", Input))
            return
        self.show_error(_("Signing in…"))
        self.sign_in(login, password)

    @work(thread=True, exclusive=True, exit_on_error=False, group="sign-in")
    def sign_in(self, login: str, password: str) -> None:
        try:
            viewer = self.app.desk.sign_in(login, password)  # type: ignore[attr-defined]
        except LoginLocked as exc:
            self.post_message(SignInRefused(locked_reason(exc)))
        except DeskError as exc:
            wrong = str(exc) == WRONG_LOGIN_OR_PASSWORD
            self.post_message(SignInRefused(_("Wrong login or password.") if wrong else str(exc)))
        else:
            self.post_message(SignedIn(viewer))

    def on_signed_in(self, message: SignedIn) -> None:
        self.dismiss(message.viewer)

    def on_sign_in_refused(self, message: SignInRefused) -> None:
        self.show_error(message.reason)
        password = self.query_one("#password", Input)
        password.value = ""
        self.set_focus(password)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        self.app.tell_failure(event)  # type: ignore[attr-defined]
        if event.state == WorkerState.ERROR:
            self.show_error(_("Could not sign in; try again."))

    def show_error(self, text: str) -> None:
        self.query_one("#login-error", Static).update(text)

    def action_leave(self) -> None:
        self.dismiss(None)


def locked_reason(locked: LoginLocked) -> str:
    """Why a locked login is refused, and when it opens, in the desk's language; two lines of the sign-in
    box at 80×24 (the zone as its clocks say it: UTC, MSK, GMT)."""
    zone = locked.until.astimezone(ZoneInfo(locked.zone)).tzname() or locked.zone
    return ngettext(
        "Locked after {n} failed sign-in until {time} {zone}; an admin can unlock it.",
        "Locked after {n} failed sign-ins until {time} {zone}; an admin can unlock it.",
        locked.failures,
    ).format(n=locked.failures, time=day_time(locked.until, locked.zone), zone=zone)
