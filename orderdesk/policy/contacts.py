"""Phones and e-mails as keys: "+7 (900) 000-00-01" and "79000000001" are one phone. Pure."""

from __future__ import annotations

import re

_NOT_DIGITS = re.compile(r"\D")


def phone_key(phone: str | None) -> str | None:
    """The digits of a phone; too short to be one is none."""
    if not phone:
        return None
    digits = _NOT_DIGITS.sub("", phone)
    return digits if len(digits) >= 5 else None


def normalise_email(email: str | None) -> str | None:
    return email.strip().lower() if email and email.strip() else None
