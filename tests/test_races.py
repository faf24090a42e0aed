"""Desks racing on one database (issue 17): no workload limit broken, no pass failing on another's
orders, no import failing on a number another import committed meanwhile.

SQLite's write transactions hold the whole database (BEGIN IMMEDIATE), so there these races cannot
happen and the same steps run one after the other; PostgreSQL runs READ COMMITTED, and the race
shows unless the desks serialise on the manager (`storage.writes.lock_employees`) and pass over each
other's pending rows (`FOR UPDATE SKIP LOCKED`). Each desk is a thread with an engine of its own.
The tests that interleave two transactions on PostgreSQL hold the first open until the second is
either done or waiting for a lock (`pg_stat_activity`), so they neither sleep nor depend on timing.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from orderdesk.clock import FixedClock
from orderdesk.files.orders_file import read_orders
from orderdesk.policy.errors import DeskError
from orderdesk.usecases.assignment import assign, claim, distribute_pending
from orderdesk.usecases.import_orders import import_orders
from orderdesk.usecases.presence import log_in, set_presence
from orderdesk.usecases.take_next import take_next
from storage.db import write_session
from tests.conftest import PG_URL, execute, ok, query, refused, snapshot_of
from tests.test_distribution import BOB, DESK, order

ROUNDS = 8  # of simultaneous claims: without the manager's lock, PostgreSQL lets two win in most
PATIENCE = 30  # seconds a desk waits for another before the test calls it stuck (a failure only)


@pytest.fixture
def desk(empty_db, cli, tmp_path):
    """The small desk of test_distribution (a limit of 5 orders in "new"), anna holding 4 of them."""
    path = tmp_path / "desk.toml"
    path.write_text(DESK)
    ok(cli("load", str(path), db=empty_db))
    import_file(cli, empty_db, tmp_path, [order(f"A-{i}", manager="anna") for i in range(4)])
    return empty_db


def import_file(cli, db, tmp_path, orders, name="orders"):
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(orders))
    return ok(cli("orders", "import", str(path), "--json", db=db))


def load_of(db, login):
    [(count,)] = query(
        db, "SELECT count(*) FROM orders o JOIN employee e ON e.id = o.manager_id "
            "WHERE e.login = :login AND o.status = 'new' AND o.is_open = true", login=login,
    )  # fmt: skip
    return count


def assignments(db):
    """(order, manager) of every order.assigned audit row, and whether each order has exactly one."""
    rows = query(db, "SELECT o.number FROM audit_event a JOIN orders o ON o.id = a.order_id "
                     "WHERE a.action = 'order.assigned'")  # fmt: skip
    return sorted(number for (number,) in rows)


def managers(db, numbers):
    rows = query(db, "SELECT o.number, e.login FROM orders o LEFT JOIN employee e ON e.id = o.manager_id")
    return {number: login for number, login in rows if number in numbers}


class Desk(threading.Thread):
    """One desk: `work(session)` in a write transaction of its own engine. With `hold`, the
    transaction stays open after the work until `release()` (PostgreSQL only: on SQLite it would
    hold the whole database)."""

    def __init__(self, engine: Any, work: Callable[[Any], Any], *, start_line: threading.Barrier | None = None,
                 hold: bool = False) -> None:  # fmt: skip
        super().__init__(daemon=True)
        self.engine, self.work, self.start_line, self.hold = engine, work, start_line, hold
        self.worked, self.done, self._release = threading.Event(), threading.Event(), threading.Event()
        self.result: Any = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            if self.start_line is not None:
                self.start_line.wait(timeout=PATIENCE)
            with write_session(self.engine) as session:
                self.result = self.work(session)
                self.worked.set()
                if self.hold:
                    assert self._release.wait(timeout=PATIENCE), "never released"
        except BaseException as exc:  # noqa: BLE001  the test reads it
            self.error = exc
        finally:
            self.worked.set()
            self.done.set()

    def release(self) -> None:
        self._release.set()

    def outcome(self) -> Any:
        assert self.done.wait(timeout=PATIENCE), "a desk never finished"
        self.join()
        if isinstance(self.error, DeskError):
            return self.error
        if self.error is not None:
            raise self.error
        return self.result


def waiting_or_done(db: str, desk: Desk) -> str:
    """'waiting' once `desk` waits for a lock another transaction holds, or 'done' once it ended."""
    deadline = time.monotonic() + PATIENCE
    waits = ("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
             "AND wait_event_type = 'Lock' AND state = 'active'")  # fmt: skip
    while time.monotonic() < deadline:
        if desk.done.is_set():
            return "done"
        if query(db, waits)[0][0] > 0:
            return "waiting"
        desk.done.wait(timeout=0.01)
    raise AssertionError("the desk neither finished nor waited for a lock")


def claiming(login: str, number: str, clock: FixedClock) -> Callable[[Any], Any]:
    return lambda session: claim(session=session, actor=login, clock=clock, number=number).number


def turning_free(login: str, clock: FixedClock) -> Callable[[Any], Any]:
    def work(session: Any) -> Any:
        log_in(session=session, actor=login, clock=clock, host="test")
        set_presence(session=session, actor=login, clock=clock, presence="free")
        return distribute_pending(session=session, clock=clock)

    return work


# ----------------------------------------------------------------------------------- claims


def test_three_claims_at_once_by_a_manager_at_4_of_5_exactly_one_wins(desk, cli, tmp_path, engine_of, clock):
    """The issue's case, round after round: anna holds 4 orders in "new" (the limit is 5) and claims
    three at once from three desks. Only one claim may win; the others say why (her limit)."""
    numbers = [f"P-{r}-{i}" for r in range(ROUNDS) for i in range(3)]
    import_file(cli, desk, tmp_path, [order(n) for n in numbers], name="pool")
    engines = [engine_of(desk) for _ in range(3)]
    for round_ in range(ROUNDS):
        line = threading.Barrier(3)
        mine = numbers[round_ * 3 : round_ * 3 + 3]
        desks = [Desk(e, claiming("anna", n, clock), start_line=line) for e, n in zip(engines, mine, strict=True)]
        for d in desks:
            d.start()
        outcomes = [d.outcome() for d in desks]
        won = [o for o in outcomes if not isinstance(o, DeskError)]
        assert len(won) == 1, f"round {round_}: {outcomes}"
        for refusal in (o for o in outcomes if isinstance(o, DeskError)):
            assert "Anna already has 5 orders in New: the limit is 5" in str(refusal), refusal
        assert load_of(desk, "anna") == 5
        [winner] = won
        assert managers(desk, mine) == {n: ("anna" if n == winner else None) for n in mine}
        done_with(desk, mine)  # back to 4 for the next round
    assert len(assignments(desk)) == ROUNDS  # one recorded assignment per order won


@pytest.mark.skipif(not PG_URL, reason="SQLite's writer lock runs one claim at a time: nothing to interleave")
def test_a_second_claim_waits_for_the_first_and_then_sees_her_limit(desk, cli, tmp_path, engine_of, clock):
    """Step by step: a desk's claim takes anna to 5 and has not committed; another desk's claim for
    her waits for it (her row is locked), then reads 5 and is refused."""
    import_file(cli, desk, tmp_path, [order("P-1"), order("P-2")], name="pool")
    first = Desk(engine_of(desk), claiming("anna", "P-1", clock), hold=True)
    first.start()
    assert first.worked.wait(timeout=PATIENCE) and first.error is None, first.error
    second = Desk(engine_of(desk), claiming("anna", "P-2", clock))
    second.start()
    seen = waiting_or_done(desk, second)
    first.release()
    assert first.outcome() == "P-1"
    assert seen == "waiting", f"the second claim did not wait for the first: {second.outcome()}"
    refusal = second.outcome()
    assert isinstance(refusal, DeskError) and "already has 5 orders in New: the limit is 5" in str(refusal)
    assert managers(desk, {"P-1", "P-2"}) == {"P-1": "anna", "P-2": None}


def done_with(db, numbers):
    """The orders are closed, as if advanced to Done: out of the pool and of everyone's load."""
    listed = ", ".join(f"'{number}'" for number in numbers)  # the test's own numbers
    execute(db, f"UPDATE orders SET status = 'done', is_open = false WHERE number IN ({listed})")


