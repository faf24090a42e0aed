"""Customers are matched by phone or e-mail, however the phone is written."""

from __future__ import annotations

from sqlmodel import Session, select

from orderdesk.contacts import normalise_email, phone_key
from storage.models import Customer

__all__ = ["find_customer", "normalise_email", "phone_key"]


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
