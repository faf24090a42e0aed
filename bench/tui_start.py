"""How long the desk takes from Enter at sign-in to its first rows, with 1,000,000 orders (run by hand).

    .venv/bin/python bench/tui_start.py [--db /tmp/orderdesk-1m.db]

Builds the database with bench/build_db.py when it is not there (about 10 minutes), then, each in a
fresh process so that memory is its own: a manager (anna) and an admin (james) sign in with the desk's
scheduler thread on and off, as `orderdesk` wires them (cli.main.run_tui: the first round after the first
view is painted). The clock stands at build_db.NOW, the time the orders were made for. The file is upgraded to the
current schema first. The end is his first rows, or for an empty first view its first page read.
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def resident_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def one(db: Path, login: str, scheduler: bool) -> dict[str, object]:
    """One sign-in in this process: seconds from Enter to the first rows, and memory after."""
    from textual.widgets import DataTable

    from bench.build_db import NOW
    from orderdesk.api.desk import Desk
    from orderdesk.clock import FixedClock
    from screens.app import OrderDeskApp
    from screens.base import DeskScreen
    from storage.db import make_engine

    clock = FixedClock(NOW)
    engine = make_engine(str(db))
    app = OrderDeskApp(desk=Desk(engine, clock))
    runner = None
    if scheduler:
        from scheduler.runner import DeskScheduler

        runner = DeskScheduler(engine, clock)
        runner.start(first_round=False)
        app.when_first_view_painted = runner.start_first_round
    result: dict[str, object] = {"login": login, "scheduler": scheduler}

    async def run() -> None:
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            await pilot.press(*login, "enter", *"demo")
            start = time.perf_counter()
            await pilot.press("enter")
            while True:
                screen = app.screen
                tables = screen.query(DataTable) if isinstance(screen, DeskScreen) else []
                # his first rows, or the first page read and empty (an admin has no queue of his own)
                if any(t.row_count for t in tables) or getattr(screen, "page", None) is not None:
                    break
                if time.perf_counter() - start > 120:
                    result["timeout"] = True
                    break
                await asyncio.sleep(0.005)
            result["enter_to_rows_s"] = round(time.perf_counter() - start, 3)
            result["rows"] = max((t.row_count for t in tables), default=0)
            await pilot.pause(0.5)
            result["rss_mb"] = round(resident_mb(), 1)
            await pilot.press("ctrl+q")

    try:
        asyncio.run(run())
    finally:
        if runner is not None:
            runner.shutdown()
    result["peak_rss_mb"] = round(peak_mb(), 1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, default=Path("/tmp/orderdesk-1m.db"))
    parser.add_argument("--one", nargs=2, metavar=("LOGIN", "SCHEDULER"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.db, args.one[0], args.one[1] == "on")))
        return
    if not args.db.exists():
        print(f"building {args.db} (1,000,000 orders) …", file=sys.stderr)
        subprocess.run([sys.executable, str(ROOT / "bench" / "build_db.py"), str(args.db)], check=True)
    # an older file lacks the desk's indexes (0007, 0008): what is measured is the schema of today
    from storage.db import make_engine
    from storage.migrate import upgrade

    upgrade(make_engine(str(args.db)))
    print(f"{'who':<8} {'scheduler':<10} {'Enter→rows':>11} {'rows':>6} {'RSS':>9} {'peak RSS':>9}")
    for login in ("anna", "james"):
        for scheduler in ("off", "on"):
            done = subprocess.run(
                [sys.executable, __file__, "--db", str(args.db), "--one", login, scheduler],
                capture_output=True, text=True, cwd=ROOT,
            )  # fmt: skip
            if done.returncode:
                print(f"{login:<8} {scheduler:<10} failed: {done.stderr.strip().splitlines()[-1:]}")
                continue
            r = json.loads(done.stdout.strip().splitlines()[-1])
            late = " (gave up at 120 s)" if r.get("timeout") else ""
            print(f"{login:<8} {scheduler:<10} {r['enter_to_rows_s']:>10.3f}s {r['rows']:>6} "
                  f"{r['rss_mb']:>6.1f} MB {r['peak_rss_mb']:>6.1f} MB{late}")  # fmt: skip


if __name__ == "__main__":
    main()
