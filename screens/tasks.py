"""His tasks (T6, U6), view 6: the open ones by due time (v: every one, done ones too), with the time each
is due in its order's store zone and how late it is; `d` marks the one under the cursor done, `o`
reopens a done one, Enter opens its order. The text of the task under the cursor is shown below the
list ("Phone +7 900 …"), and the cursor stays on its task when the list is read again."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Static
from textual.worker import Worker, WorkerState

from orderdesk.policy.errors import DeskError
from orderdesk.views.my_tasks import MyTasks
from orderdesk.views.tasks import TaskLine
from screens.base import DeskScreen
from screens.i18n import N_, _, day_time, ngettext
from screens.queue import _span as span
from screens.widgets.order_tasks import STATUS_WORDS
from screens.widgets.table import Table

WIDE = 110  # columns from which the project is shown too
# the task's words (storage.models.Task), marked for the catalog: the cells say _(word)
PRIORITY_WORDS = {"low": N_("low"), "normal": N_("normal"), "high": N_("high")}


def priority_cell(priority: str) -> Text:
    """High is marked (a "!" in bold red), low is dim."""
    word = _(PRIORITY_WORDS.get(priority, priority))
    if priority == "high":
        return Text(f"! {word}", style="bold red")
    return Text(word, style="dim" if priority == "low" else "")


def due_cell(task: TaskLine) -> Text:
    """When it is due, in the order's store zone: "25 Nov 10:00"; "—" without a due time."""
    return Text(day_time(task.due_at, task.timezone), style="bold red" if task.overdue else "")


def state_cell(task: TaskLine, at: datetime) -> Text:
    """ "LATE 2h 10m" in red past its due time, "50m left" before it; done and cancelled ones say so."""
    if task.status != "open":
        return Text(_(STATUS_WORDS.get(task.status, task.status)), style="green" if task.status == "done" else "dim")
    if task.due_at is None:
        return Text("—")
    seconds = int((task.due_at - at).total_seconds())
    if task.overdue or seconds < 0:
        return Text(_("LATE {span}").format(span=span(-seconds)), style="bold red")
    return Text(_("{span} left").format(span=span(seconds)))


def task_text(task: TaskLine) -> Text:
    """What the line below the list says of the task: its title, where it comes from, and its text."""
    text = Text(task.title, style="bold")
    facts = [_("order {number}").format(number=task.order_number) if task.order_number else _("no order")]
    if task.rule:
        facts.append(_("rule {name}").format(name=task.rule))
    if task.project and task.project != "default":
        facts.append(_("project {name}").format(name=task.project))
    if task.status == "done" and task.done_at is not None:
        facts.append(_("done {when}").format(when=day_time(task.done_at, task.timezone)))
    text.append("  " + " · ".join(facts), style="dim")
    if task.text:
        text.append("\n")
        text.append(task.text)
    return text


