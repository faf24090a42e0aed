"""Fixtures: a fixed clock, temporary databases built from sample_data/, and the CLI runner.

The demo database is built once per session (once per xdist worker) and copied for each test that
wants it, so each test starts from the same data without paying for the load (300 orders) again.
Password hashes are cheap here (ORDERDESK_PASSWORD_WORK, set before anything hashes and inherited by
the subprocesses tests start); tests/test_passwords.py checks that a desk without it hashes at full cost.
"""

from __future__ import annotations

import os

os.environ.setdefault("ORDERDESK_PASSWORD_WORK", "4")  # before orderdesk is imported: see the docstring

import contextlib
import functools
import re
import shutil
import sqlite3
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from orderdesk.cli.main import State, app
from orderdesk.clock import FixedClock
from storage.db import database_url, dispose_shared_engines, make_engine, shared_engine
from tests import postgres_server

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
# `make test` runs the suite on SQLite, then again with ORDERDESK_TEST_BACKEND=postgres (tests/postgres_server.py)
POSTGRES = os.environ.get("ORDERDESK_TEST_BACKEND", "sqlite") == "postgres"
PG_URL = POSTGRES  # the tests that cannot run on PostgreSQL skip with `skipif(bool(PG_URL), reason=...)`
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")


def pytest_configure(config: pytest.Config) -> None:
    """On PostgreSQL, the first process starts the server its workers share (none is named by hand)."""
    if not POSTGRES or hasattr(config, "workerinput") or postgres_server.server_url():
        return
    server = postgres_server.Server()
    os.environ["ORDERDESK_TEST_POSTGRES"] = server.url
    config.stash[_SERVER] = server


