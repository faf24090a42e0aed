"""The audit's doors (issue 17): every change says whether it was made at an employee's desk, typed at
the command line (with the operating-system user and host that ran the command: the operator, whoever
`--as` names) or done by the scheduler, and `orderdesk audit` and the order's history show it."""

from __future__ import annotations

import json
import os
import socket
from datetime import timedelta

import pytest

from orderdesk.api.desk import Desk
from orderdesk.clock import FixedClock
from tests.conftest import NOW, ok, query

try:
    import pwd

    OS_USER = pwd.getpwuid(os.geteuid()).pw_name
except ImportError:  # pragma: no cover  (Windows)
    import getpass

    OS_USER = getpass.getuser()
HOST = socket.gethostname()


def order(number: str) -> dict[str, object]:
    return {
        "number": number, "store": "home", "channel": "site", "type": "regular",
        "created_at": (NOW - timedelta(minutes=5)).isoformat().replace("+00:00", "Z"),
        "customer": {"name": "Dora Door", "phone": "+7 900 000-00-77"},
        "items": [{"sku": "RK-2", "name": "Rake", "qty": 1, "price": "12.50", "discount": "0"}],
        "payment_method": "card", "delivery": {"method": "courier"}, "manager": "anna",
    }  # fmt: skip


@pytest.fixture
def anna_s(demo_db, cli, tmp_path):  # type: ignore[no-untyped-def]
    """DOOR-1, a new order of anna's in the home store, imported at the CLI."""
    path = tmp_path / "door.json"
    path.write_text(json.dumps([order("DOOR-1")]))
    ok(cli("orders", "import", str(path), db=demo_db))
    return "DOOR-1"


def doors_of(db: str, number: str, action: str) -> list[tuple[object, ...]]:
    """(channel, os_user, host) of the order's audit rows of this action, oldest first."""
    return query(
        db,
        "SELECT a.channel, a.os_user, a.host FROM audit_event a JOIN orders o ON o.id = a.order_id "
        "WHERE o.number = :n AND a.action = :action ORDER BY a.id",
        n=number,
        action=action,
    )


@pytest.fixture
def desk(demo_db, engine_of):  # type: ignore[no-untyped-def]
    return Desk(engine_of(demo_db), FixedClock(NOW))


def test_a_change_typed_at_the_cli_as_anna_is_told_from_one_made_at_her_desk(demo_db, anna_s, desk, cli, monkeypatch):
    """--as is the operator acting as someone: the row is the CLI's, with the OS user who ran the
    command (read from the process's uid: setting $USER does not change it) and the host."""
    monkeypatch.setenv("USER", "mallory")
    monkeypatch.setenv("LOGNAME", "mallory")
    anna = desk.sign_in("anna", "demo")
    ok(cli("orders", "pay", anna_s, "--as", "anna", db=demo_db))
    desk.advance(anna, anna_s)

    assert doors_of(demo_db, anna_s, "order.paid") == [("cli", OS_USER, HOST)]
    assert doors_of(demo_db, anna_s, "order.status") == [("desk", None, None)]
    signed_in = query(
        demo_db,
        "SELECT a.channel FROM audit_event a JOIN employee e ON e.id = a.actor_id "
        "WHERE e.login = 'anna' AND a.action = 'employee.logged_in'",
    )
    assert signed_in == [("desk",)]


def test_orderdesk_audit_shows_the_door_of_each_row_in_its_table_and_its_json(demo_db, anna_s, desk, cli, monkeypatch):
    number = anna_s
    anna = desk.sign_in("anna", "demo")
    ok(cli("orders", "pay", number, "--as", "anna", db=demo_db))
    desk.advance(anna, number)

    events = json.loads(ok(cli("audit", "--order", number, "--json", db=demo_db)).stdout)
    newest, paid = events[0], events[1]
    assert (newest["action"], newest["actor"], newest["channel"], newest["os_user"], newest["host"]) == (
        "order.status", "anna", "desk", None, None,
    )  # fmt: skip
    assert (paid["action"], paid["actor"], paid["channel"], paid["os_user"], paid["host"]) == (
        "order.paid", "anna", "cli", OS_USER, HOST,
    )  # fmt: skip

    monkeypatch.setenv("COLUMNS", "200")  # the table's rows whole, one line each
    wide = ok(cli("audit", "--order", number, db=demo_db)).stdout
    lines = [line for line in wide.splitlines() if "order.paid" in line or "order.status" in line]
    assert "via" in wide.splitlines()[1]
    assert f"cli {OS_USER}@{HOST}" in next(line for line in lines if "order.paid" in line)
    assert "│ desk " in next(line for line in lines if "order.status" in line)


def test_the_order_s_history_at_the_desk_marks_what_was_typed_at_the_cli_in_her_name(demo_db, anna_s, desk, cli):
    number = anna_s
    anna = desk.sign_in("anna", "demo")
    ok(cli("orders", "pay", number, "--as", "anna", db=demo_db))
    desk.advance(anna, number)

    history = desk.order_screen(anna, number).history  # newest first, as the screen lists it
    assert history[0].who == anna.name  # her own desk
    assert history[1].who == f"{anna.name} (cli)"  # the operator, in her name
    assert "paid" in history[1].what or "payment" in history[1].what


def test_what_the_scheduler_does_is_audited_as_the_scheduler_s_whoever_runs_the_tick(demo_db, cli):
    """`orderdesk tick` runs the scheduler's jobs: their rows (written one by one and in batches) are
    the scheduler's, with the user and host of the process that ran them."""
    before = query(demo_db, "SELECT max(id) FROM audit_event")[0][0]
    at = (NOW + timedelta(days=9)).isoformat().replace("+00:00", "Z")
    ok(cli("tick", "--at", at, db=demo_db))
    doors = query(
        demo_db,
        "SELECT action, channel, os_user, host, count(*) FROM audit_event WHERE id > :before "
        "GROUP BY action, channel, os_user, host ORDER BY action",
        before=before,
    )
    assert {row[0] for row in doors} >= {"order.overdue"}
    assert {row[1:4] for row in doors} == {("scheduler", OS_USER, HOST)}


def test_an_import_at_the_cli_writes_its_batch_of_rows_as_the_cli_s(demo_db, anna_s):
    rows = query(
        demo_db,
        "SELECT a.channel, a.os_user, a.host FROM audit_event a JOIN orders o ON o.id = a.order_id WHERE o.number = :n",
        n=anna_s,
    )
    assert rows and set(rows) == {("cli", OS_USER, HOST)}
