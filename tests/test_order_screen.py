"""The order screen (U5) driven by keys: what it shows, every S6 action and what the database holds
after it, forms that refuse bad input and write nothing; its layout pinned at 80×24 and 120×36."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, OptionList, Static

from orderdesk.api.desk import Desk
from orderdesk.clock import FixedClock
from screens.app import OrderDeskApp
from screens.dialogs.choose import ChooseDialog
from screens.dialogs.explain import ExplainDialog
from screens.dialogs.form import FormDialog
from screens.order import OrderScreen
from tests.conftest import NOW, execute, ok, query, snapshot_of
from tests.pilot import drive, settle, signed_in, stop_blinking, table_rows, toasts, until

MINE = "H-1003"  # made anna's, in "Received" (new), by the app fixture: one item, courier 5.00, total 7.49
TWO_ITEMS = "H-1004"  # made anna's, in "Received": two items


def received_by(db: str, login: str, *numbers: str) -> None:
    """The demo finishes its old orders (H-1003 and H-1004 were delivered in August): these tests want
    them open, just received and held by `login`, as a person at the database would set them."""
    stamp = "%Y-%m-%d %H:%M:%S.%f"
    for number in numbers:
        execute(
            db,
            "UPDATE orders SET status = 'new', is_open = true, payment_status = 'unpaid', overdue = false, issued_at = NULL,"
            " move_due_at = NULL, notice_due_at = NULL, status_entered_at = :entered, stage_due_at = :due,"
            " manager_id = (SELECT id FROM employee WHERE login = :login) WHERE number = :number",
            entered=(NOW - timedelta(minutes=10)).strftime(stamp),
            due=(NOW + timedelta(minutes=50)).strftime(stamp),
            login=login,
            number=number,
        )


@pytest.fixture
def app(demo_db: str, engine_of: Callable[[str], object]) -> OrderDeskApp:
    received_by(demo_db, "anna", MINE, TWO_ITEMS)
    return OrderDeskApp(desk=Desk(engine_of(demo_db), FixedClock(NOW)))  # type: ignore[arg-type]


async def opened(pilot: Pilot, number: str, login: str = "anna") -> OrderScreen:
    await signed_in(pilot, login)
    pilot.app.open_order(number)  # type: ignore[attr-defined]
    await until(pilot, lambda: _loaded(pilot), f"order {number} shown")
    screen = pilot.app.screen
    assert isinstance(screen, OrderScreen)
    return screen


def _loaded(pilot: Pilot) -> bool:
    screen = pilot.app.screen
    return isinstance(screen, OrderScreen) and screen.detail is not None


async def reloaded(pilot: Pilot, screen: OrderScreen) -> None:
    """After an action: the screen has read the order again."""
    await until(pilot, lambda: pilot.app.screen is screen, "back on the order screen")
    await settle(pilot)


def text_of(pilot: Pilot, selector: str) -> str:
    return str(pilot.app.screen.query_one(selector, Static).render())


def orders_as_stored(db: str) -> dict[str, list[tuple[object, ...]]]:
    """What the order actions write (signing in writes a login and its audit row, which are not theirs)."""
    tables = snapshot_of(db)
    events = [e for e in tables["audit_event"] if str(e[5]).startswith("order.")]
    return {"orders": tables["orders"], "order_item": tables["order_item"], "order_link": tables["order_link"],
            "audit_event": events}  # fmt: skip


def order_row(db: str, number: str, columns: str) -> tuple[object, ...]:
    return query(db, f"SELECT {columns} FROM orders WHERE number = :n", n=number)[0]


def items_of(db: str, number: str) -> list[tuple[object, ...]]:
    return query(db, "SELECT i.sku, i.qty, i.price, i.discount FROM order_item i JOIN orders o ON o.id = i.order_id "
                     "WHERE o.number = :n ORDER BY i.id", n=number)  # fmt: skip


async def fill(pilot: Pilot, **values: str) -> None:
    """Type into the open form's fields (replacing what they hold)."""
    form = pilot.app.screen
    assert isinstance(form, FormDialog)
    for name, value in values.items():
        field = form.query_one(f"#field-{name}", Input)
        field.value = value
    await pilot.pause()


