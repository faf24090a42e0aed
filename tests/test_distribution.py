"""Distribution of orders to managers end to end (DESIGN D1–D6, B1, U1; seeds 000 and 002).

Everything goes through the command line with the fixed clock, and the assertions are what a user
of the desk notices: who an order went to, what `distribute` / `set-status` print, what
`orders explain` says, what `stats` counts, and that a refusal changes nothing.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path

import pytest

from tests.conftest import NOW, ok, query, refused, snapshot_of

ROOT = Path(__file__).resolve().parent.parent

# A small desk: two stores, two processing groups for the home store's web orders and for digital
# orders of both stores, one for the toy store, and a group that does not process orders (and covers
# everything, so that using it by mistake would show).
DESK = """
[settings]
session_timeout = "2m"

[settings.distribution]
enabled = true
mode = "equal"
check_responsible_online = true
priority = "oldest_first"
max_age = "90d"
workload_limit = { statuses = ["new"], max = 5 }

[[stores]]
code = "home"
name = "Home"

[[stores]]
code = "toys"
name = "Toys"

[[channels]]
code = "site"
name = "Web site"

[[channels]]
code = "phone"
name = "Phone"

[[order_types]]
code = "regular"
name = "Regular"

[[order_types]]
code = "digital"
name = "Digital"

[[payment_methods]]
code = "card"
name = "Card"

[[delivery_methods]]
code = "pickup"
name = "Pickup"
price = "0.00"

[[groups]]
code = "web"
name = "Home, web orders"
process_orders = true
stores = ["home"]
channels = ["site"]
order_types = []

[[groups]]
code = "digital"
name = "Digital orders of both stores"
process_orders = true
stores = ["home", "toys"]
channels = []
order_types = ["digital"]

[[groups]]
code = "toys-all"
name = "Toys, everything"
process_orders = true
stores = ["toys"]

[[groups]]
code = "idle"
name = "Back office (never handed orders)"
process_orders = false
stores = ["home", "toys"]
channels = []
order_types = []

[[employees]]
login = "anna"
name = "Anna"
roles = ["manager"]
groups = ["web"]

[[employees]]
login = "boris"
name = "Boris"
roles = ["manager"]
groups = ["web"]

[[employees]]
login = "emma"
name = "Emma"
roles = ["manager"]
groups = ["web"]

[[employees]]
login = "carl"
name = "Carl"
roles = ["manager"]
groups = ["idle"]

[[employees]]
login = "dora"
name = "Dora"
roles = ["manager"]
groups = ["digital"]

[[employees]]
login = "tina"
name = "Tina"
roles = ["manager"]
groups = ["toys-all"]

[[employees]]
login = "sam"
name = "Sam"
roles = ["supervisor"]
groups = ["web"]

[[customers]]
name = "Alice Responsible"
phone = "+44 20 0000 0001"
manager = "boris"

[[customers]]
name = "Bob Nobody"
phone = "+44 20 0000 0002"

[[stages]]
store = "home"
code = "new"
name = "New"
time_limit = "1h"

[[stages]]
store = "home"
code = "done"
name = "Done"
kind = "final"

[[stages]]
store = "toys"
code = "new"
name = "New"
time_limit = "1h"

