"""The desk as the screens use it: each method one short transaction, typed views out (orderdesk.views).

Screens hold a `Desk` and never open a database session themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Session

from orderdesk.clock import Clock
from orderdesk.usecases import accounts, order_edits, order_moves, presence
from orderdesk.usecases.acting import describe
from orderdesk.usecases.assignment import assign, distribute_pending
from orderdesk.usecases.inbox import mark_read
from orderdesk.views import boards, orders
from orderdesk.views.inbox import InboxEntry, inbox_entries, unread_count
from orderdesk.views.lookup import order_by_number
from orderdesk.views.refresh import OrdersRefresh, orders_refresh
from storage.db import read_session, write_session
from storage.models import Employee


@dataclass(frozen=True)
class Viewer:
    """Who is signed in at this desk."""

    id: int
    login: str
    name: str
    roles: tuple[str, ...]
    session_id: int | None = None  # the login session this desk keeps alive with heartbeats


class Desk:
    def __init__(self, engine: Engine, clock: Clock) -> None:
        self.engine = engine
        self.clock = clock

    def sign_in(self, login: str, password: str, *, host: str | None = None) -> Viewer:
        """Check the password, then log in (U1): from now on the heartbeat keeps him logged in. One
        transaction: a wrong password changes nothing."""
        with write_session(self.engine) as session:
            employee = accounts.authenticate(session=session, login=login, password=password)
            session_id = presence.log_in(session=session, actor=employee.login, clock=self.clock, host=host)
        return _viewer(employee, session_id)

    def heartbeat(self, viewer: Viewer) -> bool:
        """Keep the login alive; False if it had expired (the desk was asleep too long)."""
        assert viewer.session_id is not None
        with write_session(self.engine) as session:
            return presence.heartbeat(session=session, clock=self.clock, session_id=viewer.session_id)

    def sign_out(self, viewer: Viewer) -> None:
        with write_session(self.engine) as session:
            presence.log_out(session=session, actor=viewer.login, clock=self.clock)

    def set_presence(self, viewer: Viewer, status: str) -> int:
        """Free, busy, break or offline; turning free hands out waiting orders at once (D4).
        Returns how many orders the pass handed out."""
        with write_session(self.engine) as session:
            presence.set_presence(session=session, actor=viewer.login, clock=self.clock, presence=status)
            if status != "free":
                return 0
            return len(distribute_pending(session=session, clock=self.clock).assigned)

    def orders_refresh(self, viewer: Viewer, *, limit: int = 200) -> OrdersRefresh:
        """Everything the orders screen shows from the top, in one read transaction."""
        with read_session(self.engine) as session:
            employee = _employee(session, viewer)
            return orders_refresh(session=session, employee=employee, now=self.clock.now(), limit=limit)

    def orders_page(
        self, viewer: Viewer, *, before: tuple[datetime, int] | None = None, limit: int = 200
    ) -> orders.OrderPage:
        """A page of the orders he sees, newest first; `before` is the previous page's `next_key`."""
        with read_session(self.engine) as session:
            return orders.order_page(
                session=session, now=self.clock.now(), viewer=_employee(session, viewer), before=before, limit=limit,
                with_items=False,
            )  # fmt: skip

    def undistributed(self, viewer: Viewer) -> tuple[orders.UndistributedInStore, ...] | None:
        """Per store he covers: count and sum of orders waiting for a manager, when the desk is set
        to show them (D5)."""
        with read_session(self.engine) as session:
            return orders.undistributed_seen_by(session, _employee(session, viewer))

    # ------------------------------------------------------------------ actions on an order (S6)

    def advance(self, viewer: Viewer, number: str) -> str:
        """To the next stage (S2); returns one line saying where it went. A refusal raises DeskError
        with the reason, and nothing changes."""
        with write_session(self.engine) as session:
            done = order_moves.advance(session=session, actor=viewer.login, clock=self.clock, number=number)
            return describe(session=session, done=done)

    def mark_paid(self, viewer: Viewer, number: str) -> str:
        with write_session(self.engine) as session:
            done = order_edits.set_payment(session=session, actor=viewer.login, clock=self.clock, number=number)
            return describe(session=session, done=done)

    # ------------------------------------------------------------------ notifications (A2)

    def inbox(self, viewer: Viewer, *, limit: int = 200) -> list[InboxEntry]:
        with read_session(self.engine) as session:
            return inbox_entries(session, viewer.login, self.clock.now(), limit=limit)

    def unread(self, viewer: Viewer) -> int:
        with read_session(self.engine) as session:
            return unread_count(session, viewer.login, self.clock.now())

    def mark_read(self, viewer: Viewer, ids: list[int] | None = None) -> int:
        with write_session(self.engine) as session:
            return mark_read(session=session, actor=viewer.login, clock=self.clock, ids=ids)

    # ------------------------------------------------------------------ the boards (U3, U4)

    def stage_board(self, viewer: Viewer, store: str | None = None, *, per_stage: int = 50) -> boards.StageBoard:
        """One store's stages with their counts, sums and first orders (store: a code; None: his first)."""
        with read_session(self.engine) as session:
            return boards.stage_board(session=session, employee=_employee(session, viewer), now=self.clock.now(),
                                      store=store, per_stage=per_stage)  # fmt: skip

    def overdue_board(self, viewer: Viewer, *, limit: int = 300) -> boards.OverdueBoard:
        """Every late open order by store, stage and manager, most over first (supervisors and admins)."""
        with read_session(self.engine) as session:
            return boards.overdue_board(session=session, employee=_employee(session, viewer), now=self.clock.now(),
                                        limit=limit)  # fmt: skip

    def reassign_candidates(self, viewer: Viewer, number: str) -> boards.ReassignChoices:
        with read_session(self.engine) as session:
            return boards.reassign_choices(session=session, employee=_employee(session, viewer), number=number)

    def reassign(self, viewer: Viewer, number: str, login: str) -> str:
        """Hand the order to this manager (audited); returns one line saying so. A refusal raises
        DeskError with the reason, and nothing changes."""
        with write_session(self.engine) as session:
            before = order_by_number(session, number).manager_id
            order = assign(session=session, actor=viewer.login, clock=self.clock, number=number, to=login)
            was = session.get(Employee, before) if before is not None else None
            manager = session.get(Employee, order.manager_id)
            assert manager is not None
        if was:
            return f"Order {number} is now {manager.name}'s (was {was.name}'s)"
        return f"Order {number} is now {manager.name}'s"


def _employee(session: Session, viewer: Viewer) -> Employee:
    employee = session.get(Employee, viewer.id)
    assert employee is not None
    return employee


def _viewer(employee: Employee, session_id: int | None = None) -> Viewer:
    assert employee.id is not None
    return Viewer(
        id=employee.id, login=employee.login, name=employee.name, roles=tuple(employee.roles), session_id=session_id
    )
