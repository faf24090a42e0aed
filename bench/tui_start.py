"""How long the desk takes from Enter at sign-in to its first rows with 1,000,000 orders, and how much
memory it holds, with its scheduler thread off and on (run by hand).

    .venv/bin/python bench/tui_start.py [--db /tmp/orderdesk-1m.db] [--runs 3]

`--db` is read, never written: it is upgraded to the current schema once into `--work`'s pristine copy
(built with bench/build_db.py when it is not there, about 3 minutes), and every run starts from a
fresh copy of that, because sign-in and the scheduler's first round write (the round flags every
order late at build_db.NOW: tens of thousands in the 1,000,000-order build). Each run is a fresh
process, so that its memory is its own: a manager (anna) and an admin (james) sign in, with the
scheduler wired as `orderdesk` wires it (cli.main.run_tui: its own engine, the first round once the
first view has shown its first rows, OrdersChanged after a round that changed something). The clock
stands at build_db.NOW. Cases are alternated run by run (the machine is shared: figures are noisy).

The end is his first rows, or for an empty first view its first page read and drawn. Resident memory
is taken once the first round is over (scheduler on) or 2 s after the rows (off); peak is the
process's maximum resident set. Prints figures beside the targets; checks that the first round
flagged every late order; asserts nothing about times.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if (
    "--one" in sys.argv and "--code" in sys.argv
):  # a run of another checkout's orderdesk (say the commit before a change), this benchmark
    ROOT = Path(sys.argv[sys.argv.index("--code") + 1]).resolve()
sys.path.insert(0, str(ROOT))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))

FIRST_ROWS_TARGET = 1.5  # seconds, issue 18 (DESIGN §4 says 1 s)
MEMORY_TARGET = 200.0  # MB resident, scheduler on
ROUND_LIMIT = 600.0  # seconds a first round may take before the run gives up on it


def resident_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def late_at_now(db: Path) -> int:
    """Open orders past their stage's limit and not flagged yet, at build_db.NOW."""
    from bench.build_db import NOW, naive

    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
        return con.execute(
            "SELECT count(*) FROM orders WHERE is_open AND NOT overdue AND stage_due_at <= ?", (naive(NOW),)
        ).fetchone()[0]


def one(db: Path, login: str, scheduler: bool) -> dict[str, Any]:
    """One sign-in in this process: seconds from Enter to the first rows, and memory."""
    from textual.widgets import DataTable

    import orderdesk.api.jobs as jobs
    from bench.build_db import NOW
    from orderdesk.api.desk import Desk
    from orderdesk.clock import FixedClock
    from screens.app import OrderDeskApp
    from screens.base import DeskScreen
    from screens.messages import JobFailed, OrdersChanged
    from storage.db import make_engine

    clock = FixedClock(NOW)
    engine = make_engine(str(db))
    if hasattr(jobs, "with_page_cache"):  # as cli.main.run_tui (an older checkout has none)
        engine = jobs.with_page_cache(engine, jobs.DESK_CACHE_MIB)
    app = OrderDeskApp(desk=Desk(engine, clock))
    result: dict[str, Any] = {"login": login, "scheduler": scheduler}
    runner = None
    round_started = threading.Event()
    jobs_done: dict[str, Any] = {}
    if scheduler:
        from scheduler.runner import DeskScheduler, what_it_did

        def told(job: str, outcome: dict[str, Any]) -> None:  # as cli.main.run_tui
            jobs_done.setdefault(job, outcome)  # the first round's
            if not outcome.get("ok"):
                app.post_message(JobFailed(job, str(outcome.get("error"))))
            elif what_it_did(outcome):
                app.post_message(OrdersChanged())

        runner = DeskScheduler(engine, clock, on_round=told)
        runner.start(first_round=False)

        def first_round() -> None:
            result["round_after_enter_s"] = round(time.perf_counter() - started, 3)
            round_started.set()
            runner.start_first_round()

        app.when_first_view_painted = first_round
    started = 0.0

    async def run() -> None:
        nonlocal started
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            await pilot.press(*login, "enter", *"demo")
            await pilot.pause(1.0)  # he types his password for a second or so: the desk is idle meanwhile
            started = time.perf_counter()
            await pilot.press("enter")
            while True:
                screen = app.screen
                tables = list(screen.query(DataTable)) if isinstance(screen, DeskScreen) else []
                # his first rows, or the first page read and empty (the demo's people have no orders here)
                if any(t.row_count for t in tables) or getattr(screen, "page", None) is not None:
                    break
                if time.perf_counter() - started > 120:
                    result["timeout"] = True
                    break
                await asyncio.sleep(0.005)
            await pilot.pause()  # drawn
            result["enter_to_rows_s"] = round(time.perf_counter() - started, 3)
            result["rows"] = max((t.row_count for t in tables), default=0)
            if runner is None:
                await pilot.pause(2.0)
            else:
                t0 = time.perf_counter()
                while time.perf_counter() - t0 < ROUND_LIMIT and not (
                    round_started.is_set() and runner._first.ident is not None and not runner._first.is_alive()
                ):
                    await asyncio.sleep(0.1)
                result["round_s"] = round(time.perf_counter() - t0, 1)
                await pilot.pause(1.0)  # the desk reads again after the round's OrdersChanged
            result["rss_mb"] = round(resident_mb(), 1)
            await pilot.press("ctrl+q")

    try:
        asyncio.run(run())
    finally:
        if runner is not None:
            runner.shutdown()
    result["peak_rss_mb"] = round(peak_mb(), 1)
    if jobs_done:
        result["overdue"] = {k: v for k, v in jobs_done.get("overdue", {}).items() if k != "orders"}
    return result