[[stages]]
store = "toys"
code = "done"
name = "Done"
kind = "final"
"""

ALICE = {"name": "Alice Responsible", "phone": "+44 20 0000 0001"}  # boris is her manager
BOB = {"name": "Bob Nobody", "phone": "+44 20 0000 0002"}  # no manager
DAN = {"name": "Dan New", "phone": "+44 20 0000 0003"}  # not known until his first order


# ----------------------------------------------------------------------------------- helpers


@pytest.fixture
def desk(empty_db, cli, tmp_path):
    """The small desk above loaded onto an empty database; nobody logged in, no orders."""
    path = tmp_path / "desk.toml"
    path.write_text(DESK)
    result = cli("load", str(path), db=empty_db)
    assert result.exit_code == 0, result.stderr
    return empty_db


def new_customer(i):
    return {"name": f"Customer {i}", "phone": f"+44 20 1111 {i:04d}"}


def order(number, *, customer=BOB, store="home", channel="site", type="regular", age=timedelta(hours=1),
          price="10.00", qty=1, manager=None):  # fmt: skip
    return {
        "number": number, "store": store, "channel": channel, "type": type,
        "created_at": (NOW - age).isoformat().replace("+00:00", "Z"),
        "customer": dict(customer), "items": [{"sku": "S-1", "name": "Thing", "qty": qty, "price": price}],
        "payment_method": "card", "delivery": {"method": "pickup"}, "manager": manager,
    }  # fmt: skip


_files = iter(range(10**6))


def import_orders(cli, db, tmp_path, orders):
    path = tmp_path / f"orders-{next(_files)}.json"
    path.write_text(json.dumps(orders))
    ok(cli("orders", "import", str(path), db=db))


def load_more(cli, db, tmp_path, text):
    path = tmp_path / f"more-{next(_files)}.toml"
    path.write_text(textwrap.dedent(text))
    ok(cli("load", str(path), db=db))


def free(cli, db, *logins):
    """Log each in and make him free, as a desk does; returns the last set-status output."""
    out = ""
    for login in logins:
        ok(cli("users", "login", login, db=db))
        out = ok(cli("users", "set-status", login, "free", db=db)).stdout
    return out


def show(cli, db, number):
    return json.loads(ok(cli("orders", "show", number, "--json", db=db)).stdout)


def manager_of(cli, db, number):
    return show(cli, db, number)["manager"]


def customer_manager(db, phone_digits):
    rows = query(
        db,
        "SELECT e.login FROM customer c LEFT JOIN employee e ON e.id = c.manager_id WHERE c.phone_key LIKE :p",
        p=f"%{phone_digits}",
    )
    assert len(rows) == 1, rows
    return rows[0][0]


def distribute(cli, db):
    return json.loads(ok(cli("distribute", "--json", db=db)).stdout)


def explain(cli, db, number):
    return ok(cli("orders", "explain", number, db=db)).stdout


def candidate_line(text, login):
    lines = [line.strip() for line in text.splitlines() if line.strip()[2:].startswith(f"{login}:")]
    assert len(lines) == 1, text
    return lines[0]


# ----------------------------------------------------------------------------------- D2: the responsible manager first


def test_responsible_manager_gets_his_customers_order_before_the_carousel(desk, cli, tmp_path):
    free(cli, desk, "anna", "boris")  # anna is first in the carousel (never given an order, lower id)
    import_orders(cli, desk, tmp_path, [order("H-1", customer=ALICE), order("H-2", customer=BOB)])
    moved = distribute(cli, desk)
    assert sorted((m["order"], m["manager"]) for m in moved["assigned"]) == [("H-1", "boris"), ("H-2", "anna")]
    assert moved["left"] == 0
    text = explain(cli, desk, "H-1")
    assert "went to boris as the customer's responsible manager" in text
    assert "went to anna by the carousel" in explain(cli, desk, "H-2")


def test_an_offline_responsible_manager_gets_the_order_when_online_is_not_checked(desk, cli, tmp_path):
    free(cli, desk, "anna")  # boris never logged in
    ok(cli("settings", "set", "distribution.check_responsible_online", "false", db=desk))
    import_orders(cli, desk, tmp_path, [order("H-1", customer=ALICE)])
    assert distribute(cli, desk)["assigned"] == [{"order": "H-1", "manager": "boris"}]
    # ... but even then not when he is at his limit: the carousel takes it
    import_orders(cli, desk, tmp_path, [order(f"H-B{i}", manager="boris") for i in range(4)])  # 5 in "new" now
    import_orders(cli, desk, tmp_path, [order("H-2", customer=ALICE)])
    assert distribute(cli, desk)["assigned"] == [{"order": "H-2", "manager": "anna"}]
    assert "limit 5/5 in new" in candidate_line(explain(cli, desk, "H-2"), "boris")


@pytest.mark.parametrize("state", ["not logged in", "logged out", "busy", "on a break", "at his limit"])
def test_an_unavailable_responsible_manager_falls_through_to_the_carousel_and_stays_bound(desk, cli, tmp_path, state):
    free(cli, desk, "anna")
    if state == "logged out":
        free(cli, desk, "boris")
        ok(cli("users", "logout", "boris", db=desk))
    elif state in ("busy", "on a break"):
        ok(cli("users", "login", "boris", db=desk))
        ok(cli("users", "set-status", "boris", {"busy": "busy", "on a break": "break"}[state], db=desk))
    elif state == "at his limit":
        free(cli, desk, "boris")
        import_orders(cli, desk, tmp_path, [order(f"H-B{i}", manager="boris") for i in range(5)])
    import_orders(cli, desk, tmp_path, [order("H-1", customer=ALICE)])
    assert distribute(cli, desk)["assigned"] == [{"order": "H-1", "manager": "anna"}]
    reason = {"not logged in": "not logged in", "logged out": "not logged in", "busy": "busy",
              "on a break": "on a break", "at his limit": "limit 5/5 in new"}[state]  # fmt: skip
    assert reason in candidate_line(explain(cli, desk, "H-1"), "boris")
    # B1: while he is only offline, busy or at his limit, Alice stays his customer
    assert customer_manager(desk, "0001") == "boris"
    assert show(cli, desk, "H-1")["customer"]["manager"] == "boris"


@pytest.mark.parametrize("check_online", ["true", "false"])
def test_a_deactivated_responsible_manager_is_replaced_by_the_one_the_order_goes_to(desk, cli, tmp_path, check_online):
    ok(cli("settings", "set", "distribution.check_responsible_online", check_online, db=desk))
    free(cli, desk, "anna", "boris")
    load_more(
        cli,
        desk,
        tmp_path,
        """
        [[employees]]
        login = "boris"
        name = "Boris"
        roles = ["manager"]
        groups = ["web"]
        active = false
    """,
    )
    import_orders(cli, desk, tmp_path, [order("H-1", customer=ALICE)])
    assert distribute(cli, desk)["assigned"] == [{"order": "H-1", "manager": "anna"}]
    assert "deactivated" in candidate_line(explain(cli, desk, "H-1"), "boris")
    assert customer_manager(desk, "0001") == "anna"  # B1: the winner becomes Alice's manager
    # and her next order goes to anna as her responsible manager
    import_orders(cli, desk, tmp_path, [order("H-2", customer=ALICE)])
    assert distribute(cli, desk)["assigned"] == [{"order": "H-2", "manager": "anna"}]
    assert "as the customer's responsible manager" in explain(cli, desk, "H-2")


# ----------------------------------------------------------------------------------- D1/D5: mode none


def test_mode_none_gives_orders_only_to_the_responsible_manager_and_counts_the_rest(desk, cli, tmp_path):
    ok(cli("settings", "set", "distribution.mode", "none", db=desk))
    free(cli, desk, "anna", "boris", "emma")
    import_orders(cli, desk, tmp_path, [
        order("H-1", customer=ALICE, price="100.00"),
        order("H-2", price="12.50", qty=2),
        order("H-3", price="0.99"),
    ])  # fmt: skip
    moved = distribute(cli, desk)
    assert moved == {"assigned": [{"order": "H-1", "manager": "boris"}], "left": 2}
    assert manager_of(cli, desk, "H-2") is None and manager_of(cli, desk, "H-3") is None
    assert "only the customer's manager" in explain(cli, desk, "H-2")
    stats = json.loads(ok(cli("stats", "--json", db=desk)).stdout)
    assert stats["undistributed"]["count"] == 2
    assert stats["undistributed"]["sums"] == [{"currency": None, "sum": "25.99"}]  # a store with no currency set
    assert {m["login"]: m["open"] for m in stats["managers"]} == {"boris": 1}
    people = ok(cli("stats", db=desk)).stdout
    assert "25.99" in people


# ----------------------------------------------------------------------------------- D3: groups


def test_orders_go_only_to_processing_groups_that_cover_store_channel_and_type(desk, cli, tmp_path):
    free(cli, desk, "carl", "anna", "dora", "tina")
    import_orders(cli, desk, tmp_path, [  # each of a new customer, so that no one is bound yet
        order("H-WEB", channel="site", customer=new_customer(1)),                   # web group: anna
        order("T-ANY", store="toys", channel="phone", customer=new_customer(2)),    # toys-all (no channels): tina
        order("H-DIG", channel="phone", type="digital", customer=new_customer(3)),  # digital, both stores: dora
        order("H-PHONE", channel="phone", customer=new_customer(4)),                # home + phone + regular: nobody
    ])  # fmt: skip
    moved = distribute(cli, desk)
    assert sorted((m["order"], m["manager"]) for m in moved["assigned"]) == [
        ("H-DIG", "dora"),
        ("H-WEB", "anna"),
        ("T-ANY", "tina"),
    ]
    assert moved["left"] == 1 and manager_of(cli, desk, "H-PHONE") is None
    text = explain(cli, desk, "H-PHONE")
    assert "is waiting; no manager can take it now" in text
    assert "channel not in group web" in candidate_line(text, "anna")
    assert "type not in group digital" in candidate_line(text, "dora")
    assert "store not in group toys-all" in candidate_line(text, "tina")
    # carl's group covers everything but does not process orders: he is never a candidate
    assert "carl" not in text
    stats = json.loads(ok(cli("stats", "--json", db=desk)).stdout)
    assert "carl" not in {m["login"] for m in stats["managers"]}


# ----------------------------------------------------------------------------------- D1: priority and max_age


BACKLOG = [order(f"H-{i}", age=timedelta(hours=10 * i + 1)) for i in range(1, 9)]  # H-8 oldest, H-1 newest


@pytest.mark.parametrize(
    "priority, expected",
    [("oldest_first", ["H-4", "H-5", "H-6", "H-7", "H-8"]), ("newest_first", ["H-1", "H-2", "H-3", "H-4", "H-5"])],
)
def test_a_backlog_is_taken_in_the_configured_priority_up_to_the_limit(desk, cli, tmp_path, priority, expected):
    ok(cli("settings", "set", "distribution.priority", priority, db=desk))
    import_orders(cli, desk, tmp_path, BACKLOG)
    ok(cli("users", "login", "anna", db=desk))
    out = ok(cli("users", "set-status", "anna", "free", db=desk)).stdout
    got = sorted(line.split(" → ")[0] for line in out.splitlines() if "→" in line)
    assert got == expected
    assert "assigned 5; 3 still waiting" in out
    mine = json.loads(ok(cli("orders", "list", "--manager", "anna", "--json", db=desk)).stdout)
    assert sorted(o["number"] for o in mine) == expected
    # she is at her limit: the next pass gives her nothing and says why
    assert distribute(cli, desk) == {"assigned": [], "left": 3}
    waiting = next(n for n in (o["number"] for o in BACKLOG) if n not in expected)
    assert "limit 5/5 in new" in candidate_line(explain(cli, desk, waiting), "anna")


def test_orders_older_than_max_age_are_never_distributed(desk, cli, tmp_path):
    import_orders(cli, desk, tmp_path, [
        order("H-OLD", age=timedelta(days=91)),
        order("H-EDGE", age=timedelta(days=89, hours=23)),
    ])  # fmt: skip
    free(cli, desk, "anna")  # the pass when she turns free
    assert manager_of(cli, desk, "H-EDGE") == "anna"
    assert manager_of(cli, desk, "H-OLD") is None
    assert distribute(cli, desk) == {"assigned": [], "left": 0}
    assert manager_of(cli, desk, "H-OLD") is None
    text = explain(cli, desk, "H-OLD")
    assert "is waiting; older than 90 days: never distributed automatically" in text
    # a shorter max_age keeps more out; the order still counts as undistributed (D5)
    ok(cli("settings", "set", "distribution.max_age", "30m", db=desk))
    import_orders(cli, desk, tmp_path, [order("H-HOUR", age=timedelta(hours=1))])
    assert distribute(cli, desk) == {"assigned": [], "left": 0}
    assert json.loads(ok(cli("stats", "--json", db=desk)).stdout)["undistributed"]["count"] == 2
    # but a person may still take it by hand
    ok(cli("orders", "claim", "H-OLD", "--as", "emma", db=desk))
    assert manager_of(cli, desk, "H-OLD") == "emma"


# ----------------------------------------------------------------------------------- D4: the night backlog (demo)


def test_night_backlog_waits_until_managers_log_in_and_turn_free(demo_db, cli):
    before = json.loads(ok(cli("stats", "--json", db=demo_db)).stdout)["undistributed"]
    assert before["count"] > 0
    first = distribute(cli, demo_db)
    assert first["assigned"] == [] and first["left"] == before["count"]  # nobody is logged in at night
    assert json.loads(ok(cli("stats", "--json", db=demo_db)).stdout)["undistributed"] == before
    # Елена Васильева's waiting order; her manager kirill is deactivated, so the import of her
    # order D-1041, irina's, made irina her responsible manager (B1)
    [(waiting,)] = query(
        demo_db,
        "SELECT o.number FROM orders o JOIN customer c ON c.id = o.customer_id"
        " WHERE c.name = 'Елена Васильева' AND o.manager_id IS NULL ORDER BY o.created_at LIMIT 1",
    )
    night = explain(cli, demo_db, waiting)
    assert night.splitlines()[0] == f"order {waiting} is waiting; no manager can take it now"
    assert show(cli, demo_db, waiting)["customer"]["manager"] == "irina"
    assert night.splitlines()[1] == "  · irina: not logged in"
    assert candidate_line(night, "boris") == "· boris: not logged in"

    ok(cli("users", "login", "boris", db=demo_db))
    assert distribute(cli, demo_db)["assigned"] == []  # logged in but still offline
    out = ok(cli("users", "set-status", "boris", "free", db=demo_db)).stdout
    given = [line.split(" → ") for line in out.splitlines() if " → " in line]
    assert given and {login for _, login in given} == {"boris"}
    for number, _ in given:
        assert number.startswith("D-") and manager_of(cli, demo_db, number) == "boris"
        assert "went to boris" in explain(cli, demo_db, number)

    out = free(cli, demo_db, "nikolai")  # the night shift takes any store
    nikolai = [line.split(" → ")[0] for line in out.splitlines() if line.endswith("→ nikolai")]
    assert nikolai and {n[0] for n in nikolai} <= {"H", "D", "P"}
    after = json.loads(ok(cli("stats", "--json", db=demo_db)).stdout)["undistributed"]
    assert after["count"] == before["count"] - len(given) - len(nikolai)


def test_a_customers_backlog_follows_the_manager_his_first_order_bound_him_to(desk, cli, tmp_path):
    """Seed 002 inside one pass: Bob's first waiting order binds him to its manager, so his next
    ones are his responsible manager's, exactly as if they had arrived one at a time."""
    free(cli, desk, "anna", "emma")
    import_orders(cli, desk, tmp_path, [
        order("H-1", customer=BOB, age=timedelta(hours=4)),
        order("H-2", customer=DAN, age=timedelta(hours=3)),
        order("H-3", customer=BOB, age=timedelta(hours=2)),
        order("H-4", customer=BOB, age=timedelta(hours=1)),
    ])  # fmt: skip
    distribute(cli, desk)
    assert manager_of(cli, desk, "H-1") == "anna" and customer_manager(desk, "0002") == "anna"
    assert manager_of(cli, desk, "H-2") == "emma" and customer_manager(desk, "0003") == "emma"
    assert manager_of(cli, desk, "H-3") == "anna" and manager_of(cli, desk, "H-4") == "anna"
    assert "as the customer's responsible manager" in explain(cli, desk, "H-4")


