"""Turn `--db` (a path or a SQLAlchemy URL) into an engine, and open sessions on it."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlmodel import Session

BUSY_TIMEOUT_MS = 10_000
READ_ONLY = "orderdesk_read_only"


def database_url(db: str) -> str:
    """A SQLAlchemy URL as given, or a file path made into a SQLite URL."""
    if "://" in db:
        return db
    return f"sqlite:///{Path(db).expanduser()}"


def make_engine(db: str, *, echo: bool = False) -> Engine:
    url = database_url(db)
    if url.startswith("sqlite"):
        engine = create_engine(url, echo=echo, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
        _configure_sqlite(engine)
        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True)


_shared: dict[tuple[str, str, bool], Engine] = {}
_shared_lock = threading.Lock()


def shared_engine(db: str, *, echo: bool = False) -> Engine:
    """This process's one engine for `db`: made by make_engine the first time, the same one after.

    A fresh engine is not free: it has a pool of its own and a cache of compiled SQL of its own, so a
    process that runs many commands on one database (the tests do, in process) would connect and compile
    every statement again for each. dispose_shared_engines() closes them all.
    """
    key = (database_url(db), os.getcwd(), echo)  # a relative path is relative to where we are
    with _shared_lock:
        engine = _shared.get(key)
        if engine is None:
            engine = _shared[key] = make_engine(db, echo=echo)
        return engine


def dispose_shared_engines() -> None:
    """Close the connections of every shared engine and forget them (the next call makes new ones)."""
    with _shared_lock:
        engines = list(_shared.values())
        _shared.clear()
    for engine in engines:
        engine.dispose()


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def _configure_sqlite(engine: Engine) -> None:
    # SQLAlchemy's documented pysqlite recipe: let SQLAlchemy, not the driver, emit BEGIN, so that
    # write transactions can BEGIN IMMEDIATE and take the write lock up front (no deadlocked upgrades
    # from a read lock); sessions opened read-only begin DEFERRED and never block writers under WAL.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA cache_size=-65536")  # 64 MiB of pages: the open book stays in memory
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # type: ignore[no-untyped-def]
        if conn.get_execution_options().get(READ_ONLY):
            conn.exec_driver_sql("BEGIN")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """One transaction: committed when the block ends, rolled back if it raises."""
    with Session(engine, expire_on_commit=False) as session, session.begin():
        yield session


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    with Session(engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False) as session, session.begin():
        yield session


def number_out_of_range(exc: Exception) -> bool:
    """A value too large for its column, as PostgreSQL says it (SQLSTATE 22003); SQLite's driver
    raises OverflowError before the database sees it."""
    return getattr(getattr(exc, "orig", None), "sqlstate", None) == "22003"
