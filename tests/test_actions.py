"""Order actions end to end (DESIGN S2, S5, S6, S7, A1; seeds 003 and 004).

Orders of our own are imported into the demo desk (stores home and print, its staff and pipelines),
then changed through the command line with the fixed clock. What is asserted is what a person
notices: the stages an order walks through, who may act and who is refused (and that a refusal
changes nothing), the totals, the audit log, the order's JSON.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from tests.conftest import NOW, execute, ok, query, refused, snapshot_of

CUSTOMER = {"name": "Alexander Sidorov", "phone": "+7 900 000-00-01"}


def order(number, *, store="home", payment="card", delivery="courier", manager="anna", status=None,
          contractor=None, items=None, discount="0.00"):  # fmt: skip
    return {
        "number": number, "store": store, "channel": "site", "type": "regular",
        "created_at": (NOW - timedelta(minutes=30)).isoformat().replace("+00:00", "Z"),
        "customer": CUSTOMER,
        "items": items or [{"sku": "RK-2", "name": "Rake", "qty": 2, "price": "12.50", "discount": "0"}],
        "payment_method": payment, "delivery": {"method": delivery}, "discount": discount,
        "manager": manager, "contractor": contractor, "status": status,
    }  # fmt: skip


@pytest.fixture
def desk(demo_db, cli, tmp_path):
    """The demo desk with these orders of the home and print stores added."""
    orders = [
        order("T-CASH", payment="cash", delivery="pickup"),
        order("T-CARD"),
        order("T-POST", delivery="post"),
        order("T-PICK", status="picking"),
        order("T-EMILY", manager="emily"),
        order("P-MINE", store="print", payment="cash", delivery="pickup", manager="dmitry", contractor="pavel"),
        order("P-OTHER", store="print", payment="cash", delivery="pickup", manager="dmitry"),
    ]
    path = tmp_path / "orders.json"
    path.write_text(json.dumps(orders))
    ok(cli("orders", "import", str(path), db=demo_db))
    return demo_db


def shown(cli, db, number):
    return json.loads(ok(cli("orders", "show", number, "--json", db=db)).stdout)


def status_of(db, number):
    return query(db, "SELECT status FROM orders WHERE number = :n", n=number)[0][0]


def total_of(db, number):
    return query(db, "SELECT total FROM orders WHERE number = :n", n=number)[0][0]


def walk(cli, db, number, login="james"):
    """Advance until the order has no next stage; the statuses it passed through. Paid first, so
    that the stages that require payment let it go."""
    ok(cli("orders", "pay", number, "--as", login, db=db))
    seen = [status_of(db, number)]
    while True:
        result = cli("orders", "advance", number, "--as", login, db=db)
        if result.exit_code != 0:
            refused(result, number, "no next stage")
            return seen
        seen.append(status_of(db, number))


# ----------------------------------------------------------------------------------- advance (S1, S2)


def test_cash_pickup_card_courier_and_post_orders_walk_different_stages(desk, cli):
    assert walk(cli, desk, "T-CASH") == ["new", "callback", "picking", "cash_desk", "completed"]
    assert walk(cli, desk, "T-CARD") == [
        "new", "callback", "picking", "courier_call", "awaiting_payment", "courier_delivery", "completed",
    ]  # fmt: skip
    assert walk(cli, desk, "T-POST") == ["new", "callback", "picking", "awaiting_payment", "post_delivery", "completed"]


def test_advance_says_where_the_order_went_whose_queue_and_when_it_is_due(desk, cli):
    line = ok(cli("orders", "advance", "T-PICK", "--as", "mike", db=desk)).stdout.strip()
    assert line == "T-PICK: Picking → Courier call (owner: role courier, due 2026-11-25 13:00 GMT)"
    order = json.loads(ok(cli("orders", "advance", "T-PICK", "--as", "james", "--json", db=desk)).stdout)
    assert (order["number"], order["status"], order["stage_due_at"]) == (
        "T-PICK",
        "awaiting_payment",
        "2026-11-28T09:00:00Z",
    )


def test_advancing_sets_the_next_stage_limit_and_clears_overdue(desk, cli):
    execute(desk, "UPDATE orders SET overdue = TRUE, stage_due_at = '2026-11-25 08:00:00' WHERE number = 'T-CARD'")
    assert shown(cli, desk, "T-CARD")["overdue"] is True
    ok(cli("orders", "advance", "T-CARD", "--as", "anna", db=desk))
    order = shown(cli, desk, "T-CARD")
    assert order["status"] == "callback"
    assert order["stage_due_at"] == "2026-11-25T11:00:00Z"  # NOW + the call-back limit of 2h
    assert order["status_entered_at"] == "2026-11-25T09:00:00Z"
    assert order["overdue"] is False
    assert query(desk, "SELECT overdue FROM orders WHERE number = 'T-CARD'") == [(0,)]


def test_advancing_a_final_order_is_refused_and_says_to_move_it(desk, cli):
    ok(cli("orders", "move", "T-CARD", "completed", "--as", "anna", db=desk))
    refused(
        cli("orders", "advance", "T-CARD", "--as", "anna", db=desk), '"completed"', "move it to a status explicitly"
    )


def test_an_order_in_a_deactivated_stage_still_advances_and_nothing_moves_into_it(desk, cli):
    ok(cli("orders", "move", "T-CASH", "callback", "--as", "anna", db=desk))
    execute(
        desk,
        "UPDATE stage SET active = FALSE WHERE code = 'callback' AND store_id = (SELECT id FROM store WHERE code = 'home')",
    )
    ok(cli("orders", "advance", "T-CASH", "--as", "anna", db=desk))
    assert status_of(desk, "T-CASH") == "picking"
    ok(cli("orders", "advance", "T-CARD", "--as", "anna", db=desk))
    assert status_of(desk, "T-CARD") == "picking"  # skips the deactivated call-back
    refused(cli("orders", "move", "T-CASH", "callback", "--as", "james", db=desk), '"callback"', "deactivated")


def test_moving_to_an_unknown_status_is_one_line_and_changes_nothing(desk, cli):
    before = snapshot_of(desk)
    refused(cli("orders", "move", "T-CARD", "shipped", "--as", "anna", db=desk), "home", '"shipped"')
    refused(cli("orders", "move", "T-NOPE", "callback", "--as", "anna", db=desk), "T-NOPE", "not found")
    assert snapshot_of(desk) == before


def test_move_reaches_side_and_cancelled_stages(desk, cli):
    ok(cli("orders", "move", "P-MINE", "in_print", "--as", "dmitry", db=desk))
    ok(cli("orders", "move", "P-MINE", "misprinted", "--as", "pavel", db=desk))
    assert status_of(desk, "P-MINE") == "misprinted"
    line = ok(cli("orders", "move", "T-CARD", "cancelled", "--as", "anna", db=desk)).stdout
    assert "T-CARD: Received → Cancelled" in line and "closed" in line
    assert query(desk, "SELECT is_open, stage_due_at FROM orders WHERE number = 'T-CARD'") == [(0, None)]


# ----------------------------------------------------------------------------------- who may act (S2, A1)


def test_a_warehouse_employee_acts_on_orders_in_his_stage_only(desk, cli):
    ok(cli("orders", "advance", "T-PICK", "--as", "mike", db=desk))
    assert status_of(desk, "T-PICK") == "courier_call"
    before = snapshot_of(desk)
    refused(cli("orders", "advance", "T-CARD", "--as", "mike", db=desk), "mike", "T-CARD", '"Received"', "manager")
    assert snapshot_of(desk) == before


def test_a_manager_acts_on_another_managers_order_only_when_managers_see_all(desk, cli):
    before = snapshot_of(desk)
    refused(cli("orders", "advance", "T-CARD", "--as", "emily", db=desk), "emily", "T-CARD", "anna's")
    refused(cli("orders", "pay", "T-CARD", "--as", "emily", db=desk), "emily")
    assert snapshot_of(desk) == before
    ok(cli("orders", "advance", "T-EMILY", "--as", "emily", db=desk))  # her own

    ok(cli("settings", "set", "managers_see_all", "true", db=desk))
    ok(cli("orders", "pay", "T-CARD", "--as", "emily", db=desk))
    assert shown(cli, desk, "T-CARD")["payment_status"] == "paid"
    refused(cli("orders", "pay", "D-NONE", "--as", "emily", db=desk), "D-NONE", "not found")
    refused(cli("orders", "discount", "T-CARD", "1.00", "--as", "irina", db=desk), "irina")  # not one of her stores
    # leaving "new" is still for its owner, the order's manager
    refused(cli("orders", "advance", "T-CARD", "--as", "emily", db=desk), "emily", "T-CARD", "order's manager")
    assert status_of(desk, "T-CARD") == "new"


def test_someone_who_may_not_act_is_refused_before_his_input_is_judged(desk, cli):
    """Permission first: emily may not touch anna's order, so what she typed is not the point."""
    before = snapshot_of(desk)
    too_much = "100000000000000.00"
    for args in (
        ["pay", "T-CARD", "--status", "lost"],
        ["item-add", "T-CARD", "--sku", " ", "--name", "Hoe", "--qty", "1", "--price", "1.00"],
        ["item-set", "T-CARD", "RK-2"],
        ["delivery", "T-CARD", "pickup", "--cost", too_much],
        ["discount", "T-CARD", too_much],
    ):
        line = refused(cli("orders", *args, "--as", "emily", db=desk), "emily", "T-CARD")
        assert "anna's" in line, args
    assert snapshot_of(desk) == before