# ----------------------------------------------------------------------------------- U1: presence


def test_a_logged_out_manager_gets_no_more_orders(desk, cli, tmp_path):
    free(cli, desk, "anna")
    import_orders(cli, desk, tmp_path, [order("H-1")])
    assert distribute(cli, desk)["assigned"] == [{"order": "H-1", "manager": "anna"}]
    assert "anna logged out" in ok(cli("users", "logout", "anna", db=desk)).stdout
    users = {u["login"]: u for u in json.loads(ok(cli("users", "list", "--json", db=desk)).stdout)}
    assert users["anna"]["presence"] == "offline"
    import_orders(cli, desk, tmp_path, [order("H-2")])
    assert distribute(cli, desk) == {"assigned": [], "left": 1}
    assert "not logged in" in candidate_line(explain(cli, desk, "H-2"), "anna")


def test_a_login_without_heartbeat_for_session_timeout_counts_as_logged_out(desk, cli, tmp_path, clock):
    free(cli, desk, "anna")
    clock.advance(timedelta(seconds=110))  # within the 2 minutes: still logged in
    import_orders(cli, desk, tmp_path, [order("H-1", age=timedelta(0))])
    assert distribute(cli, desk)["assigned"] == [{"order": "H-1", "manager": "anna"}]
    clock.advance(timedelta(seconds=20))  # 130 s since her last heartbeat: her desk has gone
    import_orders(cli, desk, tmp_path, [order("H-2", age=timedelta(0))])
    assert distribute(cli, desk) == {"assigned": [], "left": 1}
    assert "not logged in" in candidate_line(explain(cli, desk, "H-2"), "anna")
    back = ok(cli("users", "login", "anna", db=desk))  # a new login brings her back, still free
    assert "H-2 → anna" in back.stdout


