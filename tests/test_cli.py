"""The admin command line: output for people and scripts, exit codes, and what it reports."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from tests.conftest import NOW, snapshot_of


def orders_json(cli, db, *args):
    result = cli("orders", "list", "--json", "--limit", "0", *args, db=db)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_init_sample_loads_the_demo_with_the_newest_order_from_today(demo_db, cli):
    orders = orders_json(cli, demo_db)
    assert len(orders) == 300
    assert {o["store"] for o in orders} == {"home", "dom", "print"}
    created = [datetime.fromisoformat(o["created_at"]) for o in orders]
    assert max(created) <= NOW and NOW - max(created) < timedelta(days=1)
    # the demo keeps orders older than the 90-day distribution limit (seed 000)
    assert sum(NOW - c > timedelta(days=90) for c in created) >= 10


def test_orders_list_filters(demo_db, cli):
    unassigned = orders_json(cli, demo_db, "--unassigned")
    assert unassigned and all(o["manager"] is None for o in unassigned)
    irina = orders_json(cli, demo_db, "--manager", "irina")
    assert irina and all(o["manager"] == "irina" for o in irina)
    new = orders_json(cli, demo_db, "--status", "new")
    assert new and all(o["status"] == "new" and o["store"] == "home" for o in new)
    overdue = orders_json(cli, demo_db, "--overdue")
    assert overdue and all(o["overdue"] and datetime.fromisoformat(o["stage_due_at"]) < NOW for o in overdue)
    dom = orders_json(cli, demo_db, "--store", "dom")
    assert dom and {o["store"] for o in dom} == {"dom"}
    newest_first = [o["created_at"] for o in orders_json(cli, demo_db)]
    assert newest_first == sorted(newest_first, reverse=True)


def test_orders_list_json_has_the_fields_of_the_contract(demo_db, cli):
    order = orders_json(cli, demo_db)[0]
    for key in ("number", "store", "channel", "type", "status", "payment_status", "customer", "manager",
                "contractor", "items", "delivery", "payment_method", "discount", "total", "created_at",
                "stage_due_at", "overdue"):  # fmt: skip
        assert key in order
    assert set(order["customer"]) >= {"name", "phone", "email", "city", "manager"}
    assert isinstance(order["total"], str) and "." in order["total"]  # money is a decimal string


def test_orders_list_says_when_it_shows_only_a_page(demo_db, cli):
    result = cli("orders", "list", "--limit", "5", db=demo_db)
    assert result.exit_code == 0
    assert "showing 5 of 300" in result.stderr


def test_orders_show_for_people_and_scripts(demo_db, cli):
    number = orders_json(cli, demo_db)[0]["number"]
    shown = cli("orders", "show", number, db=demo_db)
    assert shown.exit_code == 0 and number in shown.stdout and "total" in shown.stdout
    data = json.loads(cli("orders", "show", number, "--json", db=demo_db).stdout)
    assert data["number"] == number and data["items"]
    total = sum(int(i["qty"]) * float(i["price"]) - float(i["discount"]) for i in data["items"])
    total += float(data["delivery"]["cost"]) - float(data["discount"])
    assert abs(total - float(data["total"])) < 0.005


def test_unknown_order_store_or_manager_is_one_line_and_exit_1(demo_db, cli):
    for args in (["orders", "show", "NOPE-1"], ["orders", "list", "--store", "mars"],
                 ["orders", "list", "--manager", "ghost"], ["audit", "--order", "NOPE-1"]):  # fmt: skip
        result = cli(*args, db=demo_db)
        assert result.exit_code == 1, args
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_usage_errors_exit_2(demo_db, cli):
    assert cli("orders", "list", "--limit", "-3", db=demo_db).exit_code == 2
    assert cli("orders", "frobnicate", db=demo_db).exit_code == 2


def test_stats_counts_undistributed_orders_and_their_sum_per_store(demo_db, cli):
    data = json.loads(cli("stats", "--json", db=demo_db).stdout)
    orders = orders_json(cli, demo_db, "--unassigned")
    open_unassigned = [o for o in orders if o["status"] not in ("completed", "cancelled", "zakaz_zavershen",
                                                               "otmenen", "issued")]  # fmt: skip
    assert data["undistributed"]["count"] == len(open_unassigned)
    for money in data["undistributed"]["sums"]:  # one per currency (A3)
        cents = sum(round(float(o["total"]) * 100) for o in open_unassigned if o["currency"] == money["currency"])
        assert money["sum"] == f"{cents // 100}.{cents % 100:02d}"
    per_store = {s["store"]: s["count"] for s in data["undistributed"]["stores"]}
    assert sum(per_store.values()) == data["undistributed"]["count"]
    assert {m["login"] for m in data["managers"]} >= {"irina", "anna"}
    people = cli("stats", db=demo_db)
    assert "undistributed" in people.stdout and str(data["undistributed"]["count"]) in people.stdout


def test_users_add_and_list(demo_db, cli):
    result = cli("users", "add", "kate", "--name", "Kate Moss", "--role", "manager", "--group", "home-web",
                 "--password", "secret", db=demo_db)  # fmt: skip
    assert result.exit_code == 0, result.stderr
    users = {u["login"]: u for u in json.loads(cli("users", "list", "--json", db=demo_db).stdout)}
    assert users["kate"]["groups"] == ["home-web"] and users["kate"]["roles"] == ["manager"]
    audit = json.loads(cli("audit", "--json", db=demo_db).stdout)
    assert audit[0]["action"] == "employee.added" and audit[0]["after"]["login"] == "kate"


def test_users_add_refuses_a_taken_login_or_unknown_group_and_changes_nothing(demo_db, cli):
    before = snapshot_of(demo_db)
    taken = cli("users", "add", "anna", "--name", "A", "--role", "manager", "--password", "x", db=demo_db)
    assert taken.exit_code == 1 and "already exists" in taken.stderr
    group = cli("users", "add", "kate", "--name", "K", "--role", "manager", "--group", "nope", "--password", "x",
                db=demo_db)  # fmt: skip
    assert group.exit_code == 1 and '"nope"' in group.stderr
    assert snapshot_of(demo_db) == before


def test_audit_lists_newest_first_and_filters_by_order(demo_db, cli):
    number = orders_json(cli, demo_db)[0]["number"]
    events = json.loads(cli("audit", "--order", number, "--json", db=demo_db).stdout)
    assert [e["action"] for e in events] == ["order.imported"]
    assert events[0]["order"] == number and events[0]["rule"] == "import"
    everything = json.loads(cli("audit", "--json", "--limit", "0", db=demo_db).stdout)
    assert len(everything) > 300  # the imports and the configuration load
    assert [e["at"] for e in everything] == sorted((e["at"] for e in everything), reverse=True)


def test_db_comes_from_the_environment_when_not_given(demo_db, monkeypatch):
    from typer.testing import CliRunner

    from orderdesk.cli.main import State, app
    from orderdesk.clock import FixedClock

    monkeypatch.setenv("ORDERDESK_DB", demo_db)
    result = CliRunner().invoke(app, ["stats", "--json"], obj=State(clock=FixedClock(NOW)))
    assert result.exit_code == 0 and "undistributed" in result.stdout


def test_settings_show_does_not_print_the_smtp_password(empty_db, cli):
    """One an older version stored (it can no longer be set: tests/test_smtp_secret.py)."""
    from storage.db import shared_engine, write_session
    from storage.models import Setting

    with write_session(shared_engine(empty_db)) as session:
        session.add(Setting(key="smtp.password", value="s3cret"))
    shown = cli("settings", "show", db=empty_db).stdout
    assert "s3cret" not in shown and 'smtp.password = "********"' in shown


def test_a_number_too_large_for_the_database_is_one_line(demo_db, cli):
    result = cli("automoves", "remove", "print", "99999999999999999999", db=demo_db)
    assert result.exit_code == 2  # refused with the arguments, before the database: naming the argument
    assert result.stderr.strip().splitlines() == [
        "orderdesk automoves remove: Invalid value for 'ID': Input should be less than or equal to 2147483647"
        " (see orderdesk automoves remove --help)"
    ]