def test_a_contractor_acts_only_on_his_orders(desk, cli):
    refused(cli("orders", "move", "P-MINE", "in_print", "--as", "pavel", db=desk), "pavel", '"Оформлен"', "manager")
    ok(cli("orders", "move", "P-MINE", "in_print", "--as", "dmitry", db=desk))
    ok(cli("orders", "advance", "P-MINE", "--as", "pavel", db=desk))  # out of his stage
    assert status_of(desk, "P-MINE") == "printed"
    refused(cli("orders", "move", "P-OTHER", "in_print", "--as", "pavel", db=desk), "pavel", "P-OTHER")
    assert status_of(desk, "P-OTHER") == "placed"
    # not even in a stage he owns (pavel owns "in_print"): only the orders he is the contractor of
    ok(cli("orders", "move", "P-OTHER", "in_print", "--as", "olga", db=desk))
    refused(cli("orders", "advance", "P-OTHER", "--as", "pavel", db=desk), "pavel", "P-OTHER", "contractor")
    assert status_of(desk, "P-OTHER") == "in_print"


def test_supervisors_and_admins_act_on_every_order_and_deactivated_employees_on_none(desk, cli):
    ok(cli("orders", "advance", "T-CARD", "--as", "helen", db=desk))
    ok(cli("orders", "pay", "P-OTHER", "--as", "olga", db=desk))
    assert status_of(desk, "T-CARD") == "callback"
    assert shown(cli, desk, "P-OTHER")["payment_status"] == "paid"
    refused(cli("orders", "advance", "T-CARD", "--as", "kirill", db=desk), "kirill", "deactivated")


