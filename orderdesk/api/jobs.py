"""The scheduler's jobs, each an `orderdesk` use case run as of the `Clock`'s time.

`scheduler/` runs them on timers in a background thread; `orderdesk tick --at` runs them all once.
A job opens its own short transactions (a sweep with more due than one batch runs again until it is
done, pausing between batches), and a job that raises is logged and reported without stopping the jobs
after it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine

from orderdesk.clock import Clock
from storage.db import read_session, write_session

log = logging.getLogger("orderdesk.scheduler")

# Between two batches of one job of a scheduler thread (`scheduler_engine`: a desk's, or `orderdesk
# scheduler run` beside the desks of one SQLite file): the write lock is free for this long (a desk's
# write waits for it, its busy handler looking again at most every 100 ms) and a desk's UI thread has
# the interpreter to itself. A round with less than a batch due never pauses, nor does `orderdesk tick`.
BETWEEN_BATCHES = 0.1
_PAUSE = "orderdesk_pause_between_batches"  # the engine's execution option that asks for the pause
_STOP = "orderdesk_stop"  # … and the scheduler's event that says it is stopping (the desk quits)
# SQLite pages each connection keeps in a desk's process (storage.db gives 64 MiB, for the CLI's bulk
# work). A desk's pool holds several connections (its workers read at once, the change watcher has
# one) and a first round touches pages all over the orders, the notifications and the audit: at 64 MiB
# each, caches refilled after every round kept the desk at 430-490 MB resident with 1,000,000 orders.
# The file's pages stay in the OS's cache anyway.
DESK_CACHE_MIB = 4
SCHEDULER_CACHE_MIB = 4


def with_page_cache(engine: Engine, mib: int) -> Engine:
    """On a SQLite file, an engine of its own (pool and connections) whose connections keep `mib`
    MiB of pages; other databases: the engine as given. `dispose()` what it made when done."""
    url = engine.url
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return engine
    from storage.db import make_engine

    return make_engine(url.render_as_string(hide_password=False), page_cache_mib=mib)


def scheduler_engine(engine: Engine, *, stop: threading.Event | None = None) -> Engine:
    """The engine a scheduler thread works through: on SQLite one of its own, with a small page cache,
    apart from the desk's pool; its jobs pause `BETWEEN_BATCHES` between two batches, and once `stop` is
    set they leave what is still due to the next round after the batch at hand."""
    options: dict[str, Any] = {_PAUSE: BETWEEN_BATCHES}
    if stop is not None:
        options[_STOP] = stop
    return with_page_cache(engine, SCHEDULER_CACHE_MIB).execution_options(**options)


def _go_on(engine: Engine) -> bool:
    """Between two batches: let the desks write and draw (see BETWEEN_BATCHES); False once the scheduler
    is stopping, so that quitting a desk waits for one batch, not for a first round of tens of thousands."""
    options = engine.get_execution_options()
    stop, pause = options.get(_STOP), options.get(_PAUSE, 0)
    if stop is None:
        if pause:
            time.sleep(pause)
        return True
    return not stop.wait(pause)


def expire_stale_sessions(engine: Engine, clock: Clock) -> dict[str, Any]:
    from orderdesk.usecases.presence import expire_sessions

    with write_session(engine) as session:
        return {"offline": expire_sessions(session=session, clock=clock)}


def timed_moves(engine: Engine, clock: Clock) -> dict[str, Any]:
    from orderdesk.usecases.sweeps import run_timed_moves

    return _until_done(engine, clock, run_timed_moves)


def overdue(engine: Engine, clock: Clock) -> dict[str, Any]:
    from orderdesk.usecases.sweeps import flag_overdue

    return _until_done(engine, clock, flag_overdue)


def _until_done(engine: Engine, clock: Clock, sweep: Any) -> dict[str, Any]:
    """The sweep a batch (sweeps.BATCH) per transaction until less than a batch was due; what it keeps
    across batches is the counts and the first 50 numbers, so its memory is one batch's."""
    total: dict[str, Any] = {"done": 0, "notified": 0, "notices": 0, "orders": [], "batches": 0}
    while True:
        with write_session(engine) as session:
            result = sweep(session=session, clock=clock)
        total["batches"] += 1
        total["done"] += result.done
        total["notified"] += result.notified
        total["notices"] += result.notices
        if len(total["orders"]) < 50:
            total["orders"] = (total["orders"] + result.orders)[:50]
        if not result.full or not result.written:
            return total  # all done (or a full batch that changed nothing: never spin on it)
        if not _go_on(engine):
            return total


