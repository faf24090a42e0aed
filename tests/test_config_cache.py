"""The process's copy of the configuration (storage.config_cache, views.reference, issue 18): every
command that changes the configuration is seen by the next read at once, in this process (the CLI
runner runs in process, so it shares the copy) and from another process; a change rolled back
leaves nothing behind; what the copy holds is what a plain read of the database gives."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from orderdesk.clock import FixedClock
from orderdesk.config.settings import _read_settings, read_settings
from orderdesk.files.orders_file import OrderIn
from orderdesk.usecases.create_order import create_order
from orderdesk.views.reference import read_reference, reference
from storage import config_cache, distribution_queries
from storage.db import shared_engine, write_session
from tests.conftest import NOW, PG_URL, execute, ok, query

ROOT = Path(__file__).resolve().parent.parent


def held(db: str) -> tuple[object, object]:
    """The reference data and the settings as this process holds them now (reading them keeps them)."""
    with write_session(shared_engine(db)) as session:
        return reference(session), read_settings(session)


def plain(db: str) -> tuple[object, object]:
    """The same read from the database now, past the copy."""
    with write_session(shared_engine(db)) as session:
        return read_reference(session), _read_settings(session)


def order(number: str, *, channel: str = "site", store: str = "home") -> OrderIn:
    return OrderIn.model_validate({
        "number": number, "store": store, "channel": channel, "type": "regular", "created_at": NOW.isoformat(),
        "payment_method": "card", "delivery": {"method": "courier"},
        "customer": {"name": "Cache Test", "phone": "+44 7000 123456"},
        "items": [{"sku": "RK-2", "name": "Rake", "qty": 1, "price": "12.50"}],
    })  # fmt: skip


def arrive(db: str, number: str, **kwargs: str):  # type: ignore[no-untyped-def]
    with write_session(shared_engine(db)) as session:
        created = create_order(session=session, clock=FixedClock(NOW), order=order(number, **kwargs))
        return created.status, created.manager_id


CONFIG = """
[[channels]]
code = "kiosk"
name = "Kiosk"
"""

RULE = ["rules", "add", "--name", "Cache rule", "--event", "order_created", "--title", "Call #NAME#",
        "--role", "manager", "--priority", "7"]  # fmt: skip

# (what is done first, not yet held; the command whose change must be seen at once)
COMMANDS: dict[str, tuple[list[list[str]], Callable[[Path], list[str]]]] = {
    "load": ([], lambda tmp: ["load", str(tmp / "more.toml")]),
    "settings set": ([], lambda tmp: ["settings", "set", "distribution.mode", "none"]),
    "pipeline add": ([], lambda tmp: ["pipeline", "add", "home", "packing", "--name", "Packing", "--after", "picking"]),
    "pipeline rename": ([], lambda tmp: ["pipeline", "rename", "home", "picking", "Picking up"]),
    "pipeline move": ([], lambda tmp: ["pipeline", "move", "home", "callback", "--position", "3"]),
    "pipeline deactivate": ([], lambda tmp: ["pipeline", "deactivate", "home", "callback"]),
    "pipeline activate": (
        [["pipeline", "deactivate", "home", "callback"]],
        lambda tmp: ["pipeline", "activate", "home", "callback"],
    ),  # fmt: skip
    "pipeline limit": ([], lambda tmp: ["pipeline", "limit", "home", "new", "3h"]),
    "pipeline owner": ([], lambda tmp: ["pipeline", "owner", "home", "new", "role:warehouse"]),
    "automoves add": (
        [],
        lambda tmp: ["automoves", "add", "home", "--from", "callback", "--after", "2w", "--to", "cancelled"],
    ),  # fmt: skip
    "automoves remove": (
        [["automoves", "add", "home", "--from", "callback", "--after", "2w", "--to", "cancelled"]],
        lambda tmp: ["automoves", "remove", "home", str(last_automove(tmp))],
    ),  # fmt: skip
    "rules add": ([], lambda tmp: RULE),
    "rules remove": ([RULE], lambda tmp: ["rules", "remove", "Cache rule"]),
    "rules move": ([RULE], lambda tmp: ["rules", "move", "Cache rule", "3"]),
    "rules disable": ([RULE], lambda tmp: ["rules", "disable", "Cache rule"]),
    "rules enable": ([RULE, ["rules", "disable", "Cache rule"]], lambda tmp: ["rules", "enable", "Cache rule"]),
    "users add": (
        [],
        lambda tmp: ["users", "add", "kate", "--name", "Kate Moss", "--role", "manager", "--group", "home-web"],
    ),  # fmt: skip
}

_db_of_test: dict[str, str] = {}


def last_automove(tmp: Path) -> int:
    return int(query(_db_of_test[str(tmp)], "SELECT max(id) FROM auto_move")[0][0])  # type: ignore[arg-type]


@pytest.mark.parametrize("name", list(COMMANDS))
def test_each_configuration_command_is_seen_by_the_next_read_at_once(demo_db, cli, tmp_path, monkeypatch, name):
    monkeypatch.setenv("ORDERDESK_PASSWORD", "s3cret")
    (tmp_path / "more.toml").write_text(CONFIG, encoding="utf-8")
    _db_of_test[str(tmp_path)] = demo_db
    first, command = COMMANDS[name]
    for args in first:
        ok(cli(*args, db=demo_db))
    before = held(demo_db)  # held from here on
    ok(cli(*command(tmp_path), db=demo_db, input="s3cret\ns3cret\n"))
    after = held(demo_db)
    assert after != before, "the command changed nothing the process holds"
    assert after == plain(demo_db)


def free(cli, db: str) -> None:
    """Anna (home-web: the store's web orders) logged in and free, as at her desk."""
    ok(cli("users", "login", "anna", db=db))
    ok(cli("users", "set-status", "anna", "free", db=db))


def test_the_next_order_sees_each_change_at_once(demo_db, cli, tmp_path):
    free(cli, demo_db)
    assert arrive(demo_db, "CACHE-1")[0] == "new"
    (tmp_path / "more.toml").write_text(CONFIG, encoding="utf-8")
    ok(cli("load", str(tmp_path / "more.toml"), db=demo_db))
    arrive(demo_db, "CACHE-2", channel="kiosk")  # a channel that did not exist when the copy was made

    ok(cli("pipeline", "deactivate", "home", "new", db=demo_db))
    assert arrive(demo_db, "CACHE-3")[0] == "callback"  # the first stage left the pipeline

    assert arrive(demo_db, "CACHE-4")[1] is not None
    ok(cli("settings", "set", "distribution.enabled", "false", db=demo_db))
    assert arrive(demo_db, "CACHE-5")[1] is None  # no longer distributed


def test_raw_sql_on_a_configuration_table_is_seen_too(demo_db):
    """tests.conftest.execute moves the generation on when its SQL names a configuration table, as a
    command does: a test that writes the configuration by hand is never served the old copy."""
    assert held(demo_db)[1].distribution.mode != "none"  # type: ignore[attr-defined]
    execute(demo_db, "UPDATE setting SET value = '\"none\"' WHERE key = 'distribution.mode'")
    assert held(demo_db)[1].distribution.mode == "none"  # type: ignore[attr-defined]


def test_a_change_made_by_another_process_is_seen(demo_db):
    before = held(demo_db)
    assert before[1].distribution.mode != "none"  # type: ignore[attr-defined]
    subprocess.run(
        [sys.executable, "-m", "orderdesk.cli.main", "--db", demo_db, "settings", "set", "distribution.mode", "none"],
        check=True, cwd=ROOT, capture_output=True,
    )  # fmt: skip
    assert held(demo_db)[1].distribution.mode == "none"  # type: ignore[attr-defined]


def test_a_change_rolled_back_leaves_nothing_held(demo_db):
    """A transaction that changed the configuration and read it, then rolled back, must not leave
    what it read behind for the generation number the next change will have."""
    held(demo_db)
    with pytest.raises(RuntimeError), write_session(shared_engine(db := demo_db)) as session:
        session.connection().exec_driver_sql("UPDATE setting SET value = '\"none\"' WHERE key = 'distribution.mode'")
        config_cache.config_changed(session)
        assert read_settings(session).distribution.mode == "none"  # read afresh inside
        raise RuntimeError("rolled back")
    # another writer makes the same next generation number with another value
    execute(db, "UPDATE setting SET value = '\"equal\"' WHERE key = 'distribution.mode'")
    assert held(db)[1].distribution.mode == "equal"  # type: ignore[attr-defined]


def test_one_database_copy_is_not_taken_for_another(demo_db, empty_db):
    """Two databases at the same generation (every test database starts at 0) are held apart."""
    assert held(demo_db)[0].stores and not held(empty_db)[0].stores  # type: ignore[attr-defined]
    assert held(demo_db) == plain(demo_db) and held(empty_db) == plain(empty_db)


def test_what_is_held_is_what_the_plain_reads_give(demo_db):
    """The reference data against the reads it replaced on the arriving path."""
    from orderdesk.views.lookup import load_move_rules, load_pipelines
    from orderdesk.views.rules import all_rules

    with write_session(shared_engine(demo_db)) as session:
        known = reference(session)
        assert {k: list(v) for k, v in known.pipelines.items()} == load_pipelines(session)
        assert {k: list(v) for k, v in known.move_rules.items()} == load_move_rules(session)
        assert list(known.rules) == all_rules(session)
        assert known.enabled_rules() == all_rules(session, enabled=True)
        groups = distribution_queries.processing_groups(session)
        assert {g.id: (g.code, g.members, g.stores, g.channels, g.types) for g in known.groups} == {
            gid: (g["code"], g["members"], g["stores"], g["channels"], g["types"]) for gid, g in groups.items()
        }
        assert read_settings(session) == _read_settings(session)


def test_the_generation_is_read_once_per_transaction(demo_db):
    from sqlalchemy import event

    engine = shared_engine(demo_db)
    held(demo_db)
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args):  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        with write_session(engine) as session:
            reference(session), read_settings(session), reference(session)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    sent = [s for s in seen if not s.startswith("BEGIN") and s != "SELECT 1"]
    assert len(sent) == 1 and "config_generation" in sent[0], sent


