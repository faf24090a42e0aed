"""The scheduler's work as time passes (DESIGN S3, S4, A2, §2 lease and catch-up; seed 004).

Time is stepped, never waited for: `orderdesk tick --at` runs every job as of a given time, and
`orderdesk scheduler run --steps` reads the times from stdin. What is asserted is what people see:
statuses and when they changed, the notifications in an employee's inbox, the audit log.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import NOW, execute, query

ROOT = Path(__file__).resolve().parent.parent
WEEK = timedelta(weeks=1)

DESK = """
[[stores]]
code = "print"
name = "Print shop"
timezone = "Europe/Moscow"

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
code = "print-staff"
name = "Print shop staff"
stores = ["print"]

[[groups]]
code = "shop-staff"
name = "Shop staff"
stores = ["shop"]

[[employees]]
login = "ada"
name = "Ada Admin"
roles = ["admin"]
groups = ["print-staff"]
password = "x"

[[employees]]
login = "sam"
name = "Sam Supervisor"
roles = ["supervisor"]
groups = ["shop-staff"]
password = "x"

[[employees]]
login = "max"
name = "Max Manager"
roles = ["manager"]
groups = ["shop-staff"]
password = "x"

[[stages]]
store = "shop"
code = "new"
name = "Received"
time_limit = "1h"

[[stages]]
store = "shop"
code = "done"
name = "Done"
kind = "final"

# seed 004's statuses and timed moves
[[stages]]
store = "print"
code = "placed"
name = "Placed"

[[stages]]
store = "print"
code = "awaiting_payment"
name = "Awaiting payment"
kind = "side"

[[stages]]
store = "print"
code = "in_print"
name = "In print"

[[stages]]
store = "print"
code = "printed"
name = "Printed"

[[stages]]
store = "print"
code = "sent"
name = "Sent"

[[stages]]
store = "print"
code = "at_pickup_point"
name = "At pickup point"

[[stages]]
store = "print"
code = "issued"
name = "Issued"
kind = "final"

[[stages]]
store = "print"
code = "misprinted"
name = "Misprinted"
kind = "side"

[[stages]]
store = "print"
code = "returned"
name = "Returned"
kind = "side"

[[stages]]
store = "print"
code = "cancelled"
name = "Cancelled"
kind = "cancelled"

[[automoves]]
store = "print"
from = ["placed"]
after = "2w"
to = "in_print"

[[automoves]]
store = "print"
from = ["in_print"]
after = "2w"
to = "printed"

[[automoves]]
store = "print"
from = ["printed"]
after = "2w"
to = "sent"

[[automoves]]
store = "print"
from = ["sent"]
after = "4w"
to = "at_pickup_point"
notice = { role = "admin", before = "1w" }

[[automoves]]
store = "print"
from = ["at_pickup_point"]
after = "16w"
to = "issued"
notice = { role = "admin", before = "1w" }

[[automoves]]
store = "print"
from = ["awaiting_payment", "misprinted"]
after = "4w"
to = "cancelled"

