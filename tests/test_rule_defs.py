"""`[[rules]]` in `orderdesk load FILE.toml` (seed 001, DESIGN §3): a good rule is saved by name, loading
it again changes nothing; a bad one is refused with one line naming the rule and the key, and the
database is left exactly as it was (every table, counted and compared)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import query, refused, snapshot_of

# A new store first: a refused file must not write it either (load is all-or-nothing).
START = '[[stores]]\ncode = "garden"\nname = "Garden centre"\n\n'

CALL = """
[[rules]]
name = "Call within an hour"
event = "order_created"
priority = 10
assignee = { role = "manager" }
title = "Call #NAME# about order #ORDER_ID#"
text = "Phone #PHONE#, e-mail #EMAIL#"
due_in = "1h"
task_priority = "high"
"""

BIG = """
[[rules]]
name = "Big orders"
event = "order_created"
priority = 5
continue = true
when = { amount_from = "50000", amount_to = "1000000" }
assignee = { login = "irina" }
title = "Big order #ORDER_ID# (#TOTAL#)"
"""

PAID = """
[[rules]]
name = "Paid in Saint Petersburg"
event = "status_changed"
to = "completed"
from = ["courier_delivery", "post_delivery"]
when = { store = "home", city = "Saint Petersburg", payment_method = "card", delivery_method = "courier" }
assignee = { role = "manager", group = "home-web", city = "Saint Petersburg" }
title = "Thank #NAME#"
delay = "5d"
project = "after-sales"
"""


def write(tmp_path: Path, text: str, name: str = "rules.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def load(cli, db: str, path: Path) -> dict[str, dict[str, int]]:
    result = cli("load", str(path), "--json", db=db)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def rules_in(db: str) -> dict[str, dict[str, object]]:
    rows = query(
        db,
        "SELECT name, event, to_status, from_statuses, conditions, assignee, title, text, due_in, delay,"
        " task_priority, project, priority, continues, enabled FROM task_rule",
    )
    keys = ("event", "to_status", "from_statuses", "conditions", "assignee", "title", "text", "due_in", "delay",
            "task_priority", "project", "priority", "continues", "enabled")  # fmt: skip
    decoded = {}
    for name, *values in rows:
        row = dict(zip(keys, values, strict=True))
        for key in ("from_statuses", "conditions", "assignee"):
            if isinstance(row[key], str):
                row[key] = json.loads(row[key])
        row["continues"], row["enabled"] = bool(row["continues"]), bool(row["enabled"])
        decoded[name] = row
    return decoded


# ----------------------------------------------------------------------------------- good files


def test_rules_are_saved_with_every_field(demo_db, cli, tmp_path) -> None:
    summary = load(cli, demo_db, write(tmp_path, CALL + BIG + PAID))
    assert summary["rules"] == {"created": 3}
    rules = rules_in(demo_db)
    assert rules["Call within an hour"] == {
        "event": "order_created", "to_status": None, "from_statuses": [], "conditions": {},
        "assignee": {"role": "manager"}, "title": "Call #NAME# about order #ORDER_ID#",
        "text": "Phone #PHONE#, e-mail #EMAIL#", "due_in": 3600, "delay": 0, "task_priority": "high",
        "project": "default", "priority": 10, "continues": False, "enabled": True,
    }  # fmt: skip
    assert rules["Big orders"]["conditions"] == {"amount_from": 5_000_000, "amount_to": 100_000_000}  # minor units
    assert rules["Big orders"]["assignee"] == {"login": "irina"}
    assert rules["Big orders"]["continues"] is True
    paid = rules["Paid in Saint Petersburg"]
    assert (paid["to_status"], paid["from_statuses"]) == ("completed", ["courier_delivery", "post_delivery"])
    assert paid["conditions"] == {"store": "home", "city": "Saint Petersburg", "payment_method": "card",
                                  "delivery_method": "courier"}  # fmt: skip
    assert paid["assignee"] == {"role": "manager", "group": "home-web", "city": "Saint Petersburg"}
    assert (paid["delay"], paid["due_in"], paid["project"]) == (5 * 86400, None, "after-sales")


def test_loading_the_same_file_twice_changes_nothing(demo_db, cli, tmp_path) -> None:
    path = write(tmp_path, CALL + BIG + PAID)
    load(cli, demo_db, path)
    before = snapshot_of(demo_db)
    again = load(cli, demo_db, path)
    assert again["rules"] == {"unchanged": 3}
    assert all(not counts.get("created") and not counts.get("updated") for counts in again.values())
    assert snapshot_of(demo_db) == before  # not even an audit row


def test_a_changed_rule_is_updated_in_place_and_audited(demo_db, cli, tmp_path) -> None:
    (start,) = query(demo_db, "SELECT coalesce(max(id), 0) FROM audit_event")[0]  # the demo's own rules before
    load(cli, demo_db, write(tmp_path, CALL + BIG))
    (ident,) = query(demo_db, "SELECT id FROM task_rule WHERE name = 'Call within an hour'")[0]
    changed = CALL.replace('due_in = "1h"', 'due_in = "2h"').replace("priority = 10", "priority = 3")
    summary = load(cli, demo_db, write(tmp_path, changed + BIG, "changed.toml"))
    assert summary["rules"] == {"updated": 1, "unchanged": 1}
    rule = rules_in(demo_db)["Call within an hour"]
    assert (rule["due_in"], rule["priority"]) == (7200, 3)
    assert query(demo_db, "SELECT id FROM task_rule WHERE name = 'Call within an hour'") == [(ident,)]
    audit = query(demo_db, "SELECT rule, action, before, after FROM audit_event WHERE action LIKE 'rule.%' AND id > :start"
                           " ORDER BY id", start=start)  # fmt: skip
    assert [(r[0], r[1]) for r in audit] == [("config", "rule.created")] * 2 + [("config", "rule.updated")]
    before, after = (json.loads(v) if isinstance(v, str) else v for v in audit[-1][2:])
    assert (before["due_in"], before["priority"], after["due_in"], after["priority"]) == ("1h", 10, "2h", 3)
    assert after["file"].endswith("changed.toml")


def test_rules_the_file_does_not_list_stay(demo_db, cli, tmp_path) -> None:
    load(cli, demo_db, write(tmp_path, CALL + BIG))
    assert load(cli, demo_db, write(tmp_path, BIG, "big.toml"))["rules"] == {"unchanged": 1}
    assert {"Call within an hour", "Big orders"} <= set(rules_in(demo_db))


def test_a_rule_may_name_what_the_same_file_defines(empty_db, cli, tmp_path) -> None:
    text = """