def test_stage_owned_by_named_employees(desk, cli):
    ok(cli("orders", "move", "T-CASH", "cash_desk", "--as", "anna", db=desk))
    refused(cli("orders", "advance", "T-CASH", "--as", "mike", db=desk), "helen, james")
    refused(
        cli("orders", "advance", "T-CASH", "--as", "anna", db=desk), "anna", "helen, james"
    )  # her order, not her stage
    ok(cli("orders", "pay", "T-CASH", "--as", "anna", db=desk))
    ok(cli("orders", "advance", "T-CASH", "--as", "helen", db=desk))
    assert status_of(desk, "T-CASH") == "completed"


# ----------------------------------------------------------------------------------- allowed statuses (S5)


def test_an_employee_moves_orders_only_into_the_statuses_his_profile_allows(desk, cli):
    ok(cli("orders", "move", "P-MINE", "in_print", "--as", "dmitry", db=desk))
    before = snapshot_of(desk)
    refused(cli("orders", "move", "P-MINE", "sent", "--as", "pavel", db=desk), "pavel", '"sent"')
    refused(cli("orders", "move", "T-PICK", "cancelled", "--as", "mike", db=desk), "mike", '"cancelled"')
    assert snapshot_of(desk) == before
    ok(cli("orders", "move", "P-MINE", "printed", "--as", "pavel", db=desk))
    ok(cli("orders", "move", "T-PICK", "courier_delivery", "--as", "mike", db=desk))
    assert (status_of(desk, "P-MINE"), status_of(desk, "T-PICK")) == ("printed", "courier_delivery")


