"""Notifications (DESIGN A2; seed 004: the staff hear of a new order some minutes after it is placed).

E-mail goes to a real SMTP server on loopback (aiosmtpd), started and stopped by the test, so a
server that is down is a port nobody listens on, and one that comes back is a server started on
that port later. Time only moves when the test steps the fixed clock; nothing sleeps.
"""

from __future__ import annotations

import json
import socket
import sqlite3
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import select

from orderdesk.usecases.inbox import mark_read
from orderdesk.usecases.mail import backoff, deliver_mail
from orderdesk.usecases.notify import notify
from orderdesk.views.inbox import inbox_entries, unread_count
from storage.db import make_engine, read_session, write_session
from storage.models import Employee, Notification
from tests.conftest import NOW, PG_URL, execute, query, snapshot_of


class Mailbox:
    """What the SMTP server was given; addresses in `refuse` are turned away at RCPT."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refuse: set[str] = set()
        self.on_data: Any = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # type: ignore[no-untyped-def]
        if address in self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        if self.on_data:
            self.on_data()
        self.messages.append(message_from_bytes(envelope.content, policy=default))  # type: ignore[arg-type]
        return "250 Message accepted"

    def to(self) -> list[str]:
        return sorted(str(m["To"]) for m in self.messages)


class SmtpServer:
    def __init__(self, port: int) -> None:
        self.port = port
        self.mailbox = Mailbox()
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self._controller.start()  # returns once the server answers

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """An SMTP server on a free loopback port, not started: the test starts it (or leaves it down)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = SmtpServer(port)
    yield server
    server.stop()


@pytest.fixture
def desk(demo_db: str, cli, smtp: SmtpServer) -> str:  # type: ignore[no-untyped-def]
    """The demo desk with e-mail going to the test's SMTP server."""
    for key, value in [("smtp.host", '"127.0.0.1"'), ("smtp.port", str(smtp.port)), ("smtp.retry_after", '"1m"'),
                       ("smtp.max_attempts", "4"), ("smtp.sender", '"desk@shop.example.com"')]:  # fmt: skip
        assert cli("settings", "set", key, value, db=demo_db).exit_code == 0
    return demo_db


def tell(
    engine, logins: list[str], *, key: str = "test:1", subject: str = "Hello", after: timedelta = timedelta(0)
) -> None:  # type: ignore[no-untyped-def]
    with write_session(engine) as session:
        people = session.exec(select(Employee).where(Employee.login.in_(logins))).all()  # type: ignore[attr-defined]
        notify(session=session, recipients=people, key=key, kind="test", subject=subject, text=f"{subject}, body",
               send_after=NOW + after, now=NOW, email=True)  # fmt: skip


def rows(db: str) -> dict[str, tuple[Any, ...]]:
    """login → (email_state, attempts, next_attempt_at, delivered_at, last_error) of the test rows."""
    engine = make_engine(db)
    try:
        with read_session(engine) as session:
            found = session.exec(
                select(Employee.login, Notification).join(Notification, Notification.employee_id == Employee.id)
                .where(Notification.kind == "test")
            )  # fmt: skip
            return {
                login: (n.email_state, n.attempts, n.next_attempt_at, n.delivered_at, n.last_error)
                for login, n in found
            }
    finally:
        engine.dispose()


def test_backoff_doubles_up_to_an_hour() -> None:
    assert [backoff(60, n) for n in (1, 2, 3, 4, 6, 7, 20)] == [60, 120, 240, 480, 1920, 3600, 3600]


def test_due_mail_arrives_with_its_address_and_subject(desk: str, smtp: SmtpServer, engine_of, clock) -> None:  # type: ignore[no-untyped-def]
    smtp.start()
    engine = engine_of(desk)
    tell(engine, ["anna"], subject="Order H-1001 is late")
    tell(engine, ["boris"], key="test:later", subject="Not yet", after=timedelta(minutes=10))

    assert deliver_mail(engine=engine, clock=clock) == {"sent": 1, "retry": 0, "failed": 0, "waiting": 0, "error": None}

    [message] = smtp.mailbox.messages
    assert (message["To"], message["Subject"], message["From"]) == (
        "anna@example.com", "Order H-1001 is late", "desk@shop.example.com")  # fmt: skip
    assert message.get_content().strip() == "Order H-1001 is late, body"
    state, attempts, _, delivered_at, error = rows(desk)["anna"]
    assert (state, attempts, error, delivered_at) == ("sent", 0, None, NOW)
    assert rows(desk)["boris"][0] == "pending"  # not due: not sent

    clock.advance(timedelta(minutes=10))
    assert deliver_mail(engine=engine, clock=clock)["sent"] == 1
    assert smtp.mailbox.to() == ["anna@example.com", "boris@example.com"]