[[stores]]
code = "shop"
name = "Shop"

[[channels]]
code = "web"
name = "Web"

[[groups]]
code = "sales"
name = "Sales"
stores = ["shop"]

[[employees]]
login = "zoe"
name = "Zoe"
roles = ["seller"]
groups = ["sales"]

[[stages]]
store = "shop"
code = "placed"
name = "Placed"

[[stages]]
store = "shop"
code = "shipped"
name = "Shipped"

[[rules]]
name = "Zoe ships"
event = "status_changed"
to = "shipped"
from = ["placed"]
when = { store = "shop", channel = "web" }
assignee = { role = "seller", group = "sales" }
title = "Ship #ORDER_ID#"

[[rules]]
name = "Zoe herself"
event = "overdue"
assignee = { login = "zoe" }
title = "Late: #ORDER_ID#"
"""
    summary = load(cli, empty_db, write(tmp_path, text))
    assert summary["rules"] == {"created": 2}
    assert summary["stores"] == {"created": 1}


# ----------------------------------------------------------------------------------- bad rules

GOOD = '\n[[rules]]\nname = "Fine"\nevent = "order_created"\ntitle = "Order #ORDER_ID#"\n'


def bad(fields: str, *, name: str = "Call within an hour", event: str = "order_created") -> str:
    return f'\n[[rules]]\nname = "{name}"\nevent = "{event}"\n{fields}\n'


T = 'title = "Call #NAME#"'
BAD_RULES = {
    "unknown_variable": (
        bad('title = "Call #NAME# at #EMIAL#"'),
        ['rules[1] "Call within an hour"', "title", "unknown variable #EMIAL#", "(known: #ORDER_ID#, #NAME#"],
    ),
    "unknown_variable_in_text": (bad(T + '\ntext = "#PHONE# #FOO# #BAR#"'), ["text", "#FOO#, #BAR#"]),
    "lower_case_variable": (bad('title = "Call #email#"'), ["title", "#email#", "#EMAIL#"]),
    "amount_from_over_amount_to": (
        bad(T + '\nwhen = { amount_from = "1000000", amount_to = "50000" }'),
        ['rules[1] "Call within an hour"', "when", "amount_from 1000000.00 is more than amount_to 50000.00"],
    ),
    "unknown_login": (
        bad(T + '\nassignee = { login = "nobody" }'),
        ['rules[1] "Call within an hour"', "assignee.login", '"nobody"'],
    ),
    "unknown_role": (bad(T + '\nassignee = { role = "manger" }'), ["assignee.role", 'unknown role "manger"']),
    "unknown_group": (bad(T + '\nassignee = { group = "nope" }'), ["assignee.group", 'unknown group "nope"']),
    "unknown_store": (bad(T + '\nwhen = { store = "nope" }'), ["when.store", 'unknown store "nope"']),
    "unknown_channel": (bad(T + '\nwhen = { channel = "fax" }'), ["when.channel", 'unknown channel "fax"']),
    "unknown_type": (bad(T + '\nwhen = { type = "odd" }'), ["when.type", 'unknown order type "odd"']),
    "unknown_payment": (
        bad(T + '\nwhen = { payment_method = "barter" }'),
        ["when.payment_method", 'unknown payment method "barter"'],
    ),
    "unknown_delivery": (
        bad(T + '\nwhen = { delivery_method = "drone" }'),
        ["when.delivery_method", 'unknown delivery method "drone"'],
    ),
    "unknown_status": (
        bad(T + '\nto = "shipped_to_mars"', event="status_changed"),
        ["to", 'no store has a status "shipped_to_mars"'],
    ),
    "unknown_from_status": (
        bad(T + '\nto = "completed"\nfrom = ["new", "nope"]', event="status_changed"),
        ["from[1]", '"nope"'],
    ),
    "status_of_another_store": (  # "postupil" is a status of "dom", not of "home"
        bad(T + '\nto = "postupil"\nwhen = { store = "home" }', event="status_changed"),
        ["to", 'store home has no status "postupil"'],
    ),
    "overdue_unknown_stage": (bad(T + '\nto = "nope"', event="overdue"), ["to", '"nope"']),
    "to_on_order_created": (bad(T + '\nto = "new"'), ["to", "order_created"]),
    "from_on_overdue": (bad(T + '\nfrom = ["new"]', event="overdue"), ["from", "status_changed"]),
    "login_and_role": (
        bad(T + '\nassignee = { login = "irina", role = "manager" }'),
        ["assignee", "login", "role"],
    ),
    "unknown_event": (bad(T, event="order_paid"), ["event", "'order_paid'", "order_created"]),
    "unknown_key": (bad(T + '\ndue = "1h"'), ["due", "unknown key"]),
    "empty_title": (bad('title = "  "'), ["title", "must not be empty"]),
    "no_title": (bad(""), ["title", "is required"]),
    "bad_duration": (bad(T + '\ndelay = "5 years"'), ["delay", "not a duration"]),
    "bad_priority": (bad(T + "\npriority = 0"), ["priority", "greater than or equal to 1"]),
    "bad_task_priority": (bad(T + '\ntask_priority = "urgent"'), ["task_priority", "'urgent'"]),
    "money_as_float": (bad(T + "\nwhen = { amount_from = 1.5 }"), ["when.amount_from", "decimal"]),
    "duplicate_name": (bad(T, name="Fine"), ['rules[1] "Fine"', "name", "rules[0]"]),
    "long_name": (bad(T, name="x" * 201), ["rules[1]", "name", "longer than 200"]),
}


@pytest.mark.parametrize("case", list(BAD_RULES))
def test_a_bad_rule_is_refused_naming_the_rule_and_the_key_and_nothing_is_written(demo_db, cli, tmp_path, case) -> None:
    body, needles = BAD_RULES[case]
    path = write(tmp_path, START + GOOD + body)
    before = snapshot_of(demo_db)
    (rules_before,) = query(demo_db, "SELECT count(*) FROM task_rule")
    line = refused(cli("load", str(path), db=demo_db), str(path), *needles)
    assert "rules[1]" in line
    assert query(demo_db, "SELECT count(*) FROM task_rule") == [rules_before]
    assert query(demo_db, "SELECT code FROM store WHERE code = 'garden'") == []
    assert snapshot_of(demo_db) == before


def test_the_message_reads_as_the_issue_says(demo_db, cli, tmp_path) -> None:
    path = write(tmp_path, GOOD + GOOD.replace("Fine", "Other") + bad('title = "Call #EMIAL#"'))
    line = refused(cli("load", str(path), db=demo_db))
    assert line == (
        f'orderdesk: {path}: rules[2] "Call within an hour": title: unknown variable #EMIAL# '
        "(known: #ORDER_ID#, #NAME#, #PHONE#, #EMAIL#, #TOTAL#, #STATUS#, #STORE#, #MANAGER#)"
    )


def test_a_bad_rule_leaves_rules_already_saved_as_they_were(demo_db, cli, tmp_path) -> None:
    load(cli, demo_db, write(tmp_path, CALL))
    saved = rules_in(demo_db)
    changed = CALL.replace('due_in = "1h"', 'due_in = "3h"')
    path = write(tmp_path, changed + bad(T + '\nassignee = { login = "nobody" }', name="Bad"), "bad.toml")
    refused(cli("load", str(path), db=demo_db), 'rules[1] "Bad"', "assignee.login")
    assert rules_in(demo_db) == saved


def test_references_are_checked_against_an_empty_database_too(empty_db, cli, tmp_path) -> None:
    path = write(tmp_path, bad(T + '\nassignee = { role = "manager", group = "sales" }'))
    refused(cli("load", str(path), db=empty_db), "assignee.group", 'unknown group "sales"', "there are none yet")
    assert query(empty_db, "SELECT count(*) FROM task_rule") == [(0,)]
