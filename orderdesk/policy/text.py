"""Characters that hide: control (Cc), format (Cf: U+200B, U+202E, …), line and paragraph separators,
private and surrogate code points. None belongs in a code, and none is printed raw in a message."""

from __future__ import annotations

import unicodedata

HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Co", "Cs"})
MAX_CODE_LENGTH = 64  # codes, logins and order numbers are String(64) columns


def hidden_character(text: str) -> str | None:
    """The first hidden character of `text` as a person can read it ("U+202E RIGHT-TO-LEFT OVERRIDE"),
    or None when it has none."""
    for ch in text:
        if unicodedata.category(ch) in HIDDEN_CATEGORIES:
            name = unicodedata.name(ch, "")
            return f"U+{ord(ch):04X}{' ' + name if name else ''}"
    return None


def escaped(text: str) -> str:
    """`text` with each hidden character written as an escape (\\n, \\x00, \\u202e), so that a message
    quoting it stays one line and shows what was there."""
    if hidden_character(text) is None:
        return text
    return "".join(ch if unicodedata.category(ch) not in HIDDEN_CATEGORIES else ascii(ch)[1:-1] for ch in text)