async def submit(pilot: Pilot) -> None:
    await pilot.press("ctrl+s")
    await settle(pilot)


# ----------------------------------------------------------------------------------- what it shows


def test_the_order_screen_shows_the_customer_the_order_its_items_and_history(app: OrderDeskApp, demo_db: str) -> None:
    async def scenario(pilot: Pilot) -> None:
        await opened(pilot, MINE)
        customer = text_of(pilot, "#order-customer")
        (name, login) = query(demo_db, "SELECT e.name, e.login FROM orders o JOIN customer c ON c.id = o.customer_id "
                                       "JOIN employee e ON e.id = c.manager_id WHERE o.number = :n", n=MINE)[0]  # fmt: skip
        assert f"responsible: {name}" in customer  # the responsible manager's name, not his login
        assert f"responsible: {login}" not in customer
        facts = text_of(pilot, "#order-facts")
        assert "Home & Garden" in facts and "Received" in facts and "unpaid" in facts and "Courier £5.00" in facts
        items = table_rows(pilot, "#order-items")
        assert [row[0] for row in items] == [i[0] for i in items_of(demo_db, MINE)]
        assert "total £7.49" in text_of(pilot, "#order-totals")
        history = table_rows(pilot, "#order-history")
        assert history and history[-1][1] == "import" and history[-1][2].startswith("imported in ")

    drive(app, scenario)


def test_an_order_not_his_to_see_is_told_in_one_line_and_the_screen_goes_back(app: OrderDeskApp) -> None:
    async def scenario(pilot: Pilot) -> None:
        await signed_in(pilot, "anna")
        under = pilot.app.screen
        pilot.app.open_order("D-1016")  # type: ignore[attr-defined]
        await settle(pilot)
        assert pilot.app.screen is under
        assert toasts(pilot) == ["order D-1016 is not yours to see"]

    drive(app, scenario)


# ----------------------------------------------------------------------------------- status and payment


def test_a_advances_the_order_and_the_history_shows_it(app: OrderDeskApp, demo_db: str) -> None:
    async def scenario(pilot: Pilot) -> None:
        screen = await opened(pilot, MINE)
        await pilot.press("a")
        await reloaded(pilot, screen)
        assert order_row(demo_db, MINE, "status") == ("callback",)
        assert any("Received → Call-back" in t for t in toasts(pilot))
        assert "status Received → Call-back" in table_rows(pilot, "#order-history")[0][2]
        assert table_rows(pilot, "#order-history")[0][1] == "Anna Petrova"

    drive(app, scenario)


def test_t_offers_only_the_statuses_he_may_set_and_moves_there(app: OrderDeskApp, demo_db: str) -> None:
    execute(demo_db, """UPDATE employee SET statuses = '["new", "picking", "cancelled"]' WHERE login = 'anna'""")

    async def scenario(pilot: Pilot) -> None:
        screen = await opened(pilot, MINE)
        await pilot.press("t")
        await settle(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, ChooseDialog)
        options = dialog.query_one(OptionList)
        offered = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert offered == ["Picking", "Cancelled"]  # by name; not where it is, nothing she may not set
        await pilot.press("down", "enter")
        await reloaded(pilot, screen)
        assert order_row(demo_db, MINE, "status, is_open") == ("cancelled", 0)

    drive(app, scenario)


def test_m_marks_the_order_paid(app: OrderDeskApp, demo_db: str) -> None:
    async def scenario(pilot: Pilot) -> None:
        screen = await opened(pilot, MINE)
        await pilot.press("m")
        await reloaded(pilot, screen)
        assert order_row(demo_db, MINE, "payment_status") == ("paid",)
        assert "paid" in text_of(pilot, "#order-facts")

    drive(app, scenario)


