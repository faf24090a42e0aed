"""Human durations: "1h", "90m", "2 weeks", "4w", "1h 30m", "90d"."""

from __future__ import annotations

import re

_UNITS = {
    "s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1,
    "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60,
    "h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600,
    "d": 86400, "day": 86400, "days": 86400,
    "w": 604800, "wk": 604800, "week": 604800, "weeks": 604800,
}  # fmt: skip
_PART = re.compile(r"\s*(\d+)\s*([a-z]+)\s*")


def parse_duration(text: str) -> int:
    """Seconds in `text`; ValueError with the text quoted if it is not a duration."""
    source = str(text).strip().lower()
    pos, total = 0, 0
    while pos < len(source):
        match = _PART.match(source, pos)
        if match is None or match.group(2) not in _UNITS:
            raise ValueError(f'"{text}" is not a duration (say e.g. "90m", "1h", "2d", "4w")')
        total += int(match.group(1)) * _UNITS[match.group(2)]
        pos = match.end()
    if pos == 0:
        raise ValueError(f'"{text}" is not a duration (say e.g. "90m", "1h", "2d", "4w")')
    return total


def format_duration(seconds: int) -> str:
    """The shortest exact form: 1209600 → "2w", 5400 → "1h 30m"."""
    if seconds == 0:
        return "0m"
    parts = []
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return " ".join(parts)
