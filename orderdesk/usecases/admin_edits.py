"""What an admin's edits of a store's stages (`stages`) and timed moves (`automoves`) share: the
`Change` each returns, the parsing of what he types, the store and its stage rows, and the audit row.

Each change is one function, one transaction: everything is checked before the first write, and the
audit row (rule "admin") goes in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from orderdesk.clock import Clock
from orderdesk.config.fields import MAX_CODE_LENGTH, MAX_DURATION_DAYS, hidden_character
from orderdesk.policy.durations import format_duration, parse_duration
from orderdesk.policy.errors import InvalidInput
from orderdesk.usecases import audit
from orderdesk.views.lookup import store_id as find_store_id
from storage.models import Stage


@dataclass(frozen=True)
class Change:
    """What a use case did, in one line for a person; `orders` = open orders whose due times moved."""

    summary: str
    changed: bool = True
    orders: int = 0


# ------------------------------------------------------------------------------ parsing


def parse_limit(text: str | None, *, field: str = "limit") -> int | None:
    """A time limit as people type it: "1h", "1h 30m", "2w"; "none" (or nothing) = no limit."""
    if text is None or text.strip().lower() in ("", "none"):
        return None
    return parse_span(text, field=field)


def parse_span(text: str, *, field: str) -> int:
    try:
        seconds = parse_duration(text)
    except ValueError as exc:
        raise InvalidInput(f"{field}: {exc}") from None
    if seconds <= 0:
        raise InvalidInput(f'{field}: "{text}" is no time at all; give a positive duration')
    if seconds > MAX_DURATION_DAYS * 86400:
        raise InvalidInput(f'{field}: "{text}" is too long (at most {MAX_DURATION_DAYS}d)')
    return seconds


def span(seconds: int | None) -> str | None:
    """A duration as it is shown ("1h 30m"); None stays None."""
    return None if seconds is None else format_duration(seconds)


def check_code(code: str, field: str = "code") -> str:
    code = code.strip()
    if not code:
        raise InvalidInput(f"{field}: must not be empty")
    if len(code) > MAX_CODE_LENGTH:
        raise InvalidInput(f"{field}: is longer than {MAX_CODE_LENGTH} characters")
    hidden = hidden_character(code)
    if hidden:
        raise InvalidInput(f"{field}: contains a control or invisible character ({hidden})")
    if any(ch.isspace() for ch in code):
        raise InvalidInput(f'{field}: "{code}" has a space in it; codes are one word (e.g. "courier_call")')
    return code


# ------------------------------------------------------------------------------ lookups and audit


def find_store(*, session: Session, code: str) -> tuple[int, str]:
    """The store's id and its code as given, without surrounding spaces."""
    return find_store_id(session, code.strip()), code.strip()


def stage_rows(*, session: Session, store_id: int) -> list[Stage]:
    """The store's stage rows (active or not) in pipeline order."""
    return list(session.scalars(select(Stage).where(Stage.store_id == store_id).order_by(Stage.position, Stage.id)))


def record_admin(
    *, session: Session, clock: Clock, action: str, before: dict[str, Any] | None, after: dict[str, Any]
) -> None:
    audit.record(session=session, at=clock.now(), rule="admin", action=action, before=before, after=after)
