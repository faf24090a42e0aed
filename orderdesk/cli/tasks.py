"""`orderdesk` commands: tasks (registered on the apps of `orderdesk.cli.core` when `orderdesk.cli.main`
loads this).

`tasks list|show` read `orderdesk.views.tasks`; `tasks done|reopen|reassign` each call one use case of
`orderdesk.usecases.tasks` as the employee given by `--as` and print one line saying what happened.
Times for people are in the order's store zone; JSON keeps UTC.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer

from orderdesk.cli.core import (
    AsOption,
    JsonOption,
    app,
    console,
    print_json,
    query,
    state,
    table,
    writing,
)

if TYPE_CHECKING:
    from sqlmodel import Session

    from orderdesk.clock import Clock
    from orderdesk.views.tasks import TaskLine
    from storage.models import Task

tasks_app = typer.Typer(help="Tasks (seed 001): list, show, done, reopen, reassign.", no_args_is_help=True)
app.add_typer(tasks_app, name="tasks")

TaskArg = Annotated[int, typer.Argument(help="Task id.", show_default=False, min=1)]


def local_time(at: datetime | None, zone: str, *, short: bool = False) -> str:
    """A time as people at the store read it."""
    if at is None:
        return ""
    from zoneinfo import ZoneInfo

    return f"{at.astimezone(ZoneInfo(zone)):{'%d %b %H:%M %Z' if short else '%Y-%m-%d %H:%M %Z'}}"


def _state(line: TaskLine) -> str:
    return "overdue" if line.overdue else line.status


@tasks_app.command("list")
def tasks_list(
    ctx: typer.Context,
    assignee: Annotated[str | None, typer.Option("--assignee", help="Only this employee's (login).")] = None,
    order: Annotated[str | None, typer.Option("--order", help="Only this order's (number).")] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only open tasks past their due time.")] = False,
    every: Annotated[bool, typer.Option("--all", help="Done and cancelled ones too (default: open ones).")] = False,
    as_json: JsonOption = False,
) -> None:
    """Tasks by due time (those with none last): open ones, or with --all every one."""
    from orderdesk.views.tasks import list_tasks

    now = state(ctx).clock.now()
    lines = query(ctx, list_tasks, now=now, assignee=assignee, order=order, overdue=overdue,
                  status=None if every else "open")  # fmt: skip
    if as_json:
        print_json([line.to_json() for line in lines])
        return
    rows = [
        [t.id, local_time(t.due_at, t.timezone, short=True), t.priority, t.title, t.order_number,
         t.assignee or "—", _state(t)]
        for t in lines
    ]  # fmt: skip
    which = "overdue" if overdue else "all" if every else "open"
    shown = table(
        f"tasks ({len(lines)} {which})", ["id", "due", "priority", "title", "order", "assignee", "status"], rows
    )
    from rich.box import SIMPLE_HEAD

    # no rules between columns nor at the edges: seven columns fit 80; the title takes the room left;
    # the assignee by login, as `--assignee` takes it
    shown.box, shown.show_edge, shown.pad_edge, shown.collapse_padding = SIMPLE_HEAD, False, False, True
    for index, column in enumerate(shown.columns):  # one line a task: a long title ends in "…" (`tasks show`)
        column.no_wrap = True
        if column.header == "title":
            column.overflow = "ellipsis"
        else:  # never shortened
            column.min_width = max([len(str(column.header)), *(len(str(row[index] or "")) for row in rows)])
    others = sum(c.min_width or 0 for c in shown.columns) + 2 * (len(shown.columns) - 1)
    shown.columns[3].max_width = max(12, console().width - others)
    console().print(shown)


@tasks_app.command("show")
def tasks_show(ctx: typer.Context, task_id: TaskArg, as_json: JsonOption = False) -> None:
    """One task: what to do, for which order, whose, due when, done by whom."""
    from orderdesk.views.tasks import get_task

    line = query(ctx, get_task, task_id=task_id, now=state(ctx).clock.now())
    if as_json:
        print_json(line.to_json())
        return
    for text in _described(line):
        typer.echo(text)


def _described(t: TaskLine) -> list[str]:
    zone = t.timezone
    who = f"{t.assignee_name} ({t.assignee})" if t.assignee else "nobody"
    lines = [
        f"task {t.id}: {t.title}",
        *(f"  {part}" for part in t.text.splitlines() if t.text),
        f"status:    {_state(t)}" + (" (open)" if t.overdue else ""),
        f"priority:  {t.priority}",
        f"project:   {t.project}",
        f"order:     {t.order_number or '—'}",
        f"assignee:  {who}",
        f"rule:      {t.rule or '— (by hand)'}",
        f"created:   {local_time(t.created_at, zone)}",
        f"due:       {local_time(t.due_at, zone) or '—'}",
    ]
    if t.done_at is not None:
        lines.append(f"{t.status}:      {local_time(t.done_at, zone)} by {t.done_by or '—'}")
    return lines


# ----------------------------------------------------------------------------------- changes


def _act(ctx: typer.Context, run: Callable[[Session, Clock], Task], say: Callable[[TaskLine], str]) -> None:
    """Run one use case in one transaction; print what it did once it is committed."""
    from orderdesk.views.tasks import get_task

    clock = state(ctx).clock
    with writing(ctx) as session:
        task = run(session, clock)
        assert task.id is not None
        line = get_task(session, task.id, now=clock.now())
    typer.echo(say(line))


@tasks_app.command("done")
def tasks_done(ctx: typer.Context, task_id: TaskArg, login: AsOption) -> None:
    """Mark a task done (its assignee, a supervisor of its order's store, or an admin)."""
    from orderdesk.usecases.tasks import complete

    _act(ctx, lambda s, c: complete(session=s, actor=login, clock=c, task_id=task_id),
         lambda t: f"task {t.id} done: {t.title}")  # fmt: skip


@tasks_app.command("reopen")
def tasks_reopen(ctx: typer.Context, task_id: TaskArg, login: AsOption) -> None:
    """Open a done task again."""
    from orderdesk.usecases.tasks import reopen

    def say(t: TaskLine) -> str:
        return f"task {t.id} open again: {t.title}" + (f", due {local_time(t.due_at, t.timezone)}" if t.due_at else "")

    _act(ctx, lambda s, c: reopen(session=s, actor=login, clock=c, task_id=task_id), say)


@tasks_app.command("reassign")
def tasks_reassign(
    ctx: typer.Context,
    task_id: TaskArg,
    to: Annotated[str, typer.Option("--to", help="The employee who gets it (login).", show_default=False)],
    login: AsOption,
) -> None:
    """Give a task to another active employee, who is told."""
    from orderdesk.usecases.tasks import reassign

    _act(ctx, lambda s, c: reassign(session=s, actor=login, clock=c, task_id=task_id, to=to),
         lambda t: f"task {t.id} → {t.assignee_name} ({t.assignee}): {t.title}")  # fmt: skip