def test_advance_into_a_status_the_profile_does_not_allow_is_refused(desk, cli):
    ok(cli("orders", "move", "T-CASH", "picking", "--as", "anna", db=desk))
    refused(cli("orders", "advance", "T-CASH", "--as", "mike", db=desk), "mike", '"cash_desk"')
    assert status_of(desk, "T-CASH") == "picking"


# ----------------------------------------------------------------------------------- items, delivery, discount (S6)


def test_items_delivery_and_discounts_recalculate_the_total(desk, cli):
    assert total_of(desk, "T-CARD") == 3000  # 2 × 12.50 + courier 5.00
    steps = [
        (("item-add", "T-CARD", "--sku", "SP-1", "--name", "Garden spade", "--qty", "1", "--price", "24.99",
          "--discount", "2.50"), 5249),
        (("item-set", "T-CARD", "RK-2", "--qty", "3"), 6499),
        (("discount", "T-CARD", "1.00", "--item", "RK-2"), 6399),
        (("discount", "T-CARD", "3.99"), 6000),
        (("delivery", "T-CARD", "pickup"), 5500),  # seed 003: the customer will pick it up after all
        (("item-remove", "T-CARD", "SP-1"), 3251),
        (("delivery", "T-CARD", "post", "--cost", "4.00"), 3651),
    ]  # fmt: skip
    for args, total in steps:
        ok(cli("orders", *args, "--as", "anna", db=desk))
        assert total_of(desk, "T-CARD") == total, args
    order = shown(cli, desk, "T-CARD")
    assert order["items"] == [{"sku": "RK-2", "name": "Rake", "qty": 3, "price": "12.50", "discount": "1.00"}]
    assert order["delivery"] == {"method": "post", "cost": "4.00"}
    assert (order["discount"], order["total"]) == ("3.99", "36.51")


def test_change_lines_say_what_happened(desk, cli):
    out = ok(cli("orders", "delivery", "T-CARD", "pickup", "--as", "anna", db=desk)).stdout.strip()
    assert out == "T-CARD: delivery courier 5.00 → pickup 0.00; total 30.00 → 25.00"
    out = ok(cli("orders", "item-set", "T-CARD", "RK-2", "--price", "10.00", "--as", "anna", db=desk)).stdout.strip()
    assert out == "T-CARD: RK-2 price 12.50 → 10.00; total 25.00 → 20.00"


def test_discounts_larger_than_what_they_apply_to_are_refused(desk, cli):
    before = snapshot_of(desk)
    refused(cli("orders", "discount", "T-CARD", "25.01", "--item", "RK-2", "--as", "anna", db=desk), "25.01", "25.00")
    refused(cli("orders", "discount", "T-CARD", "30.01", "--as", "anna", db=desk), "30.01", "30.00")
    refused(cli("orders", "item-add", "T-CARD", "--sku", "X", "--name", "X", "--qty", "1", "--price", "1.00",
                "--discount", "1.01", "--as", "anna", db=desk), "discount")  # fmt: skip
    refused(cli("orders", "discount", "T-CARD", "1.005", "--as", "anna", db=desk), "1.005")
    assert snapshot_of(desk) == before
    ok(cli("orders", "discount", "T-CARD", "30.00", "--as", "anna", db=desk))
    assert total_of(desk, "T-CARD") == 0
    # with the whole value discounted, making the order cheaper would leave a negative total
    refused(cli("orders", "item-set", "T-CARD", "RK-2", "--qty", "1", "--as", "anna", db=desk), "discount")
    assert total_of(desk, "T-CARD") == 0


