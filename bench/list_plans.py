"""The query plans of every list the desk and the scripts read (run by hand; issue 18 Deliver 3).

    .venv/bin/python bench/list_plans.py /tmp/big.db [--all]

Runs each list command (in-process, as `orderdesk ...` would) and each desk list (api.desk.Desk) on a
SQLite database, catches every SELECT it sends, and prints SQLite's EXPLAIN QUERY PLAN of each one
that sorts for want of an index (`USE TEMP B-TREE FOR ORDER BY`) or reads orders / audit_event whole
(`SCAN orders`, `SCAN audit_event`), with the time each list took; `--all` prints every plan.
tests/test_list_plans.py checks the same on a small database with statistics.
"""

from __future__ import annotations

import argparse
import re
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

# the tables that grow with the orders: a page of one of them is read in an index's order
BIG = ("orders", "audit_event", "order_item", "customer", "task", "rule_log", "notification", "task_schedule")
SCANNED = ("orders", "audit_event")  # never read whole for a page


def bad_lines(statement: str, plan: list[str]) -> list[str]:
    """The lines of a page's plan (a SELECT with a LIMIT) that sort rows of a big table for want of an
    index, or read orders / audit_event whole. `SCAN orders USING INDEX ...` is a walk in the index's
    order that stops at the limit, which is what a page should be; sorting the few groups of an
    aggregate, or a handful of stores, is not the problem either."""
    found = []
    paged = " LIMIT " in statement.upper()
    if any("(order_id=?)" in line for line in plan):  # one order's own rows (its history, tasks): a handful
        return [line for line in plan if re.match(r"\s*SCAN (orders|audit_event)$", line.strip())]
    big = any(re.search(rf"\b(SCAN|SEARCH) {t}\b", line) for line in plan for t in BIG)
    grouped = " GROUP BY " in statement.upper() and "OVER (" not in statement.upper()
    for line in plan:
        sorts = "USE TEMP B-TREE FOR ORDER BY" in line and paged and big and not grouped
        if sorts or any(re.match(rf"\s*SCAN {t}$", line.strip()) for t in SCANNED):
            found.append(line)
    return found


def explain(con: sqlite3.Connection, statement: str, parameters: Any) -> list[str]:
    rows = con.execute("EXPLAIN QUERY PLAN " + statement, parameters or ()).fetchall()
    return [row[-1] for row in rows]


def timed(con: sqlite3.Connection, statement: str, parameters: Any) -> float:
    started = time.perf_counter()
    con.execute(statement, parameters or ()).fetchall()
    return time.perf_counter() - started


