"""The torture workload (issue 17, Deliver 4), shared by tests/test_torture.py and bench/torture.py.

    python -m tests.torture_load run DB [--managers 8 --ops 25 --tickers 2 --ticks 8 --imports 6 --per-file 8]

`run`: one process imports orderdesk once, then forks the workers (a fork is ten times cheaper than a
fresh interpreter on a shared 2-core machine), which start together at a barrier, each with its own
engine: managers signing in and out, turning free and busy, claiming, taking the next order and
advancing theirs through the Desk facade, as desks do; tickers running every scheduler job
(`orderdesk.api.jobs.run_all`); one importer running `orderdesk orders import` on small files. Each
prints what it did (operations, conflicts, refusals, retries, and every unexpected error); the parent
prints them all as one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import tempfile
import time
import traceback
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

os.environ.setdefault("ORDERDESK_PASSWORD_WORK", "4")  # as in tests/conftest.py: cheap test hashes

PASSWORD = "pw"
LIMIT = 3  # at most this many of a manager's orders in "new"
CUSTOMERS = 12  # the importer's customers come back: their managers are bound to them (B1)


def desk_config(managers: int, *, limit: int | None = LIMIT) -> str:
    """One store: new (1 minute: orders turn overdue while the run goes on), work, done; a supervisor
    who is told of late orders; `managers` managers in one processing group, a limit of LIMIT in new."""
    staff = "".join(
        f'\n[[employees]]\nlogin = "m{i}"\nname = "Manager {i}"\nroles = ["manager"]\ngroups = ["all"]\n'
        f'password = "{PASSWORD}"\n'
        for i in range(managers)
    )
    return f"""
[settings]
session_timeout = "2m"

[settings.distribution]
enabled = true
mode = "equal"
check_responsible_online = true
priority = "oldest_first"
max_age = "90d"
{f'workload_limit = {{ statuses = ["new"], max = {limit} }}' if limit else ""}

[[stores]]
code = "shop"
name = "Shop"

[[channels]]
code = "site"
name = "Web site"

[[order_types]]
code = "regular"
name = "Regular"

[[payment_methods]]
code = "card"
name = "Card"

[[delivery_methods]]
code = "pickup"
name = "Pickup"
price = "0.00"

[[groups]]
code = "all"
name = "Everyone"
process_orders = true
stores = ["shop"]

[[employees]]
login = "sup"
name = "Supervisor"
roles = ["supervisor"]
groups = ["all"]
password = "{PASSWORD}"
{staff}
[[stages]]
store = "shop"
code = "new"
name = "New"
time_limit = "1m"

[[stages]]
store = "shop"
code = "work"
name = "In work"
time_limit = "1h"

[[stages]]
store = "shop"
code = "done"
name = "Done"
kind = "final"
"""


def orders_json(numbers: list[str], *, now: datetime, rng: random.Random, ages: tuple[int, int] = (30, 90)) -> str:
    """Orders of the shop, each created `ages` seconds before `now` (by default 30–90 s: some are late
    in "new" at once and some turn late during the run), from a few returning customers."""

    def one(number: str) -> dict[str, Any]:
        c = rng.randrange(CUSTOMERS)
        created = now - timedelta(seconds=rng.randint(*ages))
        return {
            "number": number, "store": "shop", "channel": "site", "type": "regular",
            "created_at": created.isoformat().replace("+00:00", "Z"),
            "customer": {"name": f"Customer {c}", "phone": f"+44 20 7000 {c:04d}"},
            "items": [{"sku": "S-1", "name": "Thing", "qty": 1, "price": "10.00"}],
            "payment_method": "card", "delivery": {"method": "pickup"},
        }  # fmt: skip

    return json.dumps([one(n) for n in numbers])


# ----------------------------------------------------------------------------------- the workers


def _retryable(exc: BaseException) -> bool:
    """A transaction the database gave up on (deadlock, serialization, SQLite busy): the desk tries
    again. SQLAlchemy's error, or the driver's own from storage's bulk writes (they bypass SQLAlchemy)."""
    code = getattr(exc, "sqlstate", None) or getattr(getattr(exc, "orig", None), "sqlstate", None)
    return code in ("40001", "40P01", "55P03") or "database is locked" in str(exc)