_DATABASES = {"demo_db", "empty_db"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The PostgreSQL pass runs the tests that use a database; the others (pure policy, files, a
    SQLite file of their own) ran on the SQLite pass and would run the same again."""
    if not POSTGRES:
        return
    kept = [item for item in items if _DATABASES & set(getattr(item, "fixturenames", ()))]
    if len(kept) < len(items):
        config.hook.pytest_deselected(items=[item for item in items if item not in kept])
        items[:] = kept


def pytest_unconfigure(config: pytest.Config) -> None:
    server = config.stash.get(_SERVER, None)
    if server is not None:
        server.stop()


_SERVER = pytest.StashKey["postgres_server.Server"]()


@pytest.fixture(autouse=True)
def _engines_closed(_postgres: postgres_server.Databases | None) -> Iterator[None]:
    """The engines commands and helpers share within a test (storage.db.shared_engine) close after it,
    and on PostgreSQL the test's databases are dropped."""
    yield
    dispose_shared_engines()
    if _postgres is not None:
        _postgres.after_test()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str


@functools.cache
def _command():  # type: ignore[no-untyped-def]  # typer's own click.Command
    """The Click command of `app`, built once: Typer's CliRunner.invoke builds it again at every call
    (reading the signature and type hints of every command), which cost a quarter of a second a run."""
    return typer.main.get_command(app)


def run_cli(args: list[str], *, db: str, clock: FixedClock | None = None, input: str | None = None) -> Run:
    """`orderdesk --db DB ARGS...` in this process, as typer.testing.CliRunner.invoke runs it."""
    runner = CliRunner()
    with runner.isolation(input=input) as (stdout, stderr, _):
        try:
            _command().main(["--db", db, *args], prog_name="orderdesk", obj=State(clock=clock or FixedClock(NOW)))
            exit_code = 0
        except SystemExit as exc:
            exit_code = exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
        out, err = stdout.getvalue(), stderr.getvalue()
    return Run(exit_code, _text(out, runner.charset), _text(err, runner.charset))


def _text(data: bytes, charset: str) -> str:
    return data.decode(charset, "replace").replace("\r\n", "\n")


def _build(kind: str, url: str) -> None:
    assert run_cli(["init", "--sample"] if kind == "demo" else ["init"], db=url).exit_code == 0
    dispose_shared_engines()  # a template takes no connections while it is copied


@pytest.fixture(scope="session")
def _postgres() -> postgres_server.Databases | None:
    if not POSTGRES:
        return None
    server = postgres_server.server_url()
    assert server, "ORDERDESK_TEST_POSTGRES: the server was not started"
    return postgres_server.Databases(server, _WORKER, _build)


def _checkpointed(path: Path) -> Path:
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture(scope="session")
def _templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    if POSTGRES:
        return {}
    base = tmp_path_factory.mktemp("templates")
    empty, demo = base / "empty.db", base / "demo.db"
    assert run_cli(["init"], db=str(empty)).exit_code == 0
    assert run_cli(["init", "--sample"], db=str(demo)).exit_code == 0
    dispose_shared_engines()
    return {"empty": _checkpointed(empty), "demo": _checkpointed(demo)}


def _database(kind: str, templates: dict[str, Path], tmp_path: Path, postgres: postgres_server.Databases | None) -> str:
    if postgres is not None:
        return postgres.database(kind)
    target = tmp_path / f"{kind}.db"
    shutil.copyfile(templates[kind], target)
    return str(target)


@pytest.fixture
def empty_db(_templates: dict[str, Path], tmp_path: Path, _postgres: postgres_server.Databases | None) -> str:
    """A database with the schema and nothing in it."""
    return _database("empty", _templates, tmp_path, _postgres)


@pytest.fixture
def demo_db(_templates: dict[str, Path], tmp_path: Path, _postgres: postgres_server.Databases | None) -> str:
    """A database with sample_data/ loaded as of NOW."""
    return _database("demo", _templates, tmp_path, _postgres)


@pytest.fixture
def cli(clock: FixedClock) -> Callable[..., Run]:
    def run(*args: str, db: str, input: str | None = None) -> Run:
        return run_cli(list(args), db=db, clock=clock, input=input)

    return run


@pytest.fixture
def engine_of() -> Iterator[Callable[[str], object]]:
    engines = []

    def make(db: str):  # type: ignore[no-untyped-def]
        engine = make_engine(db)
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.dispose()


def query(db: str, sql: str, **params: object) -> list[tuple[object, ...]]:
    """Rows of a raw SQL query, for tests that look at what a command wrote."""
    from sqlalchemy import text

    with shared_engine(db).connect() as connection:
        return [tuple(row) for row in connection.execute(text(sql), params)]


def snapshot_of(db: str) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, to prove a refused command changed nothing (each table's rows in any order)."""
    from sqlalchemy import make_url, text

    url = make_url(database_url(db))
    if url.get_backend_name() == "sqlite":  # read as stored: reflecting and typing each row cost 10x more
        with contextlib.closing(
            sqlite3.connect(f"{Path(str(url.database)).resolve().as_uri()}?mode=ro", uri=True)
        ) as connection:
            tables = connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
            return {
                name: sorted(connection.execute(f'SELECT * FROM "{name}"'), key=repr) for (name,) in tables.fetchall()
            }
    with shared_engine(db).connect() as connection:  # as stored too: reflecting cost a second a call
        names = connection.execute(
            text("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()")
        ).scalars()
        return {
            name: sorted(map(tuple, connection.execute(text(f'SELECT * FROM "{name}"'))), key=repr)
            for name in list(names)
        }


def as_json(value: object) -> dict[str, object]:
    """A JSON column as a raw query returns it: text on SQLite, already decoded on PostgreSQL."""
    import json

    return json.loads(value) if isinstance(value, str) else value  # type: ignore[return-value]


# the tables whose rows the processes keep in memory per configuration generation (storage.config_cache)
_CONFIG_TABLES = re.compile(
    r"\b(store|channel|order_type|payment_method|delivery_method|user_group|group_store|group_channel|"
    r"group_order_type|employee_group|stage|auto_move|setting|task_rule)\b",
    re.IGNORECASE,
)


def execute(db: str, sql: str, **params: object) -> None:
    """Write with raw SQL, as another tool or a person at the database would. SQL that names a table
    of the configuration moves the configuration generation on, as the commands that change it do,
    so that this process's copy of it (storage.config_cache) is read again."""
    from sqlalchemy import text

    from storage.writes import bump_config_generation

    with shared_engine(db).begin() as connection:
        connection.execute(text(sql), params)
        if _CONFIG_TABLES.search(sql):
            bump_config_generation(connection)


def ok(result: Run) -> Run:
    assert result.exit_code == 0, result.stderr
    return result


def refused(result: Run, *words: str, code: int = 1) -> str:
    """Exit 1 (2: a mistake in the arguments) with one line on stderr naming these words, no traceback;
    returns the line."""
    assert result.exit_code == code, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def transactions(monkeypatch):  # type: ignore[no-untyped-def]
    """The sessions the desk opens, "read" or "write", in order."""
    import orderdesk.api.desk as desk_module

    opened: list[str] = []

    def counted(kind, real):  # type: ignore[no-untyped-def]
        def session(engine):  # type: ignore[no-untyped-def]
            opened.append(kind)
            return real(engine)

        return session

    monkeypatch.setattr(desk_module, "read_session", counted("read", desk_module.read_session))
    monkeypatch.setattr(desk_module, "write_session", counted("write", desk_module.write_session))
    return opened
