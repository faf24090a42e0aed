"""Shared pieces for reading user files: typed fields with human messages, and one-line errors."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, ConfigDict, ValidationError
from pydantic import BaseModel as _BaseModel

from orderdesk.policy.durations import parse_duration
from orderdesk.policy.errors import InvalidInput
from orderdesk.policy.money import format_money, parse_money
from orderdesk.policy.text import MAX_CODE_LENGTH, hidden_character

MAX_FILE_BYTES = 200 * 1024 * 1024
MAX_QTY = 10**9  # items of one line
MAX_MONEY = 10**15  # minor units: far above any order, far below a 64-bit column
MAX_DURATION_DAYS = 7300  # 20 years, in seconds still fits a 32-bit column
YEARS = (1900, 2999)  # a time outside these is a typo, and would overflow due-time arithmetic
MAX_ID = 2**31 - 1  # ids, positions and counts are 32-bit INTEGER columns on PostgreSQL


class Strict(_BaseModel):
    """Unknown keys are mistakes (a typo must not be silently ignored)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _duration(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, str):
        raise ValueError(f'{value!r} is not a duration (write it as a string, e.g. "90m", "1h", "4w")')
    seconds = parse_duration(value)
    if seconds > MAX_DURATION_DAYS * 86400:
        raise ValueError(f'"{value}" is too long (at most {MAX_DURATION_DAYS}d)')
    return seconds


def _non_negative(value: int) -> int:
    if value < 0:
        raise ValueError("must not be negative")
    if value > MAX_MONEY:
        raise ValueError(f"must not be more than {format_money(MAX_MONEY)}")
    return value


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError(f'"{value.isoformat()}" has no time zone (add "Z" or "+03:00")')
    try:
        year = value.astimezone(UTC).year
    except OverflowError:
        year = value.year
    if not YEARS[0] <= year <= YEARS[1]:
        raise ValueError(f'"{value.isoformat()}" is out of range (years {YEARS[0]}–{YEARS[1]})')
    return value


def code_problem(value: str) -> str | None:
    """Why `value` cannot be a code (store, status, order number, login, …), or None: the one check
    the config file, the order files and the command line share."""
    if not value.strip():
        return "must not be empty"
    if len(value.strip()) > MAX_CODE_LENGTH:
        return f"is longer than {MAX_CODE_LENGTH} characters"
    hidden = hidden_character(value)
    if hidden:
        return f"contains a control or invisible character ({hidden})"
    return None


def check_code(value: str, *, what: str) -> str:
    """`value` stripped, or InvalidInput "WHAT: why" (see code_problem)."""
    problem = code_problem(value)
    if problem:
        raise InvalidInput(f"{what}: {problem}")
    return value.strip()


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def unstorable(text: str) -> str | None:
    """Why no text column can hold `text`, or None: a NUL character (PostgreSQL refuses it, and many tools
    cut text at it) or a lone surrogate (a JSON file's "\\ud800": not UTF-8 at all)."""
    found = _UNSTORABLE.search(text)  # one scan in C: this runs on every cell of an order file
    if found is None:
        return None
    ch = found.group()
    if ch == "\x00":
        return "contains a NUL character"
    return f"contains a lone surrogate (U+{ord(ch):04X}), which is no character"


def unstorable_at(data: Any, loc: tuple[Any, ...] = ()) -> tuple[tuple[Any, ...], str] | None:
    """Where in parsed data (a string or a key) there is text no column can hold, and why; or None."""
    if isinstance(data, str):
        why = unstorable(data)
        return (loc, why) if why else None
    if isinstance(data, dict):
        for key, value in data.items():
            why = unstorable(key) if isinstance(key, str) else None
            found = ((*loc, key), why) if why else unstorable_at(value, (*loc, key))
            if found is not None:
                return found
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found = unstorable_at(value, (*loc, index))
            if found is not None:
                return found
    return None


def _code(value: Any) -> Any:
    if isinstance(value, str):
        problem = code_problem(value)
        if problem:
            raise ValueError(problem)
    return value


def _positive(seconds: int) -> int:
    if seconds <= 0:
        raise ValueError("is no time at all; give a positive duration")
    return seconds


def _count(value: Any) -> Any:
    if isinstance(value, bool):  # JSON `true` is not the number 1
        raise ValueError(f"{str(value).lower()} is not a number")
    return value


Duration = Annotated[int, BeforeValidator(_duration)]
PositiveDuration = Annotated[int, BeforeValidator(_duration), AfterValidator(_positive)]
Count = Annotated[int, BeforeValidator(_count)]  # a whole number; from CSV text too, never a boolean
Money = Annotated[int, BeforeValidator(parse_money), AfterValidator(_non_negative)]
AwareDatetime = Annotated[datetime, AfterValidator(_aware)]
Code = Annotated[str, BeforeValidator(_code)]


def location(loc: Iterable[Any]) -> str:
    """("stages", 3, "time_limit") → "stages[3].time_limit"."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def describe(error: dict[str, Any]) -> str:
    """One pydantic error as a person reads it."""
    kind, message = error["type"], error["msg"]
    if kind == "value_error":
        message = message.removeprefix("Value error, ")
    elif kind == "extra_forbidden":
        message = "unknown key"
    elif kind == "missing":
        message = "is required"
    elif kind == "too_short" and error.get("ctx", {}).get("min_length") == 1:
        message = "must not be empty"
    elif kind == "literal_error":
        message = f"{error['input']!r} is not one of: " + message.removeprefix("Input should be ").replace("'", "")
    elif "input" in error and not isinstance(error["input"], (dict, list)):
        message = f"{message[0].lower()}{message[1:]} (got {error['input']!r})"
    return message


def first_error(exc: ValidationError, *, prefix: str = "", base: tuple[Any, ...] = ()) -> str:
    errors = exc.errors()
    # a union of types reports every branch; the first is the one that speaks of the key itself
    error = errors[0]
    line = f"{prefix}{location(base + tuple(error['loc']))}: {describe(error)}"
    others = len({tuple(e["loc"]) for e in errors}) - 1
    if others > 0:
        line += f" (and {others} more {'error' if others == 1 else 'errors'})"
    return line


def read_text(path: Path) -> str:
    """The file as UTF-8 text, or InvalidInput naming it."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise InvalidInput(f"{path}: larger than {MAX_FILE_BYTES // 1024 // 1024} MB")
        data = path.read_bytes()
    except FileNotFoundError:
        raise InvalidInput(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InvalidInput(f"{path}: is a directory, not a file") from None
    except PermissionError:
        raise InvalidInput(f"{path}: permission denied") from None
    if not data.strip():
        raise InvalidInput(f"{path}: the file is empty")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            f"{path}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); save it as UTF-8"
        ) from None
