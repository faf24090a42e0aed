"""Distribution benchmark (run by hand; prints a table). Targets in DESIGN.md §4.

    .venv/bin/python bench/distribution.py [--pending 100000] [--stored 1000000] [--skip-latency]

(a) A backlog of `--pending` orders across 200 managers in 20 order-processing groups (3 stores,
    5 channels), everyone logged in and free, no workload limit: the time of one full
    `distribute_pending` pass (decisions + writes + commit), and in the same run the time of a
    bare sqlite3 executemany doing the same row writes (the order UPDATEs, the managers' and
    customers' UPDATEs, the audit INSERTs carrying the traces) on a copy of the same file; the ratio of rates.
(b) With `--stored` orders in the database, p50/p99 latency of `create_order` for one arriving
    order, including its distribution and the commit.
(c) Peak memory (max RSS) of this process after (a).
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
GROUPS = 20


def build(path: Path, *, orders: int, pending_share: float, open_share: float) -> None:
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "build_db.py"), str(path), "--orders", str(orders),
         "--pending", str(pending_share), "--open", str(open_share), "--managers", "200"],
        check=True, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    con = sqlite3.connect(path)
    stores = [r[0] for r in con.execute("SELECT id FROM store ORDER BY id")]
    channels = [r[0] for r in con.execute("SELECT id FROM channel ORDER BY id")]
    managers = [r[0] for r in con.execute("SELECT id FROM employee WHERE login LIKE 'm____' ORDER BY id")]
    con.execute("DELETE FROM employee_group WHERE employee_id IN (SELECT id FROM employee WHERE login LIKE 'm____')")
    for g in range(GROUPS):
        cur = con.execute(
            "INSERT INTO user_group (code, name, process_orders) VALUES (?, ?, 1)", (f"b{g}", f"Bench {g}")
        )
        gid = cur.lastrowid
        con.execute("INSERT INTO group_store (group_id, store_id) VALUES (?, ?)", (gid, stores[g % len(stores)]))
        for c in channels[g % 2 :: 2] if g >= len(stores) * 2 else []:
            con.execute("INSERT INTO group_channel (group_id, channel_id) VALUES (?, ?)", (gid, c))
        con.executemany(
            "INSERT INTO employee_group (employee_id, group_id) VALUES (?, ?)",
            [(m, gid) for m in managers[g::GROUPS]],
        )
    now = NOW.replace(tzinfo=None).isoformat(sep=" ")
    con.executemany(
        "INSERT INTO login_session (employee_id, started_at, heartbeat_at, host) VALUES (?, ?, ?, 'bench')",
        [(m, now, now) for m in managers],
    )
    con.execute("UPDATE employee SET presence = 'free' WHERE id IN ({})".format(",".join(map(str, managers))))
    con.execute("DELETE FROM setting WHERE key = 'distribution.workload_limit'")
    con.execute("INSERT INTO setting (key, value) VALUES ('distribution.workload_limit', 'null')")
    con.commit()
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()


def run_pass(path: Path) -> tuple[float, int, int]:
    from orderdesk.clock import FixedClock
    from orderdesk.usecases.assignment import distribute_pending
    from storage.db import make_engine, write_session

    engine = make_engine(str(path))
    started = time.perf_counter()
    with write_session(engine) as session:
        result = distribute_pending(session=session, clock=FixedClock(NOW))
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed, len(result.assigned), result.left


def bare_writes(done: Path, copy: Path, *, foreign_keys: bool) -> tuple[float, int]:
    """The same row writes the pass made, replayed with bare sqlite3 executemany on the copy, with
    orderdesk's connection settings (WAL, synchronous NORMAL, 64 MiB cache, and foreign keys checked
    or not: checking them doubles the cost of setting orders.manager_id)."""
    src = sqlite3.connect(done)
    orders = src.execute("SELECT id, manager_id FROM orders WHERE manager_id IS NOT NULL AND is_open = 1").fetchall()
    employees = src.execute("SELECT id, last_assigned_at FROM employee WHERE last_assigned_at IS NOT NULL").fetchall()
    dst_customers = dict(sqlite3.connect(copy).execute("SELECT id, manager_id FROM customer").fetchall())
    customers = [
        (m, c) for c, m in src.execute("SELECT id, manager_id FROM customer").fetchall() if dst_customers.get(c) != m
    ]
    audits = src.execute(
        "SELECT at, actor_id, rule, order_id, action, before, after FROM audit_event WHERE action = 'order.assigned'"
    ).fetchall()
    src.close()
    con = sqlite3.connect(copy, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    con.execute("PRAGMA cache_size=-65536")  # as orderdesk's connections
    con.execute(f"PRAGMA foreign_keys={int(foreign_keys)}")
    started = time.perf_counter()
    con.execute("BEGIN IMMEDIATE")
    con.executemany("UPDATE orders SET manager_id = ? WHERE id = ? AND manager_id IS NULL", [(m, o) for o, m in orders])
    con.executemany("UPDATE employee SET last_assigned_at = ? WHERE id = ?", [(at, e) for e, at in employees])
    con.executemany("UPDATE customer SET manager_id = ? WHERE id = ?", customers)
    con.executemany(
        "INSERT INTO audit_event (at, actor_id, rule, order_id, action, before, after) VALUES (?, ?, ?, ?, ?, ?, ?)",
        audits,
    )
    con.execute("COMMIT")
    elapsed = time.perf_counter() - started
    con.close()
    return elapsed, len(orders) + len(employees) + len(customers) + len(audits)


def create_latency(db: str, runs: int) -> dict[str, float | int]:
    """`runs` orders arriving one at a time through `create_order` (with their distribution and the
    commit) on `db` (a SQLite path or a PostgreSQL URL) with many stored: the p50, p99 and max in
    seconds, the SQL statements each sent (median: those through SQLAlchemy counted by a
    `before_cursor_execute` listener, and the executemany that `storage.writes.BulkWriter` sends
    straight to the driver, one each), and
    how many were assigned (all of them, or the figure times the "nobody free" path). `cpu_p50` and
    `cpu_p99`: the same of this process's CPU time (what other processes on a busy machine take of
    the cores does not count in it; waiting for the disk neither).

    The clock steps one second per order; the managers' desks keep their logins alive as a desk
    does, by a heartbeat (every 30 seconds of the clock, outside the timed part), so that no
    login expires (`session_timeout`) in the middle of the run."""
    from sqlalchemy import event, text

    from bench.figures import percentile
    from orderdesk.clock import FixedClock
    from orderdesk.files.orders_file import OrderIn
    from orderdesk.usecases.create_order import create_order
    from storage import writes
    from storage.db import make_engine, write_session

    heartbeat = 30  # seconds of the clock between two heartbeats of the desks
    engine = make_engine(db)
    clock = FixedClock(NOW)
    times, cpus, statements = [], [], []
    assigned = 0
    sent = 0

    @event.listens_for(engine, "before_cursor_execute")
    def _count(*_args: object) -> None:
        nonlocal sent
        sent += 1

    straight = writes.BulkWriter.many

    def many(self: writes.BulkWriter, sql: str, rows: Any) -> int:
        nonlocal sent
        sent += bool(rows)
        return straight(self, sql, rows)

    writes.BulkWriter.many = many  # type: ignore[method-assign]

    for n in range(runs):
        order = OrderIn.model_validate({
            "number": f"LAT-{n:05d}", "store": "home", "channel": "site", "type": "regular",
            "created_at": NOW.isoformat(), "payment_method": "card", "delivery": {"method": "courier"},
            "customer": {"name": f"Latency {n}", "phone": f"+44 7000 {n:06d}"},
            "items": [{"sku": "RK-2", "name": "Rake", "qty": 1, "price": "12.50"}],
        })  # fmt: skip
        clock.advance(timedelta(seconds=1))
        if n % heartbeat == 0:  # the desks' heartbeats (not timed, not counted)
            with engine.begin() as connection:
                connection.execute(text("UPDATE login_session SET heartbeat_at = :now"), {"now": clock.now()})
        sent = 0
        started, cpu = time.perf_counter(), time.process_time()
        with write_session(engine) as session:
            created = create_order(session=session, clock=clock, order=order)
            assigned += created.manager_id is not None
        times.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
        statements.append(sent)
    event.remove(engine, "before_cursor_execute", _count)
    writes.BulkWriter.many = straight  # type: ignore[method-assign]
    engine.dispose()
    return {"p50": statistics.median(times), "p99": percentile(times, 0.99), "max": max(times),
            "statements": statistics.median(statements), "assigned": assigned, "runs": runs,
            "cpu_p50": statistics.median(cpus), "cpu_p99": percentile(cpus, 0.99)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pending", type=int, default=100_000)
    parser.add_argument("--stored", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--skip-latency", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base, done = Path(tmp) / "base.db", Path(tmp) / "pass.db"
        build(base, orders=args.pending, pending_share=1.0, open_share=0.0)
        shutil.copyfile(base, done)
        elapsed, assigned, left = run_pass(done)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"(a) backlog pass: {args.pending:,} pending, 200 managers in {GROUPS} groups")
        print(f"    distribute_pending            {elapsed:7.2f} s   {assigned:,} assigned, {left:,} left   "
              f"{assigned / elapsed:,.0f} orders/s")  # fmt: skip
        for fk in (True, False):
            copy = Path(tmp) / f"bare-{fk}.db"
            shutil.copyfile(base, copy)
            bare, rows = bare_writes(done, copy, foreign_keys=fk)
            label = f"bare writes, foreign keys {'on ' if fk else 'off'}"
            print(f"    {label:29} {bare:7.2f} s   {rows:,} rows   {assigned / bare:,.0f} orders/s   "
                  f"ratio {bare / elapsed:.2f}")  # fmt: skip
        print("    targets: pass < 3 s; ratio of rates ≥ 0.5")
        print(f"(c) peak memory after (a): {peak:.0f} MB (target < 200 MB)")
        if not args.skip_latency:
            big = Path(tmp) / "big.db"
            build(big, orders=args.stored, pending_share=0.02, open_share=0.05)
            got = create_latency(str(big), args.runs)
            print(f"(b) create_order with {args.stored:,} stored, {args.runs} orders: "
                  f"p50 {got['p50'] * 1000:.2f} ms, p99 {got['p99'] * 1000:.2f} ms, max {got['max'] * 1000:.2f} ms, "
                  f"{got['assigned']}/{got['runs']} assigned (target p99 < 5 ms, p50 < 2 ms)")  # fmt: skip
    print(json.dumps({"machine": "python (2 cores)", "date": NOW.date().isoformat()}))


if __name__ == "__main__":
    main()
