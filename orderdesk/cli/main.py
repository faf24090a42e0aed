"""`orderdesk`: the Typer app, and the composition root that opens the desk and runs the scheduler.

This module holds what wires the desk together: the TUI (with its scheduler thread), `init`, `load`,
`orders import`, `tick` and `scheduler run`. The other commands live one group to a module
(`orders`, `actions`, `users`, `settings`, `admin`, `notifications`, `pipeline`) and register
themselves on the apps of `orderdesk.cli.core` when loaded below.

Thin: parse, call a use case, print (Rich tables for people, `--json` for scripts). Heavy modules
(Textual, APScheduler, Alembic, the pydantic config schema) are imported only by the commands that need
them, because admins and scripts call this many times a minute.
"""

from __future__ import annotations

import copy
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.main import get_command_name

from orderdesk.cli.core import (
    JsonOption,
    State,
    app,
    commit,
    console,
    default_db,
    orders_app,
    print_json,
    print_table,
    ready_engine,
    state,
    user_errors,
    writing,
)


@app.callback(invoke_without_command=True)
def main_callback(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option("--db", envvar="ORDERDESK_DB", help="Database: a file path or a SQLAlchemy URL."),
    ] = None,
) -> None:
    if ctx.obj is None:
        ctx.obj = State()
    ctx.obj.db = db or ctx.obj.db or default_db()
    if ctx.invoked_subcommand is None:
        run_tui(ctx)


def run_tui(ctx: typer.Context) -> None:
    """The terminal desk, with the scheduler thread beside it (setting scheduler.in_desk): whichever
    desk holds the lease does the timed work for all of them.

    The scheduler's first round waits until the desk has painted its first view, and every round that
    changed something tells the desk with `post_message` (thread-safe, and a no-op once the app has
    stopped, unlike call_from_thread). When `run()` returns, whoever was signed in is offline.
    The desk and the scheduler each have their own engine on SQLite, with small page caches."""
    import logging

    from orderdesk.api.desk import Desk
    from orderdesk.api.jobs import DESK_CACHE_MIB, scheduler_settings, with_page_cache
    from screens.app import OrderDeskApp
    from screens.messages import JobFailed, OrdersChanged

    engine = with_page_cache(ready_engine(ctx), DESK_CACHE_MIB)  # memory: several connections, small caches

    clock = state(ctx).clock
    desk_app = OrderDeskApp(desk=Desk(engine, clock))
    runner = None
    with user_errors():
        in_desk = scheduler_settings(engine).in_desk
    if in_desk:
        from scheduler.runner import DeskScheduler, what_it_did

        # no log lines over the screen: a failed job is told as a notification instead
        for name in ("orderdesk.scheduler", "apscheduler"):
            logging.getLogger(name).addHandler(logging.NullHandler())
            logging.getLogger(name).propagate = False

        def told(job: str, result: dict[str, Any]) -> None:
            if not result.get("ok"):
                desk_app.post_message(JobFailed(job, str(result.get("error"))))
            elif what_it_did(result):
                desk_app.post_message(OrdersChanged())

        runner = DeskScheduler(engine, clock, on_round=told)
        runner.start(first_round=False)
        desk_app.when_first_view_painted = runner.start_first_round
    try:
        desk_app.run()
    finally:
        desk_app.sign_off()  # however it ended (ctrl+q has done it already; a crash, a hang-up)
        if runner is not None:
            runner.shutdown()


# ----------------------------------------------------------------------------------- set-up


@app.command()
def init(
    ctx: typer.Context,
    sample: Annotated[
        bool, typer.Option("--sample", help="Also load sample_data/ (demo stores, staff, orders).")
    ] = False,
) -> None:
    """Create the database schema, or upgrade it to the current version."""
    st = state(ctx)
    from storage.db import database_url
    from storage.migrate import current_revision, upgrade

    url = database_url(st.db)
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    with user_errors():
        before = current_revision(st.engine)
        upgrade(st.engine)
    typer.echo(f"schema ready in {st.db}", err=True)
    if before is not None and before < "0004":
        recount_due(ctx)
    if sample:
        load_sample(ctx)


def recount_due(ctx: typer.Context) -> None:
    """Timed moves are found by `move_due_at`, which databases older than 0004 do not have yet."""
    from sqlmodel import select

    from orderdesk.usecases.due_times import recompute_due
    from storage.models import Store

    now = state(ctx).clock.now()
    with writing(ctx) as session:
        stores = session.exec(select(Store.id))
        changed = sum(recompute_due(session=session, store_id=store_id, now=now) for store_id in stores)
    typer.echo(f"due times of {changed} waiting orders counted for the scheduler", err=True)