def test_a_refused_action_is_a_toast_with_the_reason_and_changes_nothing(app: OrderDeskApp, demo_db: str) -> None:
    execute(demo_db, "UPDATE orders SET payment_status = 'paid' WHERE number = :n", n=MINE)
    before = orders_as_stored(demo_db)

    async def scenario(pilot: Pilot) -> None:
        await opened(pilot, MINE)
        await pilot.press("m")
        await settle(pilot)
        assert any("already paid" in t for t in toasts(pilot))

    drive(app, scenario)
    assert orders_as_stored(demo_db) == before


# ----------------------------------------------------------------------------------- items


def test_i_adds_an_item_and_the_total_follows(app: OrderDeskApp, demo_db: str) -> None:
    async def scenario(pilot: Pilot) -> None:
        screen = await opened(pilot, MINE)
        await pilot.press("i")
        await settle(pilot)
        await fill(pilot, sku="NEW-1", name="Watering can", qty="2", price="3.25", discount="0.50")
        await submit(pilot)
        await reloaded(pilot, screen)
        assert items_of(demo_db, MINE)[-1] == ("NEW-1", 2, 325, 50)
        assert order_row(demo_db, MINE, "total") == (749 + 600,)
        assert table_rows(pilot, "#order-items")[-1][:3] == ["NEW-1", "Watering can", "2"]

    drive(app, scenario)


def test_enter_on_an_item_changes_its_quantity_and_price(app: OrderDeskApp, demo_db: str) -> None:
    async def scenario(pilot: Pilot) -> None:
        screen = await opened(pilot, TWO_ITEMS)
        first = items_of(demo_db, TWO_ITEMS)[0]
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, FormDialog)
        await fill(pilot, qty="3", price="10.00")
        await submit(pilot)
        await reloaded(pilot, screen)
        assert items_of(demo_db, TWO_ITEMS)[0] == (first[0], 3, 1000, first[3])

    drive(app, scenario)


def test_x_removes_the_selected_item(app: OrderDeskApp, demo_db: str) -> None:
    async def scenario(pilot: Pilot) -> None:
        screen = await opened(pilot, TWO_ITEMS)
        second = items_of(demo_db, TWO_ITEMS)[1]
        await pilot.press("down", "x")
        await reloaded(pilot, screen)
        assert items_of(demo_db, TWO_ITEMS) == [i for i in items_of(demo_db, TWO_ITEMS) if i != second]
        assert [r[0] for r in table_rows(pilot, "#order-items")] == [i[0] for i in items_of(demo_db, TWO_ITEMS)]
        assert len(items_of(demo_db, TWO_ITEMS)) == 1

    drive(app, scenario)


def test_a_form_with_bad_input_marks_the_fields_says_why_and_writes_nothing(app: OrderDeskApp, demo_db: str) -> None:
    before = orders_as_stored(demo_db)

    async def scenario(pilot: Pilot) -> None:
        await opened(pilot, MINE)
        await pilot.press("i")
        await settle(pilot)
        await fill(pilot, sku="NEW-1", name="Watering can", qty="abc", price="-1")
        await submit(pilot)
        form = pilot.app.screen
        assert isinstance(form, FormDialog)  # still open
        assert form.query_one("#field-qty", Input).has_class("-invalid")
        assert form.query_one("#field-price", Input).has_class("-invalid")
        assert not form.query_one("#field-sku", Input).has_class("-invalid")
        assert text_of(pilot, "#error-qty") == '"abc" is not a whole number'
        assert text_of(pilot, "#error-price") == "must not be negative"

    drive(app, scenario)
    assert orders_as_stored(demo_db) == before


def test_a_discount_larger_than_the_order_is_refused_in_the_form(app: OrderDeskApp, demo_db: str) -> None:
    before = orders_as_stored(demo_db)

    async def scenario(pilot: Pilot) -> None:
        await opened(pilot, MINE)
        await pilot.press("%")
        await settle(pilot)
        await fill(pilot, amount="1000")
        await submit(pilot)
        assert isinstance(pilot.app.screen, FormDialog)
        assert pilot.app.screen.query_one("#field-amount", Input).has_class("-invalid")
        assert text_of(pilot, "#error-amount") == "is more than the order's value 7.49"

    drive(app, scenario)
    assert orders_as_stored(demo_db) == before


# ----------------------------------------------------------------------------------- delivery, discount