@contextmanager
def caught() -> Iterator[list[tuple[str, Any]]]:
    """Every SELECT sent through SQLAlchemy meanwhile, with its parameters."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    statements: list[tuple[str, Any]] = []

    def before(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            statements.append((statement, parameters))

    event.listen(Engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(Engine, "before_cursor_execute", before)


def cli_cases(number: str, limit: int | None = None) -> list[tuple[str, list[str]]]:
    """Each list command with each of its filters (`limit`: a shorter page than each one's default)."""
    cases = [
        ("orders list", ["orders", "list", "--json"]),
        ("orders list (people)", ["orders", "list"]),
        ("orders list --status new", ["orders", "list", "--status", "new", "--json"]),
        ("orders list --status cancelled", ["orders", "list", "--status", "cancelled", "--json"]),
        ("orders list --manager anna", ["orders", "list", "--manager", "anna", "--json"]),
        ("orders list --unassigned", ["orders", "list", "--unassigned", "--json"]),
        ("orders list --overdue", ["orders", "list", "--overdue", "--json"]),
        ("orders list --store home", ["orders", "list", "--store", "home", "--json"]),
        ("orders list --store home --status new", ["orders", "list", "--store", "home", "--status", "new", "--json"]),
        ("orders list --manager anna --store dom", ["orders", "list", "--manager", "anna", "--store", "dom"]),
        ("orders show", ["orders", "show", number, "--json"]),
        ("stats", ["stats", "--json"]),
        ("audit", ["audit", "--json"]),
        ("audit --order", ["audit", "--order", number, "--json"]),
        ("tasks list", ["tasks", "list", "--json"]),
        ("tasks list --all", ["tasks", "list", "--all", "--json"]),
        ("tasks list --overdue", ["tasks", "list", "--overdue", "--json"]),
        ("tasks list --assignee anna", ["tasks", "list", "--assignee", "anna", "--json"]),
        ("tasks list --assignee anna --all", ["tasks", "list", "--assignee", "anna", "--all", "--json"]),
        ("tasks list --order", ["tasks", "list", "--order", number, "--json"]),
        ("rules log", ["rules", "log", "--json"]),
        ("rules log --order", ["rules", "log", "--order", number, "--json"]),
        ("rules list", ["rules", "list", "--json"]),
        ("notifications list", ["notifications", "list", "--json"]),
        ("notifications list --to anna", ["notifications", "list", "--to", "anna", "--json"]),
        ("notifications list --state pending", ["notifications", "list", "--state", "pending", "--json"]),
        ("users list", ["users", "list", "--json"]),
        ("pipeline list", ["pipeline", "list", "home", "--json"]),
        ("automoves list", ["automoves", "list", "home", "--json"]),
        ("settings show", ["settings", "show", "--json"]),
    ]
    if limit is None:
        return cases
    paged = ("orders list", "audit", "rules log", "notifications list")
    return [(label, [*argv, "--limit", str(limit)] if label.startswith(paged) else argv) for label, argv in cases]


def run_cli(db: str, args: list[str]) -> None:
    from typer.testing import CliRunner

    from orderdesk.cli.core import State
    from orderdesk.cli.main import app

    result = CliRunner().invoke(app, ["--db", db, *args], obj=State())
    if result.exit_code != 0:
        raise RuntimeError(f"orderdesk {' '.join(args)}: exit {result.exit_code}: {result.output[-300:]}")


def desk_cases(desk: Any, viewers: dict[str, Any]) -> list[tuple[str, Callable[[], Any]]]:
    admin, supervisor = viewers["admin"][0], viewers["supervisor"][0]
    cases: list[tuple[str, Callable[[], Any]]] = []
    for who, (viewer, number) in viewers.items():
        cases += [
            (f"{who}: orders refresh", lambda v=viewer: desk.orders_refresh(v)),
            (f"{who}: orders page", lambda v=viewer: desk.orders_page(v)),
            (f"{who}: header", lambda v=viewer: desk.header_facts(v)),
            (f"{who}: stage board", lambda v=viewer: desk.stage_board(v)),
            (f"{who}: inbox", lambda v=viewer: desk.inbox_page(v)),
            (f"{who}: tasks", lambda v=viewer: desk.my_tasks(v)),
            (f"{who}: tasks (all)", lambda v=viewer: desk.my_tasks(v, every=True)),
            *([(f"{who}: order screen", lambda v=viewer, n=number: desk.order_screen(v, n))] if number else []),
            (f"{who}: undistributed", lambda v=viewer: desk.undistributed(v)),
        ]
        for sort in ("urgency", "newest", "oldest", "total"):
            cases.append((f"{who}: my queue by {sort}", lambda v=viewer, s=sort: desk.queue(v, list="mine", sort=s)))
            cases.append((f"{who}: pool by {sort}", lambda v=viewer, s=sort: desk.queue(v, list="pool", sort=s)))
        cases.append((f"{who}: pool typed", lambda v=viewer: desk.queue(v, list="pool", text="Customer 12")))
    cases += [
        ("admin: overdue board", lambda: desk.overdue_board(admin)),
        ("supervisor: overdue board", lambda: desk.overdue_board(supervisor)),
    ]
    return cases


def viewers_of(db: str) -> dict[str, tuple[Any, str]]:
    """An admin, a supervisor, the manager with the most open orders and a contractor (no password
    needed), each with the number of an order he may open."""
    from orderdesk.api.desk import Viewer

    con = sqlite3.connect(db)
    found = {}
    newest = con.execute("SELECT number FROM orders ORDER BY id DESC LIMIT 1").fetchone()[0]
    for role in ("admin", "supervisor", "manager", "contractor"):
        row = con.execute(
            "SELECT e.id, e.login, e.name FROM employee e LEFT JOIN orders o ON o.manager_id = e.id AND o.is_open "
            "WHERE e.roles LIKE ? AND e.active GROUP BY e.id ORDER BY count(o.id) DESC, e.id LIMIT 1",
            (f'%"{role}"%',),
        ).fetchone()
        if row is None:
            continue
        his = con.execute(
            "SELECT number FROM orders WHERE manager_id = ? OR contractor_id = ? ORDER BY id DESC LIMIT 1",
            (row[0], row[0]),
        ).fetchone()
        number = newest if role in ("admin", "supervisor") else his[0] if his else None
        found[role] = (Viewer(id=row[0], login=row[1], name=row[2], roles=(role,)), number)
    return found


def pg_explain(engine: Any, statement: str, parameters: Any) -> tuple[list[str], float]:
    """PostgreSQL's EXPLAIN ANALYZE of one statement (its plan lines and its execution time, ms)."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("EXPLAIN (ANALYZE, COSTS OFF) " + statement, parameters or None)
        lines = [row[0] for row in cursor.fetchall()]
    finally:
        raw.close()
    took = next((float(x.split(":")[1].split()[0]) for x in lines if x.startswith("Execution Time")), 0.0)
    return lines, took


def pg_bad(plan: list[str]) -> list[str]:
    """A sort over more rows than a page, or a whole read of orders / audit_event."""
    found = []
    for line in plan:
        text = line.strip().lstrip("-> ").strip()
        if text.startswith(("Seq Scan on orders", "Seq Scan on audit_event", "Parallel Seq Scan on orders")):
            found.append(line)
        elif text.startswith(("Sort ", "Incremental Sort")) and "rows=" in text:
            rows = int(text.split("rows=")[1].split()[0])
            if rows > 1000:
                found.append(line)
    return found


def main_postgres(path: Path, shown_all: bool) -> None:
    """The same lists on a PostgreSQL copy of the file (bench/pg.py): each plan that sorts more than a
    page's rows or reads orders / audit_event whole, with PostgreSQL's own execution time."""
    from pg import Postgres, copy_to_postgres

    from orderdesk.api.desk import Desk
    from orderdesk.clock import SystemClock
    from storage.db import shared_engine

    pg = Postgres()
    try:
        url = pg.database("lists")
        print(f"PostgreSQL {pg.version()}; copying {path} ...", flush=True)
        print(f"copied in {copy_to_postgres(path, url):.0f} s", flush=True)
        con = sqlite3.connect(path)
        number = con.execute("SELECT number FROM orders ORDER BY id DESC LIMIT 1").fetchone()[0]
        engine = shared_engine(url)
        desk = Desk(engine, SystemClock())
        cases: list[tuple[str, Callable[[], Any]]] = [
            (f"orderdesk {label}", lambda a=argv: run_cli(url, a)) for label, argv in cli_cases(number)
        ]
        cases += [(f"desk {label}", call) for label, call in desk_cases(desk, viewers_of(str(path)))]
        for label, call in cases:
            with caught() as statements:
                started = time.perf_counter()
                call()
                took = time.perf_counter() - started
            explained = [(s, *pg_explain(engine, s, p)) for s, p in statements]
            bad = [(s, plan, t) for s, plan, t in explained if pg_bad(plan)]
            slowest = max((t for _, _, t in explained), default=0)
            print(
                f"{'BAD ' if bad else 'ok  '} {took * 1000:8.1f} ms  {label}  ({len(statements)} selects, "
                f"slowest {slowest:.1f} ms)",
                flush=True,
            )
            for statement, plan, t in explained if shown_all else [e for e in explained if pg_bad(e[1]) or e[2] > 30]:
                print(f"      {t:.1f} ms: " + " ".join(statement.split())[:300])
                for line in plan:
                    print(f"        {'!' if line in pg_bad(plan) else ' '} {line}")
    finally:
        pg.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("db", type=Path)
    parser.add_argument("--postgres", action="store_true", help="on a PostgreSQL copy of the file (bench/pg.py)")
    parser.add_argument("--all", action="store_true", help="print every plan, not only the bad ones")
    parser.add_argument("--slow", type=float, default=30.0, help="also print statements slower than this (ms)")
    args = parser.parse_args()
    if args.postgres:
        main_postgres(args.db, args.all)
        return
    db = str(args.db)
    con = sqlite3.connect(db)
    count = con.execute("SELECT count(*) FROM orders").fetchone()[0]
    number = con.execute("SELECT number FROM orders ORDER BY id DESC LIMIT 1").fetchone()[0]

    from orderdesk.api.desk import Desk
    from orderdesk.clock import SystemClock
    from storage.db import shared_engine

    desk = Desk(shared_engine(db), SystemClock())
    cases: list[tuple[str, Callable[[], Any]]] = [
        (f"orderdesk {label}", lambda a=argv: run_cli(db, a)) for label, argv in cli_cases(number)
    ]
    cases += [(f"desk {label}", call) for label, call in desk_cases(desk, viewers_of(db))]
    print(f"{count:,} orders in {db}")
    failing = 0
    for label, call in cases:
        with caught() as statements:
            started = time.perf_counter()
            call()
            took = time.perf_counter() - started
        plans = [(s, explain(con, s, p), timed(con, s, p)) for s, p in statements]
        bad_ones = [(s, plan, t) for s, plan, t in plans if bad_lines(s, plan)]
        failing += bool(bad_ones)
        slowest = max((t for _, _, t in plans), default=0)
        print(
            f"{'BAD ' if bad_ones else 'ok  '} {took * 1000:8.1f} ms  {label}  ({len(statements)} selects, "
            f"slowest {slowest * 1000:.1f} ms)"
        )
        shown = plans if args.all else [p for p in plans if bad_lines(p[0], p[1]) or p[2] > args.slow / 1000]
        for statement, plan, took_one in shown:
            print(f"      {took_one * 1000:.1f} ms: " + " ".join(statement.split())[:300])
            for line in plan:
                print(f"        {'!' if line in bad_lines(statement, plan) else ' '} {line}")
    print(f"{failing} of {len(cases)} lists sort or scan")


if __name__ == "__main__":
    main()
