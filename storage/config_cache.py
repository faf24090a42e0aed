"""This process's copy of what only configuration commands change (issue 18): built once per
database and configuration generation, and built again once the generation moves on.

`cached(session, name, build)` gives `build(session)`'s value as it was built at the database's
current generation (`storage.models.ConfigGeneration`), read once per transaction; a value is kept
per database (the engine's URL: the tests make many databases, each at generation 0) and stands for
its generation only. `config_changed(session)` is what a use case that changes the configuration
calls in its transaction: it moves the generation on (`storage.writes.bump_config_generation`), and
what this session reads after it is built afresh and not kept (the transaction may still roll back);
one that may find in the end that it changed nothing calls `config_changing` before its first write.

Kept values are shared by every session of the process, on every thread: they must be plain values
that nobody changes (frozen dataclasses, tuples, mappings no one writes to), never ORM objects.

PostgreSQL: the mark is the generation and the row version's `xmin` (the transaction that wrote it),
so that a database put back to an earlier state under the same name (the tests' working copies are
reset so between tests) is not taken for the one the values were read from. SQLite: the generation
and the file's inode (a file replaced under the same path).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from sqlmodel import Session

from storage import writes

T = TypeVar("T")

_CHANGED = "orderdesk_config_changed"  # session.info: this session changed the configuration
_MARK = "orderdesk_config_mark"  # session.info: (its transaction, the mark read in it)

_kept: dict[tuple[str, str], tuple[tuple[Any, ...], Any]] = {}  # (database, name): (mark, value)
_lock = threading.Lock()


def config_changed(session: Session) -> None:
    """The configuration changes in this session's transaction: move the generation on, and build
    whatever the session reads from now on afresh (and keep none of it)."""
    writes.bump_config_generation(session.connection())
    session.info[_CHANGED] = True
    session.info.pop(_MARK, None)


def config_changing(session: Session) -> None:
    """This session is about to write configuration it may find unchanged in the end (a `load` of
    the same file): what it reads from now on is built afresh and not kept; `config_changed` once it
    knows something changed."""
    session.info[_CHANGED] = True
    session.info.pop(_MARK, None)


def cached(session: Session, name: str, build: Callable[[Session], T]) -> T:
    """`build(session)` as built at the database's current configuration generation."""
    if session.info.get(_CHANGED):
        return build(session)
    key = _mark(session)
    with _lock:
        kept = _kept.get((key[0], name))
    if kept is not None and kept[0] == key[1]:
        return kept[1]  # type: ignore[no-any-return]
    value = build(session)
    with _lock:
        _kept[(key[0], name)] = (key[1], value)
    return value


def forget() -> None:
    """Drop every kept value (the next read of each builds it again)."""
    with _lock:
        _kept.clear()


def _mark(session: Session) -> tuple[str, tuple[Any, ...]]:
    """The database (its URL) and its generation (with what tells this database from one reset or
    replaced under the same name), read once per transaction."""
    transaction = session.get_transaction()
    held = session.info.get(_MARK)
    if held is not None and transaction is not None and held[0] is transaction:
        return held[1]  # type: ignore[no-any-return]
    connection = session.connection()  # begins the transaction if it has not begun
    if connection.dialect.name == "postgresql":
        row = connection.exec_driver_sql("SELECT generation, xmin::text FROM config_generation WHERE id = 1").first()
        mark: tuple[Any, ...] = tuple(row) if row else (0, None)
    else:
        generation = connection.exec_driver_sql("SELECT generation FROM config_generation WHERE id = 1").scalar()
        mark = (generation or 0, _inode(connection.engine.url.database))
    held = (str(connection.engine.url), mark)
    session.info[_MARK] = (session.get_transaction(), held)
    return held


def _inode(path: str | None) -> int | None:
    if path in (None, "", ":memory:"):
        return None
    try:
        return os.stat(path).st_ino  # type: ignore[arg-type]
    except OSError:
        return None
