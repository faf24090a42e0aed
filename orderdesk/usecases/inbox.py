"""Use case `mark_read`: an employee reads his notifications (A2, U6)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import update
from sqlmodel import Session, col, select

from orderdesk.clock import Clock
from orderdesk.policy.errors import NotFound
from orderdesk.views.lookup import get_employee
from storage.models import Notification


def mark_read(*, session: Session, actor: str, clock: Clock, ids: Sequence[int] | None = None) -> int:
    """Mark the actor's due notifications read: these `ids`, or all of them. An id that is not in
    his inbox is refused and nothing is marked. Returns how many were unread."""
    employee = get_employee(session, actor)
    now = clock.now()
    mine = (Notification.employee_id == employee.id, col(Notification.send_after) <= now)
    if ids is not None:
        wanted = set(ids)
        found = set(session.exec(select(Notification.id).where(col(Notification.id).in_(wanted), *mine)))
        missing = sorted(wanted - found)
        if missing:
            raise NotFound(f"no notification {missing[0]} in {actor}'s inbox")
        mine = (*mine, col(Notification.id).in_(wanted))
    done = session.execute(update(Notification).where(*mine, col(Notification.read_at).is_(None)).values(read_at=now))
    return int(done.rowcount)
