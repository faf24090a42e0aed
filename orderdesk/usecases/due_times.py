"""`recompute_due`: the due times of orders already waiting, recounted after a stage's limit or a
store's timed moves changed, from when they entered their stage, exactly as `workflow.enter` counts
them for a new arrival. Orders are never moved by it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlmodel import Session

from orderdesk.policy.workflow import enter
from orderdesk.views.lookup import move_rules_of, pipeline_of
from storage import queries, writes

CHUNK = 1000  # orders read and rewritten per statement by `recompute_due`


def recompute_due(*, session: Session, store_id: int, statuses: Iterable[str] | None = None, now: datetime) -> int:
    """Recount stage_due_at, move_due_at and notice_due_at of the store's open orders in `statuses`
    (all of its stages when None) from their `status_entered_at`, as `workflow.enter` counts them on
    arrival, so a changed limit or timed move applies to orders already waiting and the scheduler's
    catch-up is right. An order that the new limit no longer makes late loses its overdue flag (one
    it makes late is left for the overdue sweep to flag and report). Reads and writes a chunk of
    orders at a time, by the (status, store) index: the cost follows the orders in those statuses.
    Returns how many orders changed."""
    pipeline = {s.code: s for s in pipeline_of(session, store_id)}
    rules = move_rules_of(session, store_id)
    codes = sorted(pipeline if statuses is None else set(statuses) & set(pipeline))
    changed = 0
    for code in codes:
        stage = pipeline[code]
        last = 0
        while True:
            rows = queries.open_due_times(session, store_id=store_id, status=code, after_id=last, limit=CHUNK)
            if not rows:
                break
            last = rows[-1].id
            params = []
            for row in rows:
                entry = enter(stage, row.status_entered_at, rules)
                due = entry.stage_due_at
                overdue = bool(row.overdue) and due is not None and due <= now
                if (due, entry.move_due_at, entry.notice_due_at, overdue) != (
                    row.stage_due_at, row.move_due_at, row.notice_due_at, bool(row.overdue)
                ):  # fmt: skip
                    params.append((row.id, {"stage_due_at": due, "move_due_at": entry.move_due_at,
                                            "notice_due_at": entry.notice_due_at, "overdue": overdue}))  # fmt: skip
            if params:
                writes.update_orders(session.connection(), params)
                changed += len(params)
            if len(rows) < CHUNK:
                break
    return changed