def test_set_status_with_a_bad_status_is_one_line_and_changes_nothing(desk, cli):
    ok(cli("users", "login", "anna", db=desk))
    before = snapshot_of(desk)
    refused(cli("users", "set-status", "anna", "sleeping", db=desk), '"sleeping"', "free")
    refused(cli("users", "set-status", "ghost", "free", db=desk), "ghost")
    assert snapshot_of(desk) == before


# ----------------------------------------------------------------------------------- B1: seed 002's features


def test_seed002_1_an_order_of_a_customer_with_a_responsible_manager_is_his(desk, cli, tmp_path):
    free(cli, desk, "boris", "anna")
    # typed in by the supervisor at the desk: distributed at once, to Alice's manager
    out = ok(cli("orders", "create", "--as", "sam", "--store", "home", "--channel", "site", "--customer",
                 ALICE["name"], "--phone", ALICE["phone"], "--item", "S-1:Thing:1:10.00", "--number", "H-1",
                 db=desk)).stdout  # fmt: skip
    assert "manager: boris" in out
    assert manager_of(cli, desk, "H-1") == "boris"
    # and so is an imported one, whatever the carousel would say
    import_orders(cli, desk, tmp_path, [order("H-2", customer=ALICE)])
    assert distribute(cli, desk)["assigned"] == [{"order": "H-2", "manager": "boris"}]
    # on save, an order that has no manager gets the customer's, not the saver's
    ok(cli("users", "logout", "boris", db=desk))
    import_orders(cli, desk, tmp_path, [order("H-3", customer=ALICE, age=timedelta(days=120))])  # never distributed
    assert "its manager is boris" in ok(cli("orders", "save", "H-3", "--as", "anna", db=desk)).stdout
    assert manager_of(cli, desk, "H-3") == "boris"