def test_d_shows_the_new_total_before_confirming_then_stores_it(app: OrderDeskApp, demo_db: str) -> None:
    async def scenario(pilot: Pilot) -> None:
        screen = await opened(pilot, MINE)
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("enter", "up", "enter")  # the list of methods: courier → pickup
        await settle(pilot)
        assert text_of(pilot, "#form-preview") == "New total: £2.49 (now £7.49)"
        await fill(pilot, cost="1.00")
        assert text_of(pilot, "#form-preview") == "New total: £3.49 (now £7.49)"
        assert order_row(demo_db, MINE, "total, delivery_cost") == (749, 500)  # nothing yet
        await submit(pilot)
        await reloaded(pilot, screen)
        assert order_row(demo_db, MINE, "total, delivery_cost") == (349, 100)
        assert query(demo_db, "SELECT d.code FROM orders o JOIN delivery_method d ON d.id = o.delivery_method_id "
                              "WHERE o.number = :n", n=MINE) == [("pickup",)]  # fmt: skip
        assert "Pickup £1.00" in text_of(pilot, "#order-facts")

    drive(app, scenario)


def test_percent_sets_the_orders_discount_and_D_the_items(app: OrderDeskApp, demo_db: str) -> None:
    async def scenario(pilot: Pilot) -> None:
        screen = await opened(pilot, TWO_ITEMS)
        await pilot.press("%")
        await settle(pilot)
        await fill(pilot, amount="2.00")
        await submit(pilot)
        await reloaded(pilot, screen)
        assert order_row(demo_db, TWO_ITEMS, "discount") == (200,)
        await pilot.press("D")
        await settle(pilot)
        await fill(pilot, amount="0.50")
        await submit(pilot)
        await reloaded(pilot, screen)
        assert items_of(demo_db, TWO_ITEMS)[0][3] == 50

    drive(app, scenario)


# ----------------------------------------------------------------------------------- links, contractor, explain


def test_l_links_another_order_and_L_unlinks_it(app: OrderDeskApp, demo_db: str) -> None:
    links = "SELECT count(*) FROM order_link"

    async def scenario(pilot: Pilot) -> None:
        screen = await opened(pilot, MINE)
        await pilot.press("l")
        await settle(pilot)
        await fill(pilot, other=TWO_ITEMS)
        await submit(pilot)
        await reloaded(pilot, screen)
        assert query(demo_db, links) == [(1,)]
        assert f"linked: {TWO_ITEMS}" in text_of(pilot, "#order-facts")
        await pilot.press("L")
        await settle(pilot)
        await pilot.press("enter")
        await reloaded(pilot, screen)
        assert query(demo_db, links) == [(0,)]

    drive(app, scenario)


def test_linking_an_unknown_order_is_refused_in_the_form(app: OrderDeskApp, demo_db: str) -> None:
    before = orders_as_stored(demo_db)

    async def scenario(pilot: Pilot) -> None:
        await opened(pilot, MINE)
        await pilot.press("l")
        await settle(pilot)
        await fill(pilot, other="NOPE-1")
        await submit(pilot)
        form = pilot.app.screen
        assert isinstance(form, FormDialog)
        assert form.query_one("#field-other", Input).has_class("-invalid")
        assert text_of(pilot, "#form-refusal") == "order NOPE-1 not found"

    drive(app, scenario)
    assert orders_as_stored(demo_db) == before


def test_k_offers_the_stores_contractors_and_sets_one(app: OrderDeskApp, demo_db: str) -> None:
    async def scenario(pilot: Pilot) -> None:
        screen = await opened(pilot, "P-1001", login="james")
        await pilot.press("k")
        await settle(pilot)
        options = pilot.app.screen.query_one(OptionList)
        offered = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert offered == ["Павел Лебедев", "— no contractor —"]
        await pilot.press("enter")
        await reloaded(pilot, screen)
        assert query(demo_db, "SELECT e.login FROM orders o JOIN employee e ON e.id = o.contractor_id "
                              "WHERE o.number = 'P-1001'") == [("pavel",)]  # fmt: skip
        assert "contractor: Павел Лебедев" in text_of(pilot, "#order-facts")

    drive(app, scenario)


