"""Torture (issue 17, Deliver 4): many desks, two schedulers and an importer on one database at once,
and processes killed in the middle of their transactions. On both backends (`make test` runs them on
SQLite, then on PostgreSQL); sizes are scaled down by the constants below so that each test takes
about ten seconds; bench/torture.py runs the same workload larger and prints its counts.

The workload is tests/torture_load.py. What is asserted is what the database holds afterwards, read
the way an auditor would: the audit log replayed from its first row must explain every order's
manager, status and overdue flag and every employee's presence, with no manager ever over his
limit, and it must hold one row for each change the workers say they made.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.conftest import NOW, as_json, ok, query, snapshot_of
from tests.torture_audit import AUDIT_LOG, replay
from tests.torture_load import LIMIT, desk_config, orders_json

ROOT = Path(__file__).resolve().parent.parent
MANAGERS, OPS, TICKERS, TICKS, IMPORTS, PER_FILE, POOL = 8, 16, 2, 6, 4, 8, 30
LARGE, CHUNK = 600, 100  # a pass and an import of six chunks (10,000 and 2,000 orders in real life)
LATE = 40  # orders late at once when the scheduler is killed


def _desk(cli: Any, db: str, tmp_path: Path, *, limit: int | None = LIMIT) -> str:
    path = tmp_path / "torture.toml"
    path.write_text(desk_config(MANAGERS, limit=limit))
    ok(cli("load", str(path), db=db))
    return db


def _import(cli: Any, db: str, tmp_path: Path, numbers: list[str], *, now: datetime,
            ages: tuple[int, int] = (30, 90)) -> None:  # fmt: skip
    path = tmp_path / f"{numbers[0]}.json"
    path.write_text(orders_json(numbers, now=now, rng=random.Random(len(numbers)), ages=ages))
    ok(cli("orders", "import", str(path), db=db))


def _paused(pattern: str, count: int, *args: str, chunk: int | None = None) -> subprocess.Popen[str]:
    """The command line, stopped in the middle of its transaction (tests/torture_paused.py)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)} | ({"TORTURE_CHUNK": str(chunk)} if chunk else {})
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.torture_paused", pattern, str(count), "--", *args],
        cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    return process


def _until_paused(process: subprocess.Popen[str]) -> None:
    assert process.stdout is not None
    line = process.stdout.readline()
    if line.strip() != "PAUSED":
        process.kill()
        raise AssertionError(f"not paused: {line!r} {process.communicate()}")


def _kill(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=30)
    assert process.returncode == -signal.SIGKILL


# ----------------------------------------------------------------------------------- the mixed run


