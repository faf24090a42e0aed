"""One engine per database in a process: commands run in one process (as the tests run them) share it."""

from __future__ import annotations

import pytest

import storage.db
from storage.db import dispose_shared_engines, shared_engine
from tests.conftest import PG_URL, execute, ok, query


@pytest.mark.skipif(bool(PG_URL), reason="a SQLite file named by its path and by its URL")
def test_the_same_database_has_one_engine_until_they_are_disposed(empty_db, tmp_path):
    engine = shared_engine(empty_db)
    assert shared_engine(empty_db) is engine and shared_engine(f"sqlite:///{empty_db}") is engine
    assert shared_engine(str(tmp_path / "other.db")) is not engine
    dispose_shared_engines()
    assert shared_engine(empty_db) is not engine


def test_commands_on_one_database_in_one_process_open_one_engine(demo_db, cli, monkeypatch):
    made = []

    def counted(db, **kw):  # type: ignore[no-untyped-def]
        made.append(db)
        return make_engine(db, **kw)

    make_engine = storage.db.make_engine
    dispose_shared_engines()  # what setting the database up opened (PostgreSQL: the same URL) does not count
    monkeypatch.setattr(storage.db, "make_engine", counted)
    ok(cli("users", "list", db=demo_db))
    ok(cli("settings", "show", db=demo_db))
    assert query(demo_db, "SELECT count(*) FROM orders") == [(300,)]
    assert made == [demo_db]


def test_the_change_watcher_hears_a_commit_to_its_database_and_not_to_another(empty_db, demo_db) -> None:
    """A desk refreshes when anyone commits a write to its database (any tool, raw SQL too), and not
    for reads, nor for another database on the same PostgreSQL server (or another SQLite file)."""
    from storage.db import ChangeWatcher

    watcher = ChangeWatcher(shared_engine(demo_db))
    try:
        first = watcher.version()
        query(demo_db, "SELECT count(*) FROM orders")
        assert watcher.version() == first  # a read is no change
        execute(empty_db, "UPDATE setting SET value = value")  # another database
        execute(empty_db, "INSERT INTO store (code, name, timezone) VALUES ('x', 'X', 'UTC')")
        assert watcher.version() == first
        execute(demo_db, "UPDATE customer SET name = 'Renamed Elsewhere' WHERE id = 1")
        second = watcher.version()
        assert second != first
        assert watcher.version() == second  # heard once
    finally:
        watcher.close()
