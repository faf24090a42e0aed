"""The scheduler's sweeps at two sizes (run by hand; DESIGN §4: cost follows the due orders).

    .venv/bin/python bench/sweep.py                 # 100,000 and 1,000,000 orders, 1% due
    .venv/bin/python bench/sweep.py --sizes 100000  # one size

For each size: a database from bench/build_db.py; every open order already flagged (swept before),
then 1% of all orders made due — open in the print shop's "sent" stage, past their stage limit and
past their timed move to "at pickup point". Timed: one overdue sweep (flags them, queues the
supervisors' and admins' notifications, audits) and one timed-move pass (moves them, audits), each
through the job the scheduler runs, on a fresh copy of the database.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sqlite3
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.build_db import NOW, build, naive  # noqa: E402
from orderdesk.api import jobs  # noqa: E402
from orderdesk.clock import FixedClock  # noqa: E402
from storage.db import make_engine  # noqa: E402


def prepare(base: Path, target: Path, *, count: int, seed: int) -> int:
    for stale in (target.with_name(target.name + "-wal"), target.with_name(target.name + "-shm")):
        stale.unlink(missing_ok=True)  # a WAL left by an interrupted run would corrupt the fresh copy
    shutil.copyfile(base, target)
    con = sqlite3.connect(target)
    cur = con.cursor()
    print_store = cur.execute("SELECT id FROM store WHERE code = 'print'").fetchone()[0]
    cur.execute("UPDATE orders SET overdue = 1 WHERE is_open = 1")
    cur.execute("UPDATE orders SET move_due_at = NULL, notice_due_at = NULL")
    ids = [r[0] for r in cur.execute("SELECT id FROM orders")]
    due = random.Random(seed).sample(ids, count)
    past = NOW - timedelta(minutes=1)
    cur.executemany(
        "UPDATE orders SET store_id = ?, status = 'sent', is_open = 1, overdue = 0, status_entered_at = ?, "
        "stage_due_at = ?, move_due_at = ?, notice_due_at = NULL WHERE id = ?",
        [(print_store, naive(past - timedelta(weeks=4)), naive(past), naive(past), i) for i in due],
    )
    con.commit()
    con.execute("ANALYZE")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return len(due)


def timed(db: Path, job: str) -> tuple[float, dict[str, object]]:
    engine = make_engine(str(db))
    try:
        started = time.perf_counter()
        result = jobs.run_job(engine, FixedClock(NOW), job)
        return time.perf_counter() - started, result
    finally:
        engine.dispose()


def left_due(db: Path, job: str) -> int:
    """What the job should have written and did not (checked in the database, not in its report)."""
    con = sqlite3.connect(db)
    try:
        if job == "overdue":
            sql = "SELECT count(*) FROM orders WHERE overdue = 0 AND is_open = 1 AND stage_due_at <= ?"
        else:
            sql = "SELECT count(*) FROM orders WHERE move_due_at <= ?"
        return con.execute(sql, (naive(NOW),)).fetchone()[0]
    finally:
        con.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--share", type=float, default=0.01, help="share of stored orders that is due")
    parser.add_argument("--dir", type=Path, default=Path("/tmp/orderdesk-bench"))
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    same = int(min(args.sizes) * args.share)  # the same due orders at every size, and 1% of each size
    figures: dict[tuple[int, int, str], float] = {}
    for size in args.sizes:
        base = args.dir / f"sweep-{size}.db"
        if not base.exists():
            build(base, orders=size, customers=max(1000, size // 10), managers=200, pending=0.0, open_=0.05,
                  seed=2026)  # fmt: skip
        for count in sorted({same, int(size * args.share)}):
            for job in ("overdue", "timed_moves"):
                work = args.dir / "sweep-work.db"
                due = prepare(base, work, count=count, seed=size)
                seconds, result = timed(work, job)
                if not result.get("ok") or result.get("done") != due or left_due(work, job):
                    raise SystemExit(f"{job} at {size:,}: expected {due} done, got {result}, "
                                     f"{left_due(work, job)} still due")  # fmt: skip
                figures[size, count, job] = seconds
                print(f"{size:>9,} stored, {due:>6,} due: {job:<11} {seconds:6.2f} s  "
                      f"({seconds / due * 1e6:5.0f} µs per due order; {result.get('notified', 0):,} notifications)")  # fmt: skip
    if len(args.sizes) > 1:
        small, large = min(args.sizes), max(args.sizes)
        for job in ("overdue", "timed_moves"):
            ratio = figures[large, same, job] / figures[small, same, job]
            print(f"{job}: {same:,} due among {small:,} stored {figures[small, same, job]:.2f} s, among {large:,} "
                  f"stored {figures[large, same, job]:.2f} s (ratio {ratio:.2f}; 1.00 = cost follows the due orders)")  # fmt: skip


if __name__ == "__main__":
    main()
