"""The e-mail side of the outbox (A2): the scheduler's delivery job.

Three short steps, none of them a transaction held across the network: claim the due rows (their
`next_attempt_at` is pushed past the time the batch may take, so a second sender does not pick
them up too), talk to the SMTP server, record each outcome. Every record is conditional on the
claim, so a row is recorded once, and a sender that dies mid-batch leaves its rows due again when
the claim runs out: nothing is lost. A server that cannot be reached ends the batch at the first
row; the rows not tried go back to waiting as they were.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import update
from sqlmodel import col, select

from orderdesk.clock import Clock
from orderdesk.config.schema import SmtpSettings
from orderdesk.config.settings import read_settings
from orderdesk.policy.errors import InvalidInput
from orderdesk.usecases.mail_secret import smtp_password, stored_password
from storage.db import read_session, write_session
from storage.models import Employee, Notification

if TYPE_CHECKING:
    from sqlalchemy import Engine

MAX_BACKOFF = 3600  # seconds: retries never wait longer than an hour


@dataclass
class Mail:
    id: int
    key: str
    to: str | None
    subject: str
    text: str
    attempts: int
    due: datetime  # next_attempt_at before the claim, given back to rows the batch did not try


@dataclass
class Outcome:
    mail: Mail
    error: str | None  # None: sent
    unreachable: bool = False  # the server, not this message: it backs off but is never given up on


def backoff(retry_after: int, attempts: int) -> int:
    """Seconds until the next try after `attempts` failures: retry_after, twice that, … at most 1 h."""
    return min(retry_after * 2 ** max(attempts - 1, 0), MAX_BACKOFF)


def deliver_mail(*, engine: Engine, clock: Clock, limit: int = 200) -> dict[str, Any]:
    """Send the notifications whose e-mail is due; return what happened
    ({"sent", "retry", "failed", "waiting", "error"}; "waiting": claimed but not tried because the
    server could not be reached, "error": why, in one line)."""
    summary: dict[str, Any] = {"sent": 0, "retry": 0, "failed": 0, "waiting": 0, "error": None}
    now = clock.now()
    with read_session(engine) as session:
        smtp = read_settings(session).smtp
        stored = stored_password(session=session) if smtp.host else None  # an older version's row: mail on only
    if not smtp.host:
        summary["error"] = "e-mail is off (smtp.host is not set)"
        return summary
    try:
        password = smtp_password(smtp=smtp, stored=stored).value
    except InvalidInput as exc:  # nothing is claimed: the mail waits, its tries untouched, until it is fixed
        summary["error"] = str(exc)
        return summary
    # long enough for every message of the batch to time out; a crashed sender's rows come back then
    claimed_until = now + timedelta(seconds=smtp.timeout * (limit + 2))
    batch = _claim(engine, now=now, until=claimed_until, limit=limit)
    if not batch:
        return summary
    outcomes, untried, error = _send(smtp, batch, now=now, password=password)
    summary["error"] = error
    with write_session(engine) as session:
        for outcome in outcomes:
            state = _record(session, outcome, smtp=smtp, now=now, claimed_until=claimed_until)
            if state:
                summary[state] += 1
        for mail in untried:
            released = session.execute(
                update(Notification)
                .where(col(Notification.id) == mail.id, col(Notification.email_state) == "pending",
                       col(Notification.next_attempt_at) == claimed_until)
                .values(next_attempt_at=mail.due)
            )  # fmt: skip
            summary["waiting"] += released.rowcount
    return summary


def _claim(engine: Engine, *, now: datetime, until: datetime, limit: int) -> list[Mail]:
    with write_session(engine) as session:
        query = (
            select(Notification.id, Notification.key, Employee.email, Notification.subject, Notification.text,
                   Notification.attempts, Notification.next_attempt_at)
            .join(Employee, col(Employee.id) == Notification.employee_id)
            .where(Notification.email_state == "pending", col(Notification.next_attempt_at) <= now)
            .order_by(col(Notification.next_attempt_at), col(Notification.id))
            .limit(limit)
            .with_for_update(of=Notification, skip_locked=True)  # PostgreSQL; SQLite's writer lock does it
        )  # fmt: skip
        batch = [Mail(*row) for row in session.exec(query)]
        if batch:
            session.execute(
                update(Notification)
                .where(col(Notification.id).in_([m.id for m in batch]), col(Notification.email_state) == "pending")
                .values(next_attempt_at=until)
            )
    return batch


def _send(
    smtp: SmtpSettings, batch: list[Mail], *, now: datetime, password: str
) -> tuple[list[Outcome], list[Mail], str | None]:
    """Outcomes of the rows tried, the rows not tried, and why the server could not be reached."""
    outcomes: list[Outcome] = []
    server: smtplib.SMTP | None = None
    try:
        for index, mail in enumerate(batch):
            if not mail.to:
                outcomes.append(Outcome(mail, "the employee has no e-mail address"))
                continue
            try:
                message = _message(smtp, mail, now=now)
            except Exception as exc:  # noqa: BLE001  a message that cannot be built fails alone
                outcomes.append(Outcome(mail, f"cannot be written as e-mail: {exc}"))
                continue
            try:
                if server is None:
                    server = _connect(smtp, password)
                server.send_message(message)
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
                outcomes.append(Outcome(mail, _one_line(exc)))  # this message only; the next may go
            except (OSError, smtplib.SMTPException) as exc:  # refused, timed out, dropped us, refused our login
                error = _one_line(exc)
                outcomes.append(Outcome(mail, error, unreachable=True))
                return outcomes, batch[index + 1 :], error
            else:
                outcomes.append(Outcome(mail, None))
        return outcomes, [], None
    finally:
        if server is not None:
            try:
                server.quit()
            except (OSError, smtplib.SMTPException):
                server.close()


def _connect(smtp: SmtpSettings, password: str) -> smtplib.SMTP:
    server = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
    try:
        if smtp.starttls:
            server.starttls(context=ssl.create_default_context())
        if smtp.username:
            server.login(smtp.username, password)
    except BaseException:
        server.close()
        raise
    return server


def _message(smtp: SmtpSettings, mail: Mail, *, now: datetime) -> EmailMessage:
    message = EmailMessage()
    message["From"] = smtp.sender
    message["To"] = mail.to
    message["Subject"] = " ".join(mail.subject.split())  # a customer's name may hold a line break
    message["Date"] = format_datetime(now)
    # the same id on every try: a mail client shows a message the server took twice only once
    domain = smtp.sender.rpartition("@")[2] or "orderdesk"
    message["Message-ID"] = f"<orderdesk.{mail.id}@{domain}>"
    message.set_content(mail.text or mail.subject)
    return message


def _record(
    session: Any, outcome: Outcome, *, smtp: SmtpSettings, now: datetime, claimed_until: datetime
) -> str | None:
    mail = outcome.mail
    mine = (
        col(Notification.id) == mail.id,
        col(Notification.email_state) == "pending",
        col(Notification.next_attempt_at) == claimed_until,
    )
    if outcome.error is None:
        values: dict[str, Any] = {"email_state": "sent", "delivered_at": now, "next_attempt_at": None}
        state = "sent"
    else:
        attempts = mail.attempts + 1
        values = {"attempts": attempts, "last_error": outcome.error}
        # a server that is down for hours must not use up the tries of the mail waiting for it
        if attempts >= smtp.max_attempts and not outcome.unreachable:
            values.update(email_state="failed", next_attempt_at=None)
            state = "failed"
        else:
            values["next_attempt_at"] = now + timedelta(seconds=backoff(smtp.retry_after, attempts))
            state = "retry"
    done = session.execute(update(Notification).where(*mine).values(**values))
    return state if done.rowcount else None


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, reply = next(iter(exc.recipients.values()), (0, b""))
        text = f"recipient refused: {code} {_text(reply)}"
    elif isinstance(exc, smtplib.SMTPResponseException):
        text = f"{type(exc).__name__}: {exc.smtp_code} {_text(exc.smtp_error)}"
    elif isinstance(exc, TimeoutError):
        text = f"timed out: {exc}" if str(exc) else "timed out"
    else:
        text = f"{type(exc).__name__}: {exc}"
    lines = text.strip().splitlines() or [type(exc).__name__]
    return lines[0][:300]


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
