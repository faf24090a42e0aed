"""The desk as the screens use it: each method one short transaction, plain data out.

Screens hold a `Desk` and never open a database session themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from orderdesk import accounts, orders
from orderdesk.clock import Clock
from orderdesk.settings import read_settings
from storage.db import read_session
from storage.models import Employee


@dataclass(frozen=True)
class Viewer:
    """Who is signed in at this desk."""

    id: int
    login: str
    name: str
    roles: tuple[str, ...]


class Desk:
    def __init__(self, engine: Engine, clock: Clock) -> None:
        self.engine = engine
        self.clock = clock

    def sign_in(self, login: str, password: str) -> Viewer:
        with read_session(self.engine) as session:
            employee = accounts.authenticate(session=session, login=login, password=password)
            return _viewer(employee)

    def orders_page(
        self, viewer: Viewer, *, before: tuple[datetime, int] | None = None, limit: int = 200
    ) -> orders.OrderPage:
        with read_session(self.engine) as session:
            employee = session.get(Employee, viewer.id)
            assert employee is not None
            return orders.list_orders(
                session=session, now=self.clock.now(), viewer=employee, before=before, limit=limit, with_items=False
            )

    def undistributed(self, viewer: Viewer) -> list[dict[str, Any]] | None:
        """Per store he covers: count and sum of orders waiting for a manager, when the desk is set
        to show them (D5). Stores are kept apart because their currencies may differ."""
        with read_session(self.engine) as session:
            if not read_settings(session).show_undistributed:
                return None
            employee = session.get(Employee, viewer.id)
            assert employee is not None
            stores = orders.scope_for(session, employee).store_ids
            return [s for s in orders.undistributed(session=session) if stores is None or s["store_id"] in stores]


def _viewer(employee: Employee) -> Viewer:
    assert employee.id is not None
    return Viewer(id=employee.id, login=employee.login, name=employee.name, roles=tuple(employee.roles))