def test_seed002_2_an_order_assigned_by_hand_binds_its_manager_to_a_customer_without_one(desk, cli, tmp_path):
    import_orders(cli, desk, tmp_path, [order("H-1", customer=BOB), order("H-2", customer=DAN)])
    assert customer_manager(desk, "0002") is None and customer_manager(desk, "0003") is None
    assert "H-1 is now anna's" in ok(cli("orders", "claim", "H-1", "--as", "anna", db=desk)).stdout
    assert customer_manager(desk, "0002") == "anna"
    assert "H-2 is now emma's" in ok(cli("orders", "assign", "H-2", "--to", "emma", "--as", "sam", db=desk)).stdout
    assert customer_manager(desk, "0003") == "emma"
    # a reassignment does not take the customer away from his (active) manager
    ok(cli("orders", "assign", "H-2", "--to", "boris", "--as", "sam", db=desk))
    assert manager_of(cli, desk, "H-2") == "boris" and customer_manager(desk, "0003") == "emma"
    # Bob's next order goes to anna first (feature 1 follows from feature 2)
    free(cli, desk, "emma", "anna")
    import_orders(cli, desk, tmp_path, [order("H-3", customer=BOB)])
    assert distribute(cli, desk)["assigned"] == [{"order": "H-3", "manager": "anna"}]


def test_seed002_3_saving_an_order_nobody_manages_makes_the_saver_its_and_the_customers_manager(desk, cli, tmp_path):
    import_orders(cli, desk, tmp_path, [order("H-1", customer=BOB)])  # nobody logged in: it waits
    assert manager_of(cli, desk, "H-1") is None
    out = ok(cli("orders", "save", "H-1", "--as", "emma", db=desk)).stdout
    assert "H-1 saved; its manager is emma" in out
    assert manager_of(cli, desk, "H-1") == "emma" and customer_manager(desk, "0002") == "emma"
    assert "went to emma on save" in explain(cli, desk, "H-1")
    # saving again changes nothing
    ok(cli("orders", "save", "H-1", "--as", "emma", db=desk))
    assert manager_of(cli, desk, "H-1") == "emma" and customer_manager(desk, "0002") == "emma"


def test_a_manager_who_creates_an_order_by_hand_becomes_its_manager(desk, cli):
    free(cli, desk, "emma")  # the carousel would pick emma; anna typed it in
    out = ok(cli("orders", "create", "--as", "anna", "--store", "home", "--channel", "site", "--customer",
                 "Fay Phone", "--phone", "+44 20 0000 0009", "--item", "S-1:Thing:2:5.00", db=desk)).stdout  # fmt: skip
    assert "manager: anna" in out
    number = out.split()[1]
    assert manager_of(cli, desk, number) == "anna"
    assert customer_manager(desk, "0009") == "anna"  # a new customer is bound to her
    assert "went to anna created by him" in explain(cli, desk, number)
    assert json.loads(ok(cli("stats", "--json", db=desk)).stdout)["undistributed"]["count"] == 0


def test_a_manager_creating_an_order_for_a_customer_of_a_deactivated_manager_takes_the_customer(desk, cli, tmp_path):
    load_more(
        cli,
        desk,
        tmp_path,
        """
        [[employees]]
        login = "boris"
        name = "Boris"
        roles = ["manager"]
        active = false
    """,
    )
    out = ok(cli("orders", "create", "--as", "anna", "--store", "home", "--channel", "site", "--customer",
                 ALICE["name"], "--phone", ALICE["phone"], "--item", "S-1:Thing:1:10.00", db=desk)).stdout  # fmt: skip
    assert "manager: anna" in out
    assert customer_manager(desk, "0001") == "anna"  # B1: boris is deactivated, anna takes Alice


# ----------------------------------------------------------------------------------- D6: orders explain


def test_explain_after_a_pass_names_the_winner_and_why_the_others_were_not_chosen(desk, cli, tmp_path):
    ok(cli("users", "login", "anna", db=desk))
    ok(cli("users", "set-status", "anna", "busy", db=desk))
    free(cli, desk, "boris", "emma", "tina")
    import_orders(cli, desk, tmp_path, [order(f"H-B{i}", manager="boris") for i in range(5)])
    import_orders(cli, desk, tmp_path, [order("H-1")])
    assert distribute(cli, desk)["assigned"] == [{"order": "H-1", "manager": "emma"}]
    text = explain(cli, desk, "H-1")
    assert text.splitlines()[0].startswith("order H-1 went to emma by the carousel at 2026-11-25T09:00")
    assert candidate_line(text, "emma").startswith("✓")
    assert candidate_line(text, "anna") == "· anna: busy"
    assert candidate_line(text, "boris") == "· boris: limit 5/5 in new"
    assert candidate_line(text, "tina") == "· tina: store not in group toys-all"
    assert "carl" not in text  # not in an order-processing group: never a candidate
    data = json.loads(ok(cli("orders", "explain", "H-1", "--json", db=desk)).stdout)
    assert data["manager"] == "emma" and data["via"] == "carousel" and data["recorded"] is True


def test_explain_of_a_waiting_order_says_who_would_take_it_or_why_no_one_can(desk, cli, tmp_path):
    import_orders(cli, desk, tmp_path, [order("H-1")])
    text = explain(cli, desk, "H-1")
    assert text.splitlines()[0] == "order H-1 is waiting; no manager can take it now"
    assert candidate_line(text, "anna") == "· anna: not logged in"
    ok(cli("users", "login", "anna", db=desk))
    assert candidate_line(explain(cli, desk, "H-1"), "anna") == "· anna: offline"
    # turning free runs a pass; to see "would go to" the order must arrive without one (an import)
    ok(cli("users", "set-status", "anna", "free", db=desk))
    import_orders(cli, desk, tmp_path, [order("H-2")])
    text = explain(cli, desk, "H-2")
    assert text.splitlines()[0] == "order H-2 is waiting; it would go to anna now"
    assert manager_of(cli, desk, "H-2") is None  # explaining decides nothing
    refused(cli("orders", "explain", "NOPE", db=desk), "NOPE")


# ----------------------------------------------------------------------------------- claim and assign by hand