FAILED = object()  # what `Tally.attempt` returns for a call that did not go through


class Tally:
    def __init__(self, role: str, name: str) -> None:
        self.role, self.name = role, name
        self.done: Counter[str] = Counter()
        self.conflicts: Counter[str] = Counter()
        self.refused: Counter[str] = Counter()
        self.retries = 0
        self.errors: list[str] = []
        self.assigned_by_passes = 0
        self.seconds = 0.0  # from the start line to the last operation

    def attempt(self, what: str, action: Any) -> Any:
        """Run one desk call and return its value, or FAILED; a retryable failure is tried again (up to
        20 times)."""
        from orderdesk.policy.errors import Conflict, DeskError

        for _ in range(20):
            try:
                value = action()
                self.done[what] += 1
                return value
            except Conflict:
                self.conflicts[what] += 1
                return FAILED
            except DeskError:
                self.refused[what] += 1
                return FAILED
            except Exception as exc:  # noqa: BLE001  reported to the test, which fails on it
                if _retryable(exc):
                    self.retries += 1
                    continue
                self.errors.append(f"{what}: {traceback.format_exc(limit=4)}")
                return FAILED
        self.errors.append(f"{what}: still failing after 20 tries")
        return FAILED

    def as_dict(self) -> dict[str, Any]:
        return {"role": self.role, "name": self.name, "done": dict(self.done), "conflicts": dict(self.conflicts),
                "refused": dict(self.refused), "retries": self.retries, "errors": self.errors,
                "assigned_by_passes": self.assigned_by_passes, "seconds": round(self.seconds, 2)}  # fmt: skip


def _numbers(engine: Any, sql: str, **params: Any) -> list[str]:
    from sqlalchemy import text

    with engine.connect() as connection:
        return [row[0] for row in connection.execute(text(sql), params)]


def manager(engine: Any, login: str, ops: int, rng: random.Random, tally: Tally) -> None:
    from orderdesk.api.desk import Desk
    from orderdesk.clock import SystemClock

    desk = Desk(engine, SystemClock())
    viewer, presence = None, "offline"
    for _ in range(ops):
        if viewer is None:
            viewer = tally.attempt("sign_in", lambda: desk.sign_in(login, PASSWORD, host="torture"))
            if viewer is FAILED:
                viewer = None
            else:
                tally.done["presence_changes"] += presence != "free"  # presence_on_sign_in: free
                presence = "free"
            continue
        roll = rng.random()
        if roll < 0.07:
            if tally.attempt("sign_out", lambda v=viewer: desk.sign_out(v)) is not FAILED:
                tally.done["presence_changes"] += presence != "offline"
                viewer, presence = None, "offline"
        elif roll < 0.27:
            status = "busy" if presence == "free" else "free"
            given = tally.attempt("set_presence", lambda s=status, v=viewer: desk.set_presence(v, s))
            if given is not FAILED:
                tally.done["presence_changes"] += 1
                tally.assigned_by_passes += given
                presence = status
        elif roll < 0.5:
            pool = _numbers(engine, "SELECT number FROM orders WHERE manager_id IS NULL AND is_open = true")
            if pool:
                number = rng.choice(pool)
                tally.attempt("claim", lambda n=number, v=viewer: desk.claim(v, n))
        elif roll < 0.62:
            tally.attempt("take_next", lambda v=viewer: desk.take_next(v))
        else:
            mine = _numbers(
                engine,
                "SELECT o.number FROM orders o JOIN employee e ON e.id = o.manager_id "
                "WHERE e.login = :login AND o.is_open = true ORDER BY o.id",
                login=login,
            )
            if mine:
                number = rng.choice(mine)
                tally.attempt("advance", lambda n=number, v=viewer: desk.advance(v, n))


