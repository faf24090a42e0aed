"""The tasks of one order on its screen (U5, T6): title, who has it, when it is due (in the order's store
zone) and where it stands; the section is not shown for an order without tasks."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from orderdesk.views.tasks import TaskLine
from screens.i18n import N_, _, day_time
from screens.widgets.table import Table

STATUS_WORDS = {"open": N_("open"), "done": N_("done"), "cancelled": N_("cancelled")}


def status_cell(task: TaskLine) -> Text:
    if task.status == "open" and task.overdue:
        return Text(_("LATE"), style="bold red")
    style = {"done": "green", "cancelled": "dim"}.get(task.status, "")
    return Text(_(STATUS_WORDS.get(task.status, task.status)), style=style)


class OrderTasks(Vertical):
    DEFAULT_CSS = """
    OrderTasks {
        height: auto;
        display: none;
    }
    OrderTasks.-shown {
        display: block;
    }
    OrderTasks .order-tasks-title {
        height: 1;
        padding: 0 1;
        margin-top: 1;
        background: $boost;
    }
    OrderTasks DataTable {
        height: auto;
    }
    """

    def __init__(self) -> None:
        super().__init__(id="order-tasks")
        self.tasks: tuple[TaskLine, ...] = ()

    def compose(self) -> ComposeResult:
        yield Static(_("Tasks"), classes="order-tasks-title")
        yield Table(id="order-tasks-table", cursor_type="row")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column(_("Title"), width=30, key="title")
        table.add_column(_("Who"), width=16)
        table.add_column(_("Due"), width=12)
        table.add_column(_("Status"), width=10)

    def show(self, tasks: tuple[TaskLine, ...]) -> None:
        self.tasks = tasks
        self.set_class(bool(tasks), "-shown")
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        for task in tasks:
            closed = task.status != "open"
            table.add_row(
                Text(task.title, overflow="ellipsis", no_wrap=True, style="dim" if closed else ""),
                Text(task.assignee_name or task.assignee or "—", overflow="ellipsis", no_wrap=True),
                Text(day_time(task.due_at, task.timezone), style="bold red" if task.overdue else ""),
                status_cell(task),
                key=str(task.id),
            )
        if 0 < row < table.row_count:
            table.move_cursor(row=row, animate=False)