def passing(clock: FixedClock, numbers: list[str]) -> Callable[[Any], Any]:
    return lambda session: distribute_pending(session=session, clock=clock)


def taking_next(clock: FixedClock, numbers: list[str]) -> Callable[[Any], Any]:
    return lambda session: take_next(session=session, actor="anna", clock=clock).number


def assigning(clock: FixedClock, numbers: list[str]) -> Callable[[Any], Any]:
    return lambda session: assign(session=session, actor="sam", clock=clock, number=numbers[0], to="anna").number


@pytest.mark.parametrize("other", [passing, taking_next, assigning], ids=["pass", "take-next", "assign"])
def test_a_claim_and_another_desk_giving_her_an_order_at_once_give_her_one(desk, cli, tmp_path, engine_of, clock,
                                                                           other):  # fmt: skip
    """anna (4 of 5, logged in and free, the only manager at a desk) claims an order while, at
    another desk, a scheduler pass runs, or she takes the next order, or sam assigns her one:
    between them she gets one more order, never two; the other says it is her limit."""
    ok(cli("users", "login", "anna", db=desk))
    ok(cli("users", "set-status", "anna", "free", db=desk))  # the pass it runs gives her nothing yet
    engines = [engine_of(desk), engine_of(desk)]
    for round_ in range(ROUNDS // 2):
        numbers = [f"Q-{round_}-{i}" for i in range(3)]
        import_file(cli, desk, tmp_path, [order(n) for n in numbers], name=f"pool-{round_}")
        line = threading.Barrier(2)
        desks = [
            Desk(engines[0], claiming("anna", numbers[-1], clock), start_line=line),
            Desk(engines[1], other(clock, numbers), start_line=line),
        ]
        for d in desks:
            d.start()
        outcomes = [d.outcome() for d in desks]
        assert load_of(desk, "anna") == 5, (round_, outcomes)
        mine = [n for n, login in managers(desk, numbers).items() if login == "anna"]
        assert len(mine) == 1, (round_, outcomes)
        for refusal in (o for o in outcomes if isinstance(o, DeskError)):
            assert "the limit is 5" in str(refusal) or "limit 5/5 in new" in str(refusal), refusal
        done_with(desk, numbers)  # back to 4, and an empty pool for the next round


def test_a_supervisor_may_not_assign_a_manager_past_her_limit(desk, cli, tmp_path):
    """An assignment counts against the limit as a claim does (it takes the same lock): sam cannot
    give anna a sixth order in "new"; an order in another stage, or a reassignment to boris,
    still goes."""
    import_file(cli, desk, tmp_path, [order("A-4", manager="anna"), order("P-1"), order("P-2")], name="pool")
    before = snapshot_of(desk)
    line = refused(cli("orders", "assign", "P-1", "--to", "anna", "--as", "sam", db=desk),
                   "Anna already has 5 orders in New: the limit is 5")  # fmt: skip
    assert "someone else" in line
    assert snapshot_of(desk) == before
    assert "P-1 is now boris's" in ok(cli("orders", "assign", "P-1", "--to", "boris", "--as", "sam", db=desk)).stdout
    done_with(desk, ["A-0"])
    assert "P-2 is now anna's" in ok(cli("orders", "assign", "P-2", "--to", "anna", "--as", "sam", db=desk)).stdout
    assert load_of(desk, "anna") == 5


# ----------------------------------------------------------------------------------- passes


def test_two_managers_turning_free_at_once_both_succeed_and_share_nothing(desk, cli, tmp_path, engine_of, clock):
    """emma turns free (her desk's transaction has not ended) while anna turns free and her pass hands
    out the waiting orders; then emma's pass runs. On PostgreSQL it runs while anna's pass still holds
    the orders it read: it passes over them rather than wait for them and then fail on them."""
    ok(cli("orders", "advance", "A-0", "--as", "anna", db=desk))
    ok(cli("orders", "advance", "A-1", "--as", "anna", db=desk))  # anna at 2 of 5
    numbers = [f"W-{i}" for i in range(6)]
    new_customers = [{"name": f"New {i}", "phone": f"+44 20 2222 {i:04d}"} for i in range(6)]  # no manager yet
    import_file(cli, desk, tmp_path, [order(n, customer=c) for n, c in zip(numbers, new_customers, strict=True)],
                name="waiting")  # fmt: skip
    emma_free = threading.Event()
    emma_passes = threading.Event()

    def emma(session: Any) -> Any:
        log_in(session=session, actor="emma", clock=clock, host="test")
        set_presence(session=session, actor="emma", clock=clock, presence="free")
        session.flush()  # her row is written (and so locked) before anna's pass starts
        emma_free.set()
        assert emma_passes.wait(timeout=PATIENCE)
        return distribute_pending(session=session, clock=clock)

    interleaved = bool(PG_URL)
    emma_desk = Desk(engine_of(desk), emma)
    anna_desk = Desk(engine_of(desk), turning_free("anna", clock), hold=interleaved)
    if interleaved:  # emma's row first, then anna's pass while emma's transaction is open
        emma_desk.start()
        assert emma_free.wait(timeout=PATIENCE)
        anna_desk.start()
        assert anna_desk.worked.wait(timeout=PATIENCE) and anna_desk.error is None, anna_desk.error
        emma_passes.set()
        seen = waiting_or_done(desk, emma_desk)
        anna_desk.release()
        assert seen == "done", f"emma's pass waited for anna's: {emma_desk.outcome()}"
    else:  # one writer at a time: anna's desk, then emma's
        emma_passes.set()
        anna_desk.start()
        anna_desk.outcome()
        emma_desk.start()
    anna_pass, emma_pass = anna_desk.outcome(), emma_desk.outcome()
    assert not isinstance(anna_pass, DeskError) and not isinstance(emma_pass, DeskError), (anna_pass, emma_pass)
    given = managers(desk, set(numbers))
    assert sorted(n for n, _ in anna_pass.assigned + emma_pass.assigned) == sorted(n for n, m in given.items() if m)
    assert load_of(desk, "anna") <= 5 and load_of(desk, "emma") <= 5
    assert assignments(desk) == sorted(n for n, m in given.items() if m)  # each order given once, audited once
    # the next pass (the scheduler's) hands out what is left, to both, as the carousel turns
    after = json.loads(ok(cli("distribute", "--json", db=desk)).stdout)
    given = managers(desk, set(numbers))
    assert all(given.values()) and after["left"] == 0, (given, after)
    assert set(given.values()) == {"anna", "emma"}
    assert assignments(desk) == sorted(numbers)


def test_a_pass_leaves_a_customers_order_to_his_manager_busy_at_another_desk(desk, cli, tmp_path, engine_of, clock):
    """boris, Alice's manager, is in the middle of a claim at his desk when a pass meets Alice's new
    order: the pass does not give it past him to the carousel; the next pass gives it to him."""
    for login in ("boris", "emma"):
        ok(cli("users", "login", login, db=desk))
        ok(cli("users", "set-status", login, "free", db=desk))
    import_file(cli, desk, tmp_path, [order("B-1"), order("ALICE-1", customer=ALICE_CARD)], name="pool")
    if PG_URL:
        boris = Desk(engine_of(desk), claiming("boris", "B-1", clock), hold=True)
        boris.start()
        assert boris.worked.wait(timeout=PATIENCE) and boris.error is None, boris.error
        scheduler = Desk(engine_of(desk), lambda session: distribute_pending(session=session, clock=clock))
        scheduler.start()
        seen = waiting_or_done(desk, scheduler)
        boris.release()
        assert seen == "done", "the pass waited for boris's claim"
        assert boris.outcome() == "B-1"
        passed = scheduler.outcome()
        assert passed.assigned == [] and passed.left == 1, passed.as_dict()
        assert managers(desk, {"ALICE-1"}) == {"ALICE-1": None}
        text = ok(cli("orders", "explain", "ALICE-1", db=desk)).stdout
        assert "boris" in text  # what the next pass does: her manager takes it
    else:
        ok(cli("orders", "claim", "B-1", "--as", "boris", db=desk))
    after = json.loads(ok(cli("distribute", "--json", db=desk)).stdout)
    assert after["assigned"] == [{"order": "ALICE-1", "manager": "boris"}]


ALICE_CARD = {"name": "Alice Responsible", "phone": "+44 20 0000 0001"}


# ----------------------------------------------------------------------------------- imports


def test_two_imports_with_the_same_new_number_the_second_skips_it(desk, cli, tmp_path, engine_of, clock):
    """Two imports carry N-2, new to the database: the one that commits first imports it; the other,
    which had already checked that N-2 was new, waits for it and then skips N-2 and reports it as an
    existing number, importing the rest of its file."""
    dan = {"name": "Dan New", "phone": "+44 20 0000 0003"}
    eve = {"name": "Eve New", "phone": "+44 20 0000 0004"}
    files = {}
    for name, rows in (("first", [order("N-1"), order("N-2", customer=dan)]),
                       ("second", [order("N-2", customer=eve), order("N-3")])):  # fmt: skip
        files[name] = tmp_path / f"{name}.json"
        files[name].write_text(json.dumps(rows))

    def importing(name: str) -> Callable[[Any], Any]:
        rows = read_orders(files[name])
        return lambda session: import_orders(session=session, clock=clock, rows=rows, source=str(files[name]))

    first = Desk(engine_of(desk), importing("first"), hold=bool(PG_URL))
    first.start()
    assert first.worked.wait(timeout=PATIENCE) and first.error is None, first.error
    second = Desk(engine_of(desk), importing("second"))
    if PG_URL:  # the second reads N-2 as new, then waits on its INSERT for the first to end
        second.start()
        seen = waiting_or_done(desk, second)
        first.release()
        assert seen == "waiting", f"the second import did not meet the first's N-2: {second.outcome()}"
    else:
        first.outcome()
        second.start()
    assert first.outcome().as_dict()["imported"] == 2
    result = second.outcome()
    assert not isinstance(result, DeskError), result
    assert result.as_dict() == {"imported": 1, "skipped": ["N-2"], "customers_created": 0, "total": "10.00"}
    rows = query(desk, "SELECT o.number, c.name FROM orders o JOIN customer c ON c.id = o.customer_id "
                       "WHERE o.number LIKE 'N-%'")  # fmt: skip
    assert sorted(rows) == [("N-1", BOB["name"]), ("N-2", "Dan New"), ("N-3", BOB["name"])]
    assert query(desk, "SELECT count(*) FROM customer WHERE name = 'Eve New'") == [(0,)]  # no card for a skipped order
    imported = query(desk, "SELECT o.number FROM audit_event a JOIN orders o ON o.id = a.order_id "
                           "WHERE a.action = 'order.imported' AND o.number LIKE 'N-%'")  # fmt: skip
    assert sorted(imported) == [("N-1",), ("N-2",), ("N-3",)]
    assert query(desk, "SELECT count(*) FROM order_item i JOIN orders o ON o.id = i.order_id "
                       "WHERE o.number = 'N-2'") == [(1,)]  # fmt: skip
