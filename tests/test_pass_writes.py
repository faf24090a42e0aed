"""A backlog pass large enough to write set-based (issue 18): the orders', managers' and customers'
rows go through a temporary table and one UPDATE … FROM it, on both backends, and the desk sees
what the one-row-at-a-time writes gave: every order with its manager and one audit row saying why,
each customer bound to the manager of his first order (B1), the managers' turns moved on."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timedelta
from typing import NamedTuple

from hypothesis import given, settings
from hypothesis import strategies as st

import storage.writes
from orderdesk.config.schema import Settings
from orderdesk.policy.binding import CustomerBinding
from orderdesk.policy.distribution import Carousel, Decision, Manager, OrderFacts, Verdict
from orderdesk.usecases.assignment import facts_of_rows, order_facts, write_assignments
from storage import distribution_queries
from storage.db import write_session
from tests.conftest import NOW, as_json, execute, ok, query
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


# ---------------------------------------------------------------------------------- the fast paths


FACT_COLUMNS = ("id", "number", "store_id", "channel_id", "type_id", "created_at", "status", "customer_id",
                "responsible_id", "registrar_id")  # fmt: skip


class _Row(NamedTuple):  # a row of distribution_queries.pending_orders, by name and by position
    id: int
    number: str
    store_id: int
    channel_id: int
    type_id: int
    created_at: datetime
    status: str
    customer_id: int
    responsible_id: int | None
    registrar_id: int | None


def test_the_pending_rows_have_the_columns_facts_of_rows_reads_by_position():
    assert tuple(distribution_queries._order_facts().selected_columns.keys()) == FACT_COLUMNS


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(1, 6), st.sampled_from([None, 1, 2, 3]), st.sampled_from([None, 7, 8]),
                       st.sampled_from([None, 1, 2, 4])), max_size=30),
    st.booleans(),
)  # fmt: skip
def test_facts_of_rows_are_the_facts_order_facts_makes_each_seeing_the_binding_before_it(rows, from_registrar):
    """(customer, his card's manager, registrar, the manager the decision gives): the fast reading by
    position, made one at a time as the pass asks, equals `order_facts` row by row, with the binding
    moved on by each decision in between (B1)."""
    settings_ = Settings.model_validate({"manager_from_registrar": from_registrar})
    inactive = {4}
    plain = CustomerBinding({}, active=lambda e: e not in inactive)
    fast = CustomerBinding({}, active=lambda e: e not in inactive)
    made = [
        _Row(n, f"N-{n}", 1, 2, 3, NOW - timedelta(minutes=n), "new", customer, card, registrar)
        for n, (customer, card, registrar, _) in enumerate(rows)
    ]
    facts = facts_of_rows(made, settings=settings_, binding=fast)
    for row, (_, _, _, given_to) in zip(made, rows, strict=True):
        expected = order_facts(row, settings=settings_, binding=plain)
        got = next(facts)
        assert got == expected and type(got) is OrderFacts
        plain.assigned(row.customer_id, given_to)
        fast.assigned(row.customer_id, given_to)
    assert next(facts, None) is None
    assert fast.managers == plain.managers and fast.changed == plain.changed


def test_audit_rows_whose_json_is_made_once_per_distinct_decision_say_each_decisions_own_trace(demo_db, engine_of):
    """`write_assignments` encodes an `after` once for the decisions that say the same (equal, not
    the same objects) and writes the rows as tuples: each row still holds the JSON of its own
    decision, and those that differ (manager, trace, reasons counted, note) are not merged."""
    execute(demo_db, "UPDATE orders SET manager_id = NULL")
    managers = query(demo_db, "SELECT id, login FROM employee WHERE CAST(roles AS TEXT) LIKE '%manager%' ORDER BY id")[
        :2
    ]
    orders = [r[0] for r in query(demo_db, "SELECT id FROM orders ORDER BY id")][:8]
    assert len(managers) == 2 and len(orders) == 8
    (a, a_login), (b, b_login) = managers

    def decision(order_id: int, manager: int, login: str, more: dict[str, int], note: str) -> Decision:
        fact = OrderFacts(order_id, f"N{order_id}", 1, 1, 1, NOW, "new")
        skipped = Counter(more)
        return Decision(fact, manager, "carousel", [Verdict(login, True, "longest without an order")], skipped, note)

    note = "the managers after him in the carousel were not examined"
    decisions = [
        decision(orders[0], a, a_login, {"busy": 2}, note),
        decision(orders[1], a, a_login, {"busy": 2}, note),  # the same as the first
        decision(orders[2], b, b_login, {"busy": 2}, note),  # another manager
        decision(orders[3], a, a_login, {"busy": 3}, note),  # another count
        decision(orders[4], a, a_login, {"busy": 2, "on a break": 1}, note),
        decision(orders[5], a, a_login, {"on a break": 1, "busy": 2}, note),  # "more" in another order
        decision(orders[6], a, a_login, {"busy": 2}, ""),  # another note
        decision(orders[7], a, a_login, {"busy": 2}, note),  # the first's again
    ]
    carousel = Carousel([Manager(id=a, login=a_login), Manager(id=b, login=b_login)])
    engine = engine_of(demo_db)
    with write_session(engine) as session:
        write_assignments(session=session, decisions=decisions, carousel=carousel, now=NOW, rule="distribution")
    rows = query(demo_db, "SELECT order_id, before, after, rule, at FROM audit_event "
                          "WHERE action = 'order.assigned' ORDER BY id")  # fmt: skip
    assert [r[0] for r in rows] == orders
    for (_, before, after, rule, _), d in zip(rows, decisions, strict=True):
        login = a_login if d.manager_id == a else b_login
        assert as_json(after) == json.loads(json.dumps({"manager": login, "via": "carousel", "trace": d.as_json()}))
        assert list(as_json(after)["trace"]["more"]) == list(d.skipped)  # in the order its reasons were met
        assert as_json(before) == {"manager": None} and rule == "distribution"
    assert len({str(r[2]) for r in rows}) == 6
    assert dict(query(demo_db, "SELECT id, manager_id FROM orders WHERE manager_id IS NOT NULL")) == {
        d.order.id: d.manager_id for d in decisions
    }
