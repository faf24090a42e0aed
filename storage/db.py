"""Turn `--db` (a path or a SQLAlchemy URL) into an engine, and open sessions on it."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlmodel import Session

BUSY_TIMEOUT_MS = 10_000
READ_ONLY = "orderdesk_read_only"


def database_url(db: str) -> str:
    """A SQLAlchemy URL as given, or a file path made into a SQLite URL."""
    if "://" in db:
        return db
    return f"sqlite:///{Path(db).expanduser()}"


PAGE_CACHE_MIB = 64  # SQLite pages each connection keeps: the open book stays in memory for the CLI's bulk work


def make_engine(db: str, *, echo: bool = False, page_cache_mib: int = PAGE_CACHE_MIB) -> Engine:
    """The engine for `db` (a path or a URL); on SQLite each connection keeps `page_cache_mib` MiB of
    pages (a desk, whose pool holds several connections, asks for less: orderdesk.api.jobs)."""
    url = database_url(db)
    if url.startswith("sqlite"):
        _create_private(url)
        engine = create_engine(url, echo=echo, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
        _configure_sqlite(engine, page_cache_mib)
        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True)


def _create_private(url: str) -> None:
    """A new SQLite file is readable by its owner alone (it holds password hashes); SQLite gives its
    -wal and -shm files the same mode. An empty file is an empty database."""
    path = url.removeprefix("sqlite:///")
    if not url.startswith("sqlite:///") or path in ("", ":memory:") or Path(path).exists():
        return
    if Path(path).parent.is_dir():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))


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


def _configure_sqlite(engine: Engine, page_cache_mib: int) -> None:
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
        cursor.execute(f"PRAGMA cache_size=-{int(page_cache_mib) * 1024}")
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


# ----------------------------------------------------------------------------------- change watcher


CHANGE_CHANNEL = "orderdesk_changed"
CHANGE_FUNCTION_SQL = f"""
CREATE OR REPLACE FUNCTION orderdesk_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('{CHANGE_CHANNEL}', '');
    RETURN NULL;
END $$"""


def notify_changes_sql(table: str) -> str:
    """PostgreSQL: the trigger by which a write to `table` tells the desks (migration 0012)."""
    return (
        f'CREATE OR REPLACE TRIGGER orderdesk_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "{table}" '
        "FOR EACH STATEMENT EXECUTE FUNCTION orderdesk_changed()"
    )


class DatabaseUnavailable(Exception):
    """The database did not answer (locked, gone, the server down); the watcher retries."""


class ChangeWatcher:
    """Tells whether anyone (another desk, the CLI, this process's scheduler) committed since the last look.

    SQLite: `PRAGMA data_version` on one connection of its own, which moves whenever another connection
    commits, and costs no read of any table. PostgreSQL: its own connection LISTENs on this database's
    `orderdesk_changed`, which the trigger on every table (migration 0012) notifies at each commit
    that wrote, whatever tool wrote it; the version is the count of notifications seen, fetched by a
    `SELECT 1` (reads no table; other databases on the same server are not heard). A connection lost
    and made again may have missed some: the desk refreshes when the database answers again anyway.
    `version()` is called from a worker thread, one at a time.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._raw: object | None = None
        self._inode: int | None = None
        self._heard = 0  # PostgreSQL: notifications of a change, on every connection so far
        self._lock = threading.Lock()
        database = engine.url.database if is_sqlite(engine) else None
        self._path = Path(database) if database not in (None, "", ":memory:") else None

    def version(self) -> object:
        """A value that differs from the last one when something was committed; DatabaseUnavailable if
        the database did not answer (the next call tries again with a new connection)."""
        with self._lock:
            try:
                if self._path is not None and not self._path.exists():
                    raise DatabaseUnavailable(f"{self._path} is not there")
                inode = self._path.stat().st_ino if self._path is not None else None
                if self._raw is not None and inode != self._inode:
                    self._drop()  # the file was replaced: the old connection still reads the old one
                if self._raw is None:
                    self._raw, self._inode = self.engine.raw_connection(), inode
                    if not is_sqlite(self.engine):
                        self._listen(self._raw.driver_connection)  # type: ignore[attr-defined]
                cursor = self._raw.cursor()  # type: ignore[attr-defined]
                try:
                    if is_sqlite(self.engine):
                        cursor.execute("PRAGMA data_version")
                        # the file's inode too: a database replaced under us starts its versions again
                        row = (cursor.fetchone()[0], inode)
                    else:
                        cursor.execute("SELECT 1")  # what was notified meanwhile comes with the answer
                        cursor.fetchone()
                        row = self._heard
                finally:
                    cursor.close()
                return row
            except DatabaseUnavailable:
                self._drop()
                raise
            except Exception as exc:  # noqa: BLE001  locked, gone, refused: all the same to the desk
                self._drop()
                raise DatabaseUnavailable(str(exc)) from exc

    def _listen(self, driver: Any) -> None:
        def heard(_notify: object) -> None:
            self._heard += 1

        driver.autocommit = True
        driver.add_notify_handler(heard)
        driver.execute(f"LISTEN {CHANGE_CHANNEL}")

    def close(self) -> None:
        with self._lock:
            self._drop()

    def _drop(self) -> None:
        raw, self._raw = self._raw, None
        if raw is not None:
            with contextlib.suppress(Exception):  # not back to the pool: it may be broken
                raw.invalidate()  # type: ignore[attr-defined]
