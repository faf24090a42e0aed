"""The SMTP password (issue 17): never in the `setting` table, which every desk reads; it comes from
the environment of whoever sends mail (ORDERDESK_SMTP_PASSWORD) or from a file that only its owner
may read (smtp.password_file). A password an older version stored is still used, with a warning,
until `settings set smtp.password ""` removes it.

E-mail goes to a real SMTP server on loopback (aiosmtpd) that asks for a login and keeps what it was
given, so what is asserted is the password the server saw."""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from sqlmodel import select

from orderdesk.usecases.notify import notify
from storage.db import write_session
from storage.models import Employee, Setting
from tests.conftest import NOW, ok, query, refused, snapshot_of

ENV = "ORDERDESK_SMTP_PASSWORD"


class Server:
    """An SMTP server that takes any login and keeps (login, password) of each, and the mail."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.logins: list[tuple[str, str]] = []
        self.to: list[str] = []
        self._controller: Controller | None = None

    def authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:  # type: ignore[no-untyped-def]
        self.logins.append((auth_data.login.decode(), auth_data.password.decode()))
        return AuthResult(success=True)

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        self.to += envelope.rcpt_tos
        return "250 Message accepted"

    def start(self) -> None:
        self._controller = Controller(
            self, hostname="127.0.0.1", port=self.port, authenticator=self.authenticate, auth_require_tls=False
        )
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()


@pytest.fixture
def server() -> Iterator[Server]:
    mail = Server()
    mail.start()
    yield mail
    mail.stop()


@pytest.fixture
def desk(demo_db, cli, server, engine_of, monkeypatch):  # type: ignore[no-untyped-def]
    """The demo desk sending mail to the test's server as "desk", one message to anna due now."""
    monkeypatch.delenv(ENV, raising=False)
    for key, value in [("smtp.host", '"127.0.0.1"'), ("smtp.port", str(server.port)), ("smtp.username", '"desk"'),
                       ("smtp.sender", '"desk@shop.example.com"')]:  # fmt: skip
        ok(cli("settings", "set", key, value, db=demo_db))
    with write_session(engine_of(demo_db)) as session:
        anna = session.exec(select(Employee).where(Employee.login == "anna")).one()
        notify(session=session, recipients=[anna], key="secret:1", kind="test", subject="Hello", text="Hello",
               send_after=NOW, now=NOW, email=True)  # fmt: skip
    return demo_db


def send(cli, db: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return json.loads(ok(cli("notifications", "send", "--json", db=db)).stdout)  # type: ignore[no-any-return]


def waiting_untouched(db: str) -> bool:
    """The test's message is still due, none of its tries used."""
    return query(db, "SELECT email_state, attempts FROM notification WHERE key = 'secret:1'") == [("pending", 0)]


def private_file(tmp_path: Path, text: str, mode: int = 0o600) -> Path:
    path = tmp_path / "smtp-password"
    path.write_text(text)
    path.chmod(mode)
    return path


# ----------------------------------------------------------------------------------- refused as a setting


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("smtp.password", '"s3cret"'),
        ("smtp.password", "s3cret"),
        ("smtp", '{ host = "mail.example", password = "s3cret" }'),
    ],
)
def test_the_password_cannot_be_set_in_the_database_and_the_refusal_says_where_it_goes(demo_db, cli, key, value):
    before = snapshot_of(demo_db)
    line = refused(cli("settings", "set", key, value, db=demo_db), "password", ENV, "smtp.password_file")
    assert "s3cret" not in line
    assert snapshot_of(demo_db) == before


def test_a_configuration_file_with_the_password_is_refused_naming_the_file(demo_db, cli, tmp_path):
    path = tmp_path / "desk.toml"
    path.write_text('[settings.smtp]\nhost = "mail.example"\npassword = "s3cret"\n')
    before = snapshot_of(demo_db)
    line = refused(cli("load", str(path), db=demo_db), str(path), "password", ENV)
    assert "s3cret" not in line
    assert snapshot_of(demo_db) == before


def test_the_password_file_is_an_absolute_path(demo_db, cli):
    before = snapshot_of(demo_db)
    refused(cli("settings", "set", "smtp.password_file", "secrets/smtp", db=demo_db), "smtp.password_file", "absolute")
    assert snapshot_of(demo_db) == before


# ----------------------------------------------------------------------------------- where it comes from