def test_e_shows_the_assignment_trace_as_a_table(app: OrderDeskApp, demo_db: str, cli) -> None:  # type: ignore[no-untyped-def]
    # tom logged in and free, so the trace tells why his groups rule him out
    ok(cli("users", "login", "tom", db=demo_db))
    ok(cli("users", "set-status", "tom", "free", db=demo_db))
    (waiting,) = query(demo_db, "SELECT number FROM orders WHERE store_id = 1 AND manager_id IS NULL AND is_open "
                                "AND channel_id IN (SELECT id FROM channel WHERE code IN ('site', 'app')) "
                                "ORDER BY created_at DESC LIMIT 1")[0]  # fmt: skip
    # a customer with no responsible manager, so every manager is weighed
    execute(demo_db, "UPDATE customer SET manager_id = NULL "
                     "WHERE id = (SELECT customer_id FROM orders WHERE number = :n)", n=waiting)  # fmt: skip

    async def scenario(pilot: Pilot) -> None:
        await opened(pilot, str(waiting))
        await pilot.press("e")
        await settle(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, ExplainDialog)
        assert text_of(pilot, "#explain-headline").startswith(f"{waiting} is waiting")
        rows = table_rows(pilot, "#explain-trace")
        assert ["·", "tom", "channel not in group home-phone"] in rows
        await pilot.press("escape")
        assert isinstance(pilot.app.screen, OrderScreen)

    drive(app, scenario)


def test_e_on_a_claimed_order_says_who_took_it_and_when_in_the_stores_zone(
    app: OrderDeskApp, demo_db: str, cli
) -> None:  # type: ignore[no-untyped-def]
    cli("orders", "claim", "H-1120", "--as", "anna", db=demo_db)

    async def scenario(pilot: Pilot) -> None:
        await opened(pilot, "H-1120")
        await pilot.press("e")
        await settle(pilot)
        assert text_of(pilot, "#explain-headline") == "H-1120 went to anna claimed by him on 25 Nov 2026 09:00"

    drive(app, scenario)


def test_escape_goes_back_to_the_view_it_was_opened_from(app: OrderDeskApp) -> None:
    async def scenario(pilot: Pilot) -> None:
        await signed_in(pilot, "anna")
        under = pilot.app.screen
        pilot.app.open_order(MINE)  # type: ignore[attr-defined]
        await until(pilot, lambda: _loaded(pilot), "order shown")
        await pilot.press("escape")
        await settle(pilot)
        assert pilot.app.screen is under

    drive(app, scenario)


# ----------------------------------------------------------------------------------- snapshots


def _show(number: str, *keys: str, **values: str):  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        stop_blinking(pilot)
        await opened(pilot, number)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        if values:
            await fill(pilot, **values)
            await submit(pilot)
        stop_blinking(pilot)
        pilot.app.clear_notifications()
        await pilot.pause()

    return run_before


@pytest.mark.parametrize("size", [(80, 24), (120, 36)], ids=["80x24", "120x36"])
def test_snapshot_of_the_order_screen(app: OrderDeskApp, snap_compare, size) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(app, terminal_size=size, run_before=_show(TWO_ITEMS))


@pytest.mark.parametrize("size", [(80, 24), (120, 36)], ids=["80x24", "120x36"])
def test_snapshot_of_a_form_with_an_error(app: OrderDeskApp, snap_compare, size) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(
        app, terminal_size=size, run_before=_show(MINE, "i", sku="NEW-1", name="Watering can", qty="abc", price="-1")
    )


# ----------------------------------------------------------------------------------- the rules beneath


def test_settable_stages_are_the_active_others_his_profile_allows_in_pipeline_order() -> None:
    from orderdesk.policy.workflow import StageSpec, settable_stages

    stages = [
        StageSpec("b", "B", 2),
        StageSpec("a", "A", 1),
        StageSpec("c", "C", 3, active=False),
        StageSpec("d", "D", 4),
    ]
    assert [s.code for s in settable_stages(stages, "a", [])] == ["b", "d"]  # empty profile: all
    assert [s.code for s in settable_stages(stages, "a", ["a", "c", "d"])] == ["d"]