def test_orders_arriving_one_by_one_are_each_assigned(demo_db, cli):
    """The arriving path with everything held: each order is distributed, its rules fire, its staff
    are told, as without the copy (the numbers differ; the rest of the suite checks each part)."""
    free(cli, demo_db)
    execute(demo_db, "UPDATE setting SET value = 'null' WHERE key = 'distribution.workload_limit'")  # no limit
    numbers = [f"CACHE-{n}" for n in range(5)]
    clock = FixedClock(NOW)
    for number in numbers:
        clock.advance(timedelta(seconds=1))
        with write_session(shared_engine(demo_db)) as session:
            create_order(session=session, clock=clock, order=order(number))
    rows = query(demo_db, "SELECT number, manager_id FROM orders WHERE number LIKE 'CACHE-%' ORDER BY number")
    assert [r[0] for r in rows] == numbers and all(r[1] is not None for r in rows)
    told = query(demo_db, "SELECT count(*) FROM notification WHERE key LIKE 'placed:%' AND order_id IN "
                          "(SELECT id FROM orders WHERE number LIKE 'CACHE-%')")  # fmt: skip
    assert told[0][0] == len(numbers)


@pytest.mark.skipif(not PG_URL, reason="the row version (xmin) is PostgreSQL's")
def test_a_database_put_back_under_the_same_name_is_read_again(demo_db):
    """The tests' PostgreSQL working copies are put back to the template's rows between tests, the
    generation with them: the same number, another row version, so the copy is read again."""
    held(demo_db)
    with shared_engine(demo_db).begin() as connection:
        connection.exec_driver_sql("UPDATE setting SET value = '\"none\"' WHERE key = 'distribution.mode'")
        connection.exec_driver_sql("UPDATE config_generation SET generation = generation WHERE id = 1")
    assert held(demo_db)[1].distribution.mode == "none"  # type: ignore[attr-defined]
