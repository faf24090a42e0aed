"""`orderdesk rules list|show|add|remove|move|enable|disable` (seed 001, DESIGN §3): each command's output
and what it leaves in the database; every refusal is one line, exit 1, and changes nothing."""

from __future__ import annotations

import json

import pytest

from tests.conftest import NOW, execute, ok, query, refused, snapshot_of

CALL = ["--name", "Call within an hour", "--event", "order_created", "--title", "Call #NAME# about #ORDER_ID#",
        "--text", "Phone #PHONE#", "--role", "manager", "--due-in", "1h", "--task-priority", "high",
        "--priority", "10"]  # fmt: skip


def rules_json(cli, db: str) -> list[dict[str, object]]:
    return json.loads(ok(cli("rules", "list", "--json", db=db)).stdout)


def ours(cli, db: str) -> list[str]:
    """Names of the rules these tests add, in list order (the sample data may hold rules of its own)."""
    return [r["name"] for r in rules_json(cli, db) if str(r["name"]).startswith(("Call", "Big", "Paid", "Late"))]


@pytest.fixture
def db(demo_db):  # type: ignore[no-untyped-def]
    return demo_db


def test_add_saves_every_field_and_show_prints_it(cli, db) -> None:
    result = ok(cli("rules", "add", *CALL, db=db))
    assert result.stdout.strip() == 'added rule "Call within an hour" at position 10 (order_created)'
    ok(cli("rules", "add", "--name", "Paid in Saint Petersburg", "--event", "status_changed", "--to", "completed",
           "--from", "courier_delivery", "--from", "post_delivery", "--store", "home", "--city", "Saint Petersburg",
           "--customer", "+7 900 000-00-01", "--channel", "site", "--type", "regular", "--payment-method", "card",
           "--delivery-method", "courier", "--amount-from", "50000", "--amount-to", "1000000.50",
           "--group", "home-web", "--employee-city", "Saint Petersburg", "--title", "Thank #NAME#", "--delay", "5d",
           "--project", "after-sales", "--continue", "--disabled", db=db))  # fmt: skip
    shown = json.loads(ok(cli("rules", "show", "Paid in Saint Petersburg", "--json", db=db)).stdout)
    assert {k: v for k, v in shown.items() if k != "id"} == {
        "name": "Paid in Saint Petersburg", "event": "status_changed", "to": "completed",
        "from": ["courier_delivery", "post_delivery"], "priority": 100, "continue": True, "enabled": False,
        "when": {"amount_from": "50000.00", "amount_to": "1000000.50", "city": "Saint Petersburg",
                 "customer": "+7 900 000-00-01", "store": "home", "channel": "site", "type": "regular",
                 "payment_method": "card", "delivery_method": "courier"},
        "assignee": {"group": "home-web", "city": "Saint Petersburg"},
        "assignee_text": "any employee with group home-web, city Saint Petersburg",
        "title": "Thank #NAME#", "text": "", "due_in": None, "due_in_seconds": None, "delay": "5d",
        "delay_seconds": 432000, "task_priority": "normal", "project": "after-sales",
    }  # fmt: skip
    text = ok(cli("rules", "show", "Paid in Saint Petersburg", db=db)).stdout
    assert "status_changed → completed (Order completed) from courier_delivery (Courier delivery)" in text
    assert "store home (Home & Garden)" in text and "50000.00 – 1000000.50" in text
    assert "after 5d, no due time, priority normal, project after-sales" in text
    assert "enabled   no" in text
    call = json.loads(ok(cli("rules", "show", "Call within an hour", "--json", db=db)).stdout)
    assert (call["assignee"], call["due_in_seconds"], call["task_priority"]) == ({"role": "manager"}, 3600, "high")


def test_list_is_in_position_order_and_fits_80_columns(cli, db) -> None:
    ok(cli("rules", "add", *CALL, db=db))
    ok(cli("rules", "add", "--name", "Big orders", "--event", "order_created", "--priority", "5", "--continue",
           "--amount-from", "50000", "--amount-to", "1000000", "--login", "irina", "--title", "Big #ORDER_ID#",
           db=db))  # fmt: skip
    ok(cli("rules", "add", "--name", "Late in print", "--event", "overdue", "--to", "in_print", "--store", "print",
           "--role", "supervisor", "--title", "Late #ORDER_ID#", "--priority", "10", db=db))  # fmt: skip
    assert ours(cli, db) == ["Big orders", "Call within an hour", "Late in print"]  # 5, then 10 by name
    out = ok(cli("rules", "list", db=db)).stdout
    assert max(len(line) for line in out.splitlines()) <= 80
    for words in ("Big orders ↓", "irina", "50000 –", "1000000", "overdue in", "in_print", "supervisor", "due 1h"):
        assert words in out, words
    assert out.index("Big orders") < out.index("Call within") < out.index("Late in")