def test_the_password_from_the_environment_logs_in(desk, cli, server, monkeypatch):
    monkeypatch.setenv(ENV, "from-env")
    assert send(cli, desk)["sent"] == 1
    assert server.logins == [("desk", "from-env")] and server.to == ["anna@example.com"]


def test_the_password_from_a_file_only_its_owner_reads_logs_in_and_the_environment_wins(
    desk, cli, server, tmp_path, monkeypatch
):
    path = private_file(tmp_path, "from-file\n")
    ok(cli("settings", "set", "smtp.password_file", json.dumps(str(path)), db=desk))
    assert "from-file" not in str(query(desk, "SELECT value FROM setting"))  # the path is stored, not the password
    assert send(cli, desk)["sent"] == 1
    assert server.logins == [("desk", "from-file")]  # the first line, without its line break

    monkeypatch.setenv(ENV, "from-env")
    with write_session_of(desk) as session:
        anna = session.exec(select(Employee).where(Employee.login == "anna")).one()
        notify(session=session, recipients=[anna], key="secret:2", kind="test", subject="Again", text="Again",
               send_after=NOW, now=NOW, email=True)  # fmt: skip
    assert send(cli, desk)["sent"] == 1
    assert server.logins[-1] == ("desk", "from-env")


@pytest.mark.skipif(not hasattr(__import__("os"), "geteuid"), reason="POSIX file modes")
def test_a_password_file_others_may_read_is_refused_and_the_mail_waits_with_its_tries_untouched(
    desk, cli, server, tmp_path
):
    path = private_file(tmp_path, "from-file\n", mode=0o644)
    ok(cli("settings", "set", "smtp.password_file", json.dumps(str(path)), db=desk))
    summary = send(cli, desk)
    assert summary["sent"] == 0 and str(path) in summary["error"] and "chmod 600" in summary["error"]
    assert "0644" in summary["error"]
    assert server.logins == [] and waiting_untouched(desk)

    path.chmod(0o600)  # fixed: the next round sends it
    assert send(cli, desk)["sent"] == 1 and server.logins == [("desk", "from-file")]


def test_a_missing_or_empty_password_file_is_named_and_nothing_is_tried(desk, cli, server, tmp_path):
    gone = tmp_path / "nowhere"
    ok(cli("settings", "set", "smtp.password_file", json.dumps(str(gone)), db=desk))
    summary = send(cli, desk)
    assert summary["error"] == f"smtp.password_file {gone}: no such file"
    empty = private_file(tmp_path, "\n")
    ok(cli("settings", "set", "smtp.password_file", json.dumps(str(empty)), db=desk))
    assert send(cli, desk)["error"] == f"smtp.password_file {empty}: the file is empty"
    assert server.logins == [] and waiting_untouched(desk)


def test_a_login_without_any_password_is_told_not_tried_with_an_empty_one(desk, cli, server):
    summary = send(cli, desk)
    assert "smtp.username" in summary["error"] and ENV in summary["error"] and "smtp.password_file" in summary["error"]
    assert server.logins == [] and waiting_untouched(desk)


# ----------------------------------------------------------------------------------- an older version's row


def write_session_of(db: str):  # type: ignore[no-untyped-def]
    from storage.db import shared_engine

    return write_session(shared_engine(db))


def test_a_password_stored_by_an_older_version_is_used_with_a_warning_until_removed(
    desk, cli, server, monkeypatch, caplog
):
    with write_session_of(desk) as session:
        session.add(Setting(key="smtp.password", value="old-s3cret"))

    with caplog.at_level(logging.WARNING, logger="orderdesk.scheduler.mail"):
        assert send(cli, desk)["sent"] == 1  # the upgrade did not stop the mail
    assert server.logins == [("desk", "old-s3cret")]
    assert any("stored in the database" in r.getMessage() for r in caplog.records)

    shown = ok(cli("settings", "show", db=desk))
    assert 'smtp.password = "********"' in shown.stdout and "old-s3cret" not in shown.stdout
    assert "stored in the database" in shown.stderr and ENV in shown.stderr

    removed = ok(cli("settings", "set", "smtp.password", '""', db=desk))
    assert removed.stdout.strip() == "smtp.password removed from the database"
    assert query(desk, "SELECT key FROM setting WHERE key = 'smtp.password'") == []
    audit_rows = query(desk, "SELECT before, after FROM audit_event WHERE action = 'setting.changed'")
    assert audit_rows and "old-s3cret" not in str(audit_rows)
    shown = ok(cli("settings", "show", db=desk))
    assert "smtp.password " not in shown.stdout and shown.stderr == ""