def test_eight_desks_two_schedulers_and_an_importer_at_once_leave_an_audit_that_explains_everything(
    empty_db: str, cli: Any, tmp_path: Path
) -> None:
    db = _desk(cli, empty_db, tmp_path)
    _import(cli, db, tmp_path, [f"P-{i:03d}" for i in range(POOL)], now=datetime.now(UTC))
    process = subprocess.run(
        [sys.executable, "-m", "tests.torture_load", "run", db, "--managers", str(MANAGERS), "--ops", str(OPS),
         "--tickers", str(TICKERS), "--ticks", str(TICKS), "--imports", str(IMPORTS), "--per-file", str(PER_FILE)],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert process.returncode == 0, process.stderr
    workers = json.loads(process.stdout)["workers"]
    assert [(w["name"], w["errors"]) for w in workers if w["errors"]] == []
    done: Counter[tuple[str, str]] = Counter()
    for w in workers:
        for what, count in w["done"].items():
            done[(w["name"], what)] += count
    log = replay(query(db, AUDIT_LOG))

    # every order's manager, status and flag, and every employee's presence, are what the audit says
    orders = query(db, "SELECT o.id, o.status, e.login, o.overdue FROM orders o "
                       "LEFT JOIN employee e ON e.id = o.manager_id")  # fmt: skip
    assert len(orders) == POOL + IMPORTS * PER_FILE == len(log["status"])
    assert {o: (s, m, bool(f)) for o, s, m, f in orders} == {
        o: (log["status"][o], log["manager"][o], log["overdue"][o]) for o in log["status"]
    }
    staff = dict(query(db, "SELECT login, presence FROM employee WHERE login LIKE 'm%'"))
    assert staff == {login: log["presence"].get(login, "offline") for login in staff}
    # no manager over his limit at any audited moment
    assert log["over"] == []
    # one audit row for each change the desks made
    actions = log["actions"]
    for i in range(MANAGERS):
        m = f"m{i}"
        assert actions[("employee.logged_in", m, None)] == done[(m, "sign_in")]
        assert actions[("employee.logged_out", m, None)] == done[(m, "sign_out")]
        assert actions[("employee.presence", m, None)] + done[(m, "sign_out")] == done[(m, "presence_changes")]
        assert actions[("order.assigned", m, "claim")] == done[(m, "claim")]
        assert actions[("order.assigned", m, "take_next")] == done[(m, "take_next")]
        assert sum(n for (a, who, _), n in actions.items() if a == "order.status" and who == m) == done[(m, "advance")]
    by_passes = sum(n for (a, who, _), n in actions.items() if a == "order.assigned" and who is None)
    assert by_passes == sum(w["assigned_by_passes"] for w in workers)
    assert (
        sum(n for (a, _, _), n in actions.items() if a == "order.imported")
        == POOL + done[("importer0", "imported_orders")]
    )
    # nobody told twice: one notice to the supervisor per late order, none for the same visit again
    told = query(db, "SELECT n.key, e.login FROM notification n JOIN employee e ON e.id = n.employee_id")
    flagged = sum(n for (a, _, _), n in actions.items() if a == "order.overdue")
    assert len(told) == len(set(told)) == flagged and {login for _, login in told} <= {"sup"}
    # the undistributed count the desk shows is a recount
    stats = json.loads(ok(cli("stats", "--json", db=db)).stdout)["undistributed"]
    [(pending,)] = query(db, "SELECT count(*) FROM orders WHERE manager_id IS NULL AND is_open = true")
    assert sum(s["count"] for s in stats["stores"]) == pending
    # and it was a fight: each kind of work was done
    assert all(sum(n for (_, what), n in done.items() if what == kind) > 0
               for kind in ("claim", "advance", "sign_out", "set_presence", "import"))  # fmt: skip
    assert by_passes > 0 and flagged > 0


# ----------------------------------------------------------------------------------- killed mid-way


def _sign_in_all(cli: Any, db: str) -> None:
    for i in range(MANAGERS):
        ok(cli("users", "login", f"m{i}", db=db))
        ok(cli("users", "set-status", f"m{i}", "free", db=db))


def test_a_large_pass_killed_in_its_third_chunk_leaves_nothing_and_the_next_pass_finishes(
    empty_db: str, cli: Any, tmp_path: Path
) -> None:
    db = _desk(cli, empty_db, tmp_path, limit=None)
    ok(cli("settings", "set", "distribution.enabled", "false", db=db))  # the desks turning free hand out none
    _import(cli, db, tmp_path, [f"L-{i:04d}" for i in range(LARGE)], now=NOW, ages=(0, 10))  # none late
    _sign_in_all(cli, db)
    ok(cli("settings", "set", "distribution.enabled", "true", db=db))
    before = snapshot_of(db)
    # the pass reads the pending orders a chunk at a time: stopped at the third read, two chunks of
    # decisions are written (managers' turns, customers' bindings, audit rows), not committed
    process = _paused(r"FROM orders.*manager_id IS NULL", 3, "--db", db, "tick", "--at", NOW.isoformat(),
                      chunk=CHUNK)  # fmt: skip
    _until_paused(process)
    _kill(process)
    assert snapshot_of(db) == before  # nothing of it
    out = ok(cli("distribute", "--json", db=db)).stdout
    assert len(json.loads(out)["assigned"]) == LARGE
    assert query(db, "SELECT count(*) FROM orders WHERE manager_id IS NULL") == [(0,)]
    assigned = "SELECT count(*), count(DISTINCT order_id) FROM audit_event WHERE action = 'order.assigned'"
    assert query(db, assigned) == [(LARGE, LARGE)]
    recorded = query(db, "SELECT o.number, e.login, a.after FROM orders o JOIN employee e ON e.id = o.manager_id "
                         "JOIN audit_event a ON a.order_id = o.id AND a.action = 'order.assigned'")  # fmt: skip
    assert all(as_json(after)["manager"] == login for _, login, after in recorded)
    assert len({login for _, login, _ in recorded}) == MANAGERS


def test_an_import_killed_in_its_third_batch_leaves_nothing_and_the_next_import_finishes(
    empty_db: str, cli: Any, tmp_path: Path
) -> None:
    db = _desk(cli, empty_db, tmp_path)
    path = tmp_path / "large.json"
    path.write_text(orders_json([f"I-{i:05d}" for i in range(LARGE)], now=NOW, rng=random.Random(3), ages=(0, 9)))
    before = snapshot_of(db)
    process = _paused(r"INSERT INTO orders\b", 3, "--db", db, "orders", "import", str(path), chunk=CHUNK)
    _until_paused(process)  # two batches of orders, their customers, items and audit rows are written
    _kill(process)
    assert snapshot_of(db) == before
    assert f"imported {LARGE} orders" in ok(cli("orders", "import", str(path), db=db)).stdout
    assert query(db, "SELECT count(*), count(DISTINCT number) FROM orders") == [(LARGE, LARGE)]
    assert query(db, "SELECT count(*) FROM audit_event WHERE action = 'order.imported'") == [(LARGE,)]


def _step(process: subprocess.Popen[str], at: datetime) -> dict[str, Any]:
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(at.isoformat() + "\n")
    process.stdin.flush()
    line = process.stdout.readline()
    assert line.strip() not in ("", "PAUSED"), line
    return json.loads(line)


def test_the_acting_scheduler_killed_in_a_sweep_is_replaced_within_its_lease_and_the_other_catches_up(
    empty_db: str, cli: Any, tmp_path: Path
) -> None:
    db = _desk(cli, empty_db, tmp_path)
    # late in "new" (1 minute) one to five seconds after NOW
    _import(cli, db, tmp_path, [f"S-{i:02d}" for i in range(LATE)], now=NOW, ages=(55, 59))
    lease = 20
    args = ("--db", db, "scheduler", "run", "--steps", "--lease", f"{lease}s")
    a = _paused(r"UPDATE orders SET overdue", 1, *args, "--holder", "a")
    b = _paused(r"\Z.", 1, *args, "--holder", "b")  # a pattern nothing matches: never paused
    try:
        assert _step(a, NOW)["leader"] is True  # nothing late yet
        assert _step(b, NOW)["leader"] is False
        assert a.stdin is not None and a.stdout is not None
        renewed = NOW + timedelta(seconds=6)
        a.stdin.write(renewed.isoformat() + "\n")  # renews its lease, then stops flagging the 40 late orders
        a.stdin.flush()
        _until_paused(a)
        _kill(a)
        assert query(db, "SELECT count(*) FROM orders WHERE overdue = true") == [(0,)]
        leading = {s: _step(b, NOW + timedelta(seconds=s))["leader"] for s in range(8, 40, 2)}
        took_over = min(s for s, leader in leading.items() if leader)
        assert took_over == 6 + lease and all(leading[s] for s in leading if s >= took_over)
    finally:
        for process in (a, b):
            if process.poll() is None:
                process.kill()
            process.communicate(timeout=30)
    assert query(db, "SELECT count(*) FROM orders WHERE overdue = true") == [(LATE,)]
    flagged = query(db, "SELECT order_id, count(*) FROM audit_event WHERE action = 'order.overdue' GROUP BY order_id")
    assert len(flagged) == LATE and {n for _, n in flagged} == {1}
    told = query(db, "SELECT n.key, e.login FROM notification n JOIN employee e ON e.id = n.employee_id")
    assert len(told) == len(set(told)) == LATE and {login for _, login in told} == {"sup"}
