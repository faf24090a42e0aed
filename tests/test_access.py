"""Who may see, create, claim and move orders (A1, S2): one rule, `policy.access`, whatever asks —
the desk, the command line or the distribution pass."""

from __future__ import annotations

import json

import pytest

from orderdesk.api.desk import Desk
from orderdesk.clock import FixedClock
from storage.db import make_engine
from tests.conftest import NOW, ok, query, refused, snapshot_of

CUSTOMER = {"name": "Ivan Petrov", "phone": "+7 900 555-00-01", "city": "Moscow"}


def order(number, *, store="home", manager=None, status=None, payment="card", delivery="courier"):
    return {
        "number": number, "store": store, "channel": "site", "type": "regular",
        "created_at": "2026-11-25T08:30:00Z", "customer": CUSTOMER,
        "items": [{"sku": "RK-2", "name": "Rake", "qty": 1, "price": "10.00"}],
        "payment_method": payment, "delivery": {"method": delivery}, "manager": manager, "status": status,
    }  # fmt: skip


@pytest.fixture
def desk_db(demo_db, cli, tmp_path):
    orders = [
        order("P-IRINA", store="print", manager="irina"),  # hers, in a store outside her groups
        order("H-PICK", manager="anna", status="picking"),
        order("H-POOL"),
        order("D-POOL", store="dom"),
    ]
    path = tmp_path / "orders.json"
    path.write_text(json.dumps(orders))
    ok(cli("orders", "import", str(path), db=demo_db))
    return demo_db


@pytest.fixture
def desk(desk_db):
    desk = Desk(make_engine(desk_db), FixedClock(NOW))
    yield desk
    desk.engine.dispose()


def numbers(desk, login):
    viewer = desk.sign_in(login, "demo")
    return {o.number for o in desk.orders_page(viewer, limit=1000).rows}


def add_employee(cli, db, tmp_path, login, *, roles, groups=(), group_stores=None):
    """An employee loaded from a config file, with his own group when `group_stores` is given."""
    text = ""
    if group_stores is not None:
        text += f'[[groups]]\ncode = "{login}-group"\nname = "{login}"\nprocess_orders = true\nstores = {json.dumps(group_stores)}\n\n'
        groups = (*groups, f"{login}-group")
    text += (f'[[employees]]\nlogin = "{login}"\nname = "{login.title()}"\nroles = {json.dumps(list(roles))}\n'
             f'groups = {json.dumps(list(groups))}\npassword = "demo"\n')  # fmt: skip
    path = tmp_path / f"{login}.toml"
    path.write_text(text)
    ok(cli("load", str(path), db=db))


# ----------------------------------------------------------------------------------- seeing


def test_a_manager_always_sees_the_orders_he_is_the_manager_of(desk):
    seen = numbers(desk, "irina")
    assert "P-IRINA" in seen  # print is not one of her stores, but the order is hers
    assert "D-POOL" in seen and "H-POOL" not in seen


def test_a_contractor_sees_nothing_of_the_pool(desk):
    pavel = desk.sign_in("pavel", "demo")
    assert not desk.undistributed(pavel)
    assert desk.orders_refresh(pavel).undistributed == ()
    anna = desk.sign_in("anna", "demo")
    assert [s.store for s in desk.undistributed(anna)] == ["home"]


def test_a_manager_with_no_stores_sees_and_claims_nothing_of_any_pool(desk, desk_db, cli, tmp_path):
    ok(cli("users", "add", "kate", "--name", "Kate Moss", "--role", "manager", input="demo\ndemo\n", db=desk_db))
    add_employee(cli, desk_db, tmp_path, "lena", roles=["manager"], group_stores=[])  # a group listing no store
    for login in ("kate", "lena"):
        assert numbers(desk, login) == set()
        assert not desk.undistributed(desk.sign_in(login, "demo"))
        before = snapshot_of(desk_db)
        refused(cli("orders", "claim", "H-POOL", "--as", login, db=desk_db), "H-POOL", f"not in {login}'s stores")
        assert snapshot_of(desk_db) == before


