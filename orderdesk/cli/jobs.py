"""`orderdesk tick` and `orderdesk scheduler run`: the timed jobs, once or in the foreground.

Both call `orderdesk.api.jobs` / `scheduler.runner`, which are imported only here, inside the commands.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from orderdesk.cli.core import JsonOption, app, fail, parsed, print_json, ready_engine, state
from orderdesk.policy.timestamps import iso

scheduler_app = typer.Typer(help="The scheduler: timed moves, overdue flags, distribution, notifications.",
                            no_args_is_help=True)  # fmt: skip
app.add_typer(scheduler_app, name="scheduler")


def parse_time(text: str, what: str) -> datetime:
    from orderdesk.config.fields import YEARS  # pydantic's validators: only for a command given a time

    try:
        at = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
        at = at if at.tzinfo else at.replace(tzinfo=UTC)
        year = at.astimezone(UTC).year
    except (ValueError, OverflowError):
        fail(f'{what}: "{text}" is not an ISO time (e.g. 2026-11-25T09:00Z)')
    if not YEARS[0] <= year <= YEARS[1]:  # the config file's limit: out of it, due-time arithmetic overflows
        fail(f'{what}: "{text}" is out of range (years {YEARS[0]}–{YEARS[1]})')
    return at


def print_round(results: dict[str, dict[str, Any]], at: datetime) -> None:
    typer.echo(f"tick at {iso(at)}")
    for name, result in results.items():
        if not result.get("ok"):
            typer.echo(f"  {name:<12} FAILED: {result['error']}")
            continue
        detail = ", ".join(f"{k} {len(v) if isinstance(v, list) else v}" for k, v in result.items()
                           if k not in ("ok", "orders"))  # fmt: skip
        typer.echo(f"  {name:<12} {detail or 'nothing due'}")


@app.command()
def tick(
    ctx: typer.Context,
    at: Annotated[str | None, typer.Option("--at", help="Run as of this time (ISO; UTC if no zone given).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Run every scheduler job once, as of now or of --at: timed moves and notices, overdue flags,
    distribution, delayed tasks, e-mail. Safe to repeat: what was done is not done again."""
    from orderdesk.api.jobs import run_all
    from orderdesk.clock import FixedClock

    clock = FixedClock(parse_time(at, "--at")) if at is not None else state(ctx).clock
    engine = ready_engine(ctx)
    results = run_all(engine, clock)
    if as_json:
        print_json({"at": iso(clock.now()), "jobs": results})
    else:
        print_round(results, clock.now())
    if any(not r.get("ok") for r in results.values()):
        raise typer.Exit(1)


@scheduler_app.command("run")
def scheduler_run(
    ctx: typer.Context,
    holder: Annotated[str | None, typer.Option(help="This scheduler's name in the lease (default host:pid).")] = None,
    interval: Annotated[
        str | None, typer.Option(help="Run the jobs this often (default: setting scheduler.interval).")
    ] = None,
    lease: Annotated[str | None, typer.Option(help="Lease length (default: setting scheduler.lease).")] = None,
    steps: Annotated[
        bool,
        typer.Option(
            "--steps",
            help="Read the time from stdin, one ISO time a line; run one "
            "round for each and print it as a JSON line (scripts, tests).",
        ),
    ] = False,
) -> None:
    """The scheduler alone, in the foreground, until Ctrl-C or SIGTERM. Several may run against one
    database: one acts (it holds the lease), the others stand by and take over if it dies."""
    import signal
    import threading

    from orderdesk.clock import FixedClock
    from orderdesk.policy.durations import parse_duration
    from scheduler.runner import DeskScheduler

    engine = ready_engine(ctx)
    options = {"holder": holder, "interval": parsed(interval, parse_duration, "--interval"),
               "lease": parsed(lease, parse_duration, "--lease")}  # fmt: skip
    if steps:
        clock = FixedClock(state(ctx).clock.now())
        runner = DeskScheduler(engine, clock, **options)
        for line in sys.stdin:
            if not line.strip():
                continue
            clock.set(parse_time(line, "stdin"))
            sys.stdout.write(json.dumps(runner.step(), default=str) + "\n")
            sys.stdout.flush()
        return
    import logging

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # not a line per job run
    runner = DeskScheduler(engine, state(ctx).clock, **options)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    runner.start()
    typer.echo(f"scheduler {runner.holder} running every {runner.interval}s "
               f"({'acting' if runner.leader else 'standing by'}); Ctrl-C stops it", err=True)  # fmt: skip
    while not stop.wait(1.0):
        pass
    runner.shutdown()
    typer.echo("scheduler stopped", err=True)