class TasksScreen(DeskScreen):
    VIEW_TITLE = N_("Tasks")
    CSS_PATH = "tasks.tcss"
    BINDINGS = [
        Binding("enter", "open_task", N_("Open"), id="tasks.open"),
        Binding("d", "done", N_("Done"), id="tasks.done"),
        Binding("o", "reopen", N_("Reopen"), id="tasks.reopen"),
        Binding("v", "toggle_every", N_("Open / all"), id="tasks.toggle_every"),
        Binding("r", "refresh", N_("Refresh"), id="tasks.refresh", show=False),
        Binding("escape", "app.view('mine')", N_("Back"), id="tasks.back", show=False),
    ]

    class Loaded(Message):
        def __init__(self, tasks: MyTasks) -> None:
            super().__init__()
            self.tasks = tasks

    class Acted(Message):
        """A task was marked done or reopened (`task` as it is now), or that was refused (`refusal`)."""

        def __init__(self, action: str, task: TaskLine | None = None, refusal: str | None = None) -> None:
            super().__init__()
            self.action, self.task, self.refusal = action, task, refusal

    def __init__(self) -> None:
        super().__init__()
        self.every = False
        self.tasks: MyTasks | None = None
        self.rows: list[TaskLine] = []
        self.wide: bool | None = None

    def compose_body(self) -> ComposeResult:
        yield Static(_("Loading tasks…"), id="tasks-summary")
        yield Table(id="tasks", cursor_type="row", zebra_stripes=True)
        with VerticalScroll(id="task-detail"):
            yield Static("", id="task-text")

    def on_mount(self) -> None:
        self.set_columns()
        self.query_one("#tasks", DataTable).focus()
        self.load()

    # ------------------------------------------------------------------ columns

    def set_columns(self) -> None:
        wide = self.size.width >= WIDE if self.size.width else False
        if wide == self.wide:
            return
        self.wide = wide
        table = self.query_one("#tasks", DataTable)
        table.clear(columns=True)
        # 80 columns: 5 columns of 2 padding each, a 1-wide scrollbar, and the title takes the rest
        fixed = [(_("Due"), 12), (_("Left"), 12), (_("Priority"), 9), (_("Order"), 8)]
        extra = [(_("Project"), 12)] if wide else []
        width = max(self.size.width, 80) - 1 - 2 * (1 + len(fixed) + len(extra)) - sum(w for _, w in fixed + extra)
        columns = [*fixed[:3], (_("Title"), max(16, min(width, 60))), fixed[3], *extra]
        for label, size in columns:
            table.add_column(label, width=size)
        self.draw_rows(keep=self.selected())

    def on_resize(self) -> None:
        self.set_columns()

    def cells(self, task: TaskLine, at: datetime) -> tuple[str | Text, ...]:
        closed = task.status != "open"
        row: tuple[str | Text, ...] = (
            due_cell(task),
            state_cell(task, at),
            priority_cell(task.priority),
            Text(task.title, overflow="ellipsis", no_wrap=True, style="dim" if closed else ""),
            task.order_number or "—",
        )
        if self.wide:
            row += (task.project,)
        return row

    def draw_rows(self, *, keep: int | None) -> None:
        """The rows again; the cursor on the task it was on, else on the row where it was (the next one,
        when his task has left the list)."""
        table = self.query_one("#tasks", DataTable)
        row = table.cursor_row
        table.clear()
        if self.tasks is not None:
            for task in self.rows:
                table.add_row(*self.cells(task, self.tasks.at), key=str(task.id))
        ids = [t.id for t in self.rows]
        if keep in ids:
            table.move_cursor(row=ids.index(keep), animate=False)
        elif ids:
            table.move_cursor(row=min(max(row, 0), len(ids) - 1), animate=False)
        self.show_task()

    def selected_task(self) -> TaskLine | None:
        row = self.query_one("#tasks", DataTable).cursor_row
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def selected(self) -> int | None:
        task = self.selected_task()
        return task.id if task is not None else None

    def show_task(self) -> None:
        task = self.selected_task()
        text = task_text(task) if task is not None else Text(self.empty_words())
        self.query_one("#task-text", Static).update(text)

    def empty_words(self) -> str:
        if self.tasks is None:
            return ""
        return _("You have no tasks.") if self.every else _("No open tasks: v shows the done ones too.")

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_task()

    # ------------------------------------------------------------------ reading

    def refresh_data(self) -> None:
        if self.is_mounted:
            self.load()

    def action_refresh(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="tasks")
    def load(self) -> None:
        self.post_message(self.Loaded(self.desk.my_tasks(self.viewer, every=self.every)))

    def on_tasks_screen_loaded(self, message: Loaded) -> None:
        if message.tasks.every != self.every:
            return  # an answer for the list he has already left
        keep = self.selected()
        self.tasks = message.tasks
        self.rows = list(message.tasks.rows)
        self.draw_rows(keep=keep)
        self.query_one("#tasks-summary", Static).update(self.summary())

    def summary(self) -> str:
        tasks = self.tasks
        if tasks is None:
            return ""
        rows = tasks.rows
        if tasks.every:
            count = ngettext("{n} task", "{n} tasks", len(rows)).format(n=len(rows))
            hint = _("all (v: open only)")
        else:
            count = ngettext("{n} open task", "{n} open tasks", len(rows)).format(n=len(rows))
            hint = _("open (v: all)")
        if len(rows) >= tasks.limit:
            count = _("the first {n}").format(n=len(rows))
        late = sum(1 for t in rows if t.overdue)
        parts = [count, _("{n} late").format(n=late)] if late else [count]
        return "   ".join([*parts, _("by due time"), hint])

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR and event.worker.group == "tasks" and self.tasks is None:
            self.query_one("#tasks-summary", Static).update(_("Tasks could not be loaded; press r to try again."))

    # ------------------------------------------------------------------ keys

    def action_toggle_every(self) -> None:
        self.every = not self.every
        self.query_one("#tasks-summary", Static).update(_("Loading tasks…"))
        self.load()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open_task()

    def action_open_task(self) -> None:
        task = self.selected_task()
        if task is None:
            return
        if task.order_number:
            self.desk_app.open_order(task.order_number)
        else:
            self.notify(task.text or _("(no text)"), title=task.title, timeout=15, markup=False)

    def action_done(self) -> None:
        task = self.selected_task()
        if task is None:
            return
        if task.status != "open":
            self.notify(_("{title} is {status} already.").format(title=task.title, status=_(STATUS_WORDS.get(
                task.status, task.status))), severity="warning", timeout=5, markup=False)  # fmt: skip
            return
        self.act("complete_task", task.id)

    def action_reopen(self) -> None:
        task = self.selected_task()
        if task is None:
            if not self.every:
                self.notify(_("v shows the done tasks, which o reopens."), timeout=5)
            return
        if task.status == "open":
            hint = "" if self.every else " " + _("v shows the done tasks, which o reopens.")
            self.notify(_("{title} is open.").format(title=task.title) + hint, timeout=5, markup=False)
            return
        self.act("reopen_task", task.id)

    @work(thread=True, exit_on_error=False, group="task-act")
    def act(self, action: str, task_id: int) -> None:
        """Done or reopened through the desk; a refusal comes back with its reason, and nothing changed."""
        try:
            task = getattr(self.desk, action)(self.viewer, task_id)
        except DeskError as exc:
            self.post_message(self.Acted(action, refusal=str(exc)))
            return
        self.post_message(self.Acted(action, task))

    def on_tasks_screen_acted(self, message: Acted) -> None:
        if message.task is None:
            self.notify(message.refusal or "", severity="warning", timeout=8, markup=False)
            return
        task = message.task
        if message.action == "complete_task":
            self.notify(_("Done: {title}").format(title=task.title), timeout=5, markup=False)
        else:
            self.notify(_("Reopened: {title}").format(title=task.title), timeout=5, markup=False)
        self.replace_row(task)
        self.desk_app.read_header()  # his count of open tasks
        self.load()

    def replace_row(self, task: TaskLine) -> None:
        """The row shows it at once (gone from the open list; "done" in the list of all), before the read."""
        ids = [t.id for t in self.rows]
        if task.id not in ids:
            return
        if task.status != "open" and not self.every:
            self.rows.pop(ids.index(task.id))
        else:
            self.rows[ids.index(task.id)] = task
        self.draw_rows(keep=task.id)