[[automoves]]
store = "print"
from = ["returned"]
after = "2w"
to = "cancelled"
"""


def stamp(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def order(number: str, store: str, *, status: str | None = None, created: datetime = NOW,
          manager: str | None = None) -> dict[str, Any]:  # fmt: skip
    return {
        "number": number, "store": store, "channel": "site", "type": "regular", "created_at": stamp(created),
        "customer": {"name": f"Customer {number}", "phone": f"+7 900 {abs(hash(number)) % 10**7:07d}"},
        "items": [{"sku": "A", "name": "Thing", "qty": 1, "price": "10.00"}],
        "payment_method": "card", "delivery": {"method": "pickup"}, "status": status, "manager": manager,
    }  # fmt: skip


@pytest.fixture
def desk(empty_db: str, cli: Any, tmp_path: Path) -> str:
    config = tmp_path / "desk.toml"
    config.write_text(DESK, encoding="utf-8")
    assert cli("load", str(config), db=empty_db).exit_code == 0
    return empty_db


def add_orders(cli: Any, db: str, tmp_path: Path, *orders: dict[str, Any]) -> None:
    path = tmp_path / f"orders-{orders[0]['number']}.json"
    path.write_text(json.dumps(list(orders)), encoding="utf-8")
    result = cli("orders", "import", str(path), db=db)
    assert result.exit_code == 0, result.stderr


def tick(cli: Any, db: str, at: datetime) -> dict[str, Any]:
    result = cli("tick", "--at", stamp(at), "--json", db=db)
    assert result.exit_code == 0, result.stdout + result.stderr
    return json.loads(result.stdout)


def utc(value: Any) -> datetime | None:
    """A time as the database gives it back (SQLite: text; PostgreSQL: datetime), naive UTC."""
    if value is None or isinstance(value, datetime):
        return value.replace(tzinfo=None) if value else None
    return datetime.fromisoformat(value)


def naive(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(tzinfo=None)


def status_of(db: str, number: str) -> str:
    return query(db, "SELECT status FROM orders WHERE number = :n", n=number)[0][0]  # type: ignore[return-value]


def inbox(db: str, login: str) -> list[tuple[Any, ...]]:
    rows = query(
        db,
        "SELECT n.kind, n.subject, n.send_after FROM notification n JOIN employee e ON e.id = n.employee_id "
        "WHERE e.login = :login ORDER BY n.send_after, n.id",
        login=login,
    )
    return [(kind, subject, utc(at)) for kind, subject, at in rows]


# ----------------------------------------------------------------------------------- seed 004 timers


def test_seed_004_timers_walk_an_order_to_issued_over_thirty_weeks_with_each_notice_a_week_before(
    desk: str, cli: Any, tmp_path: Path
) -> None:
    add_orders(cli, desk, tmp_path, order("P-1", "print"))
    seen: dict[str, int] = {}
    for week in range(31):
        tick(cli, desk, NOW + week * WEEK)
        seen.setdefault(status_of(desk, "P-1"), week)
    assert seen == {"placed": 0, "in_print": 2, "printed": 4, "sent": 6, "at_pickup_point": 10, "issued": 26}
    notices = [(kind, subject, at) for kind, subject, at in inbox(desk, "ada") if kind == "automove_notice"]
    assert [(subject, at) for _, subject, at in notices] == [
        ("P-1 goes to At pickup point on 2027-02-03 12:00", naive(NOW + 9 * WEEK)),
        ("P-1 goes to Issued on 2027-05-26 12:00", naive(NOW + 25 * WEEK)),
    ]  # local times of the store (Moscow), each exactly one week before its move
    assert utc(query(desk, "SELECT issued_at FROM orders WHERE number = 'P-1'")[0][0]) == naive(NOW + 26 * WEEK)
    # the audit log says which rule did each move, and as of when
    moves = [e for e in json.loads(cli("audit", "--order", "P-1", "--json", db=desk).stdout)
             if e["action"] == "order.status"]  # fmt: skip
    assert [(e["rule"], e["before"]["status"], e["after"]["status"]) for e in reversed(moves)][-1] == (
        "automove at_pickup_point → issued after 16w",
        "at_pickup_point",
        "issued",
    )
    assert all(e["actor"] is None for e in moves) and len(moves) == 5


@pytest.mark.parametrize(("status", "weeks"), [("awaiting_payment", 4), ("misprinted", 4), ("returned", 2)])
def test_waiting_misprinted_and_returned_orders_are_cancelled_after_their_weeks(
    desk: str, cli: Any, tmp_path: Path, status: str, weeks: int
) -> None:
    add_orders(cli, desk, tmp_path, order("P-2", "print", status=status))
    tick(cli, desk, NOW + weeks * WEEK - timedelta(minutes=1))
    assert status_of(desk, "P-2") == status
    tick(cli, desk, NOW + weeks * WEEK)
    assert status_of(desk, "P-2") == "cancelled"
    assert query(desk, "SELECT is_open, move_due_at FROM orders WHERE number = 'P-2'") == [(0, None)]


# ----------------------------------------------------------------------------------- overdue (S3)


def test_a_stage_limit_of_an_hour_flags_at_61_minutes_once_however_many_ticks(
    desk: str, cli: Any, tmp_path: Path
) -> None:
    add_orders(cli, desk, tmp_path, order("S-1", "shop", manager="max"))
    tick(cli, desk, NOW + timedelta(minutes=59))
    assert query(desk, "SELECT overdue FROM orders WHERE number = 'S-1'") == [(0,)]
    assert inbox(desk, "sam") == []
    for minutes in (61, 61, 62, 90, 600):
        tick(cli, desk, NOW + timedelta(minutes=minutes))
    assert query(desk, "SELECT overdue FROM orders WHERE number = 'S-1'") == [(1,)]
    assert [(kind, subject) for kind, subject, _ in inbox(desk, "sam")] == [("overdue", "S-1 is late in Received")]
    assert inbox(desk, "ada") == []  # the print shop's admin is not the shop's (his group covers print only)
    assert inbox(desk, "max") == []  # managers are not told; supervisors and admins are
    flagged = [e for e in json.loads(cli("audit", "--order", "S-1", "--json", db=desk).stdout)
               if e["action"] == "order.overdue"]  # fmt: skip
    assert len(flagged) == 1 and flagged[0]["rule"] == "stage limit 1h"


def test_leaving_the_stage_clears_the_flag_and_the_next_visit_is_told_again(
    desk: str, cli: Any, tmp_path: Path, engine_of: Any
) -> None:
    from sqlmodel import select

    from orderdesk.usecases.stage_entry import enter_stage
    from orderdesk.views.lookup import move_rules_of, pipeline_of
    from storage.db import write_session
    from storage.models import Order

    add_orders(cli, desk, tmp_path, order("S-2", "shop", manager="max"))
    tick(cli, desk, NOW + timedelta(hours=2))
    engine = engine_of(desk)
    with write_session(engine) as session:  # back into "new" (as a person's move would), an hour later
        row = session.exec(select(Order).where(Order.number == "S-2")).one()
        stages = {s.code: s for s in pipeline_of(session, row.store_id)}
        enter_stage(row, stages["new"], NOW + timedelta(hours=3), move_rules_of(session, row.store_id))
        session.add(row)
    assert query(desk, "SELECT overdue FROM orders WHERE number = 'S-2'") == [(0,)]
    tick(cli, desk, NOW + timedelta(hours=3, minutes=30))
    assert len(inbox(desk, "sam")) == 1
    tick(cli, desk, NOW + timedelta(hours=4, minutes=1))
    assert len(inbox(desk, "sam")) == 2


# ----------------------------------------------------------------------------------- catch-up


def test_after_a_month_down_one_tick_does_every_move_in_order_and_a_second_tick_nothing(
    desk: str, cli: Any, tmp_path: Path
) -> None:
    add_orders(cli, desk, tmp_path, order("P-3", "print"), order("P-4", "print", created=NOW + 8 * WEEK))
    first = tick(cli, desk, NOW + 31 * WEEK)
    assert status_of(desk, "P-3") == "issued" and status_of(desk, "P-4") == "at_pickup_point"
    assert first["jobs"]["timed_moves"]["done"] == 5 + 4
    # each move entered its status when it was due, not when the tick ran
    entered = query(desk, "SELECT status_entered_at, move_due_at FROM orders WHERE number = 'P-4'")[0]
    assert tuple(map(utc, entered)) == (naive(NOW + 18 * WEEK), naive(NOW + 34 * WEEK))
    # the notices that fell due while the scheduler was down are sent, as of their time, once
    notices = [at for kind, _, at in inbox(desk, "ada") if kind == "automove_notice"]
    assert notices == [naive(NOW + 9 * WEEK), naive(NOW + 17 * WEEK), naive(NOW + 25 * WEEK)]
    audit_rows = query(desk, "SELECT count(*) FROM audit_event")[0][0]
    second = tick(cli, desk, NOW + 31 * WEEK)
    assert second["jobs"]["timed_moves"]["done"] == 0 and second["jobs"]["overdue"]["done"] == 0
    assert query(desk, "SELECT count(*) FROM audit_event")[0][0] == audit_rows
    assert len(inbox(desk, "ada")) == 3


def test_a_job_that_fails_is_reported_and_the_others_still_run(
    desk: str, cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from orderdesk.api import jobs

    def broken(engine: Any, clock: Any) -> dict[str, Any]:
        raise RuntimeError("disk on fire")

    monkeypatch.setitem(jobs.JOBS, "timed_moves", broken)
    add_orders(cli, desk, tmp_path, order("S-3", "shop", manager="max"))
    result = cli("tick", "--at", stamp(NOW + timedelta(hours=2)), db=desk)
    assert result.exit_code == 1
    assert "timed_moves  FAILED: RuntimeError: disk on fire" in result.stdout
    assert query(desk, "SELECT overdue FROM orders WHERE number = 'S-3'") == [(1,)]  # overdue ran after it


def test_tick_refuses_a_time_that_is_not_one(desk: str, cli: Any) -> None:
    result = cli("tick", "--at", "next tuesday", db=desk)
    assert result.exit_code == 1
    assert result.stderr.strip() == 'orderdesk: --at: "next tuesday" is not an ISO time (e.g. 2026-11-25T09:00Z)'


# ----------------------------------------------------------------------------------- lease


def test_the_lease_is_held_by_one_and_taken_over_only_when_it_expires(desk: str, engine_of: Any) -> None:
    from orderdesk.usecases.lease import hold_lease, release_lease
    from storage.db import write_session

    engine = engine_of(desk)

    def hold(holder: str, at: datetime) -> bool:
        with write_session(engine) as session:
            return hold_lease(session, holder=holder, now=at, ttl=60)

    assert hold("a", NOW) is True
    assert hold("b", NOW + timedelta(seconds=30)) is False
    assert hold("a", NOW + timedelta(seconds=50)) is True  # renewed until 110 s
    assert hold("b", NOW + timedelta(seconds=100)) is False
    assert hold("b", NOW + timedelta(seconds=110)) is True  # a stopped renewing: b takes over
    assert hold("a", NOW + timedelta(seconds=120)) is False
    with write_session(engine) as session:
        assert release_lease(session, holder="b") is True
    assert hold("a", NOW + timedelta(seconds=121)) is True  # released: no need to wait


def test_the_scheduler_thread_registers_every_job_coalesced_one_instance_each(desk: str, engine_of: Any) -> None:
    from orderdesk.api.jobs import JOBS
    from orderdesk.clock import FixedClock
    from scheduler.runner import DeskScheduler

    runner = DeskScheduler(engine_of(desk), FixedClock(NOW), holder="t", interval=3600, lease=60)
    runner.start()
    try:
        assert runner.leader is True
        defaults = runner.job_defaults()
        assert set(defaults) == set(JOBS) | {"lease"}
        assert all(d == {"coalesce": True, "max_instances": 1} for d in defaults.values())
    finally:
        runner.shutdown()
    assert query(desk, "SELECT holder FROM scheduler_lease") == [("",)]  # given up at shutdown


def _scheduler(db: str, holder: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "orderdesk.cli.main", "--db", db, "scheduler", "run", "--steps", "--holder", holder,
         "--lease", "20s"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip


def _step(process: subprocess.Popen[str], at: datetime) -> dict[str, Any]:
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(stamp(at) + "\n")
    process.stdin.flush()
    line = process.stdout.readline()
    assert line, process.stderr.read() if process.stderr else "no output"
    return json.loads(line)


def test_two_scheduler_processes_act_once_and_the_survivor_takes_over_when_the_leader_is_killed(
    desk: str, cli: Any, tmp_path: Path
) -> None:
    if "://" in desk:
        pytest.skip("two processes on one SQLite file")
    # 40 orders sent four weeks ago: their moves fall due within the minute stepped below, their
    # notices (a week before) at once
    add_orders(cli, desk, tmp_path, *[order(f"P-{i}", "print", status="sent",
                                           created=NOW - 4 * WEEK + timedelta(seconds=i)) for i in range(1, 41)])  # fmt: skip
    a, b = _scheduler(desk, "a"), _scheduler(desk, "b")
    try:
        rounds: list[dict[str, Any]] = []
        for second in range(0, 30, 2):
            at = NOW - timedelta(seconds=20) + timedelta(seconds=second)
            rounds += [_step(a, at), _step(b, at)]
        assert {r["holder"] for r in rounds if r["leader"]} == {"a"}
        a.send_signal(signal.SIGKILL)
        a.wait()
        leaders = []
        for second in range(30, 62, 2):
            at = NOW - timedelta(seconds=20) + timedelta(seconds=second)
            leaders.append((second, _step(b, at)["leader"]))
        took_over = min(s for s, leader in leaders if leader)
        # a last renewed at 28 s with a lease of 20 s: b acts from 48 s on, not before
        assert took_over == 48 and all(leader for s, leader in leaders if s >= took_over)
    finally:
        for process in (a, b):
            if process.poll() is None:
                process.kill()
            process.wait()
    moves = query(desk, "SELECT order_id, count(*) FROM audit_event WHERE action = 'order.status' GROUP BY order_id")
    assert len(moves) == 40 and all(count == 1 for _, count in moves)  # every move once
    assert query(desk, "SELECT count(DISTINCT status) FROM orders WHERE number LIKE 'P-%'") == [(1,)]
    told = query(
        desk, "SELECT key, employee_id, count(*) FROM notification GROUP BY key, employee_id HAVING count(*) > 1"
    )
    assert told == []  # no notification twice


def test_scheduler_run_stops_cleanly_on_sigterm(desk: str) -> None:
    if "://" in desk:
        pytest.skip("a local SQLite file")
    process = subprocess.Popen(
        [sys.executable, "-m", "orderdesk.cli.main", "--db", desk, "scheduler", "run", "--holder", "fg", "--interval", "1h"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert process.stderr is not None
    for line in process.stderr:  # wait until it says it runs
        if "Ctrl-C stops it" in line:
            break
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 0
    assert "scheduler stopped" in err and "Traceback" not in err
    assert query(desk, "SELECT holder FROM scheduler_lease") == [("",)]


def test_more_due_than_one_batch_is_all_done_in_one_tick(
    desk: str, cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from orderdesk.usecases import sweeps

    monkeypatch.setattr(sweeps, "BATCH", 3)
    add_orders(cli, desk, tmp_path, *[order(f"S-{i}", "shop", manager="max") for i in range(10)],
               *[order(f"P-{i}", "print", status="returned") for i in range(7)])  # fmt: skip
    result = tick(cli, desk, NOW + 3 * WEEK)
    assert result["jobs"]["overdue"]["done"] == 10 and result["jobs"]["timed_moves"]["done"] == 7
    assert query(desk, "SELECT count(*) FROM orders WHERE overdue") == [(10,)]
    assert query(desk, "SELECT count(*) FROM orders WHERE status = 'cancelled'") == [(7,)]


def test_times_written_by_other_tools_are_still_matched(desk: str, cli: Any, tmp_path: Path) -> None:
    """A due time stored without microseconds (a script, another client) is moved like any other."""
    add_orders(cli, desk, tmp_path, order("P-9", "print", status="returned"))
    execute(desk, "UPDATE orders SET move_due_at = '2026-11-25 09:00:00', status_entered_at = "
                      "'2026-11-11 09:00:00' WHERE number = 'P-9'")  # fmt: skip
    assert tick(cli, desk, NOW)["jobs"]["timed_moves"]["done"] == 1
    assert status_of(desk, "P-9") == "cancelled"


def test_notices_and_moves_due_together_beyond_a_batch_are_all_done(
    desk: str, cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from orderdesk.usecases import sweeps

    monkeypatch.setattr(sweeps, "BATCH", 3)
    add_orders(cli, desk, tmp_path, *[order(f"A-{i}", "print", status="sent") for i in range(4)],
               *[order(f"R-{i}", "print", status="returned") for i in range(4)])  # fmt: skip
    first = tick(cli, desk, NOW + 3 * WEEK + timedelta(days=1))  # sent: notice due (3w); returned: moved (2w)
    assert first["jobs"]["timed_moves"]["notices"] == 4 and first["jobs"]["timed_moves"]["done"] == 4
    second = tick(cli, desk, NOW + 3 * WEEK + timedelta(days=1))
    assert second["jobs"]["timed_moves"]["notices"] == 0 and second["jobs"]["timed_moves"]["done"] == 0
