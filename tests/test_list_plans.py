"""Every list answers its first page off an index (issue 18 Deliver 3): SQLite's EXPLAIN QUERY PLAN of
each SELECT a list command or a desk list sends, on a database with statistics (the sample data
multiplied to some thousands of orders, tasks, notifications and audit rows, then ANALYZE), sorts no
rows of a big table for want of an index and reads neither orders nor audit_event whole.

The lists whose queries changed for it give the same rows as the plain query they replace
(hypothesis: random viewers' scopes, filters, page sizes and page starts)."""

from __future__ import annotations

import importlib.util
import shutil
import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orderdesk.api.desk import Desk
from orderdesk.clock import FixedClock
from tests.conftest import NOW, PG_URL, run_cli

pytestmark = pytest.mark.skipif(bool(PG_URL), reason="SQLite's query plans (PostgreSQL's are checked by hand)")

_spec = importlib.util.spec_from_file_location("list_plans", Path(__file__).parent.parent / "bench" / "list_plans.py")
assert _spec is not None and _spec.loader is not None
plans = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(plans)

TIMES = 10  # the sample's 300 orders become 3,000


def multiply(path: Path, times: int = TIMES) -> None:
    """Copies of every order (older by a day per copy, with their audit rows, tasks, notifications and
    rule log), then ANALYZE: statistics that look like a desk's, not like an empty file's."""
    con = sqlite3.connect(path)

    def columns(table: str) -> list[str]:
        return [row[1] for row in con.execute(f"PRAGMA table_info({table})") if row[1] != "id"]

    def copy(table: str, changed: dict[str, str], join: str = "") -> None:
        names = columns(table)
        values = ", ".join(changed.get(name, f"t.{name}") for name in names)
        for k in range(1, times):
            con.execute(
                f"INSERT INTO {table} ({', '.join(names)}) SELECT {values.replace('{k}', str(k))} FROM {table} t "
                f"{join.replace('{k}', str(k))} WHERE t.id <= ?",
                (last[table],),
            )

    last = {t: con.execute(f"SELECT max(id) FROM {t}").fetchone()[0] or 0
            for t in ("orders", "audit_event", "task", "notification", "rule_log")}  # fmt: skip
    copy("orders", {"number": "t.number || '-{k}'", "extra_number": "t.extra_number || '-{k}'",
                    "created_at": "datetime(t.created_at, '-{k} days')"})  # fmt: skip
    by_copy = "JOIN orders o ON o.id = t.order_id JOIN orders c ON c.number = o.number || '-{k}'"
    copy("audit_event", {"order_id": "c.id"}, by_copy)
    copy("task", {"order_id": "c.id"}, by_copy)
    copy("notification", {"order_id": "c.id", "key": "t.key || '-{k}'"}, by_copy)
    copy("rule_log", {"order_id": "c.id"}, by_copy)
    con.execute("ANALYZE")
    con.commit()
    con.close()