def test_nothing_is_sent_twice(desk: str, smtp: SmtpServer, engine_of, clock, cli) -> None:  # type: ignore[no-untyped-def]
    smtp.start()
    engine = engine_of(desk)
    tell(engine, ["anna", "helen"])
    tell(engine, ["anna", "helen"])  # the same event again is not queued again

    first = cli("notifications", "send", "--json", db=desk)
    assert first.exit_code == 0 and json.loads(first.stdout)["sent"] == 2
    assert deliver_mail(engine=engine, clock=clock)["sent"] == 0
    clock.advance(timedelta(days=1))
    assert cli("notifications", "send", db=desk).stdout.strip() == "sent 0, to retry 0, failed 0"
    assert smtp.mailbox.to() == ["anna@example.com", "helen@example.com"]


def test_mail_waits_while_the_server_is_down_and_goes_when_it_is_back(
    desk: str, smtp: SmtpServer, engine_of, clock
) -> None:  # type: ignore[no-untyped-def]
    engine = engine_of(desk)
    tell(engine, ["anna"], key="test:first")

    down = deliver_mail(engine=engine, clock=clock)
    assert (down["sent"], down["retry"], down["failed"]) == (0, 1, 0) and "Connection refused" in down["error"]
    state, attempts, next_at, _, error = rows(desk)["anna"]
    assert (state, attempts, next_at) == ("pending", 1, NOW + timedelta(minutes=1))
    assert "ConnectionRefusedError" in error and "\n" not in error

    clock.advance(timedelta(seconds=30))  # not due yet: not tried, not counted
    assert deliver_mail(engine=engine, clock=clock)["retry"] == 0 and rows(desk)["anna"][1] == 1
    clock.set(NOW + timedelta(minutes=1))
    deliver_mail(engine=engine, clock=clock)
    assert rows(desk)["anna"][:3] == ("pending", 2, NOW + timedelta(minutes=3))  # then twice as long

    # more mail while it is down: the batch stops at the first refusal, the rest wait uncounted
    tell(engine, ["boris", "helen"], key="test:second")
    clock.set(NOW + timedelta(minutes=2))
    assert deliver_mail(engine=engine, clock=clock) == {
        "sent": 0, "retry": 1, "failed": 0, "waiting": 1, "error": down["error"]}  # fmt: skip
    tried, waited = sorted(rows(desk)[login][1] for login in ("boris", "helen"))
    assert (tried, waited) == (0, 1)
    assert all(r[0] == "pending" for r in rows(desk).values())

    smtp.start()  # back, on the same port
    clock.set(NOW + timedelta(minutes=3))
    assert deliver_mail(engine=engine, clock=clock)["sent"] == 3
    assert smtp.mailbox.to() == ["anna@example.com", "boris@example.com", "helen@example.com"]
    assert {r[0] for r in rows(desk).values()} == {"sent"}
    assert rows(desk)["anna"][1] == 2  # the failed tries stay counted


