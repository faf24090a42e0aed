"""The audit log's one writer (S7): every change leaves its row here, in the caller's transaction.

`record` adds one row to the session (written with the session's other changes); `row` builds one
for `record_many`, which writes a batch of them at once (a distribution pass, a sweep, an import).
A `before` or `after` of None reads back as None from both (`record` stores it as JSON null through
the ORM, `record_many` as SQL NULL, as each path always has).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlmodel import Session

from storage import writes
from storage.models import AuditEvent

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
    session.add(AuditEvent(**fields))


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
    common = {name: None for name in FIELDS if name not in own} | shared
    writes.bulk_insert(session.connection(), AuditEvent.__table__, rows, common)  # type: ignore[attr-defined]
