"""Engine set-up and schema migrations."""

from __future__ import annotations

import ast
import re
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from orderdesk.clock import FixedClock
from storage.db import database_url, make_engine, read_session, write_session
from storage.migrate import current_revision, latest_revision, upgrade
from storage.models import Store
from tests.conftest import NOW, PG_URL


def test_a_path_becomes_a_sqlite_url_and_a_url_is_kept():
    assert database_url("/tmp/x.db") == "sqlite:////tmp/x.db"
    assert database_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"


def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(tmp_path):
    engine = make_engine(str(tmp_path / "x.db"))
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
    engine.dispose()


def test_write_transactions_take_the_write_lock_at_begin(tmp_path):
    """BEGIN IMMEDIATE: a second writer waits (here: fails fast) as soon as the first one begins,
    not at its first write, so two desks cannot both read-then-write the same order."""
    path = tmp_path / "x.db"
    engine = make_engine(str(path))
    upgrade(engine)
    other = sqlite3.connect(path, timeout=0.05, isolation_level=None)
    with write_session(engine) as session:
        session.exec(text("SELECT 1"))  # type: ignore[call-overload]
        try:
            other.execute("BEGIN IMMEDIATE")
            locked = False
        except sqlite3.OperationalError as exc:
            locked = "locked" in str(exc)
    assert locked
    # a read-only session does not take the write lock
    with read_session(engine) as session:
        session.exec(text("SELECT 1"))  # type: ignore[call-overload]
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
    other.close()
    engine.dispose()


def test_init_creates_the_schema_at_the_latest_revision_and_is_repeatable(tmp_path, cli):
    db = str(tmp_path / "new" / "shop.db")
    assert cli("init", db=db).exit_code == 0
    assert cli("init", db=db).exit_code == 0
    engine = make_engine(db)
    assert current_revision(engine) == latest_revision()
    assert {"orders", "order_item", "customer", "employee", "stage", "audit_event", "login_session"} <= set(
        inspect(engine).get_table_names()
    )
    engine.dispose()


@pytest.mark.skipif(bool(PG_URL), reason="builds its old database as a SQLite file")
def test_a_database_of_the_first_revision_upgrades_without_losing_data(tmp_path, cli):
    db = str(tmp_path / "old.db")
    engine = make_engine(db)
    upgrade(engine, "0001")
    with engine.begin() as c:
        c.execute(text("INSERT INTO store (code, name, timezone) VALUES ('home', 'Home', 'Europe/London')"))
        c.execute(
            text(
                "INSERT INTO employee (login, name, roles, statuses, active, password_hash) "
                "VALUES ('anna', 'Anna', '[\"manager\"]', '[]', 1, '')"
            )
        )
    engine.dispose()

    result = cli("init", db=db)
    assert result.exit_code == 0, result.stderr
    users = cli("users", "list", "--json", db=db)
    assert '"login": "anna"' in users.stdout
    assert '"presence": "offline"' in users.stdout  # the column 0002 added, with its default
    engine = make_engine(db)
    with read_session(engine) as session:
        assert [s.code for s in session.exec(Store.__table__.select())] == ["home"]  # type: ignore[attr-defined]
    engine.dispose()


def test_commands_on_an_old_or_missing_schema_say_what_to_do(tmp_path, cli):
    missing = cli("stats", db=str(tmp_path / "nothing.db"))
    assert missing.exit_code == 1
    assert "init" in missing.stderr and len(missing.stderr.strip().splitlines()) == 1
    db = str(tmp_path / "old.db")
    engine = make_engine(db)
    upgrade(engine, "0001")
    engine.dispose()
    old = cli("stats", db=db)
    assert old.exit_code == 1
    assert "older schema" in old.stderr and "init" in old.stderr


def test_times_are_stored_as_utc_and_come_back_aware(tmp_path):
    engine = make_engine(str(tmp_path / "x.db"))
    upgrade(engine)
    clock = FixedClock(NOW)
    from storage.models import AuditEvent

    with write_session(engine) as session:
        session.add(AuditEvent(at=clock.now(), action="test"))
    with read_session(engine) as session:
        event = session.exec(AuditEvent.__table__.select()).first()  # type: ignore[attr-defined]
    assert event.at == NOW and event.at.tzinfo is not None
    engine.dispose()