def test_after_max_attempts_the_mail_has_failed_and_the_list_shows_it(
    desk: str, smtp: SmtpServer, engine_of, clock, cli, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    smtp.start()
    smtp.mailbox.refuse = {"anna@example.com"}  # the server takes mail but never this address
    engine = engine_of(desk)
    assert cli("settings", "set", "smtp.max_attempts", "2", db=desk).exit_code == 0
    tell(engine, ["anna"], subject="Order H-1001 is late")
    tell(engine, ["boris"], key="test:later", subject="Later", after=timedelta(hours=5))

    assert deliver_mail(engine=engine, clock=clock)["retry"] == 1
    clock.advance(timedelta(minutes=1))
    assert deliver_mail(engine=engine, clock=clock)["failed"] == 1
    state, attempts, next_at, _, error = rows(desk)["anna"]
    assert (state, attempts, next_at) == ("failed", 2, None) and "recipient refused" in error
    clock.advance(timedelta(hours=1))
    assert deliver_mail(engine=engine, clock=clock)["retry"] == 0  # given up on: never tried again

    listed = cli("notifications", "list", "--state", "failed", "--json", db=desk)
    assert listed.exit_code == 0
    [row] = json.loads(listed.stdout)
    assert (row["to"], row["subject"], row["email_state"], row["attempts"]) == (
        "anna",
        "Order H-1001 is late",
        "failed",
        2,
    )
    assert "recipient refused" in row["last_error"]
    monkeypatch.setenv("COLUMNS", "200")  # one line per row
    shown = cli("notifications", "list", "--state", "failed", db=desk)
    assert "Order H-1001 is late" in shown.stdout and "failed" in shown.stdout and "Later" not in shown.stdout
    everything = json.loads(cli("notifications", "list", "--json", db=desk).stdout)
    assert [r["subject"] for r in everything if r["kind"] == "test"] == [
        "Later",
        "Order H-1001 is late",
    ]  # newest first, not yet due included


def test_a_server_down_for_hours_uses_up_no_mail_and_all_goes_when_it_is_back(
    desk: str, smtp: SmtpServer, engine_of, clock, cli
) -> None:  # type: ignore[no-untyped-def]
    engine = engine_of(desk)
    assert cli("settings", "set", "smtp.max_attempts", "3", db=desk).exit_code == 0
    tell(engine, ["anna", "boris", "helen"])
    for _ in range(4 * 60 * 4):  # every 15 s for four hours: far more tries than max_attempts
        clock.advance(timedelta(seconds=15))
        deliver_mail(engine=engine, clock=clock)
    assert {r[0] for r in rows(desk).values()} == {"pending"}  # none given up on
    smtp.start()
    clock.advance(timedelta(hours=1))  # the longest back-off
    assert deliver_mail(engine=engine, clock=clock)["sent"] == 3


def test_a_subject_with_a_line_break_is_sent_on_one_line_and_breaks_nothing(
    desk: str, smtp: SmtpServer, engine_of, clock
) -> None:  # type: ignore[no-untyped-def]
    smtp.start()
    engine = engine_of(desk)
    tell(engine, ["anna"], key="test:a", subject="New order for Bad\nName")
    tell(engine, ["boris"], key="test:b", subject="Fine")
    assert deliver_mail(engine=engine, clock=clock)["sent"] == 2
    assert deliver_mail(engine=engine, clock=clock)["sent"] == 0  # and nothing goes twice
    assert len(smtp.mailbox.to()) == 2


def test_a_refused_recipient_fails_alone(desk: str, smtp: SmtpServer, engine_of, clock) -> None:  # type: ignore[no-untyped-def]
    smtp.start()
    smtp.mailbox.refuse = {"anna@example.com"}
    engine = engine_of(desk)
    tell(engine, ["anna", "boris", "helen"])

    assert deliver_mail(engine=engine, clock=clock) == {"sent": 2, "retry": 1, "failed": 0, "waiting": 0, "error": None}
    assert smtp.mailbox.to() == ["boris@example.com", "helen@example.com"]
    state, attempts, _, _, error = rows(desk)["anna"]
    assert (state, attempts) == ("pending", 1) and error.startswith("recipient refused: 550")


@pytest.mark.skipif(bool(PG_URL), reason="SQLite's writer lock is what shows a held transaction")
def test_no_write_transaction_is_held_while_talking_to_the_server(
    desk: str, smtp: SmtpServer, engine_of, clock
) -> None:  # type: ignore[no-untyped-def]
    writes: list[str] = []

    def write_meanwhile() -> None:
        connection = sqlite3.connect(desk, timeout=0, isolation_level=None)
        try:
            connection.execute("BEGIN IMMEDIATE")
            connection.execute("ROLLBACK")
            writes.append("ok")
        except sqlite3.OperationalError as exc:
            writes.append(str(exc))
        finally:
            connection.close()

    smtp.mailbox.on_data = write_meanwhile
    smtp.start()
    engine = engine_of(desk)
    tell(engine, ["anna", "boris"])
    assert deliver_mail(engine=engine, clock=clock)["sent"] == 2
    assert writes == ["ok", "ok"]


def test_an_employee_without_an_address_gets_the_inbox_only(desk: str, smtp: SmtpServer, engine_of, clock, cli) -> None:  # type: ignore[no-untyped-def]
    smtp.start()
    added = cli("users", "add", "nomail", "--name", "No Mail", "--role", "supervisor", "--password", "demo", db=desk)
    assert added.exit_code == 0
    engine = engine_of(desk)
    tell(engine, ["anna", "nomail"], subject="Stock check")

    assert rows(desk)["nomail"][:2] == ("none", 0) and rows(desk)["anna"][0] == "pending"
    assert deliver_mail(engine=engine, clock=clock)["sent"] == 1
    assert smtp.mailbox.to() == ["anna@example.com"]
    assert rows(desk)["nomail"][:2] == ("none", 0)
    with read_session(engine) as session:
        assert [n.subject for n in inbox_entries(session, "nomail", clock.now())] == ["Stock check"]


def test_without_smtp_everything_is_inbox_only(demo_db: str, engine_of, clock, cli) -> None:  # type: ignore[no-untyped-def]
    engine = engine_of(demo_db)
    created = cli("orders", "create", "--as", "sergey", "--store", "home", "--customer", "Alexander Sidorov",
                  "--phone", "+7 900 000-00-01", "--item", "RK-2:Rake:1:10.00", db=demo_db)  # fmt: skip
    assert created.exit_code == 0
    states = query(demo_db, "SELECT email_state FROM notification")
    assert states and set(states) == {("none",)}
    sent = cli("notifications", "send", "--json", db=demo_db)
    assert sent.exit_code == 0 and json.loads(sent.stdout)["error"] == "e-mail is off (smtp.host is not set)"
    assert deliver_mail(engine=engine, clock=clock)["sent"] == 0


def test_staff_hear_of_a_new_order_after_the_delay(desk: str, smtp: SmtpServer, engine_of, clock, cli) -> None:  # type: ignore[no-untyped-def]
    """Nobody is logged in, so the order waits undistributed: the store's supervisors and admins are told."""
    smtp.start()
    engine = engine_of(desk)
    created = cli("orders", "create", "--as", "sergey", "--store", "home", "--customer", "Alexander Sidorov",
                  "--phone", "+7 900 000-00-01", "--item", "RK-2:Rake:2:12.50", "--item", "GL-1:Gloves:1:17.50",
                  "--json", db=desk)  # fmt: skip
    assert created.exit_code == 0
    number = json.loads(created.stdout)["number"]
    assert json.loads(created.stdout)["manager"] is None
    subject = f"New order {number} — 42.50, Alexander Sidorov"

    with read_session(engine) as session:
        assert inbox_entries(session, "helen", clock.now()) == [] and unread_count(session, "helen", clock.now()) == 0
    listed = json.loads(cli("notifications", "list", "--to", "helen", "--json", db=desk).stdout)
    assert [(r["subject"], r["due"]) for r in listed] == [(subject, "2026-11-25T09:10:00Z")]  # queued, not yet due
    assert deliver_mail(engine=engine, clock=clock)["sent"] == 0

    clock.advance(timedelta(minutes=9, seconds=59))
    with read_session(engine) as session:
        assert inbox_entries(session, "helen", clock.now()) == []
    clock.advance(timedelta(seconds=1))  # the default delay: 10 minutes
    with read_session(engine) as session:
        [notice] = inbox_entries(session, "helen", clock.now())
        assert unread_count(session, "helen", clock.now()) == 1
    assert (notice.kind, notice.subject, notice.order, notice.read) == ("order_placed", subject, number, False)
    assert "+7 900 000-00-01" in notice.text and "Rake × 2 at 12.50" in notice.text
    assert f"orderdesk orders show {number}" in notice.text

    assert deliver_mail(engine=engine, clock=clock)["sent"] == 3
    assert smtp.mailbox.to() == ["helen@example.com", "james@example.com", "olga@example.com"]
    assert {str(m["Subject"]) for m in smtp.mailbox.messages} == {subject}
    assert f"orderdesk orders show {number}" in smtp.mailbox.messages[0].get_content()


def test_an_order_with_a_manager_is_told_to_him_alone(desk: str, cli, clock) -> None:  # type: ignore[no-untyped-def]
    execute(desk, "DELETE FROM notification")  # the demo's task rules told staff of their tasks: only orders here
    assert cli("settings", "set", "notifications.order_placed_delay", '"5m"', db=desk).exit_code == 0
    created = cli("orders", "create", "--as", "anna", "--store", "home", "--customer", "Alexander Sidorov",
                  "--phone", "+7 900 000-00-01", "--item", "RK-2:Rake:1:10.00", "--json", db=desk)  # fmt: skip
    assert json.loads(created.stdout)["manager"] == "anna"
    # she typed it in herself: nobody needs telling
    assert json.loads(cli("notifications", "list", "--json", db=desk).stdout) == []

    # only the order placed now is handed out (not the demo's backlog, which would fill her up)
    assert cli("settings", "set", "distribution.max_age", '"1m"', db=desk).exit_code == 0
    assert cli("users", "login", "emily", db=desk).exit_code == 0
    assert cli("users", "set-status", "emily", "free", db=desk).exit_code == 0
    created = cli("orders", "create", "--as", "helen", "--store", "home", "--channel", "site", "--customer",
                  "Nina New", "--phone", "+7 900 555-00-01", "--item", "RK-2:Rake:1:10.00", "--json", db=desk)  # fmt: skip
    assert json.loads(created.stdout)["manager"] == "emily"
    listed = json.loads(cli("notifications", "list", "--json", db=desk).stdout)
    assert [(r["to"], r["kind"], r["due"], r["email_state"]) for r in listed] == [
        ("emily", "order_placed", "2026-11-25T09:05:00Z", "pending")]  # fmt: skip

    assert cli("settings", "set", "notifications.order_placed", "false", db=desk).exit_code == 0
    cli("orders", "create", "--as", "helen", "--store", "home", "--customer", "Alexander Sidorov",
        "--phone", "+7 900 000-00-01", "--item", "RK-2:Rake:1:10.00", db=desk)  # fmt: skip
    assert len(json.loads(cli("notifications", "list", "--json", db=desk).stdout)) == 1


def test_mark_read(desk: str, engine_of, clock, cli) -> None:  # type: ignore[no-untyped-def]
    engine = engine_of(desk)
    tell(engine, ["helen", "james"], key="test:a", subject="A")
    tell(engine, ["helen"], key="test:b", subject="B")
    tell(engine, ["helen"], key="test:c", subject="C", after=timedelta(hours=1))
    clock.advance(timedelta(minutes=1))
    with read_session(engine) as session:
        mine = {n.subject: n.id for n in inbox_entries(session, "helen", clock.now())}
        theirs = inbox_entries(session, "james", clock.now())[0].id
    assert list(mine) == ["B", "A"]  # newest first; C is not due
    later = query(desk, "SELECT id FROM notification WHERE subject = 'C'")[0][0]

    assert cli("notifications", "read", "--as", "helen", str(mine["A"]), db=desk).stdout.strip() == "marked 1 read"
    with read_session(engine) as session:
        assert [n.subject for n in inbox_entries(session, "helen", clock.now(), unread_only=True)] == ["B"]
        assert unread_count(session, "helen", clock.now()) == 1
        assert unread_count(session, "james", clock.now()) == 1

    before = snapshot_of(desk)
    for ids in ([str(theirs)], [str(later)], [str(mine["B"]), "999"]):  # not in her inbox: refused, nothing marked
        refused = cli("notifications", "read", "--as", "helen", *ids, db=desk)
        assert refused.exit_code == 1 and refused.stderr.count("\n") == 1 and "inbox" in refused.stderr
    assert snapshot_of(desk) == before

    with write_session(engine) as session:
        assert mark_read(session=session, actor="helen", clock=clock) == 1  # all of the due ones: B
    clock.advance(timedelta(hours=1))
    with read_session(engine) as session:
        assert [(n.subject, n.read) for n in inbox_entries(session, "helen", clock.now())] == [
            ("C", False), ("B", True), ("A", True)]  # fmt: skip


def test_cli_errors_are_one_line(desk: str, cli) -> None:  # type: ignore[no-untyped-def]
    for args in (["list", "--to", "nobody"], ["read", "--as", "nobody"]):
        result = cli("notifications", *args, db=desk)
        assert (result.exit_code, result.stderr) == (1, 'orderdesk: no employee with login "nobody"\n')
    assert cli("notifications", "list", "--state", "lost", db=desk).exit_code == 2
    assert cli("notifications", "read", db=desk).exit_code == 2  # --as is required
