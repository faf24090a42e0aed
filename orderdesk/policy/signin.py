"""Failed sign-ins and the lock they bring (settings `signin.*`): pure decisions over the times of a login's failures.

A login is counted as typed, whether an employee has it or not: a lock then says nothing about
which logins exist (an unknown one locks as a real one does, after as many tries).

A lock begins at the failure that makes `max_failures` within `window` (a sliding window: the
failures of the last `window`, the oldest forgotten as it leaves), and lasts `lockout`. While it
lasts every sign-in is refused, even with the right password, and is not counted; once it ends the
login starts again from no failures. A successful sign-in, or an admin's unlock, forgets them too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from orderdesk.policy.errors import NotAllowed
from orderdesk.policy.text import MAX_CODE_LENGTH, hidden_character

WRONG_LOGIN_OR_PASSWORD = "Wrong login or password."  # the same words whichever part was wrong


@dataclass(frozen=True)
class Lockout:
    """The settings `signin.max_failures`, `signin.window` and `signin.lockout`."""

    max_failures: int
    window: timedelta
    lockout: timedelta


@dataclass(frozen=True)
class Counted:
    """A login's failures after one more: those still counted, and the end of the lock it begins (if it does)."""

    failures: tuple[datetime, ...]
    locked_until: datetime | None


def after_failure(failures: Sequence[datetime], now: datetime, rules: Lockout) -> Counted:
    """One more failure at `now`, after `failures` (those counted so far, oldest first)."""
    recent = tuple(at for at in failures if at > now - rules.window) + (now,)
    if len(recent) >= rules.max_failures:
        return Counted(failures=(), locked_until=now + rules.lockout)  # the lock uses them up
    return Counted(failures=recent, locked_until=None)


def is_locked(locked_until: datetime | None, now: datetime) -> bool:
    return locked_until is not None and now < locked_until


def possible_login(login: str) -> bool:
    """Whether some employee could have this login: not empty, not longer than the column, and no
    control or invisible character (NUL, a line break, U+200B, U+202E...). Any other is refused
    without a look at the database (PostgreSQL cannot even compare a string with a NUL in it)."""
    return 0 < len(login) <= MAX_CODE_LENGTH and hidden_character(login) is None


class LoginLocked(NotAllowed):
    """A sign-in refused because the login is locked: the message in English (the CLI, logs), and its
    facts for the desk, which words them in the person's language."""

    def __init__(self, message: str, *, until: datetime, zone: str, failures: int) -> None:
        super().__init__(message)
        self.until = until
        self.zone = zone  # the shops' one time zone, or UTC when the stores have several
        self.failures = failures