@pytest.fixture(scope="module")
def big_db(_templates: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("plans") / "big.db"
    shutil.copyfile(_templates["demo"], path)
    multiply(path)
    return str(path)


def _cli(db: str, args: list[str]) -> None:
    result = run_cli(args, db=db)
    assert result.exit_code == 0, result.stderr


def _checked(db: str, call: Any, label: str = "") -> None:
    with plans.caught() as statements:
        call()
    assert statements, "no SELECT was caught"
    con = sqlite3.connect(db)
    bad = {}
    for statement, parameters in statements:
        plan = plans.explain(con, statement, parameters)
        if plans.bad_lines(statement, plan):
            bad[" ".join(statement.split())[:200]] = plan
    assert not bad, f"{label}: " + "\n".join(f"{s}\n    " + "\n    ".join(p) for s, p in bad.items())


def _number(db: str) -> str:
    return sqlite3.connect(db).execute("SELECT number FROM orders ORDER BY id LIMIT 1").fetchone()[0]


@pytest.mark.parametrize("label", [label for label, _ in plans.cli_cases("N")])
def test_a_list_command_reads_its_first_page_off_an_index(big_db: str, label: str) -> None:
    argv = dict(plans.cli_cases(_number(big_db), limit=20))[label]
    _checked(big_db, lambda: _cli(big_db, argv), label)


@pytest.mark.parametrize("role", ["admin", "supervisor", "manager", "contractor"])
def test_a_desk_list_reads_its_first_page_off_an_index(big_db: str, role: str) -> None:
    """Each list of the desk as this viewer sees it (his orders, queue, pool, boards, inbox, tasks)."""
    desk = Desk(_engine(big_db), FixedClock(NOW))
    viewers = plans.viewers_of(big_db)
    for label, call in plans.desk_cases(desk, viewers):
        if not label.startswith(f"{role}:"):
            continue
        if label in ("manager: stage board", "contractor: stage board"):
            continue  # one stage's cards of his own orders or the pool: a sort of those (bounded, not every order)
        _checked(big_db, call, label)


def _engine(db: str) -> Any:
    from storage.db import shared_engine

    return shared_engine(db)


# --------------------------------------------------------------------------- the same rows as before


def _plain_list(session: Any, *, scope: Any, flt: Any, limit: int | None, before: Any) -> list[Any]:
    from storage import queries

    query = queries._newest_first(queries._scoped(queries._order_select(), scope, flt), before, limit)
    return list(session.execute(query).all())


def _scopes(db: str) -> list[Any]:
    from storage.queries import OrderScope

    con = sqlite3.connect(db)
    managers = [r[0] for r in con.execute("SELECT DISTINCT manager_id FROM orders WHERE manager_id IS NOT NULL")]
    stores = frozenset(r[0] for r in con.execute("SELECT id FROM store"))
    con.execute("UPDATE orders SET contractor_id = (SELECT id FROM employee WHERE login = 'pavel') WHERE id % 7 = 0")
    con.commit()
    pavel = con.execute("SELECT id FROM employee WHERE login = 'pavel'").fetchone()[0]
    found = [OrderScope(everything=False, manager_id=m, store_ids=stores, store_orders="pool") for m in managers[:3]]
    found += [
        OrderScope(everything=False, manager_id=managers[0], contractor_id=pavel),
        OrderScope(everything=False, manager_id=pavel, contractor_id=pavel, store_ids=frozenset(list(stores)[:1]),
                   store_orders="pool"),
        OrderScope(everything=False, manager_id=managers[1], store_ids=stores, store_orders="all"),
    ]  # fmt: skip
    return found


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_page_merged_from_each_kind_of_order_is_the_page_of_their_or(big_db: str, data: st.DataObject) -> None:
    """list_orders reads a reader's own orders, those he is the contractor of and his stores' pool each
    off its own index and merges them: the same rows, in the same order, as the one query with OR."""
    from sqlalchemy import select
    from sqlmodel import Session

    from storage import queries
    from storage.models import Order
    from storage.queries import OrderFilter, list_orders

    scopes = data.draw(st.just(_scopes_cache(big_db)))
    scope = data.draw(st.sampled_from(scopes))
    flt = data.draw(st.sampled_from([OrderFilter(), OrderFilter(status="new"), OrderFilter(unassigned=True),
                                     OrderFilter(overdue_at=NOW), OrderFilter(store_id=1)]))  # fmt: skip
    limit = data.draw(st.integers(min_value=1, max_value=400))
    with Session(_engine(big_db)) as session:
        keys = session.execute(queries._newest_first(
            queries._scoped(select(Order.created_at, Order.id), scope, flt), None, None)).all()  # fmt: skip
        start = data.draw(st.one_of(st.none(), st.integers(min_value=0, max_value=max(0, len(keys) - 1))))
        before = None if start is None or not keys else tuple(keys[start])
        merged = list_orders(session, scope=scope, flt=flt, limit=limit, before=before)
        plain = _plain_list(session, scope=scope, flt=flt, limit=limit, before=before)
    assert [tuple(r) for r in merged] == [tuple(r) for r in plain]


_SCOPES: dict[str, list[Any]] = {}


def _scopes_cache(db: str) -> list[Any]:
    if db not in _SCOPES:
        _SCOPES[db] = _scopes(db)
    return _SCOPES[db]


def _plain_heads(session: Any, *, store_id: int, scope: Any, per_stage: int) -> list[Any]:
    """The stage board's first cards as one ranked query (what stage_heads was)."""
    from sqlalchemy import func, select

    from storage.models import Customer, Order
    from storage.queries import OrderFilter, _manager, _scoped

    urgency = (Order.stage_due_at.is_(None), Order.stage_due_at, Order.id)
    ranked = _scoped(
        select(
            Order.id, Order.number, Order.status, Customer.name.label("customer"), _manager.name.label("manager_name"),
            Order.total, Order.stage_due_at, Order.overdue, Order.is_open,
            func.row_number().over(partition_by=Order.status, order_by=urgency).label("rank"),
        )
        .join(Customer, Customer.id == Order.customer_id)
        .outerjoin(_manager, _manager.id == Order.manager_id)
        .where(Order.store_id == store_id, Order.is_open),
        scope,
        OrderFilter(),
    ).subquery()  # fmt: skip
    query = select(ranked).where(ranked.c.rank <= per_stage).order_by(ranked.c.status, ranked.c.rank)
    return list(session.execute(query).all())


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_the_stage_board_read_stage_by_stage_is_the_ranked_board(big_db: str, data: st.DataObject) -> None:
    from sqlmodel import Session

    from storage.board_queries import stage_heads
    from storage.queries import OrderScope

    scope = data.draw(st.sampled_from([OrderScope(), *_scopes_cache(big_db)]))
    store_id = data.draw(st.integers(min_value=1, max_value=3))
    per_stage = data.draw(st.integers(min_value=1, max_value=120))
    with Session(_engine(big_db)) as session:
        new = stage_heads(session, store_id=store_id, scope=scope, per_stage=per_stage)
        old = _plain_heads(session, store_id=store_id, scope=scope, per_stage=per_stage)
    assert sorted(tuple(r) for r in new) == sorted(tuple(r) for r in old)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(hours=st.integers(min_value=-24 * 40, max_value=24 * 40), limit=st.integers(min_value=1, max_value=500))
def test_the_overdue_board_read_in_due_order_is_the_sorted_board(big_db: str, hours: int, limit: int) -> None:
    from sqlalchemy import or_, select
    from sqlmodel import Session

    from storage.board_queries import late_orders
    from storage.models import Customer, Order

    now = NOW + timedelta(hours=hours)
    plain = (
        select(Order.id, Order.number, Order.store_id, Order.status, Order.manager_id, Order.total,
               Order.stage_due_at, Customer.name.label("customer"))
        .join(Customer, Customer.id == Order.customer_id)
        .where(Order.is_open, or_(Order.stage_due_at < now, Order.overdue))
        .order_by(Order.stage_due_at.is_(None), Order.stage_due_at, Order.id)
        .limit(limit)
    )  # fmt: skip
    with Session(_engine(big_db)) as session:
        assert [tuple(r) for r in late_orders(session, now=now, limit=limit)] == [
            tuple(r) for r in session.execute(plain)
        ]
