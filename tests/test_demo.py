"""The demo (`make demo`, `orderdesk init --sample`) shows every role at work (issue 14): the newest
order of each store is of today in its zone whenever it is built, some are late and some unpaid in each
store, and the contractor pavel has print orders to work on."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from orderdesk.api.desk import Desk
from orderdesk.clock import FixedClock
from orderdesk.config.schema import read_config
from orderdesk.files.orders_file import read_orders
from orderdesk.files.sample import sample_files, shift_to
from tests.conftest import NOW, ok, run_cli

ZONES = {s.code: s.timezone for s in read_config(sample_files()[0]).stores}


@pytest.mark.parametrize(
    "now",
    [
        NOW,
        datetime(2026, 11, 24, 21, 5, tzinfo=UTC),  # 00:05 in Moscow: its day has barely begun
        datetime(2026, 11, 24, 23, 59, tzinfo=UTC),  # 23:59 in London
        datetime(2026, 6, 30, 12, 0, tzinfo=UTC),  # summer time in London, months before the file's dates
        datetime(2027, 3, 1, 3, 30, tzinfo=UTC),
    ],
)
def test_the_newest_order_of_each_store_is_of_today_in_its_zone(now: datetime) -> None:
    rows = read_orders(sample_files()[1])
    shifted = shift_to(rows, now, zones=ZONES.values())
    for store, zone in ZONES.items():
        newest = max(r.order.created_at for r in shifted if r.order.store == store)
        assert newest.astimezone(ZoneInfo(zone)).date() == now.astimezone(ZoneInfo(zone)).date(), store
    for after in shifted:
        assert after.order.created_at <= now
        if after.order.status_entered_at is not None:
            assert after.order.created_at <= after.order.status_entered_at <= now
    # the order of the orders is kept: numbers still rise with their times in each store
    for store in ZONES:
        mine = sorted((r for r in shifted if r.order.store == store), key=lambda r: r.order.number)
        assert [r.order.created_at for r in mine] == sorted(r.order.created_at for r in mine)


def _orders(cli, db: str, *args: str) -> list[dict]:  # type: ignore[no-untyped-def]
    return json.loads(ok(cli("orders", "list", "--json", "--limit", "0", *args, db=db)).stdout)


def test_every_store_has_late_and_unpaid_orders(demo_db: str, cli) -> None:  # type: ignore[no-untyped-def]
    late = _orders(cli, demo_db, "--overdue")
    assert {o["store"] for o in late} == set(ZONES)
    everything = _orders(cli, demo_db)
    for store in ZONES:
        statuses = {o["payment_status"] for o in everything if o["store"] == store}
        assert "unpaid" in statuses, store
    assert any(o["payment_status"] == "paid" for o in everything)


def test_the_contractor_pavel_has_print_orders_on_his_desk(demo_db: str, engine_of) -> None:  # type: ignore[no-untyped-def]
    desk = Desk(engine_of(demo_db), FixedClock(NOW))
    pavel = desk.sign_in("pavel", "demo")
    page = desk.orders_page(pavel)
    assert len(page.rows) >= 5
    assert {o.store for o in page.rows} == {"print"} and {o.contractor for o in page.rows} == {"pavel"}
    assert {o.stage for o in page.rows} >= {"В печати", "Напечатан"}
    assert any(o.overdue for o in page.rows) and not all(o.overdue for o in page.rows)


# --- a normal working day (the demo's desk should not be months late) ---------------------------------

MAX_LATE_PER_STORE = 6
CONFIG = read_config(sample_files()[0])
CLOSED = {(s.store, s.code) for s in CONFIG.stages if s.kind in ("final", "cancelled")}
FINAL = {(s.store, s.code) for s in CONFIG.stages if s.kind == "final"}
FIRST = {store.code: next(s.code for s in CONFIG.stages if s.store == store.code) for store in CONFIG.stores}


def _is_open(order: dict) -> bool:
    return (order["store"], order["status"] or FIRST[order["store"]]) not in CLOSED


def _working_day(everything: list[dict], late: list[dict], now: datetime) -> None:
    for store in ZONES:
        mine = [o for o in everything if o["store"] == store]
        late_here = [o["number"] for o in late if o["store"] == store]
        assert 1 <= len(late_here) <= MAX_LATE_PER_STORE, (store, late_here)
        opened = [o for o in mine if _is_open(o)]
        oldest = min(datetime.fromisoformat(o["created_at"]) for o in opened)
        assert now - oldest <= timedelta(days=15), (store, oldest)
        pool = [o for o in opened if o["manager"] is None]
        assert 10 <= len(pool) <= 25, (store, len(pool))
        assert all(now - datetime.fromisoformat(o["created_at"]) <= timedelta(days=7) for o in pool), store
        assert len(pool) < len(opened)  # the rest are someone's
        # what is older than two weeks is finished or cancelled, and what is finished is paid
        for o in mine:
            if now - datetime.fromisoformat(o["created_at"]) > timedelta(days=15):
                assert not _is_open(o), o["number"]
            if (store, o["status"]) in FINAL:
                assert o["payment_status"] == "paid", o["number"]
        assert any(o["payment_status"] == "unpaid" for o in opened), store


def test_the_demo_is_a_normal_working_day(demo_db: str, cli) -> None:  # type: ignore[no-untyped-def]
    """A handful late per store, a recent unassigned pool in each, nothing open older than two weeks."""
    everything = _orders(cli, demo_db)
    assert len(everything) == 300
    _working_day(everything, _orders(cli, demo_db, "--overdue"), NOW)


@pytest.mark.parametrize(
    "now",
    [
        datetime(2026, 11, 24, 21, 5, tzinfo=UTC),  # 00:05 in Moscow
        datetime(2026, 11, 24, 23, 59, tzinfo=UTC),  # 23:59 in London
        datetime(2027, 3, 1, 15, 30, tzinfo=UTC),
    ],
)
def test_the_working_day_holds_whenever_the_demo_is_built(now: datetime, tmp_path) -> None:  # type: ignore[no-untyped-def]
    db = str(tmp_path / "demo.db")
    assert run_cli(["init", "--sample"], db=db, clock=FixedClock(now)).exit_code == 0

    def listed(*args: str) -> list[dict]:
        run = run_cli(["orders", "list", "--json", "--limit", "0", *args], db=db, clock=FixedClock(now))
        return json.loads(ok(run).stdout)

    _working_day(listed(), listed("--overdue"), now)


def test_managers_queues_are_mostly_on_time(demo_db: str, engine_of) -> None:  # type: ignore[no-untyped-def]
    desk = Desk(engine_of(demo_db), FixedClock(NOW))
    anna = desk.sign_in("anna", "demo")
    page = desk.orders_page(anna)
    assert page.rows
    assert sum(o.overdue for o in page.rows) * 2 < len(page.rows)
