"""The order desk in the terminal: sign-in, then the views a key apart (screens.views), each a Textual
mode with its own stack (an order opened from the pool stays open there while he looks at his queue).

The shell around the views lives here: presence keys, the header's facts, help, the palette, the
user's keymap, the change watcher (U8) and signing off on quit."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import os
import signal
import threading
from collections.abc import Callable
from functools import partial
from types import SimpleNamespace

from textual import work
from textual.app import App, ScreenStackError
from textual.binding import Binding
from textual.dom import DOMNode
from textual.screen import Screen
from textual.timer import Timer
from textual.worker import Worker, WorkerState

from orderdesk.api.desk import Desk, Viewer
from orderdesk.views.header import HeaderFacts
from screens.base import DeskScreen
from screens.commands import DeskCommands
from screens.help import HelpScreen, keys_of
from screens.i18n import N_, _, day_time, ngettext, translate_bindings, use_language
from screens.keymap import all_subclasses, binding_ids, config_file, read_keymap
from screens.login import LoginScreen
from screens.messages import DatabaseState, HeaderRead, JobFailed, OrdersChanged, TasksArrived
from screens.terminal import leave_anyway, terminal_fd, terminal_gone
from screens.views import VIEWS

log = logging.getLogger("orderdesk.desk")
TASK_TOASTS = 3  # two or more tasks at once are told in one toast, naming the first three


class OrderDeskApp(App[None]):
    TITLE = "orderdesk"
    CSS_PATH = "app.tcss"
    COMMANDS = {DeskCommands}
    BINDINGS = [
        Binding("ctrl+q", "quit", N_("Quit"), id="app.quit", priority=True, show=False),
        Binding("ctrl+o", "sign_out", N_("Sign out"), id="app.sign_out", show=False),  # in ? and the palette
        Binding("question_mark", "help", N_("Help"), id="app.help"),
        Binding("ctrl+p", "command_palette", N_("Palette"), id="app.palette", show=False),
        Binding("f", "presence('free')", N_("Free"), id="app.free", show=False),  # the header says it
        Binding("b", "presence('busy')", N_("Busy"), id="app.busy", show=False),  # the header says it
        Binding("p", "presence('break')", N_("Break"), id="app.break", show=False),  # the header says it
        *(
            Binding(view.key, f"view('{view.name}')", view.title, id=f"app.view.{view.name}", show=False)
            for view in VIEWS
        ),
    ]

    HEARTBEAT_SECONDS = 30.0  # well inside the default session_timeout of 2 minutes
    WATCH_SECONDS = 0.5  # how often the change watcher looks (U8: "within about a second")
    TERMINAL_SECONDS = 1.0  # how often the desk looks whether its terminal is still there
    BACKGROUND_WORKERS = frozenset({"watch", "heartbeat"})  # not what he waits for
    LEAVE_SECONDS = 10.0  # after a hang-up, the process ends by then whatever hangs
    FIRST_ROUND_WAIT = 10.0  # the scheduler's first round waits this long at most for the first rows

    def __init__(self, *, desk: Desk, watch: bool = True) -> None:
        super().__init__()
        self.desk = desk
        self.viewer: Viewer | None = None
        self.beating: Timer | None = None
        self.watching: Timer | None = None
        self.watch_changes = watch
        self.header_facts: HeaderFacts | None = None
        self.db_trouble: str | None = None  # why the database did not answer, while it does not
        self.seen_version: object = None
        self.looking = False  # a look of the change watcher is under way
        self.header_asked = self.header_shown = 0  # numbers of the header's reads
        self.task_notice_seen: int | None = None  # the newest task notification told (None: not looked yet)
        # the scheduler's first round, once the first view has been painted (cli.main.run_tui)
        self.when_first_view_painted: Callable[[], None] | None = None
        self._hanging_up = False

    @property
    def desk_screen(self) -> DeskScreen | None:
        """The desk screen on top, if that is what is on top (not the login, a modal, or nothing at exit)."""
        try:
            screen = self.screen
        except ScreenStackError:
            return None
        return screen if isinstance(screen, DeskScreen) else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # nobody signed in: not offered, not in the footer
        return not (action in ("sign_out", "view", "presence") and self.viewer is None)

    def on_mount(self) -> None:
        self.apply_user_keys()
        self.watch_terminal()
        self.push_screen(LoginScreen(), callback=self.signed_in)
        self.call_after_refresh(self.prepare_styles)

    def prepare_styles(self) -> None:
        """While he types his login and password: the styles of every view and of the widgets they
        show, parsed once now. Textual parses the whole stylesheet again for each source it has not
        seen (a quarter of a second each on a busy machine), and the first view brought four (its
        .tcss, DeskScreen's, DeskHeader's, DataTable's): parses between Enter and his rows."""
        from pathlib import Path

        from textual.widgets import DataTable

        from screens.widgets.header import DeskHeader

        sheet = self.stylesheet
        screens = [view.screen for view in VIEWS if isinstance(view.screen, type)]
        for screen in screens:
            paths = screen.CSS_PATH if isinstance(screen.CSS_PATH, list) else [screen.CSS_PATH]
            for path in (Path(inspect.getfile(screen)).parent / p for p in paths if p):
                if not sheet.has_source(str(path.resolve()), ""):
                    sheet.read(path.resolve())  # keyed as Screen._load_screen_css looks for it
        for widget in (*screens, DeskHeader, DataTable):
            bases = SimpleNamespace(_node_bases=widget._css_bases(widget))
            for read_from, css, tie_breaker, scope in DOMNode._get_default_css(bases):  # type: ignore[arg-type]
                sheet.add_source(css, read_from=read_from, is_default_css=True, tie_breaker=tie_breaker, scope=scope)
        sheet.reparse()

    # ------------------------------------------------------------------ a terminal that went away

    def watch_terminal(self) -> None:
        """An SSH drop must end the desk (and sign him off), not leave it spinning: Textual's input
        thread reads a hung-up terminal as "nothing yet" forever (select says readable, read gives
        b"", 90 % of a core). SIGHUP when it comes, and a look at the terminal every second when the
        signal does not come (ignored by nohup or a shell's trap)."""
        if self.is_headless:
            return
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError, AttributeError):
            asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, self.hung_up)
        fd = terminal_fd()
        if fd is not None:
            self.set_interval(self.TERMINAL_SECONDS, partial(self.look_at_terminal, fd))

    def look_at_terminal(self, fd: int) -> None:
        if terminal_gone(fd):
            self.hung_up()

    def hung_up(self) -> None:
        """Sign off and leave. The dead terminal is swapped for /dev/null first: Textual's output
        thread dies of EIO on it, and its shutdown then waits forever on that thread's full queue."""
        if self._hanging_up:
            return
        self._hanging_up = True
        log.warning("the terminal went away: signing off and leaving")
        if not self.is_headless:
            with contextlib.suppress(OSError):
                nothing = os.open(os.devnull, os.O_RDWR)
                for fd in (0, 1, 2):
                    os.dup2(nothing, fd)
                os.close(nothing)
            threading.Thread(target=leave_anyway, args=(self.LEAVE_SECONDS,), daemon=True).start()
        self.call_later(self.action_quit)

    # ------------------------------------------------------------------ keys of his own

    def apply_user_keys(self) -> None:
        """The `[keys]` of his config file (screens.keymap); each mistake told in one line."""
        from screens import views  # noqa: F401  every view's screen class, so its binding ids are known

        known = binding_ids([type(self), LoginScreen, HelpScreen, *all_subclasses(DeskScreen)])
        keymap = read_keymap(config_file(), known)
        for problem in keymap.problems:
            self.notify(problem, title=_("Your keys"), severity="warning", timeout=15, markup=False)
        if keymap.keys:
            self.set_keymap(keymap.keys)

    # ------------------------------------------------------------------ signing in and off

    def signed_in(self, viewer: Viewer | None) -> None:
        if viewer is None:
            self.exit()
            return
        self.viewer = viewer
        use_language(viewer.language)  # U10: the views below are built in his language
        translate_bindings(self)
        self.sub_title = f"{viewer.name} ({viewer.login})"
        self.beating = self.set_interval(self.HEARTBEAT_SECONDS, self.beat)
        if self.watch_changes:
            self.watching = self.set_interval(self.WATCH_SECONDS, self.check_changes)
        self.check_changes()  # the version as of now: what comes after it is news
        self.look_for_tasks()  # likewise the tasks told so far: those that come after are toasted
        for view in VIEWS:
            if view.open_to(viewer.roles):
                self.add_mode(view.name, view.screen)
        self.switch_mode(VIEWS[0].name)
        self.call_after_refresh(self.first_view_painted)
        self.set_timer(self.FIRST_ROUND_WAIT + 1, self.start_first_round)  # whatever hangs on the way

    def first_view_painted(self, waited: float = 0.0) -> None:
        """The scheduler's first round may start once the first view has shown its first rows: in this
        process it would share the interpreter (and on SQLite the write lock) with the rows he waits
        for. Shown means: the view is mounted, no worker of the screens is running (its first reads
        are in), what those workers posted to the screen and its widgets has been handled, and the
        screen has been painted since. Gives up waiting after FIRST_ROUND_WAIT seconds."""
        if self.when_first_view_painted is None:
            return
        screen = self.desk_screen
        if not self.reads_done(screen) and waited < self.FIRST_ROUND_WAIT:
            self.set_timer(0.05, partial(self.first_view_painted, waited + 0.05))
            return
        if screen is None or waited >= self.FIRST_ROUND_WAIT:
            self.start_first_round()
            return
        self.after_handled(screen, partial(self.first_rows_handled, screen, waited))

    def reads_done(self, screen: DeskScreen | None) -> bool:
        """The desk screen on top is mounted and no worker but the background ones is pending or running."""
        if screen is None or not screen.is_mounted:
            return False
        return not any(w.group not in self.BACKGROUND_WORKERS and not w.is_finished for w in self.workers)

    def after_handled(self, screen: Screen[object], then: Callable[[], None]) -> None:
        """`then`, once the screen and each of its widgets has handled the messages queued to it so
        far (the pages its workers posted), as textual's Pilot waits for a screen."""
        nodes = [screen, *screen.walk_children(with_self=False)]
        left = len(nodes)

        def one_done() -> None:
            nonlocal left
            left -= 1
            if left == 0:
                then()

        for node in nodes:
            if not node.call_later(one_done):  # a widget already gone has nothing left to handle
                one_done()

    def first_rows_handled(self, screen: DeskScreen, waited: float) -> None:
        if screen is not self.desk_screen or not self.reads_done(screen):  # a handler asked for more: wait again
            self.set_timer(0.05, partial(self.first_view_painted, waited + 0.05))
            return
        self.call_after_refresh(self.start_first_round)  # after the paint of what was handled

    def start_first_round(self) -> None:
        start, self.when_first_view_painted = self.when_first_view_painted, None
        if start is not None:
            start()

    def stop_timers(self) -> None:
        for timer in (self.beating, self.watching):
            if timer is not None:
                timer.stop()
        self.beating = self.watching = None

    async def signing_off(self) -> None:
        """Offline and logged out now (U1), in a thread: the UI goes on drawing meanwhile."""
        self.stop_timers()
        viewer, self.viewer = self.viewer, None
        self.header_facts = None
        self.task_notice_seen = None
        if viewer is not None:
            try:
                await asyncio.to_thread(self.desk.sign_out, viewer)
            except Exception as exc:  # noqa: BLE001  the database is away: his login expires by itself
                log.warning("could not sign %s out: %s", viewer.login, exc)
                self.notify(str(exc), title=_("Could not sign you out"), severity="error")

    def sign_off(self) -> None:
        """For after `run()` (cli.main.run_tui): whoever is still signed in (a crash, a hang-up) goes
        offline. Blocks; the app has stopped by then."""
        viewer, self.viewer = self.viewer, None
        if viewer is not None:
            try:
                self.desk.sign_out(viewer)
            except Exception as exc:  # noqa: BLE001
                log.warning("could not sign %s out: %s", viewer.login, exc)
        self.desk.close_watch()

    async def action_quit(self) -> None:
        await self.signing_off()
        self.exit()

    async def action_sign_out(self) -> None:
        await self.signing_off()
        self.sub_title = ""
        if "signed-out" not in self._modes:
            self.add_mode("signed-out", Screen)  # a blank screen under the login, as at start
        await self.switch_mode("signed-out")
        for view in VIEWS:
            if view.name in self._modes:
                await self.remove_mode(view.name)
        self.push_screen(LoginScreen(), callback=self.signed_in)

    # ------------------------------------------------------------------ views, help, presence

    def action_view(self, name: str) -> None:
        """Jump to one of the views (1 my queue, 2 the pool, …), where he left it."""
        view = next((v for v in VIEWS if v.name == name), None)
        if self.viewer is None or view is None:
            return
        if not view.open_to(self.viewer.roles):
            self.notify(_("The {title} is for {roles}.").format(title=_(view.title), roles=", ".join(view.roles or ())),
                        severity="warning")  # fmt: skip
            return
        self.switch_mode(name)

    def open_order(self, number: str) -> None:
        """The order screen (U5) over the current view; Escape comes back to it."""
        from screens.order import OrderScreen

        self.push_screen(OrderScreen(number))

    def action_help(self) -> None:
        """Every key of the view he is on, and the app's (screens.help)."""
        if isinstance(self.screen, HelpScreen):
            return
        title = _(getattr(self.screen, "VIEW_TITLE", "")) or _("the desk")
        self.push_screen(HelpScreen(title, keys_of(self.screen)))

    def action_presence(self, status: str) -> None:
        self.change_presence(status)

    @work(thread=True, exclusive=True, exit_on_error=False, group="presence")
    def change_presence(self, status: str) -> None:
        """Free, busy or on a break (U1); turning free hands him waiting orders at once (D4)."""
        viewer = self.viewer
        if viewer is None:
            return
        given = self.desk.set_presence(viewer, status)
        if given:
            self.notify(ngettext("{n} waiting order was handed out", "{n} waiting orders were handed out", given)
                        .format(n=given), timeout=5)  # fmt: skip
        self.post_message(OrdersChanged())  # his header, and the lists the pass may have changed

    # ------------------------------------------------------------------ the header's facts

    def read_header(self) -> None:
        """Read the header's facts again, in a worker. Not an exclusive worker: cancelling one that
        is reading does not stop its query, and a cancelled worker fails whoever waits on it; the
        answers are numbered instead, and one older than what is shown is dropped."""
        self.header_asked += 1
        self.reading_header(self.header_asked)

    @work(thread=True, exit_on_error=False, group="header")
    def reading_header(self, asked: int) -> None:
        viewer = self.viewer
        if viewer is not None:
            self.post_message(HeaderRead(self.desk.header_facts(viewer), asked))

    def on_header_read(self, message: HeaderRead) -> None:
        if self.viewer is None or message.facts.login != self.viewer.login:
            return  # read for someone who has signed out since
        if message.asked < self.header_shown:
            return  # an older read that came in late
        self.header_shown = message.asked
        self.header_facts = message.facts
        if (screen := self.desk_screen) is not None:
            screen.show_facts()

    # ------------------------------------------------------------------ live (U8)

    def on_orders_changed(self, message: OrdersChanged) -> None:
        """Orders changed under the desk (scheduler, another desk, the CLI): the view on top reads again."""
        if (screen := self.desk_screen) is not None and self.viewer is not None:
            self.read_header()
            screen.refresh_data()
        if self.viewer is not None:
            self.look_for_tasks()

    # ------------------------------------------------------------------ a task arrives (T6)

    @work(thread=True, exit_on_error=False, group="task-news")
    def look_for_tasks(self) -> None:
        viewer, after = self.viewer, self.task_notice_seen
        if viewer is not None:
            self.post_message(TasksArrived(self.desk.task_news(viewer, after=after), login=viewer.login, after=after))

    def on_tasks_arrived(self, message: TasksArrived) -> None:
        """A toast for each task that came for him (its title and due time), or one toast for a burst
        (a first round after an outage makes many at once); a look that started from where an earlier
        one already moved on is dropped, so no task is told twice."""
        if self.viewer is None or message.login != self.viewer.login or message.after != self.task_notice_seen:
            return
        self.task_notice_seen = message.news.seen
        arrived = message.news.arrived
        if len(arrived) > 1:
            lines = [f"· {task.title}" for task in arrived[:TASK_TOASTS]]
            if len(arrived) > TASK_TOASTS:
                lines.append(_("… and {n} more: 6 lists them").format(n=len(arrived) - TASK_TOASTS))
            title = ngettext("{n} new task", "{n} new tasks", len(arrived)).format(n=len(arrived))
            self.notify("\n".join(lines), title=title, timeout=10, markup=False)
            return
        for task in arrived:
            due = _("due {when}").format(when=day_time(task.due_at, task.timezone)) if task.due_at else _("no due time")
            self.notify(f"{task.title} — {due}", title=_("New task"), timeout=10, markup=False)

    def check_changes(self) -> None:
        """One look of the change watcher, in a worker; none while the last look is still waiting
        (a locked database), rather than an exclusive worker cancelled under whoever waits on it."""
        if not self.looking:
            self.looking = True
            self.looking_for_changes()

    @work(thread=True, exit_on_error=False, group="watch")
    def looking_for_changes(self) -> None:
        """storage.db.ChangeWatcher: a new version is news for the screen; no answer puts up the
        banner until the database answers again."""
        try:
            version = self.desk.data_version()
        except Exception as exc:  # noqa: BLE001  DatabaseUnavailable, or the driver's own
            self.post_message(DatabaseState(str(exc) or type(exc).__name__))
            return
        finally:
            self.looking = False
        self.post_message(DatabaseState(None))
        before, self.seen_version = self.seen_version, version
        if before is not None and version != before:
            self.post_message(OrdersChanged())

    def on_database_state(self, message: DatabaseState) -> None:
        was, self.db_trouble = self.db_trouble, message.trouble
        if (screen := self.desk_screen) is not None and (was is None) != (message.trouble is None):
            screen.show_trouble(message.trouble)
            if message.trouble is None:
                self.post_message(OrdersChanged())  # back: what was missed meanwhile

    def on_job_failed(self, message: JobFailed) -> None:
        self.notify(_("scheduler job {job} failed: {error}").format(job=message.job, error=message.error),
                    severity="error", timeout=10)  # fmt: skip

    # ------------------------------------------------------------------ the rest

    @work(thread=True, exclusive=True, exit_on_error=False, group="heartbeat")
    def beat(self) -> None:
        """The login is alive while the desk beats: a crashed terminal goes offline by itself (U1)."""
        viewer = self.viewer
        if viewer is not None and not self.desk.heartbeat(viewer):
            self.notify(_("Your login had expired; sign in again."), severity="warning", timeout=10)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        self.tell_failure(event)

    def tell_failure(self, event: Worker.StateChanged) -> None:
        """A worker that failed unexpectedly is told to the person, not swallowed or a crash.

        `Worker.StateChanged` does not bubble: DeskScreen (and the login screen) pass theirs here."""
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            self.notify(f"{event.worker.error}", title=_("Something went wrong"), severity="error", timeout=10)