def test_the_migrations_build_exactly_the_tables_the_models_describe(empty_db: str) -> None:
    """A model changed without a migration (or the reverse) would leave real databases behind."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from sqlmodel import SQLModel

    import storage.models  # noqa: F401  (registers the tables)

    engine = make_engine(empty_db)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": False})
            assert compare_metadata(context, SQLModel.metadata) == []
    finally:
        engine.dispose()


def test_an_order_waiting_in_a_0003_database_gets_its_timed_move_when_upgraded(tmp_path, cli):
    """Timed moves are found by `move_due_at` (0004): `init` counts it for the orders already there."""
    db = str(tmp_path / "old.db")
    engine = make_engine(db)
    upgrade(engine, "0003")
    with engine.begin() as c:
        for sql in (
            "INSERT INTO store (id, code, name, timezone) VALUES (1, 'print', 'Print', 'UTC')",
            "INSERT INTO channel (id, code, name) VALUES (1, 'site', 'Site')",
            "INSERT INTO order_type (id, code, name) VALUES (1, 'regular', 'Regular')",
            "INSERT INTO customer (id, kind, name) VALUES (1, 'person', 'Ann')",
            "INSERT INTO stage (store_id, code, name, position, owner_kind, owner_logins, payment_methods, "
            "delivery_methods, kind, active) VALUES (1, 'sent', 'Sent', 1, 'manager', '[]', '[]', '[]', 'open', 1), "
            "(1, 'delivered', 'Delivered', 2, 'manager', '[]', '[]', '[]', 'final', 1)",
            "INSERT INTO auto_move (store_id, from_statuses, after, to_status) VALUES (1, '[\"sent\"]', 604800, 'delivered')",
            "INSERT INTO orders (number, store_id, channel_id, type_id, customer_id, status, is_open, payment_status, "
            "delivery_cost, discount, total, created_at, status_entered_at, overdue) VALUES ('P-1', 1, 1, 1, 1, 'sent', "
            "1, 'unpaid', 0, 0, 100, '2026-11-01 00:00:00', '2026-11-01 00:00:00', 0)",
        ):
            c.execute(text(sql))
    engine.dispose()

    result = cli("init", db=db)
    assert result.exit_code == 0 and "due times of 1 waiting orders" in result.stderr
    assert cli("tick", "--at", "2026-11-08T00:00Z", db=db).exit_code == 0
    assert cli("orders", "show", "P-1", "--json", db=db).stdout.count('"status": "delivered"') == 1


def test_the_schema_revision_is_read_without_loading_alembic(empty_db: str) -> None:
    """Every CLI command asks for the revision before it opens a session: one query, not Alembic's
    start-up, and the query is storage's (raw SQL belongs in storage/)."""
    import subprocess
    import sys

    code = (
        "import sys; from storage.db import make_engine; from storage.migrate import current_revision; "
        "print(current_revision(make_engine(sys.argv[1])), 'alembic' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code, empty_db], capture_output=True, text=True, check=True).stdout
    assert out.split() == [latest_revision(), "False"]


@pytest.mark.skipif(bool(PG_URL), reason="makes an empty SQLite file")
def test_a_file_that_is_no_orderdesk_database_has_no_revision_and_commands_say_init(tmp_path, cli):
    path = tmp_path / "other.db"
    sqlite3.connect(path).close()
    engine = make_engine(str(path))
    assert current_revision(engine) is None
    engine.dispose()
    result = cli("stats", db=str(path))
    assert result.exit_code == 1
    assert (
        result.stderr.strip() == f"orderdesk: {path} is not an orderdesk database yet; run `orderdesk --db {path} init`"
    )


def test_no_raw_sql_outside_storage() -> None:
    """DESIGN.md §2: every raw SQL statement lives in storage/ (`text(...)`, driver SQL)."""
    import ast
    from pathlib import Path

    found = []
    for path in sorted((Path(__file__).parent.parent / "orderdesk").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy"):
                found += [f"{path}: imports text" for a in node.names if a.name == "text"]
            called = isinstance(node, ast.Attribute) and node.attr in ("exec_driver_sql", "text")
            if called and isinstance(node.value, ast.Name) and node.value.id in ("sqlalchemy", "sa", "connection"):
                found.append(f"{path}:{node.lineno}: {node.value.id}.{node.attr}")
    assert found == []


def _our_sources() -> list[Path]:
    root = Path(__file__).parent.parent
    return [
        path for package in ("orderdesk", "screens", "scheduler") for path in sorted((root / package).rglob("*.py"))
    ]


SQL_START = re.compile(r"\s*(SELECT|INSERT|UPDATE|DELETE|PRAGMA|BEGIN)\s")
DIALECT_NAMES = ("dialect", "paramstyle", "driver_connection", "cursor", "executemany",
                 "on_conflict_do_nothing", "on_conflict_do_update")  # fmt: skip


def test_no_dialect_branch_or_driver_sql_outside_storage() -> None:
    """DESIGN.md §2: every dialect branch (`dialect.name`, the driver's `paramstyle`, a dialect's own
    INSERT ... ON CONFLICT) and every SQL string written for the driver live in storage/."""
    found = []
    for path in _our_sources():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom | ast.Import):
                modules = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
                found += [f"{path}:{node.lineno}: imports {m}" for m in modules if m.startswith("sqlalchemy.dialects")]
            if isinstance(node, ast.Attribute) and node.attr in DIALECT_NAMES:
                found.append(f"{path}:{node.lineno}: .{node.attr}")
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL_START.match(node.value):
                found.append(f"{path}:{node.lineno}: SQL {node.value[:40]!r}")
    assert found == []


def test_every_audit_row_is_written_by_the_audit_writer() -> None:
    """S7: orderdesk/usecases/audit.py builds every audit row, one at a time (`record`) or in bulk
    (`row`, `record_many`); nothing else makes an `AuditEvent` or writes to its table."""
    found = []
    for path in _our_sources():
        if path.parts[-2:] == ("usecases", "audit.py"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "AuditEvent":
                found.append(f"{path}:{node.lineno}: AuditEvent(...)")
            table = isinstance(node, ast.Attribute) and node.attr == "__table__"
            if table and isinstance(node.value, ast.Name) and node.value.id == "AuditEvent":
                found.append(f"{path}:{node.lineno}: AuditEvent.__table__")
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and "audit_event" in node.value:
                found.append(f"{path}:{node.lineno}: {node.value[:40]!r}")
    assert found == []


def test_a_bulk_write_the_database_refuses_is_a_database_error_as_any_other(empty_db: str) -> None:
    """BulkWriter goes straight to the driver's cursor; what the driver raises must still be SQLAlchemy's
    DBAPIError, which the CLI turns into one "database error" line (not a traceback)."""
    from sqlalchemy.exc import DBAPIError

    from storage.db import shared_engine
    from storage.writes import BulkWriter

    with pytest.raises(DBAPIError), shared_engine(empty_db).begin() as connection:
        BulkWriter(connection).many("INSERT INTO employee (login) VALUES ({})", [(None,), (None,)])