def test_list_of_no_rules_says_so(cli, empty_db) -> None:
    assert "no task rules yet" in ok(cli("rules", "list", db=empty_db)).stdout
    assert json.loads(ok(cli("rules", "list", "--json", db=empty_db)).stdout) == []


ADD_ERRORS = {
    "unknown_variable": (["--title", "Call #EMIAL#"], ['rule "Call"', "title", "unknown variable #EMIAL#"]),
    "amount_range": (["--amount-from", "100", "--amount-to", "5"], ["when", "amount_from 100.00 is more than"]),
    "unknown_login": (["--login", "nobody"], ["assignee.login", '"nobody"']),
    "unknown_role": (["--role", "manger"], ["assignee.role", '"manger"']),
    "unknown_group": (["--group", "nope"], ["assignee.group", '"nope"']),
    "unknown_store": (["--store", "nope"], ["when.store", '"nope"']),
    "unknown_channel": (["--channel", "fax"], ["when.channel", '"fax"']),
    "unknown_type": (["--type", "odd"], ["when.type", '"odd"']),
    "unknown_payment": (["--payment-method", "barter"], ["when.payment_method", '"barter"']),
    "unknown_delivery": (["--delivery-method", "drone"], ["when.delivery_method", '"drone"']),
    "to_on_order_created": (["--to", "new"], ["to", "order_created"]),
    "login_and_role": (["--login", "irina", "--role", "manager"], ["assignee", "login"]),
    "bad_duration": (["--due-in", "soon"], ["due_in", '"soon"']),
    "zero_due": (["--due-in", "0m"], ["due_in", "no time"]),
    "bad_money": (["--amount-from", "lots"], ["when.amount_from", '"lots"']),
    "bad_priority": (["--priority", "0"], ["priority"]),
    "bad_task_priority": (["--task-priority", "urgent"], ["task_priority", "'urgent'"]),
    "bad_event": (["--event", "paid"], ["event", "'paid'"]),
}


@pytest.mark.parametrize("case", list(ADD_ERRORS))
def test_add_refuses_what_load_refuses_in_one_line_and_writes_nothing(cli, db, case) -> None:
    extra, needles = ADD_ERRORS[case]
    base = ["--name", "Call", "--event", "order_created", "--title", "Call #NAME#"]
    before = snapshot_of(db)
    refused(cli("rules", "add", *base, *extra, db=db), *needles)
    assert snapshot_of(db) == before


def test_add_refuses_a_status_unknown_in_the_rules_store(cli, db) -> None:
    base = ["--name", "Paid", "--event", "status_changed", "--title", "t"]
    refused(
        cli("rules", "add", *base, "--to", "postupil", "--store", "home", db=db), 'store home has no status "postupil"'
    )
    refused(cli("rules", "add", *base, "--from", "nowhere", db=db), "from[0]", 'no store has a status "nowhere"')
    ok(cli("rules", "add", *base, "--to", "postupil", "--store", "dom", db=db))


def test_add_refuses_a_name_taken(cli, db) -> None:
    ok(cli("rules", "add", *CALL, db=db))
    before = snapshot_of(db)
    refused(cli("rules", "add", *CALL, db=db), 'rule "Call within an hour"', "exists already")
    assert snapshot_of(db) == before


def test_the_same_rule_in_a_file_and_from_the_cli_reads_the_same(cli, db, tmp_path) -> None:
    path = tmp_path / "r.toml"
    path.write_text('[[rules]]\nname = "Call"\nevent = "order_created"\ntitle = "Hi #EMIAL#"\n', encoding="utf-8")
    from_file = refused(cli("load", str(path), db=db))
    from_cli = refused(
        cli("rules", "add", "--name", "Call", "--event", "order_created", "--title", "Hi #EMIAL#", db=db)
    )
    assert from_file.split('"Call": ', 1)[1] == from_cli.split('"Call": ', 1)[1]


