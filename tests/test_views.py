"""The typed read models (orderdesk.views): their `to_json()` is what `--json` prints, their times are
aware datetimes and their money integer minor units; the orders screen reads them in one transaction."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from orderdesk.api.desk import Desk
from orderdesk.clock import FixedClock
from orderdesk.policy.money import Money
from orderdesk.views.audit import audit_entries
from orderdesk.views.inbox import outbox_entries
from orderdesk.views.orders import ListedOrder, ShownOrder, desk_stats, order_page, order_shown
from storage.db import read_session
from tests.conftest import NOW, ok


@pytest.fixture
def busy_db(demo_db: str, cli) -> str:  # type: ignore[no-untyped-def]
    """The demo after a round of the scheduler (late orders flagged, people told), with two orders
    linked and one issued, so every field of an order has something in it somewhere."""
    ok(cli("tick", db=demo_db))
    ok(cli("orders", "link", "H-1119", "H-1120", "--as", "james", db=demo_db))
    ok(cli("orders", "move", "P-1080", "issued", "--as", "james", db=demo_db))
    return demo_db


def test_the_view_of_an_order_is_what_orders_show_json_prints(busy_db: str, cli, engine_of) -> None:  # type: ignore[no-untyped-def]
    with read_session(engine_of(busy_db)) as session:
        for number in ("H-1119", "H-1120", "P-1080", "D-1100"):
            order = order_shown(session=session, number=number, now=NOW)
            assert order.to_json() == json.loads(ok(cli("orders", "show", number, "--json", db=busy_db)).stdout)
            assert isinstance(order, ShownOrder) and order.items
            assert order.created_at.tzinfo is not None and order.created_at.utcoffset().total_seconds() == 0
            assert isinstance(order.total, Money) and isinstance(order.total.minor, int)
        assert order_shown(session=session, number="H-1119", now=NOW).links == ("H-1120",)
        assert isinstance(order_shown(session=session, number="P-1080", now=NOW).issued_at, datetime)


def test_the_page_stats_audit_and_outbox_views_are_what_their_commands_print(busy_db: str, cli, engine_of) -> None:  # type: ignore[no-untyped-def]
    def printed(*args: str):  # type: ignore[no-untyped-def]
        return json.loads(ok(cli(*args, "--json", db=busy_db)).stdout)

    with read_session(engine_of(busy_db)) as session:
        page = order_page(session=session, now=NOW, limit=None)
        assert page.to_json() == printed("orders", "list", "--limit", "0")
        assert desk_stats(session=session).to_json() == printed("stats")
        audit = audit_entries(session=session, limit=None)
        assert [e.to_json() for e in audit] == printed("audit", "--limit", "0")
        outbox = outbox_entries(session, limit=None)
        assert outbox and [n.to_json() for n in outbox] == printed("notifications", "list", "--limit", "0")
    assert all(isinstance(e.at, datetime) and e.at.tzinfo is not None for e in audit)


def test_the_desk_lists_orders_without_their_items(demo_db: str, engine_of) -> None:  # type: ignore[no-untyped-def]
    desk = Desk(engine_of(demo_db), FixedClock(NOW))
    page = desk.orders_page(desk.sign_in("anna", "demo"), limit=5)
    assert len(page.rows) == 5 and all(type(o) is ListedOrder for o in page.rows)
    assert "items" not in page.rows[0].to_json()


def test_an_orders_refresh_is_one_read_transaction_and_agrees_with_the_single_calls(
    demo_db: str,
    engine_of,
    transactions,  # type: ignore[no-untyped-def]
) -> None:
    desk = Desk(engine_of(demo_db), FixedClock(NOW))
    anna = desk.sign_in("anna", "demo")
    desk.set_presence(anna, "busy")
    opened = transactions
    opened.clear()
    refresh = desk.orders_refresh(anna, limit=50)
    assert opened == ["read"]

    assert refresh.page == desk.orders_page(anna, limit=50)
    assert refresh.undistributed == desk.undistributed(anna) and refresh.undistributed
    assert (refresh.presence, refresh.unread) == ("busy", desk.unread(anna))


def test_an_order_refresh_on_the_screen_opens_one_read_transaction(demo_db: str, engine_of, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import orderdesk.api.desk as desk_module
    from screens.app import OrderDeskApp
    from tests.test_tui import drive, row_count, sign_in, summary_line, until

    desk = Desk(engine_of(demo_db), FixedClock(NOW))
    opened: list[str] = []
    real = desk_module.read_session

    def counted(engine):  # type: ignore[no-untyped-def]
        opened.append("read")
        return real(engine)

    monkeypatch.setattr(desk_module, "read_session", counted)

    async def scenario(pilot) -> None:  # type: ignore[no-untyped-def]
        await sign_in(pilot, "anna")
        shown = summary_line(pilot)
        opened.clear()
        pilot.app.screen.query_one("#queue-summary").update("")
        await pilot.press("r")
        await until(pilot, lambda: summary_line(pilot) == shown and row_count(pilot) > 0, "the list again")
        assert opened == ["read"]

    drive(OrderDeskApp(desk=desk), scenario)


def test_a_time_in_another_zone_is_written_in_utc() -> None:
    from zoneinfo import ZoneInfo

    from orderdesk.policy.timestamps import iso

    assert iso(datetime(2026, 11, 24, 21, 0, tzinfo=ZoneInfo("Europe/Moscow"))) == "2026-11-24T18:00:00Z"
    assert iso(datetime(2026, 11, 24, 18, 0, tzinfo=UTC)) == "2026-11-24T18:00:00Z"
    assert iso(None) is None