def distribute(engine: Engine, clock: Clock) -> dict[str, Any]:
    from orderdesk.usecases.assignment import distribute_pending

    with write_session(engine) as session:
        result = distribute_pending(session=session, clock=clock)
    return {"assigned": len(result.assigned), "left": result.left}


def tasks(engine: Engine, clock: Clock) -> dict[str, Any]:
    """The task rules' timers (seed 001): delayed tasks whose time has come are made (after an outage,
    each once), then open tasks past their due time are flagged and their assignees told."""
    from orderdesk.usecases.task_rules import flag_overdue_tasks, make_due_tasks

    summary = {"made": 0, "skipped": 0, "overdue": 0}
    for step, counts in ((make_due_tasks, ("made", "skipped")), (flag_overdue_tasks, ("overdue",))):
        while True:
            with write_session(engine) as session:
                done = step(session=session, clock=clock)
            for name in counts:
                summary[name] += done[name]
            if not done["full"] or not sum(done[name] for name in counts):
                break  # all done (or a full batch that changed nothing: never spin on it)
            if not _go_on(engine):
                return summary
    return summary


def deliver(engine: Engine, clock: Clock) -> dict[str, Any]:
    from orderdesk.usecases.mail import deliver_mail

    return deliver_mail(engine=engine, clock=clock)


# In the order a tick runs them: stale desks go offline before orders are handed out; moves before
# the overdue flags (a move resets the stage's clock); notifications last, so what this tick queued
# is sent in this tick.
JOBS: dict[str, Callable[[Engine, Clock], dict[str, Any]]] = {
    "sessions": expire_stale_sessions,
    "timed_moves": timed_moves,
    "overdue": overdue,
    "distribute": distribute,
    "tasks": tasks,
    "deliver": deliver,
}


def run_job(engine: Engine, clock: Clock, name: str) -> dict[str, Any]:
    """Run one job; an exception is logged and returned as {"error": "..."}, never raised. What it
    changes is audited as the scheduler's, with the user and host of the process running it."""
    from orderdesk.usecases.audit import SCHEDULER, Door, through

    engine = through(engine=engine, door=Door.of_this_process(SCHEDULER))
    try:
        return {"ok": True, **JOBS[name](engine, clock)}
    except Exception as exc:  # noqa: BLE001  one broken job must not stop the others
        log.exception("scheduler job %s failed", name)
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return {"ok": False, "error": f"{type(exc).__name__}: {first}"}


def run_all(engine: Engine, clock: Clock) -> dict[str, dict[str, Any]]:
    """Every job once, as of `clock.now()` (`orderdesk tick`)."""
    return {name: run_job(engine, clock, name) for name in JOBS}


def hold(engine: Engine, clock: Clock, *, holder: str, ttl: int) -> bool:
    """Take or renew the scheduler lease; True while this process is the acting scheduler."""
    from orderdesk.usecases.lease import hold_lease

    with write_session(engine) as session:
        return hold_lease(session, holder=holder, now=clock.now(), ttl=ttl)


def release(engine: Engine, *, holder: str) -> None:
    from orderdesk.usecases.lease import release_lease

    with write_session(engine) as session:
        release_lease(session, holder=holder)


def scheduler_settings(engine: Engine) -> Any:
    from orderdesk.config.settings import read_settings

    with read_session(engine) as session:
        return read_settings(session).scheduler