def test_removing_the_last_item_is_refused(desk, cli):
    refused(cli("orders", "item-remove", "T-CARD", "RK-2", "--as", "anna", db=desk), "RK-2", "only item")
    refused(cli("orders", "item-remove", "T-CARD", "NOPE", "--as", "anna", db=desk), "NOPE", "RK-2")
    assert query(
        desk, "SELECT count(*) FROM order_item i JOIN orders o ON o.id = i.order_id WHERE o.number = 'T-CARD'"
    ) == [(1,)]


def test_a_closed_orders_items_delivery_and_discount_do_not_change(desk, cli):
    ok(cli("orders", "move", "T-CARD", "completed", "--as", "anna", db=desk))
    before = snapshot_of(desk)
    for args in (
        ("item-add", "T-CARD", "--sku", "X", "--name", "X", "--qty", "1", "--price", "1.00"),
        ("item-set", "T-CARD", "RK-2", "--qty", "5"),
        ("item-remove", "T-CARD", "RK-2"),
        ("delivery", "T-CARD", "pickup"),
        ("discount", "T-CARD", "1.00"),
    ):
        refused(cli("orders", *args, "--as", "anna", db=desk), "T-CARD", "closed")
    assert snapshot_of(desk) == before


def test_pay_sets_the_payment_status_apart_from_the_stage(desk, cli):
    assert ok(cli("orders", "pay", "T-CARD", "--as", "anna", db=desk)).stdout.strip() == "T-CARD: payment unpaid → paid"
    refused(cli("orders", "pay", "T-CARD", "--as", "anna", db=desk), "already paid")
    refused(cli("orders", "pay", "T-CARD", "--status", "lost", "--as", "anna", db=desk), '"lost"')
    ok(cli("orders", "pay", "T-CARD", "--status", "refunded", "--as", "anna", db=desk))
    order = shown(cli, desk, "T-CARD")
    assert (order["payment_status"], order["status"]) == ("refunded", "new")


# ----------------------------------------------------------------------------------- links, contractor (A1)


def test_linked_orders_read_both_ways(desk, cli):
    ok(cli("orders", "link", "T-CARD", "T-CASH", "--as", "anna", db=desk))
    assert shown(cli, desk, "T-CARD")["links"] == ["T-CASH"]
    assert shown(cli, desk, "T-CASH")["links"] == ["T-CARD"]
    refused(cli("orders", "link", "T-CASH", "T-CARD", "--as", "anna", db=desk), "already linked")
    refused(cli("orders", "link", "T-CARD", "T-CARD", "--as", "anna", db=desk), "itself")
    ok(cli("orders", "unlink", "T-CASH", "T-CARD", "--as", "anna", db=desk))
    assert shown(cli, desk, "T-CARD")["links"] == []
    refused(cli("orders", "unlink", "T-CASH", "T-CARD", "--as", "anna", db=desk), "not linked")


def test_a_contractor_is_given_an_order_and_then_may_act_on_it(desk, cli):
    refused(cli("orders", "contractor", "P-OTHER", "mike", "--as", "dmitry", db=desk), "mike", "not a contractor")
    ok(cli("orders", "contractor", "P-OTHER", "pavel", "--as", "dmitry", db=desk))
    assert shown(cli, desk, "P-OTHER")["contractor"] == "pavel"
    ok(cli("orders", "move", "P-OTHER", "in_print", "--as", "dmitry", db=desk))
    ok(cli("orders", "advance", "P-OTHER", "--as", "pavel", db=desk))
    ok(cli("orders", "move", "P-MINE", "in_print", "--as", "dmitry", db=desk))
    ok(cli("orders", "contractor", "P-MINE", "--none", "--as", "dmitry", db=desk))
    assert shown(cli, desk, "P-MINE")["contractor"] is None
    refused(cli("orders", "advance", "P-MINE", "--as", "pavel", db=desk), "pavel", "contractor")