def prepare(source: Path, pristine: Path) -> None:
    """`pristine`: a copy of `source` at the current schema (the source is never written)."""
    if not source.exists():
        print(f"building {source} (1,000,000 orders) …", file=sys.stderr)
        subprocess.run([sys.executable, str(ROOT / "bench" / "build_db.py"), str(source)], check=True)
    fresh_copy(source, pristine)
    from storage.db import make_engine
    from storage.migrate import upgrade

    engine = make_engine(str(pristine))
    upgrade(engine)
    engine.dispose()
    with sqlite3.connect(pristine) as con:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def fresh_copy(source: Path, target: Path) -> None:
    for suffix in ("-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(source, target)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, default=Path("/tmp/orderdesk-1m.db"), help="read only")
    parser.add_argument("--work", type=Path, default=Path("/tmp/tui-start"), help="where the copies go")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", help=argparse.SUPPRESS)  # "james:on": one case
    parser.add_argument(
        "--code",
        type=Path,
        action="append",
        default=[],
        help="also run the desk of this checkout (the figures of each side by side)",
    )
    parser.add_argument("--one", nargs=2, metavar=("LOGIN", "SCHEDULER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.db, args.one[0], args.one[1] == "on")))
        return
    from bench.figures import spread, verdict
    from orderdesk.usecases.sweeps import BATCH

    args.work.mkdir(parents=True, exist_ok=True)
    pristine, run_db = args.work / "pristine.db", args.work / "run.db"
    prepare(args.db, pristine)
    late = late_at_now(pristine)
    print(f"{args.db}: {late:,} orders late at build_db.NOW for the first round to flag "
          f"(batches of {BATCH:,}); {args.runs} fresh processes per case, cases alternated")  # fmt: skip
    codes = [ROOT, *[c.resolve() for c in args.code]]
    cases = [(code, login, sched) for login in ("anna", "james") for sched in ("off", "on") for code in codes]
    if args.only:
        login, sched = args.only.split(":")
        cases = [(code, login, sched) for code in codes]
    runs: dict[tuple[Path, str, str], list[dict[str, Any]]] = {case: [] for case in cases}
    for n in range(args.runs):
        for code, login, sched in cases:
            fresh_copy(pristine, run_db)
            done = subprocess.run(
                [sys.executable, __file__, "--code", str(code), "--db", str(run_db), "--one", login, sched],
                capture_output=True, text=True, cwd=code,
            )  # fmt: skip
            if done.returncode:
                print(f"{code.name} {login} {sched} run {n + 1} failed: {done.stderr.strip().splitlines()[-3:]}")
                continue
            r = json.loads(done.stdout.strip().splitlines()[-1])
            if sched == "on":
                r["late_left"] = late_at_now(run_db)
            runs[code, login, sched].append(r)
            extra = (f", first round started {r.get('round_after_enter_s')} s after Enter, took {r['round_s']} s, "
                     f"{r['late_left']} late left" if sched == "on" else "")  # fmt: skip
            print(f"  run {n + 1} {code.name:<10} {login:<6} scheduler {sched:<3}: {r['enter_to_rows_s']:.3f} s "
                  f"to rows, {r['rss_mb']:.0f} MB resident, {r['peak_rss_mb']:.0f} MB peak{extra}", flush=True)  # fmt: skip
    print()
    print(f"{'code':<10} {'who':<6} {'sched':<5} {'Enter → first rows (target < 1.5 s)':<48} "
          f"{'resident':<30} {'peak (target < 200 MB with scheduler)':<40}")  # fmt: skip
    for (code, login, sched), rs in runs.items():
        if not rs:
            continue
        times = [r["enter_to_rows_s"] for r in rs]
        rss, peak = [r["rss_mb"] for r in rs], [r["peak_rss_mb"] for r in rs]
        med = sorted(times)[len(times) // 2]
        mem = "" if sched == "off" else f" {verdict(max(peak), MEMORY_TARGET)}"
        print(f"{code.name:<10} {login:<6} {sched:<5} {spread(times) + ' ' + verdict(med, FIRST_ROWS_TARGET):<48} "
              f"{spread(rss, unit='MB'):<30} {spread(peak, unit='MB') + mem}")  # fmt: skip
        for r in rs:
            if r.get("late_left"):
                print(f"    the first round left {r['late_left']} late orders unflagged: {r.get('overdue')}")
            if r.get("timeout"):
                print("    gave up waiting for the rows at 120 s")


if __name__ == "__main__":
    main()
