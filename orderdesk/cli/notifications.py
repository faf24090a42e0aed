"""`orderdesk` commands: notifications (registered on the apps of `orderdesk.cli.core` when
`orderdesk.cli.main` loads this)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import typer

from orderdesk.cli.core import (
    AsOption,
    JsonOption,
    LimitOption,
    app,
    commit,
    print_json,
    print_table,
    query,
    ready_engine,
    state,
    user_errors,
)

if TYPE_CHECKING:
    from orderdesk.views.inbox import OutboxEntry

notifications_app = typer.Typer(help="Notifications: the outbox, e-mail delivery, marking read.", no_args_is_help=True)
app.add_typer(notifications_app, name="notifications")


class MailState(str, Enum):  # noqa: UP042 (a StrEnum would print differently in Typer's help)
    none = "none"
    pending = "pending"
    sent = "sent"
    failed = "failed"


def _when(value: datetime | None) -> str:
    return f"{value:%Y-%m-%d %H:%M}" if value else ""


def _mail(row: OutboxEntry) -> str:
    mail_state = row.email_state
    if mail_state == "sent":
        return f"sent {_when(row.delivered_at)}"
    if mail_state == "pending" and row.attempts:
        return f"retry {_when(row.next_attempt_at)}"
    return "—" if mail_state == "none" else str(mail_state)


@notifications_app.command("list")
def notifications_list(
    ctx: typer.Context,
    to: Annotated[str | None, typer.Option("--to", help="Only this employee's (login).")] = None,
    mail_state: Annotated[
        MailState | None, typer.Option("--state", help="Only rows whose e-mail is in this state.")
    ] = None,
    limit: LimitOption = 200,
    as_json: JsonOption = False,
) -> None:
    """Every notification, due or not, newest first: to whom, when, what, and how its e-mail went (UTC)."""
    from orderdesk.views.inbox import outbox_entries

    rows = query(ctx, outbox_entries, login=to, state=mail_state.value if mail_state else None, limit=limit or None)
    if as_json:
        print_json([row.to_json() for row in rows])
        return
    columns = ["id", "to", "due (UTC)", "kind", "subject", "e-mail", "tries", "last error"]
    shown = [
        [r.id, r.to + ("" if r.read else " •"), _when(r.due), r.kind, r.subject, _mail(r), r.attempts or "",
         r.last_error]
        for r in rows
    ]  # fmt: skip
    print_table(f"notifications ({len(rows)}; • unread)", columns, shown)


@notifications_app.command("send")
def notifications_send(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Deliver the e-mail that is due now (what the scheduler does every interval)."""
    from orderdesk.usecases.mail import deliver_mail

    engine = ready_engine(ctx)
    with user_errors():
        summary = deliver_mail(engine=engine, clock=state(ctx).clock)
    if as_json:
        print_json(summary)
        return
    typer.echo(f"sent {summary['sent']}, to retry {summary['retry'] + summary['waiting']}, failed {summary['failed']}")
    if summary["error"]:
        typer.echo(f"orderdesk: {summary['error']}", err=True)


@notifications_app.command("read")
def notifications_read(
    ctx: typer.Context,
    login: AsOption,
    ids: Annotated[
        list[int] | None, typer.Argument(help="Notification ids (default: all of the inbox).", show_default=False)
    ] = None,
) -> None:
    """Mark notifications of an employee's inbox read."""
    from orderdesk.usecases.inbox import mark_read

    marked = commit(ctx, mark_read, actor=login, ids=ids or None)
    typer.echo(f"marked {marked} read")
