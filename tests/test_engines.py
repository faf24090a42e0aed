"""One engine per database in a process: commands run in one process (as the tests run them) share it."""

from __future__ import annotations

import pytest

import storage.db
from storage.db import dispose_shared_engines, shared_engine
from tests.conftest import PG_URL, ok, query


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
