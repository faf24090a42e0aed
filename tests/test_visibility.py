"""Who sees which orders (A1): managers their own and the unassigned pool of their stores, or all
of their stores' orders with `managers_see_all`; contractors only theirs; supervisors everything."""

from __future__ import annotations

import json

from orderdesk.api.desk import Desk
from orderdesk.clock import FixedClock
from orderdesk.policy.errors import NotAllowed
from storage.db import make_engine
from tests.conftest import NOW, execute, query


def visible(db, login):
    desk = Desk(make_engine(db), FixedClock(NOW))
    viewer = desk.sign_in(login, "demo")
    page = desk.orders_page(viewer, limit=1000)
    desk.engine.dispose()
    return page.rows


def test_a_manager_sees_his_orders_and_the_unassigned_pool_of_his_stores(demo_db):
    rows = visible(demo_db, "anna")
    assert rows and {o.store for o in rows} == {"home"}
    assert {o.manager for o in rows} <= {"anna", None}
    pool = [o for o in rows if o.manager is None]
    assert pool and all(o.status not in ("completed", "cancelled") for o in pool)  # only open ones


def test_with_managers_see_all_a_manager_sees_every_order_of_his_stores(demo_db, cli, tmp_path):
    config = tmp_path / "see-all.toml"
    config.write_text("[settings]\nmanagers_see_all = true\n")
    assert cli("load", str(config), db=demo_db).exit_code == 0
    rows = visible(demo_db, "anna")
    assert {o.store for o in rows} == {"home"}
    assert {o.manager for o in rows} - {"anna", None}  # colleagues' orders too


def test_supervisors_and_admins_see_every_order(demo_db):
    assert len(visible(demo_db, "james")) == 300


def test_a_contractor_sees_only_orders_he_is_contractor_of(demo_db, cli, tmp_path):
    order = {
        "number": "P-9001", "store": "print", "channel": "site", "type": "regular",
        "created_at": "2026-11-24T10:00:00Z", "contractor": "pavel",
        "customer": {"name": "Ivan", "phone": "+7 900 123-45-67"},
        "items": [{"sku": "BC-100", "name": "Визитки", "qty": 1, "price": "900.00"}],
    }  # fmt: skip
    path = tmp_path / "contract.json"
    path.write_text(json.dumps([order]))
    # an order in a stage he owns (in print) but of which he is not the contractor is not his to see (seed 004)
    execute(demo_db, "UPDATE orders SET contractor_id = NULL WHERE number = (SELECT min(number) FROM orders "
                     "WHERE status = 'in_print')")  # fmt: skip
    his = {n for (n,) in query(demo_db, "SELECT number FROM orders WHERE contractor_id = "
                                        "(SELECT id FROM employee WHERE login = 'pavel')")}  # fmt: skip
    assert his and {n[0] for n in his} == {"P"}  # the demo's print orders he is printing
    assert cli("orders", "import", str(path), db=demo_db).exit_code == 0
    seen = {o.number for o in visible(demo_db, "pavel")}
    assert seen == his | {"P-9001"}
    assert query(demo_db, "SELECT count(*) FROM orders WHERE status = 'in_print' AND contractor_id IS NULL") == [(1,)]


def test_sign_in_refuses_a_wrong_password_and_a_deactivated_employee(demo_db):
    desk = Desk(make_engine(demo_db), FixedClock(NOW))
    for login, password, words in (("anna", "nope", "Wrong login or password"),
                                   ("ghost", "demo", "Wrong login or password"),
                                   ("kirill", "demo", "deactivated")):  # fmt: skip
        try:
            desk.sign_in(login, password)
        except NotAllowed as exc:
            assert words in str(exc)
        else:
            raise AssertionError(f"{login} signed in")
    desk.engine.dispose()


def test_undistributed_on_the_orders_screen_counts_only_the_viewers_stores(demo_db, cli):
    desk = Desk(make_engine(demo_db), FixedClock(NOW))
    anna = desk.sign_in("anna", "demo")
    shown = desk.undistributed(anna)
    stats = json.loads(cli("stats", "--json", db=demo_db).stdout)["undistributed"]["stores"]
    assert [s.store for s in shown] == ["home"]
    assert shown[0].count == next(s["count"] for s in stats if s["store"] == "home")
    desk.engine.dispose()
