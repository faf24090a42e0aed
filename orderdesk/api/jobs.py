"""The scheduler's jobs, each an `orderdesk` use case run as of the `Clock`'s time.

`scheduler/` runs them on timers in a background thread; `orderdesk tick --at` runs them all once.
A job opens its own short transactions (a sweep with more due than one batch runs again until it is
done), and a job that raises is logged and reported without stopping the jobs after it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine

from orderdesk.clock import Clock
from storage.db import read_session, write_session

log = logging.getLogger("orderdesk.scheduler")


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
    total: dict[str, Any] = {"done": 0, "notified": 0, "notices": 0, "orders": []}
    while True:
        with write_session(engine) as session:
            result = sweep(session=session, clock=clock)
        total["done"] += result.done
        total["notified"] += result.notified
        total["notices"] += result.notices
        total["orders"] = (total["orders"] + result.orders)[:50]
        if not result.full or not result.written:
            return total  # all done (or a full batch that changed nothing: never spin on it)


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