def load_sample(ctx: typer.Context) -> None:
    """sample_data/: the demo configuration, and its orders shifted so that the newest is of today."""
    from orderdesk.config.schema import read_config
    from orderdesk.files.orders_file import read_orders
    from orderdesk.files.sample import sample_files, shift_to
    from orderdesk.usecases.import_orders import import_orders
    from orderdesk.usecases.load_config import apply_config

    clock = state(ctx).clock
    with user_errors():
        config_path, orders_path = sample_files()
        config = read_config(config_path)
        rows = shift_to(read_orders(orders_path), clock.now(), zones=[store.timezone for store in config.stores])
    with writing(ctx) as session:
        apply_config(session=session, clock=clock, config=config, source=str(config_path))
        result = import_orders(session=session, clock=clock, rows=rows, source=str(orders_path))
    typer.echo(f"sample data loaded: {len(result.imported)} orders", err=True)


@app.command()
def load(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="Configuration file (TOML).", show_default=False)],
    as_json: JsonOption = False,
) -> None:
    """Load stores, groups, employees, customers, pipelines, timed moves, task rules and settings (idempotent)."""
    from orderdesk.config.schema import read_config
    from orderdesk.usecases.load_config import apply_config

    with user_errors():
        config = read_config(file)
    summary = commit(ctx, apply_config, config=config, source=str(file))
    if as_json:
        print_json({section: dict(counts) for section, counts in summary.items()})
        return
    rows = [[section, c["created"], c["updated"], c["unchanged"], c["deactivated"]] for section, c in summary.items()]
    print_table(f"loaded {file}", ["section", "created", "updated", "unchanged", "deactivated"], rows)


@orders_app.command("import")
def orders_import(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="Orders as JSON (a list) or CSV (a row per item).", show_default=False)],
    as_json: JsonOption = False,
) -> None:
    """Import orders, all or nothing; numbers that already exist are skipped and reported."""
    from orderdesk.files.orders_file import read_orders
    from orderdesk.usecases.import_orders import import_orders

    with user_errors():
        rows = read_orders(file)
    with progress_bar(enabled=not as_json and sys.stderr.isatty(), label="importing") as advance:
        result = commit(ctx, import_orders, rows=rows, source=str(file), progress=advance)
    if as_json:
        print_json(result.as_dict())
        return
    typer.echo(f"imported {len(result.imported)} orders ({result.customers_created} new customers)")
    if result.skipped:
        shown = ", ".join(result.skipped[:10]) + (", …" if len(result.skipped) > 10 else "")
        typer.echo(f"skipped {len(result.skipped)} that already exist: {shown}")


@contextmanager
def progress_bar(*, enabled: bool, label: str) -> Iterator[Callable[[int, int], None] | None]:
    if not enabled:
        yield None
        return
    from rich.progress import Progress

    with Progress(console=console().__class__(stderr=True), transient=True) as progress:
        task = progress.add_task(label, total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        yield advance


# The other groups register their commands on the apps of `orderdesk.cli.core` when loaded, in this
# order, which is the order `orderdesk --help` lists them in.
from orderdesk.cli import admin, jobs, orders, actions, users, settings, notifications, pipeline  # noqa: E402,F401,I001
from orderdesk.cli import rules as rules_cli  # noqa: E402,I001

app.add_typer(rules_cli.app, name="rules")

# task rules (issue 15): `tasks`, and `rules log` on the rules group
from orderdesk.cli import tasks, rule_log  # noqa: E402,F401,I001

rules_cli.app.command("log")(rule_log.rules_log)


def main() -> None:
    try:
        narrowed_to(sys.argv[1:])(obj=State())
    except KeyboardInterrupt:
        sys.exit(130)


def narrowed_to(args: list[str]) -> typer.Typer:
    """The app with only the command or group that `args` run: Typer builds the Click command of every
    command it holds (their signatures, their help) before it parses anything, about a tenth of a
    second for all of them, and scripts call `orderdesk stats` many times a minute. Anything else (no
    command, --help, a name that is no command) gets the whole app, so help and mistakes read as
    they always did."""
    name = _command_named(args)
    commands = [c for c in app.registered_commands if name in (c.name, get_command_name(c.callback.__name__))]
    groups = [g for g in app.registered_groups if g.name == name]
    if name is None or not (commands or groups):
        return app
    narrowed = copy.copy(app)
    narrowed.registered_commands, narrowed.registered_groups = commands, groups
    return narrowed


def _command_named(args: list[str]) -> str | None:
    """The first argument that is not the root's own option (--db X, --db=X); None when there is none
    or another option comes first."""
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg == "--db":
            skip = True
        elif not arg.startswith("--db="):
            return None if arg.startswith("-") else arg
    return None


if __name__ == "__main__":
    main()