def test_history_says_each_change_in_words_with_names() -> None:
    from datetime import UTC, datetime

    from orderdesk.views.audit import AuditEntry
    from orderdesk.views.order_detail import history_line

    names, stages = {"anna": "Anna Petrova", "pavel": "Павел Лебедев"}, {"new": "Received", "callback": "Call-back"}

    def line(actor: str | None, rule: str | None, action: str, before: dict, after: dict) -> tuple[str, str]:
        entry = AuditEntry(at=datetime(2026, 11, 25, tzinfo=UTC), actor=actor, rule=rule, order="H-1", action=action,
                           before=before, after=after)  # fmt: skip
        shown = history_line(entry, names, stages)
        return shown.who, shown.what

    assert line("anna", None, "order.status", {"status": "new"}, {"status": "callback"}) == (
        "Anna Petrova",
        "status Received → Call-back",
    )
    assert line(None, "automove x", "order.status", {"status": "new"}, {"status": "callback"})[0] == "automove x"
    assert (
        line("anna", None, "order.contractor", {"contractor": None}, {"contractor": "pavel"})[1]
        == "contractor — → Павел Лебедев"
    )
    assert (
        line(
            "anna",
            None,
            "order.delivery",
            {"delivery": {"method": "courier", "cost": "5.00"}, "total": "7.49"},
            {"delivery": {"method": "pickup", "cost": "0.00"}, "total": "2.49"},
        )[1]
        == "delivery courier 5.00 → pickup 0.00; total 7.49 → 2.49"
    )
    assert (
        line("anna", None, "order.paid", {"payment_status": "unpaid"}, {"payment_status": "paid"})[1]
        == "payment unpaid → paid"
    )


def test_u_after_a_takes_the_advance_back_and_the_history_shows_both(app: OrderDeskApp, demo_db: str) -> None:
    async def scenario(pilot: Pilot) -> None:
        screen = await opened(pilot, MINE)
        before = order_row(demo_db, MINE, "status")
        await pilot.press("a")
        await reloaded(pilot, screen)
        assert any("u to undo" in t for t in toasts(pilot))
        await pilot.press("u")
        await reloaded(pilot, screen)
        assert order_row(demo_db, MINE, "status") == before
        whats = [row[2] for row in table_rows(pilot, "#order-history")[:2]]
        assert "Call-back → Received" in whats[0] and "Received → Call-back" in whats[1]
        await pilot.press("u")  # one undo per advance
        await settle(pilot)
        assert any("Nothing to undo" in t for t in toasts(pilot))

    drive(app, scenario)


def test_history_says_what_happened_to_the_orders_tasks() -> None:
    from datetime import UTC, datetime

    from orderdesk.views.audit import AuditEntry
    from orderdesk.views.order_detail import history_line

    names = {"anna": "Anna Petrova", "emily": "Emily Clarke"}

    def what(rule: str | None, action: str, before: dict, after: dict) -> tuple[str, str]:
        entry = AuditEntry(at=datetime(2026, 11, 25, tzinfo=UTC), actor=None if rule else "anna", rule=rule,
                           order="H-1", action=action, before=before, after=after)  # fmt: skip
        shown = history_line(entry, names, {})
        return shown.who, shown.what

    assert what('rule "Call"', "task.created", {}, {"task": 7, "title": "Call Sophie", "assignee": "anna"}) == (
        'rule "Call"',
        'task 7 "Call Sophie" for Anna Petrova',
    )
    assert what(None, "task.done", {"task": 7, "status": "open"}, {"task": 7, "status": "done"})[1] == "task 7 done"
    assert what(None, "task.reassigned", {"task": 7, "assignee": "anna"}, {"task": 7, "assignee": "emily"})[1] == (
        "task 7 given to Emily Clarke (was Anna Petrova)"
    )
    assert what(None, "task.cancelled", {"status": "open"}, {"task": 7, "status": "cancelled", "why": "undone"})[1] == (
        "task 7 cancelled (undone)"
    )
