"""Times as JSON, audit rows and scripts write them: ISO 8601 in UTC with a "Z" ("2026-11-24T18:00:00Z").

This is the one place that format is written; every `to_json()` and every stored trace uses it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import overload


@overload
def iso(value: datetime) -> str: ...
@overload
def iso(value: None) -> None: ...
@overload
def iso(value: datetime | None) -> str | None: ...


def iso(value: datetime | None) -> str | None:
    """An aware time in UTC, "Z" for the offset; None stays None."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.isoformat().replace("+00:00", "Z")
