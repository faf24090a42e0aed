"""The audit log's one writer (S7): every change leaves its row here, in the caller's transaction.

`record` adds one row to the session (written with the session's other changes); `row` builds one
for `record_many`, which writes a batch of them at once (a distribution pass, a sweep, an import).
A `before` or `after` of None reads back as None from both (`record` stores it as JSON null through
the ORM, `record_many` as SQL NULL, as each path always has).

Every row also says which door the change came through (`Door`): the desk, the command line (with the
operating-system user and host that ran it: the operator, whoever `--as` names) or the scheduler.
The entry point sets it once on the engine its sessions are opened on (`through`): the Desk facade,
the CLI's State, the scheduler's jobs. A session opened on an engine without one writes NULL (tests,
and rows older than migration 0010).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from storage import writes
from storage.models import AuditEvent

DESK, CLI, SCHEDULER = "desk", "cli", "scheduler"  # the channels (audit_event.channel)
_OPTION = "orderdesk_door"  # the engine's execution option that carries the Door


@dataclass(frozen=True)
class Door:
    """The way a change came in: its channel and, for the command line (and the scheduler, which runs
    in some operator's process), the operating-system user and host that ran it."""

    channel: str
    os_user: str | None = None
    host: str | None = None

    @classmethod
    def of_this_process(cls, channel: str) -> Door:
        """The channel, with the user this process runs as (its effective uid, not $USER, which
        anyone sets) and this machine's name."""
        return cls(channel=channel, os_user=_os_user()[:64] or None, host=socket.gethostname()[:255] or None)

    def columns(self) -> dict[str, str | None]:
        return {"channel": self.channel, "os_user": self.os_user, "host": self.host}


def through(*, engine: Engine, door: Door) -> Engine:
    """The engine whose sessions write `door` into every audit row (the same pool and connections)."""
    return engine.execution_options(**{_OPTION: door})


def door_of(*, session: Session) -> Door | None:
    """The door of the engine the session writes through, None if its entry point set none."""
    door = session.connection().get_execution_options().get(_OPTION)
    return door if isinstance(door, Door) else None


def _os_user() -> str:
    try:
        import pwd

        return pwd.getpwuid(os.geteuid()).pw_name
    except (ImportError, KeyError, OSError):  # no passwd entry (a container's bare uid), or Windows
        import getpass

        try:
            return getpass.getuser()
        except (KeyError, OSError):
            return str(os.getuid()) if hasattr(os, "getuid") else ""


def _door_columns(session: Session) -> dict[str, str | None]:
    door = door_of(session=session)
    return door.columns() if door is not None else {"channel": None, "os_user": None, "host": None}


FIELDS = ("at", "actor_id", "rule", "order_id", "action", "before", "after")  # of `row`, in its order


def row(
    *,
    at: datetime,
    action: str,
    actor_id: int | None = None,
    rule: str | None = None,
    order_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One audit row: who (an employee, `actor_id`) or which automatic `rule` did `action`, when, to
    which order, `before` → `after`."""
    return {"at": at, "actor_id": actor_id, "rule": rule, "order_id": order_id, "action": action,
            "before": before, "after": after}  # fmt: skip


def record(
    *,
    session: Session,
    at: datetime,
    action: str,
    actor_id: int | None = None,
    rule: str | None = None,
    order_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Add one audit row to the session; it is written with the change it records."""
    fields = row(at=at, action=action, actor_id=actor_id, rule=rule, order_id=order_id, before=before, after=after)
    session.add(AuditEvent(**fields, **_door_columns(session)))


def record_many(*, session: Session, rows: Sequence[dict[str, Any]], **shared: Any) -> None:
    """Write a batch of rows at once, straight to the driver (a backlog pass writes 100,000): rows
    made by `row`, or, where most fields are the same for the whole batch, each row's own fields
    (`order_id`, `after`...) with the others given once as keywords (the fields of `row`)."""
    if not rows:
        return
    own = rows[0].keys()
    unknown = (own | shared.keys()) - set(FIELDS)
    if unknown or "at" not in own | shared.keys() or "action" not in own | shared.keys():
        raise TypeError(f"audit rows need at and action, and take only {', '.join(sorted(FIELDS))}: {sorted(unknown)}")
    common = {name: None for name in FIELDS if name not in own} | shared | _door_columns(session)
    writes.bulk_insert(session.connection(), AuditEvent.__table__, rows, common)  # type: ignore[attr-defined]


def encoder(*, session: Session, field: str) -> Any:
    """A function giving a value of `field` (one of FIELDS) in its database form, for
    `record_encoded`: e.g. an `after` as its JSON text on SQLite, made once for many rows."""
    bulk = writes.BulkWriter(session.connection())
    column = AuditEvent.__table__.c[field]  # type: ignore[attr-defined]
    return lambda value: bulk.value(column, value)


def record_encoded(*, session: Session, names: Sequence[str], rows: Sequence[tuple[Any, ...]], **shared: Any) -> None:
    """`record_many` for rows given as tuples of their own fields `names`, each value already in its
    database form (`encoder`), the other fields given once as keywords: a backlog pass makes the
    JSON of an `after` once for all the decisions that say the same, and no dict a row."""
    if not rows:
        return
    unknown = (set(names) | shared.keys()) - set(FIELDS)
    if unknown or "at" not in set(names) | shared.keys() or "action" not in set(names) | shared.keys():
        raise TypeError(f"audit rows need at and action, and take only {', '.join(sorted(FIELDS))}: {sorted(unknown)}")
    common = {name: None for name in FIELDS if name not in names} | shared | _door_columns(session)
    bulk = writes.BulkWriter(session.connection())
    table = AuditEvent.__table__  # type: ignore[attr-defined]
    tail = tuple(bulk.value(table.c[name], value) for name, value in common.items())
    bulk.insert_encoded(table, [*names, *common], [row + tail for row in rows])
