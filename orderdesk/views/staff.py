"""An employee's own store (the first of his groups' stores): the language his desk speaks (U10) and the
zone of the times that belong to no order (U6)."""

from __future__ import annotations

from sqlmodel import Session, col, select

from storage.models import Employee, EmployeeGroup, GroupStore, Store


def home_store(session: Session, employee: Employee) -> Store | None:
    """The first store (in the order the configuration lists them) of his groups; None without one."""
    query = (
        select(Store)
        .join(GroupStore, col(GroupStore.store_id) == Store.id)
        .join(EmployeeGroup, col(EmployeeGroup.group_id) == GroupStore.group_id)
        .where(EmployeeGroup.employee_id == employee.id)
        .order_by(col(Store.id))
        .limit(1)
    )
    return session.exec(query).first()


def language_of(session: Session, employee: Employee) -> str:
    """His own language, else his store's, else English."""
    if employee.language:
        return employee.language
    store = home_store(session, employee)
    return store.language if store is not None and store.language else "en"


def zone_of(session: Session, employee: Employee) -> str:
    store = home_store(session, employee)
    return store.timezone if store is not None else "UTC"