def test_order_json_has_issue_date_and_next_timed_move(desk, cli):
    order = shown(cli, desk, "P-OTHER")
    assert order["move_due_at"] == "2026-12-09T08:30:00Z"  # placed 30 min ago → in print after 2 weeks (seed 004)
    assert order["issued_at"] is None
    ok(cli("orders", "move", "P-OTHER", "issued", "--as", "dmitry", db=desk))
    order = shown(cli, desk, "P-OTHER")
    assert (order["issued_at"], order["move_due_at"]) == ("2026-11-25T09:00:00Z", None)
    listed = json.loads(ok(cli("orders", "list", "--status", "issued", "--json", db=desk)).stdout)
    assert [(o["issued_at"], o["links"]) for o in listed if o["number"] == "P-OTHER"] == [("2026-11-25T09:00:00Z", [])]


# ----------------------------------------------------------------------------------- audit (S7)


def test_every_action_leaves_an_audit_row_with_the_actor_and_before_and_after(desk, cli):
    for args in (
        ("advance", "T-CARD"),
        ("pay", "T-CARD"),
        ("item-add", "T-CARD", "--sku", "SP-1", "--name", "Spade", "--qty", "1", "--price", "20.00"),
        ("item-set", "T-CARD", "SP-1", "--qty", "2"),
        ("item-remove", "T-CARD", "SP-1"),
        ("delivery", "T-CARD", "pickup"),
        ("discount", "T-CARD", "5.00"),
        ("link", "T-CARD", "T-CASH"),
        ("contractor", "T-CARD", "pavel"),
    ):
        ok(cli("orders", *args, "--as", "anna", db=desk))
    events = json.loads(ok(cli("audit", "--order", "T-CARD", "--json", db=desk)).stdout)
    mine = [(e["actor"], e["action"], e["before"], e["after"]) for e in reversed(events) if e["actor"]]
    assert mine == [
        ("anna", "order.status",
         {"status": "new", "status_entered_at": "2026-11-25T08:30:00Z", "stage_due_at": "2026-11-25T09:30:00Z"},
         {"status": "callback", "status_entered_at": "2026-11-25T09:00:00Z", "stage_due_at": "2026-11-25T11:00:00Z"}),
        ("anna", "order.paid", {"payment_status": "unpaid"}, {"payment_status": "paid"}),
        ("anna", "order.items", {"item": None, "total": "30.00"},
         {"item": {"sku": "SP-1", "name": "Spade", "qty": 1, "price": "20.00", "discount": "0.00"}, "total": "50.00"}),
        ("anna", "order.items", {"item": {"sku": "SP-1", "qty": 1}, "total": "50.00"},
         {"item": {"sku": "SP-1", "qty": 2}, "total": "70.00"}),
        ("anna", "order.items",
         {"item": {"sku": "SP-1", "name": "Spade", "qty": 2, "price": "20.00", "discount": "0.00"}, "total": "70.00"},
         {"item": None, "total": "30.00"}),
        ("anna", "order.delivery", {"delivery": {"method": "courier", "cost": "5.00"}, "total": "30.00"},
         {"delivery": {"method": "pickup", "cost": "0.00"}, "total": "25.00"}),
        ("anna", "order.discount", {"discount": "0.00", "total": "25.00"}, {"discount": "5.00", "total": "20.00"}),
        ("anna", "order.link", {"linked": None}, {"linked": "T-CASH"}),
        ("anna", "order.contractor", {"contractor": None}, {"contractor": "pavel"}),
    ]  # fmt: skip
    other = json.loads(ok(cli("audit", "--order", "T-CASH", "--json", db=desk)).stdout)
    assert [(e["actor"], e["action"], e["after"]) for e in other if e["actor"]] == [
        ("anna", "order.link", {"linked": "T-CARD"})
    ]


def test_a_refused_action_leaves_no_audit_row(desk, cli):
    refused(cli("orders", "advance", "T-CARD", "--as", "emily", db=desk))
    events = json.loads(ok(cli("audit", "--order", "T-CARD", "--json", db=desk)).stdout)
    assert [e["action"] for e in events] == ["order.imported"]