def test_move_sets_the_position(cli, db) -> None:
    ok(cli("rules", "add", *CALL, db=db))
    ok(cli("rules", "add", "--name", "Big orders", "--event", "order_created", "--priority", "5", "--title", "B",
           db=db))  # fmt: skip
    assert ours(cli, db) == ["Big orders", "Call within an hour"]
    assert ok(cli("rules", "move", "Call within an hour", "1", db=db)).stdout.strip() == (
        'rule "Call within an hour" is at position 1 now'
    )
    assert ours(cli, db) == ["Call within an hour", "Big orders"]
    assert query(db, "SELECT priority FROM task_rule WHERE name = 'Call within an hour'") == [(1,)]
    before = snapshot_of(db)
    assert "(unchanged)" in ok(cli("rules", "move", "Call within an hour", "1", db=db)).stdout
    assert snapshot_of(db) == before
    refused(cli("rules", "move", "Call within an hour", "0", db=db), "position")
    refused(cli("rules", "move", "Nope", "3", db=db), 'no rule named "Nope"', '"Call within an hour"')
    assert snapshot_of(db) == before


def test_disable_and_enable(cli, db) -> None:
    ok(cli("rules", "add", *CALL, db=db))
    assert ok(cli("rules", "disable", "Call within an hour", db=db)).stdout.strip() == (
        'rule "Call within an hour" is disabled now'
    )
    assert query(db, "SELECT enabled FROM task_rule WHERE name = 'Call within an hour'") == [(0,)]
    assert "(off)" in ok(cli("rules", "list", db=db)).stdout
    assert "(unchanged)" in ok(cli("rules", "disable", "Call within an hour", db=db)).stdout
    ok(cli("rules", "enable", "Call within an hour", db=db))
    assert query(db, "SELECT enabled FROM task_rule WHERE name = 'Call within an hour'") == [(1,)]
    refused(cli("rules", "enable", "Nope", db=db), 'no rule named "Nope"')


def test_every_change_is_audited_as_the_admins(cli, db) -> None:
    (start,) = query(db, "SELECT coalesce(max(id), 0) FROM audit_event")[0]  # the demo's own rules before
    ok(cli("rules", "add", *CALL, db=db))
    ok(cli("rules", "move", "Call within an hour", "3", db=db))
    ok(cli("rules", "disable", "Call within an hour", db=db))
    ok(cli("rules", "enable", "Call within an hour", db=db))
    ok(cli("rules", "remove", "Call within an hour", db=db))
    rows = query(db, "SELECT rule, action, actor_id, after FROM audit_event WHERE action LIKE 'rule.%' AND id > :start"
                     " ORDER BY id", start=start)  # fmt: skip
    assert [r[:3] for r in rows] == [("admin", a, None) for a in
                                     ("rule.added", "rule.moved", "rule.disabled", "rule.enabled", "rule.removed")]  # fmt: skip
    added = json.loads(rows[0][3]) if isinstance(rows[0][3], str) else rows[0][3]
    assert (added["name"], added["due_in"], added["assignee"]) == ("Call within an hour", "1h", {"role": "manager"})


def test_remove_keeps_the_tasks_and_drops_the_delayed_ones_still_waiting(cli, db) -> None:
    ok(cli("rules", "add", *CALL, "--delay", "5d", db=db))
    (rule_id,) = query(db, "SELECT id FROM task_rule WHERE name = 'Call within an hour'")[0]
    (order_id,) = query(db, "SELECT id FROM orders ORDER BY id LIMIT 1")[0]
    execute(db, "INSERT INTO task (title, text, order_id, rule_id, created_at, priority, project, status, overdue)"
                " VALUES ('Call', '', :o, :r, :at, 'high', 'default', 'open', false)", o=order_id, r=rule_id, at=NOW)  # fmt: skip
    execute(db, "INSERT INTO task_schedule (rule_id, order_id, event, occurrence, created_at, due_at, state)"
                " VALUES (:r, :o, 'order_created', 'created', :at, :at, 'waiting')", o=order_id, r=rule_id, at=NOW)  # fmt: skip
    out = ok(cli("rules", "remove", "Call within an hour", db=db)).stdout.strip()
    assert out == 'removed rule "Call within an hour"; 1 delayed task still waiting dropped'
    assert query(db, "SELECT count(*) FROM task_rule WHERE name = 'Call within an hour'") == [(0,)]
    assert query(db, "SELECT title, rule_id FROM task WHERE order_id = :o", o=order_id) == [("Call", None)]
    assert query(db, "SELECT count(*) FROM task_schedule WHERE rule_id = :r", r=rule_id) == [(0,)]
    refused(cli("rules", "remove", "Call within an hour", db=db), 'no rule named "Call within an hour"')


def test_show_of_an_unknown_rule_names_the_known_ones(cli, db) -> None:
    ok(cli("rules", "add", *CALL, db=db))
    refused(cli("rules", "show", "Cal", db=db), 'no rule named "Cal"', '"Call within an hour"')
