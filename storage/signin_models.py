"""The sign-in guard's table: each login's recent failed sign-ins and its lock. Part of
`storage.models`, which imports it (import it from there)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, String, text
from sqlmodel import Field, Session, select

from storage.models import _Table, json_list, utc_column


class SigninGuard(_Table, table=True):
    """A login as typed at a desk (an employee's or not): its failures still counted, as ISO times
    oldest first, and until when it is locked. No row: no failure counted, not locked."""

    __tablename__ = "signin_guard"
    login: str = Field(sa_column=Column(String(64), primary_key=True))
    failures: list[str] = json_list()
    locked_until: datetime | None = utc_column()


def held_guard(session: Session, login: str) -> SigninGuard:
    """The login's row, made if it has none, locked for the rest of the transaction (PostgreSQL:
    two desks failing for one login at once count one after the other; SQLite's write
    transactions are serialised already)."""
    session.connection().execute(
        text("INSERT INTO signin_guard (login, failures) VALUES (:login, '[]') ON CONFLICT (login) DO NOTHING"),
        {"login": login},
    )
    return guard_of(session, login, for_update=True)  # type: ignore[return-value]


def guard_of(session: Session, login: str, *, for_update: bool = False) -> SigninGuard | None:
    """The login's row if it has one; `for_update` locks it for the rest of the transaction (and
    reads what was committed before the lock was granted, not what this session saw before)."""
    query = select(SigninGuard).where(SigninGuard.login == login)
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    return session.exec(query).first()