def test_a_manager_claims_an_unassigned_order(desk, cli, tmp_path):
    import_orders(cli, desk, tmp_path, [order("H-1")])
    assert "H-1 is now anna's" in ok(cli("orders", "claim", "H-1", "--as", "anna", db=desk)).stdout
    assert manager_of(cli, desk, "H-1") == "anna"
    assert "went to anna claimed by him" in explain(cli, desk, "H-1")
    audit = json.loads(ok(cli("audit", "--order", "H-1", "--json", db=desk)).stdout)
    assert audit[0]["action"] == "order.assigned" and audit[0]["actor"] == "anna"
    stats = json.loads(ok(cli("stats", "--json", db=desk)).stdout)
    assert stats["undistributed"]["count"] == 0


def test_an_orders_history_lists_its_distribution_after_its_import_at_the_same_moment(desk, cli, tmp_path):
    """Rows written at one moment (the fixed clock here, `tick --at` for a person) keep the order they
    were written in: the pass's bulk rows store their time as every other writer does."""
    import_orders(cli, desk, tmp_path, [order("H-1")])
    free(cli, desk, "anna")
    audit = json.loads(ok(cli("audit", "--order", "H-1", "--json", db=desk)).stdout)
    assert [(e["action"], e["at"]) for e in audit] == [("order.assigned", "2026-11-25T09:00:00Z"),
                                                       ("order.imported", "2026-11-25T09:00:00Z")]  # fmt: skip


def test_claiming_an_assigned_order_names_its_owner_and_changes_nothing(desk, cli, tmp_path):
    import_orders(cli, desk, tmp_path, [order("H-1", manager="boris")])
    before = snapshot_of(desk)
    refused(cli("orders", "claim", "H-1", "--as", "anna", db=desk), "H-1", "boris")
    assert snapshot_of(desk) == before


def test_claim_beyond_the_workload_limit_is_refused(desk, cli, tmp_path):
    import_orders(cli, desk, tmp_path, [order(f"H-A{i}", manager="anna") for i in range(5)] + [order("H-1")])
    before = snapshot_of(desk)
    line = refused(cli("orders", "claim", "H-1", "--as", "anna", db=desk), "already has 5 orders in", "the limit is 5")
    assert "orders in New" in line, line  # the stage by its name, not its code ("new")
    assert snapshot_of(desk) == before
    ok(cli("orders", "claim", "H-1", "--as", "emma", db=desk))  # emma has room


def test_a_manager_of_another_store_may_not_claim(desk, cli, tmp_path):
    import_orders(cli, desk, tmp_path, [order("H-1")])
    before = snapshot_of(desk)
    refused(cli("orders", "claim", "H-1", "--as", "tina", db=desk), "H-1", "tina")
    refused(cli("orders", "claim", "H-1", "--as", "ghost", db=desk), "ghost")
    refused(cli("orders", "claim", "NOPE", "--as", "anna", db=desk), "NOPE")
    assert snapshot_of(desk) == before


def test_only_supervisors_and_admins_assign(desk, cli, tmp_path):
    import_orders(cli, desk, tmp_path, [order("H-1")])
    before = snapshot_of(desk)
    refused(cli("orders", "assign", "H-1", "--to", "anna", "--as", "boris", db=desk), "boris")
    refused(cli("orders", "assign", "H-1", "--to", "anna", "--as", "anna", db=desk), "anna")
    refused(cli("orders", "assign", "H-1", "--to", "ghost", "--as", "sam", db=desk), "ghost")
    assert snapshot_of(desk) == before
    ok(cli("orders", "assign", "H-1", "--to", "anna", "--as", "sam", db=desk))
    assert manager_of(cli, desk, "H-1") == "anna"


# ----------------------------------------------------------------------------------- two desks claiming at once


RACE = """
import json, sys
from orderdesk.usecases.assignment import claim
from orderdesk.clock import SystemClock
from orderdesk.policy.errors import DeskError
from storage.db import make_engine, write_session

db, login, numbers, ROUND = sys.argv[1], sys.argv[2], sys.argv[3].split(","), int(sys.argv[4])
engine = make_engine(db)
clock = SystemClock()
import orderdesk.views.orders, orderdesk.config.settings  # what a claim imports on first use, before the start line
from storage.db import read_session
with read_session(engine) as session:  # connected, so both start claiming at the same moment
    pass
won, lost = [], []
print("ready", flush=True)
# Rounds of a few claims, each started by a line from the test, both desks at once: a desk does not
# claim in a tight loop, and within a round SQLite's busy wait cannot let one desk starve the other.
for start in range(0, len(numbers), ROUND):
    sys.stdin.readline()
    for number in numbers[start:start + ROUND]:
        try:
            with write_session(engine) as session:
                claim(session=session, actor=login, clock=clock, number=number)
            won.append(number)
        except DeskError as exc:
            lost.append([number, str(exc)])
    print("round", flush=True)
print(json.dumps({"won": won, "lost": lost}))
"""
ROUND = 5