def ticker(engine: Any, ticks: int, tally: Tally) -> None:
    from orderdesk.api.jobs import run_all
    from orderdesk.clock import SystemClock

    for _ in range(ticks):
        results = run_all(engine, SystemClock())
        tally.done["ticks"] += 1
        for name, result in results.items():
            if result.get("ok"):
                tally.done[f"{name}_runs"] += 1
                if name == "distribute":
                    tally.assigned_by_passes += result["assigned"]
            elif "Conflict" in result["error"]:
                tally.conflicts[name] += 1
            elif any(word in result["error"] for word in ("deadlock", "could not serialize", "database is locked")):
                tally.retries += 1  # the next tick does it again
            else:
                tally.errors.append(f"{name}: {result['error']}")


def importer(db: str, imports: int, per_file: int, rng: random.Random, tally: Tally) -> None:
    from orderdesk.cli.main import State, app

    folder = Path(tempfile.mkdtemp(prefix="torture-import-"))
    previous: list[str] = []
    for k in range(imports):
        numbers = [f"T-{k:03d}-{j:02d}" for j in range(per_file)] + previous[:1]  # one number already there
        path = folder / f"orders-{k}.json"
        path.write_text(orders_json(numbers, now=datetime.now(UTC), rng=rng))

        def run(path: Path = path) -> None:
            try:
                app(["--db", db, "orders", "import", str(path)], obj=State(), standalone_mode=False)
            except SystemExit as exc:
                if exc.code:
                    raise RuntimeError(f"orders import exited {exc.code}") from exc

        if tally.attempt("import", run) is not FAILED:
            tally.done["imported_orders"] += per_file
        previous = numbers


def _worker(kind: str, index: int, args: argparse.Namespace, barrier: Any, results: Any) -> None:
    import contextlib
    import io

    from storage.db import make_engine

    tally = Tally(kind, f"m{index}" if kind == "manager" else f"{kind}{index}")
    rng = random.Random(args.seed * 1000 + index + (100 if kind != "manager" else 0))
    engine = make_engine(args.db)
    try:
        with engine.connect():
            pass  # connected before the start line: all begin at once
        barrier.wait(timeout=120)
        started = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):  # the import's report is not the run's output
            if kind == "manager":
                manager(engine, tally.name, args.ops, rng, tally)
            elif kind == "ticker":
                ticker(engine, args.ticks, tally)
            else:
                importer(args.db, args.imports, args.per_file, rng, tally)
        tally.seconds = time.perf_counter() - started
    except Exception:  # noqa: BLE001
        tally.errors.append(traceback.format_exc(limit=6))
    finally:
        engine.dispose()
        results.put(tally.as_dict())


def run(args: argparse.Namespace) -> dict[str, Any]:
    import multiprocessing

    import orderdesk.api.desk  # noqa: F401  imported once here, before the fork
    import orderdesk.api.jobs  # noqa: F401
    import orderdesk.cli.main  # noqa: F401
    import orderdesk.usecases.import_orders  # noqa: F401
    import orderdesk.usecases.sweeps  # noqa: F401
    import orderdesk.usecases.take_next  # noqa: F401

    context = multiprocessing.get_context("fork")
    kinds = [("manager", i) for i in range(args.managers)] + [("ticker", i) for i in range(args.tickers)]
    kinds += [("importer", 0)] if args.imports else []
    barrier, results = context.Barrier(len(kinds)), context.Queue()
    procs = [context.Process(target=_worker, args=(k, i, args, barrier, results)) for k, i in kinds]
    for proc in procs:
        proc.start()
    workers = [results.get(timeout=600) for _ in procs]
    for proc in procs:
        proc.join()
    return {"workers": sorted(workers, key=lambda w: (w["role"], w["name"]))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run")
    r.add_argument("db")
    r.add_argument("--managers", type=int, default=8)
    r.add_argument("--ops", type=int, default=25)
    r.add_argument("--tickers", type=int, default=2)
    r.add_argument("--ticks", type=int, default=8)
    r.add_argument("--imports", type=int, default=6)
    r.add_argument("--per-file", type=int, default=8)
    r.add_argument("--seed", type=int, default=17)
    args = parser.parse_args()
    print(json.dumps(run(args)))


if __name__ == "__main__":
    main()
