"""Customers are matched by phone or e-mail, however the phone is written."""

from __future__ import annotations

import re

from sqlmodel import Session, select

from storage.models import Customer

_NOT_DIGITS = re.compile(r"\D")


def phone_key(phone: str | None) -> str | None:
    """"+7 (900) 000-00-01" and "79000000001" are one phone; too short to be one is none."""
    if not phone:
        return None
    digits = _NOT_DIGITS.sub("", phone)
    return digits if len(digits) >= 5 else None


def normalise_email(email: str | None) -> str | None:
    return email.strip().lower() if email and email.strip() else None


def find_customer(session: Session, *, phone: str | None, email: str | None) -> Customer | None:
    key = phone_key(phone)
    if key:
        found = session.exec(select(Customer).where(Customer.phone_key == key).order_by(Customer.id)).first()
        if found:
            return found
    address = normalise_email(email)
    if address:
        return session.exec(select(Customer).where(Customer.email == address).order_by(Customer.id)).first()
    return None