def test_a_group_that_lists_no_store_is_handed_no_order(desk_db, cli, tmp_path):
    add_employee(cli, desk_db, tmp_path, "lena", roles=["manager"], group_stores=[])
    for login in ("anna", "emily", "tom", "nikolai"):  # everyone else who could take H-POOL is away
        ok(cli("users", "set-status", login, "offline", db=desk_db))
    ok(cli("users", "login", "lena", db=desk_db))
    ok(cli("users", "set-status", "lena", "free", db=desk_db))
    ok(cli("distribute", db=desk_db))
    assert query(desk_db, "SELECT manager_id FROM orders WHERE number = 'H-POOL'") == [(None,)]
    assert "store not in group lena-group" in ok(cli("orders", "explain", "H-POOL", db=desk_db)).stdout


# ----------------------------------------------------------------------------------- creating


@pytest.mark.parametrize(("login", "why"), [("pavel", "may not create orders"), ("mike", "may not create orders"),
                                            ("irina", "not one of his stores")])  # fmt: skip
def test_only_overseers_and_the_stores_managers_create_orders(desk_db, cli, login, why):
    before = snapshot_of(desk_db)
    args = ("orders", "create", "--store", "home", "--customer", "Ivan Petrov", "--phone", "+7 900 555-00-01",
            "--item", "RK-2:Rake:1:10.00")  # fmt: skip
    refused(cli(*args, "--as", login, db=desk_db), login, why)
    assert snapshot_of(desk_db) == before
    ok(cli(*args, "--as", "anna", db=desk_db))
    ok(cli(*args, "--as", "helen", db=desk_db))


# ----------------------------------------------------------------------------------- leaving a stage


def test_a_stage_owned_by_a_role_is_left_only_by_that_role_in_the_orders_store(desk_db, cli, tmp_path):
    add_employee(cli, desk_db, tmp_path, "wprint", roles=["warehouse"], groups=["print-production"])
    refused(cli("orders", "advance", "H-PICK", "--as", "wprint", db=desk_db), "wprint", "H-PICK", "of its store")
    refused(cli("orders", "advance", "H-PICK", "--as", "anna", db=desk_db), "anna", '"Picking"', "warehouse")
    assert query(desk_db, "SELECT status FROM orders WHERE number = 'H-PICK'") == [("picking",)]
    ok(cli("orders", "advance", "H-PICK", "--as", "mike", db=desk_db))  # the warehouse of every store


def test_an_unpaid_order_does_not_leave_a_stage_that_requires_payment(desk_db, cli):
    ok(cli("orders", "move", "H-POOL", "awaiting_payment", "--as", "helen", db=desk_db))
    before = snapshot_of(desk_db)
    refused(cli("orders", "advance", "H-POOL", "--as", "helen", db=desk_db), "H-POOL", "not paid", "Awaiting payment")
    refused(cli("orders", "move", "H-POOL", "completed", "--as", "james", db=desk_db), "not paid")
    assert snapshot_of(desk_db) == before
    ok(cli("orders", "move", "H-POOL", "cancelled", "--as", "james", db=desk_db))  # not forward: allowed
    ok(cli("orders", "move", "H-POOL", "awaiting_payment", "--as", "james", db=desk_db))
    ok(cli("orders", "pay", "H-POOL", "--as", "helen", db=desk_db))
    ok(cli("orders", "advance", "H-POOL", "--as", "helen", db=desk_db))
    assert query(desk_db, "SELECT status FROM orders WHERE number = 'H-POOL'") == [("courier_delivery",)]


def test_requires_payment_is_read_from_the_config_file(desk_db, cli):
    shown = {(s, c): r for s, c, r in query(desk_db, "SELECT st.code, s.code, s.requires_payment FROM stage s "
                                                     "JOIN store st ON st.id = s.store_id")}  # fmt: skip
    assert shown[("home", "cash_desk")] and shown[("home", "awaiting_payment")] and shown[("print", "awaiting_payment")]
    assert not shown[("home", "picking")]
