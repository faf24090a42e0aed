"""Looking up reference data by the codes people type."""

from __future__ import annotations

from sqlmodel import Session, select

from orderdesk.errors import NotFound
from storage.models import Store


def store_id(session: Session, code: str) -> int:
    found = session.exec(select(Store.id).where(Store.code == code)).first()
    if found is None:
        known = ", ".join(session.exec(select(Store.code).order_by(Store.code)))
        raise NotFound(f'unknown store "{code}" (known: {known or "none yet"})')
    return found
