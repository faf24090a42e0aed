"""The scheduler thread: APScheduler 3 runs `orderdesk.api.jobs` on timers while this process holds the
lease.

Every desk may run one; the lease (renewed every third of its length) makes exactly one of them act.
The jobs read the time from the `Clock` and what is due from the database, so a job that runs late,
twice, or after a takeover does the same thing once.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from datetime import UTC
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler

from orderdesk.api import jobs
from orderdesk.clock import Clock
from orderdesk.policy.timestamps import iso

log = logging.getLogger("orderdesk.scheduler")


def default_holder() -> str:
    # host and pid for people; the random part because two containers may both be "app:1"
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def what_it_did(result: dict[str, Any]) -> dict[str, Any]:
    """The counts of what a job changed ({} for an idle round or a failed one)."""
    if not result.get("ok"):
        return {}
    quiet = ("ok", "orders", "left", "waiting", "batches")  # what it looked at, not what it did
    return {k: v for k, v in result.items() if k not in quiet and isinstance(v, int | list) and v is not True and v}


class DeskScheduler:
    """The jobs on timers, acting only while the lease is ours."""

    def __init__(
        self,
        engine: Any,
        clock: Clock,
        *,
        holder: str | None = None,
        interval: int | None = None,
        lease: int | None = None,
        on_round: Callable[[str, dict[str, Any]], None] | None = None,
    ) -> None:
        settings = jobs.scheduler_settings(engine)
        self.given_engine = engine
        self._stop = threading.Event()  # set by shutdown: a running job stops after its batch at hand
        self.engine = jobs.scheduler_engine(engine, stop=self._stop)  # on SQLite its own, with a small page cache
        self.clock = clock
        self.holder = holder or default_holder()
        self.interval = interval or settings.interval
        self.lease = lease or settings.lease
        self.on_round = on_round
        self.leader = False
        self._lock = threading.Lock()
        self._starting = threading.Lock()
        self._first = threading.Thread(target=self.first_round, name="orderdesk-first-round", daemon=True)
        self._scheduler = BackgroundScheduler(
            timezone=UTC,
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )

    # ------------------------------------------------------------------ timers

    def start(self, *, first_round: bool = True) -> None:
        """Take the lease if free and start the timers in a background thread; with `first_round`,
        one round at once too (the desk passes False and calls `start_first_round` once its first
        screen is painted, so that the round's writes do not stand between Enter and his rows)."""
        self.renew()
        self._scheduler.add_job(self.renew, "interval", seconds=max(1, self.lease // 3), id="lease")
        for name in jobs.JOBS:
            # every interval on APScheduler's timers; what the jobs do is decided by `self.clock`
            self._scheduler.add_job(self.run, "interval", args=[name], seconds=self.interval, id=name)
        self._scheduler.start()
        if first_round:
            self.start_first_round()  # and one round at once, not an interval after the desk opened
        log.info("scheduler %s started (%s)", self.holder, "acting" if self.leader else "standing by")

    def shutdown(self) -> None:
        """Stop the timers, wait for a running job to finish its batch at hand, and give the lease up."""
        self._stop.set()
        if self._scheduler.running:
            self._scheduler.shutdown(wait=True)
        if self._first.is_alive():
            self._first.join()
        if self.leader:
            jobs.release(self.engine, holder=self.holder)
            self.leader = False
        if self.engine.pool is not self.given_engine.pool:  # an engine of its own, not the desk's pool
            self.engine.dispose()
        log.info("scheduler %s stopped", self.holder)

    def start_first_round(self) -> None:
        """The first round, in a thread of its own; once (a second call does nothing)."""
        with self._starting:  # not self._lock, which a running job holds: the desk's UI thread calls this
            if self._first.ident is None and self._scheduler.running:
                self._first.start()

    def first_round(self) -> None:
        for name in jobs.JOBS:
            if self._stop.is_set():
                return  # the desk quits: the rest is the next round's, in this desk or another
            self.run(name)

    def job_defaults(self) -> dict[str, Any]:
        return {job.id: {"coalesce": job.coalesce, "max_instances": job.max_instances}
                for job in self._scheduler.get_jobs()}  # fmt: skip

    # ------------------------------------------------------------------ what the timers call

    def renew(self) -> bool:
        """Take or keep the lease; a scheduler that lost it stops acting at once."""
        try:
            leader = jobs.hold(self.engine, self.clock, holder=self.holder, ttl=self.lease)
        except Exception:  # noqa: BLE001  the database may be busy or away for a moment
            log.exception("scheduler %s could not renew its lease", self.holder)
            leader = False
        if leader != self.leader:
            log.info("scheduler %s %s", self.holder, "takes over" if leader else "stands by")
        self.leader = leader
        return leader

    def run(self, name: str) -> dict[str, Any] | None:
        """One job, if this process is the acting scheduler."""
        if not self.leader:
            return None
        with self._lock:  # the jobs of one process never overlap (SQLite has one writer anyway)
            result = jobs.run_job(self.engine, self.clock, name)
        did = what_it_did(result)
        if result.get("ok") and did:
            log.info("%s: %s", name, ", ".join(f"{k} {len(v) if isinstance(v, list) else v}" for k, v in did.items()))
        if self.on_round is not None:
            self.on_round(name, result)
        return result

    def step(self) -> dict[str, Any]:
        """One round as of the clock's time: renew the lease, then every job if it is ours
        (`orderdesk scheduler run --steps`, where a test or a script says what time it is)."""
        leader = self.renew()
        results = {name: self.run(name) for name in jobs.JOBS} if leader else {}
        return {"at": iso(self.clock.now()), "holder": self.holder,
                "leader": leader, "jobs": results}  # fmt: skip
