"""A backlog pass large enough to write set-based (issue 18): the orders', managers' and customers'
rows go through a temporary table and one UPDATE … FROM it, on both backends, and the desk sees
what the one-row-at-a-time writes gave: every order with its manager and one audit row saying why,
each customer bound to the manager of his first order (B1), the managers' turns moved on."""

from __future__ import annotations

import json
from datetime import timedelta

import storage.writes
from tests.conftest import as_json, ok, query
from tests.test_distribution import DESK, import_orders, order

CUSTOMERS, EACH = 40, 3  # 120 orders of 40 customers


def test_a_pass_of_120_orders_written_set_based_gives_binds_and_explains_as_before(
    empty_db, cli, tmp_path, monkeypatch
):
    config = tmp_path / "desk.toml"
    config.write_text(DESK.replace('workload_limit = { statuses = ["new"], max = 5 }\n', ""))
    db = empty_db
    ok(cli("load", str(config), db=db))
    ok(cli("settings", "set", "distribution.enabled", "false", db=db))  # turning free hands out none yet
    for login in ("anna", "boris", "emma"):
        ok(cli("users", "login", login, db=db))
        ok(cli("users", "set-status", login, "free", db=db))
    orders = [
        order(f"H-{c:02d}-{k}", customer={"name": f"Customer {c}", "phone": f"+44 20 3333 {c:04d}"},
              age=timedelta(hours=1, minutes=EACH * CUSTOMERS - (k * CUSTOMERS + c)))
        for k in range(EACH) for c in range(CUSTOMERS)
    ]  # fmt: skip  # oldest first: every customer's first order, then every second, then every third
    import_orders(cli, db, tmp_path, orders)
    ok(cli("settings", "set", "distribution.enabled", "true", db=db))
    monkeypatch.setattr(storage.writes, "SET_BASED_FROM", 30)  # 40 customers bound: set-based too
    set_based = []
    update_from = storage.writes.update_from
    monkeypatch.setattr(storage.writes, "update_from", lambda *a, **k: set_based.append(a[1]) or update_from(*a, **k))

    assigned = json.loads(ok(cli("distribute", "--json", db=db)).stdout)["assigned"]

    assert sorted(set_based) == ["customer", "orders"]  # the large writes went set-based
    assert len(assigned) == CUSTOMERS * EACH
    managers = dict(query(db, "SELECT o.number, e.login FROM orders o JOIN employee e ON e.id = o.manager_id"))
    assert managers == {a["order"]: a["manager"] for a in assigned} and len(managers) == CUSTOMERS * EACH
    firsts = [managers[f"H-{c:02d}-0"] for c in range(CUSTOMERS)]
    assert firsts == ["anna", "boris", "emma"] * (CUSTOMERS // 3) + ["anna", "boris", "emma"][: CUSTOMERS % 3]
    for c in range(CUSTOMERS):  # his later orders went to the manager his first one bound him to (B1)
        assert {managers[f"H-{c:02d}-{k}"] for k in range(EACH)} == {firsts[c]}
    bound = dict(query(db, "SELECT c.phone, e.login FROM customer c JOIN employee e ON e.id = c.manager_id "
                           "WHERE c.phone LIKE '%3333%'"))  # fmt: skip
    assert bound == {f"+44 20 3333 {c:04d}": firsts[c] for c in range(CUSTOMERS)}
    turns = query(db, "SELECT login, last_assigned_at FROM employee WHERE last_assigned_at IS NOT NULL")
    assert sorted(login for login, _ in turns) == ["anna", "boris", "emma"]
    audits = query(db, "SELECT o.number, a.after FROM audit_event a JOIN orders o ON o.id = a.order_id "
                       "WHERE a.action = 'order.assigned'")  # fmt: skip
    assert sorted(number for number, _ in audits) == sorted(managers)  # one each
    after = {number: as_json(value) for number, value in audits}
    assert after["H-05-0"]["via"] == "carousel" and after["H-05-1"]["via"] == "responsible"
    explained = json.loads(ok(cli("orders", "explain", "H-05-0", "--json", db=db)).stdout)
    assert explained["manager"] == firsts[5] and explained["recorded"] is True
    assert explained["candidates"] == after["H-05-0"]["trace"]["candidates"]
    assert [c for c in explained["candidates"] if c["chosen"]] == [
        {"login": firsts[5], "chosen": True, "reason": "longest without an order"}
    ]
