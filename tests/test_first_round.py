"""The desk's start (issue 18): the scheduler's first round over more late orders than one batch, and
the first view on the screen before that round starts."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event
from textual.pilot import Pilot
from textual.widgets import DataTable

from orderdesk.api import jobs
from orderdesk.api.desk import Desk
from orderdesk.clock import FixedClock
from orderdesk.usecases import sweeps
from scheduler.runner import DeskScheduler
from screens.app import OrderDeskApp
from screens.queue import MyQueueScreen
from tests.conftest import NOW, query
from tests.pilot import drive, settle
from tests.test_scheduler import DESK, WEEK, add_orders, order

LATE = 10  # late orders, in batches of 3: four transactions


@pytest.fixture
def shop(empty_db: str, cli: Any, tmp_path: Path) -> str:
    config = tmp_path / "desk.toml"
    config.write_text(DESK, encoding="utf-8")
    assert cli("load", str(config), db=empty_db).exit_code == 0
    add_orders(cli, empty_db, tmp_path, *[order(f"S-{i}", "shop", manager="max") for i in range(LATE)])
    return empty_db


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sweeps, "BATCH", 3)
    monkeypatch.setattr(jobs, "BETWEEN_BATCHES", 0.0)


@pytest.fixture
def commits() -> Iterator[list[object]]:
    """Every transaction committed meanwhile, by any engine of this process."""
    seen: list[object] = []

    def count(connection: Any) -> None:
        seen.append(connection)

    event.listen(Engine, "commit", count)
    yield seen
    event.remove(Engine, "commit", count)


@pytest.mark.usefixtures("small_batches")
def test_a_first_round_over_more_late_orders_than_a_batch_flags_each_once_with_one_notice_each(
    shop: str, engine_of: Callable[[str], Engine], commits: list[object]
) -> None:
    runner = DeskScheduler(engine_of(shop), FixedClock(NOW + 3 * WEEK), holder="desk-1", interval=3600, lease=60)
    told: list[tuple[str, dict[str, Any]]] = []
    runner.on_round = lambda job, result: told.append((job, result))
    runner.renew()
    before = len(commits)
    runner.first_round()
    runner.shutdown()

    overdue = dict(told)["overdue"]
    assert overdue["done"] == LATE and overdue["batches"] == 4  # 3 + 3 + 3 + 1
    assert len(commits) - before >= 4  # a transaction per batch (and the other jobs' own)
    assert query(shop, "SELECT count(*) FROM orders WHERE overdue") == [(LATE,)]
    flagged = query(shop, "SELECT o.number, count(*) FROM audit_event a JOIN orders o ON o.id = a.order_id "
                          "WHERE a.action = 'order.overdue' GROUP BY o.number")  # fmt: skip
    assert sorted(flagged) == sorted((f"S-{i}", 1) for i in range(LATE))
    notices = query(shop, "SELECT n.order_id, n.employee_id, count(*) FROM notification n WHERE n.kind = 'overdue' "
                          "GROUP BY n.order_id, n.employee_id")  # fmt: skip
    told_to = {order_id: {e for o, e, _ in notices if o == order_id} for order_id, _, _ in notices}
    assert len(told_to) == LATE and {n for _, _, n in notices} == {1}  # every order, each overseer once
    assert len({frozenset(people) for people in told_to.values()}) == 1 and all(told_to.values())

    again = jobs.run_job(engine_of(shop), FixedClock(NOW + 3 * WEEK), "overdue")  # the next round: nothing left
    assert again["done"] == 0 and again["notified"] == 0
    assert query(shop, "SELECT count(*) FROM notification WHERE kind = 'overdue'") == [(len(notices),)]


@pytest.mark.usefixtures("small_batches")
def test_the_scheduler_works_through_an_engine_of_its_own_on_sqlite_and_gives_it_back(
    shop: str, engine_of: Callable[[str], Engine]
) -> None:
    engine = engine_of(shop)
    runner = DeskScheduler(engine, FixedClock(NOW + 3 * WEEK), holder="desk-1", interval=3600, lease=60)
    if engine.dialect.name == "sqlite":
        assert runner.engine.pool is not engine.pool
        with runner.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA cache_size").scalar() == -jobs.SCHEDULER_CACHE_MIB * 1024
    else:
        assert runner.engine.pool is engine.pool  # PostgreSQL: the desk's pool (its page cache is the server's)
    runner.renew()
    runner.first_round()
    runner.shutdown()
    assert query(shop, "SELECT count(*) FROM orders WHERE overdue") == [(LATE,)]
    assert query(shop, "SELECT holder FROM scheduler_lease") == [("",)]  # given up on the way out


# ----------------------------------------------------------------------------------- the desk


@pytest.fixture
def app(demo_db: str, engine_of: Callable[[str], Engine]) -> OrderDeskApp:
    return OrderDeskApp(desk=Desk(engine_of(demo_db), FixedClock(NOW)), watch=False)


def test_the_first_view_shows_his_rows_before_the_first_round_starts_and_reads_them_once(app: OrderDeskApp) -> None:
    """A scheduler double: what the screen shows at the moment the first round would start."""
    shown_then: list[str] = []
    reads: list[str] = []

    def first_round() -> None:
        shown_then.append(app.export_screenshot())

    app.when_first_view_painted = first_round
    gate = threading.Event()
    read = app.desk.queue

    def slow_queue(*args: Any, **kwargs: Any) -> Any:
        reads.append(kwargs.get("list", ""))
        gate.wait(10)  # his rows come when the test says so
        return read(*args, **kwargs)

    app.desk.queue = slow_queue  # type: ignore[method-assign]

    async def scenario(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press(*"anna", "enter", *"demo", "enter")
        for _ in range(30):
            await pilot.pause(0.02)
        assert isinstance(pilot.app.screen, MyQueueScreen) and shown_then == []  # rows not in: it waits
        gate.set()
        for _ in range(200):
            if shown_then:
                break
            await pilot.pause(0.02)
        assert len(shown_then) == 1
        table = pilot.app.screen.query_one("#queue", DataTable)
        first = str(table.get_row_at(0)[0])
        assert table.row_count > 0 and first in shown_then[0]  # his first order was on the screen
        await settle(pilot)
        assert reads == ["mine"]  # the first view read its page once (Textual resumes a new mode twice)

    drive(app, scenario)


def test_a_round_that_never_gets_its_rows_still_starts(app: OrderDeskApp, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(OrderDeskApp, "FIRST_ROUND_WAIT", 0.3)
    started: list[int] = []
    app.when_first_view_painted = lambda: started.append(1)
    gate = threading.Event()
    read = app.desk.queue
    app.desk.queue = lambda *a, **k: (gate.wait(10), read(*a, **k))[1]  # type: ignore[method-assign]

    async def scenario(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press(*"anna", "enter", *"demo", "enter")
        for _ in range(100):
            if started:
                break
            await pilot.pause(0.02)
        assert started == [1]  # the timed work is not held up for ever by a read that hangs
        gate.set()
        await settle(pilot)
        assert started == [1]

    drive(app, scenario)


def test_a_scheduler_thread_pauses_between_batches_tick_does_not(
    shop: str, engine_of: Callable[[str], Engine], cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sweeps, "BATCH", 3)
    paused: list[float] = []
    monkeypatch.setattr(jobs.time, "sleep", paused.append)
    assert cli("tick", "--at", (NOW + 3 * WEEK).isoformat(), db=shop).exit_code == 0
    assert paused == []  # `orderdesk tick`: no desk waits on it
    with engine_of(shop).begin() as connection:
        connection.exec_driver_sql("UPDATE orders SET overdue = false")
    engine = jobs.scheduler_engine(engine_of(shop))
    result = jobs.run_job(engine, FixedClock(NOW + 3 * WEEK), "overdue")
    engine.dispose()
    assert result["done"] == LATE and paused == [jobs.BETWEEN_BATCHES] * 3  # between its four batches


@pytest.mark.usefixtures("small_batches")
def test_a_desk_that_quits_during_its_first_round_waits_for_one_batch_not_the_round(
    shop: str, engine_of: Callable[[str], Engine]
) -> None:
    runner = DeskScheduler(engine_of(shop), FixedClock(NOW + 3 * WEEK), holder="desk-1", interval=3600, lease=60)
    told: list[tuple[str, dict[str, Any]]] = []
    runner.on_round = lambda job, result: told.append((job, result))
    runner.renew()
    runner._stop.set()  # noqa: SLF001  as shutdown() sets it while the round runs in its thread
    runner.run("overdue")
    assert dict(told)["overdue"]["done"] == 3  # the batch at hand, then it stopped
    assert query(shop, "SELECT count(*) FROM orders WHERE overdue") == [(3,)]
    runner.first_round()
    assert [job for job, _ in told] == ["overdue"]  # a stopping scheduler starts no other job
    runner.shutdown()
    later = DeskScheduler(engine_of(shop), FixedClock(NOW + 3 * WEEK), holder="desk-2", interval=3600, lease=60)
    later.renew()
    later.first_round()
    later.shutdown()
    assert query(shop, "SELECT count(*) FROM orders WHERE overdue") == [(LATE,)]  # the next desk's round: the rest
