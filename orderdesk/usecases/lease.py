"""Which process acts as the scheduler (DESIGN §2): a lease row taken and renewed by conditional
UPDATE. The holder renews it well before it runs out; a holder that dies stops renewing, and once
the lease has expired another desk's scheduler takes it over."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlmodel import Session, select

from storage import writes
from storage.models import SchedulerLease

NAME = "scheduler"


def hold_lease(session: Session, *, holder: str, now: datetime, ttl: int, name: str = NAME) -> bool:
    """Take or renew the lease for `ttl` seconds; False while another holder's lease runs."""
    table = SchedulerLease.__table__  # type: ignore[attr-defined]
    expires = now + timedelta(seconds=ttl)
    connection = session.connection()
    renewed = connection.execute(
        update(table).where(table.c.name == name, table.c.holder == holder).values(expires_at=expires)
    ).rowcount
    if renewed:
        return True
    taken = connection.execute(
        update(table)
        .where(table.c.name == name, or_(table.c.expires_at <= now, table.c.holder == ""))
        .values(holder=holder, acquired_at=now, expires_at=expires)
    ).rowcount
    if taken:
        return True
    if session.exec(select(SchedulerLease.name).where(SchedulerLease.name == name)).first() is not None:
        return False
    row = {"name": name, "holder": holder, "acquired_at": now, "expires_at": expires}
    return bool(writes.insert_ignoring_duplicates(connection, table, [row], keys=["name"]))


def release_lease(session: Session, *, holder: str, name: str = NAME) -> bool:
    """Give the lease up at a clean shutdown, so another scheduler need not wait for it to expire."""
    table = SchedulerLease.__table__  # type: ignore[attr-defined]
    return bool(
        session.connection()
        .execute(update(table).where(table.c.name == name, table.c.holder == holder).values(holder=""))
        .rowcount
    )
