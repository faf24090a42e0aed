"""What a screen of the desk reads in one go: one read transaction per refresh, so its parts agree."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from orderdesk.views.inbox import unread_count
from orderdesk.views.orders import OrderPage, UndistributedInStore, order_page, undistributed_seen_by
from storage.models import Employee


@dataclass(frozen=True)
class OrdersRefresh:
    """The orders screen from the top: its first page, the undistributed orders of his stores (None
    when the desk is set not to show them, D5), his presence (U1) and his unread notifications (A2)."""

    page: OrderPage
    undistributed: tuple[UndistributedInStore, ...] | None
    presence: str
    unread: int


def orders_refresh(*, session: Session, employee: Employee, now: datetime, limit: int) -> OrdersRefresh:
    return OrdersRefresh(
        page=order_page(session=session, now=now, viewer=employee, limit=limit, with_items=False),
        undistributed=undistributed_seen_by(session, employee),
        presence=employee.presence,
        unread=unread_count(session, employee.login, now),
    )