def test_two_desks_claiming_the_same_200_orders_never_both_win(empty_db, cli, tmp_path):
    config = tmp_path / "race.toml"
    config.write_text(DESK.replace('workload_limit = { statuses = ["new"], max = 5 }\n', ""))
    ok(cli("load", str(config), db=empty_db))
    assert '"distribution.workload_limit": null' in ok(cli("settings", "show", "--json", db=empty_db)).stdout
    numbers = [f"H-{i:03d}" for i in range(200)]
    import_orders(cli, empty_db, tmp_path, [order(n) for n in numbers])
    script = tmp_path / "race.py"
    script.write_text(RACE)
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), empty_db, login, ",".join(sequence), str(ROUND)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for login, sequence in (("anna", numbers), ("emma", random.Random(7).sample(numbers, len(numbers))))
    ]
    for proc in procs:
        assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
    for _ in range(0, len(numbers), ROUND):
        for proc in procs:  # the start line of a round, to both desks
            proc.stdin.write("go\n")
            proc.stdin.flush()
        for proc in procs:
            assert proc.stdout.readline().strip() == "round", proc.stderr.read()
    results = {}
    for login, proc in zip(("anna", "emma"), procs, strict=False):
        out = proc.stdout.readline()  # through the same buffer as the rounds' lines
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        results[login] = json.loads(out)
    for login, r in results.items():
        assert sorted(r["won"] + [n for n, _ in r["lost"]]) == numbers  # each claim won or said it lost
        for number, message in r["lost"]:
            other = "emma" if login == "anna" else "anna"
            assert number in message and (other in message or "taken by someone else" in message), message
    anna, emma = set(results["anna"]["won"]), set(results["emma"]["won"])
    assert anna and emma and results["anna"]["lost"] and results["emma"]["lost"]  # they did run at the same time
    assert not anna & emma and len(anna) + len(emma) == 200
    rows = query(empty_db, "SELECT o.number, e.login FROM orders o JOIN employee e ON e.id = o.manager_id")
    assert dict(rows) == {**dict.fromkeys(anna, "anna"), **dict.fromkeys(emma, "emma")}
    assigned = "SELECT count(*), count(DISTINCT order_id) FROM audit_event WHERE action = 'order.assigned'"
    assert query(empty_db, assigned) == [(200, 200)]  # one recorded assignment per order
    # and through the command line: one desk wins, the other exits 1 naming the winner
    import_orders(cli, empty_db, tmp_path, [order("H-CLI")])
    procs = [
        subprocess.Popen([sys.executable, "-m", "orderdesk.cli.main", "--db", empty_db, "orders", "claim", "H-CLI",
                          "--as", login], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for login in ("anna", "emma")
    ]  # fmt: skip
    runs = {
        login: (*p.communicate(timeout=30), p.returncode) for login, p in zip(("anna", "emma"), procs, strict=False)
    }
    runs = {login: (code, out, err) for login, (out, err, code) in runs.items()}
    [(winner, (_, out, _))] = [(login, r) for login, r in runs.items() if r[0] == 0]
    [(loser, (code, _, err))] = [(login, r) for login, r in runs.items() if r[0] != 0]
    assert out.strip() == f"H-CLI is now {winner}'s"
    assert code == 1 and err.strip().splitlines() == [f"orderdesk: order H-CLI already has a manager ({winner})"]
    assert query(empty_db, "SELECT e.login FROM orders o JOIN employee e ON e.id = o.manager_id "
                           "WHERE o.number = 'H-CLI'") == [(winner,)]  # fmt: skip


# ----------------------------------------------------------------------------------- settings


def test_settings_show_and_set_round_trip(desk, cli):
    shown = json.loads(ok(cli("settings", "show", "--json", db=desk)).stdout)
    assert shown["distribution.mode"] == "equal" and shown["distribution.check_responsible_online"] is True
    assert shown["distribution.workload_limit"] == {"statuses": ["new"], "max": 5}
    for key, value in (("distribution.mode", "none"), ("distribution.check_responsible_online", "false"),
                       ("distribution.priority", "newest_first"), ("distribution.max_age", "30d"),
                       ("distribution.workload_limit", '{ statuses = ["new"], max = 3 }'),
                       ("session_timeout", "5m"), ("distribution.enabled", "false")):  # fmt: skip
        assert ok(cli("settings", "set", key, value, db=desk)).stdout.strip() == f"{key} = {value}"
    after = json.loads(ok(cli("settings", "show", "--json", db=desk)).stdout)
    assert after == {
        **shown, "distribution.mode": "none", "distribution.check_responsible_online": False,
        "distribution.priority": "newest_first", "distribution.max_age": 30 * 86400,
        "distribution.workload_limit": {"statuses": ["new"], "max": 3}, "session_timeout": 300,
        "distribution.enabled": False,
    }  # fmt: skip
    assert "(unchanged)" in ok(cli("settings", "set", "distribution.mode", "none", db=desk)).stdout
    people = ok(cli("settings", "show", db=desk)).stdout
    assert 'distribution.mode = "none"' in people


def test_settings_set_refuses_unknown_keys_and_bad_values(desk, cli):
    before = snapshot_of(desk)
    refused(cli("settings", "set", "distribution.workload_limit", '{ statuses = ["nope"], max = 3 }', db=desk),
            '"nope"')  # fmt: skip
    refused(cli("settings", "set", "distribution.speed", "fast", db=desk), "speed")
    refused(cli("settings", "set", "colour", "blue", db=desk), "colour")
    refused(cli("settings", "set", "distribution.mode", "sometimes", db=desk), "mode")
    refused(cli("settings", "set", "distribution.max_age", "soon", db=desk), "max_age")
    assert snapshot_of(desk) == before


def test_distribution_switched_off_distributes_nothing(desk, cli, tmp_path):
    ok(cli("settings", "set", "distribution.enabled", "false", db=desk))
    free(cli, desk, "anna")
    import_orders(cli, desk, tmp_path, [order("H-1", customer=ALICE), order("H-2")])
    assert distribute(cli, desk) == {"assigned": [], "left": 0}
    assert "distribution is switched off" in explain(cli, desk, "H-2")


def test_assign_refuses_a_target_who_is_not_a_manager(demo_db, cli):
    number = json.loads(cli("orders", "list", "--unassigned", "--json", "--limit", "1", db=demo_db).stdout)[0]["number"]
    before = snapshot_of(demo_db)
    result = cli("orders", "assign", number, "--to", "mike", "--as", "helen", db=demo_db)
    assert result.exit_code == 1 and "not a manager" in result.stderr
    assert snapshot_of(demo_db) == before


def test_a_supervisor_saving_an_order_does_not_become_its_manager(demo_db, cli):
    orders = json.loads(cli("orders", "list", "--unassigned", "--json", "--limit", "0", db=demo_db).stdout)
    order = next(o for o in orders if o["customer"]["manager"] is None and o["store"] == "home")
    result = cli("orders", "save", order["number"], "--as", "helen", db=demo_db)
    assert result.exit_code == 0
    shown = json.loads(cli("orders", "show", order["number"], "--json", db=demo_db).stdout)
    assert shown["manager"] is None


def test_a_claim_on_another_stores_order_does_not_reveal_its_owner(demo_db, cli):
    orders = json.loads(cli("orders", "list", "--json", "--limit", "0", "--store", "dom", db=demo_db).stdout)
    owned = next(o for o in orders if o["manager"])
    result = cli("orders", "claim", owned["number"], "--as", "anna", db=demo_db)
    assert result.exit_code == 1
    assert owned["manager"] not in result.stderr and "not in anna's stores" in result.stderr


@pytest.mark.parametrize("from_registrar, expected", [(True, "boris"), (False, "anna")])
def test_manager_from_registrar_tries_the_employee_who_registered_the_customer(
    desk, cli, tmp_path, from_registrar, expected
):
    """Seed 004: "the employee who registered the customer may be assigned as the manager"."""
    load_more(
        cli,
        desk,
        tmp_path,
        """
        [[customers]]
        name = "Rita Registered"
        phone = "+44 20 0000 0009"
        registered_by = "boris"
    """,
    )
    ok(cli("settings", "set", "manager_from_registrar", str(from_registrar).lower(), db=desk))
    free(cli, desk, "anna", "boris")  # anna is first in the carousel
    rita = {"name": "Rita Registered", "phone": "+44 20 0000 0009"}
    import_orders(cli, desk, tmp_path, [order("H-1", customer=rita)])
    assert distribute(cli, desk)["assigned"] == [{"order": "H-1", "manager": expected}]
    assert customer_manager(desk, "442000000009") == expected  # bound either way (B1)


# ----------------------------------------------------------------------------------- one rule in one place


RITA = {"name": "Rita Registered", "phone": "+44 20 0000 0009"}  # registered by boris, no manager


def register_rita(cli, db, tmp_path):
    load_more(
        cli,
        db,
        tmp_path,
        """
        [[customers]]
        name = "Rita Registered"
        phone = "+44 20 0000 0009"
        registered_by = "boris"
    """,
    )


@pytest.mark.parametrize("from_registrar", [True, False])
def test_explain_says_what_the_pass_then_does_with_manager_from_registrar(desk, cli, tmp_path, from_registrar):
    """D6: `orders explain` reads the same facts as the pass, the registrar (seed 004) among them."""
    register_rita(cli, desk, tmp_path)
    ok(cli("settings", "set", "manager_from_registrar", str(from_registrar).lower(), db=desk))
    free(cli, desk, "anna", "boris")  # anna is first in the carousel
    import_orders(cli, desk, tmp_path, [order("H-1", customer=RITA)])
    before = json.loads(ok(cli("orders", "explain", "H-1", "--json", db=desk)).stdout)
    assert distribute(cli, desk)["assigned"] == [{"order": "H-1", "manager": before["would_go_to"]}]
    assert before["would_go_to"] == ("boris" if from_registrar else "anna")


def test_a_registered_customers_backlog_follows_the_manager_his_first_order_bound_him_to(desk, cli, tmp_path):
    """B1 in one pass as one order at a time: once Rita's first order binds her to anna, her next
    order is anna's first, not her registrar's."""
    register_rita(cli, desk, tmp_path)
    ok(cli("settings", "set", "manager_from_registrar", "true", db=desk))
    free(cli, desk, "anna", "emma")  # boris, her registrar, is not logged in
    import_orders(cli, desk, tmp_path, [order("H-1", customer=RITA, age=timedelta(hours=2)),
                                        order("H-2", customer=RITA)])  # fmt: skip
    assigned = distribute(cli, desk)["assigned"]
    assert assigned == [{"order": "H-1", "manager": "anna"}, {"order": "H-2", "manager": "anna"}]
    assert customer_manager(desk, "0009") == "anna"
    assert "as the customer's responsible manager" in explain(cli, desk, "H-2")


def deactivate_boris(cli, db, tmp_path):
    load_more(
        cli,
        db,
        tmp_path,
        """
        [[employees]]
        login = "boris"
        name = "Boris"
        roles = ["manager"]
        groups = ["web"]
        active = false
    """,
    )


def test_an_imported_order_with_a_manager_rebinds_a_customer_whose_manager_is_deactivated(desk, cli, tmp_path):
    """B1: the manager the order goes to replaces a deactivated responsible manager, in an import too."""
    import_orders(cli, desk, tmp_path, [order("H-1", customer=ALICE, manager="emma")])
    assert customer_manager(desk, "0001") == "boris"  # boris is active: the binding stays
    deactivate_boris(cli, desk, tmp_path)
    import_orders(cli, desk, tmp_path, [order("H-2", customer=ALICE, manager="anna"),
                                        order("H-3", customer=ALICE, manager="emma")])  # fmt: skip
    assert customer_manager(desk, "0001") == "anna"  # the first of the file's orders takes her
    assert show(cli, desk, "H-3")["customer"]["manager"] == "anna"
    free(cli, desk, "anna", "emma")
    import_orders(cli, desk, tmp_path, [order("H-4", customer=ALICE)])
    assert distribute(cli, desk)["assigned"] == [{"order": "H-4", "manager": "anna"}]


def test_saving_an_order_rebinds_a_customer_whose_manager_is_deactivated_to_its_manager(desk, cli, tmp_path):
    free(cli, desk, "anna")
    import_orders(cli, desk, tmp_path, [order("H-1", customer=ALICE)])
    assert distribute(cli, desk)["assigned"] == [{"order": "H-1", "manager": "anna"}]  # boris is not logged in
    deactivate_boris(cli, desk, tmp_path)
    assert customer_manager(desk, "0001") == "boris"
    assert "its manager is anna" in ok(cli("orders", "save", "H-1", "--as", "anna", db=desk)).stdout
    assert customer_manager(desk, "0001") == "anna"
    bound = query(desk, "SELECT before, after FROM audit_event WHERE action = 'customer.bound'")
    assert [tuple(json.loads(x) if isinstance(x, str) else x for x in row) for row in bound] == [
        ({"manager": "boris"}, {"manager": "anna"})
    ]
