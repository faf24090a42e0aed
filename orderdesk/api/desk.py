"""The desk as the screens use it: each method one short transaction, typed views out (orderdesk.views).

Screens hold a `Desk` and never open a database session themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from orderdesk.api.printing import PrintedFile, print_into_folder
from orderdesk.clock import Clock
from orderdesk.config.settings import read_settings
from orderdesk.policy.documents import DocKind
from orderdesk.policy.errors import DeskError
from orderdesk.usecases import accounts, assignment, explain, order_edits, order_links, order_moves, presence
from orderdesk.usecases import tasks as task_cases
from orderdesk.usecases.acting import Done, describe
from orderdesk.usecases.assignment import assign, distribute_pending
from orderdesk.usecases.audit import DESK, Door, through
from orderdesk.usecases.inbox import mark_read
from orderdesk.usecases.take_next import take_next
from orderdesk.usecases.undo_move import UNDO_WINDOW, undo_move
from orderdesk.views import boards, orders
from orderdesk.views import tasks as task_views
from orderdesk.views.header import HeaderFacts, header_facts
from orderdesk.views.inbox import InboxEntry, InboxPage, inbox_entries, inbox_page, unread_count
from orderdesk.views.lookup import order_by_number
from orderdesk.views.my_tasks import MyTasks, TaskNews, my_tasks, task_news
from orderdesk.views.order_detail import AssignmentTrace, OrderDetail, order_detail
from orderdesk.views.orders import order_shown
from orderdesk.views.queue import Acted, QueuePage, queue_page
from orderdesk.views.refresh import OrdersRefresh, orders_refresh
from orderdesk.views.staff import language_of
from orderdesk.views.tasks import TaskLine
from storage.db import ChangeWatcher, read_session, write_session
from storage.models import Employee


@dataclass(frozen=True)
class Viewer:
    """Who is signed in at this desk."""

    id: int
    login: str
    name: str
    roles: tuple[str, ...]
    session_id: int | None = None  # the login session this desk keeps alive with heartbeats
    language: str = "en"  # the desk speaks it (U10): his own, else his store's (orderdesk.views.staff)


class Desk:
    def __init__(self, engine: Engine, clock: Clock) -> None:
        self.engine = through(engine=engine, door=Door(DESK))  # every change made here is audited as the desk's
        self.clock = clock
        self._watcher: ChangeWatcher | None = None

    def sign_in(self, login: str, password: str, *, host: str | None = None) -> Viewer:
        """Check the password, then log in (U1) and set his presence to the setting
        `presence_on_sign_in` (free unless set otherwise): from now on the heartbeat keeps him logged
        in. One transaction: a refusal keeps only its own record (the audit rows, the failure
        counted towards a lock: settings `signin.*`), committed before it is raised; a locked login
        is refused with LoginLocked (orderdesk.policy.signin), whose facts the screen words."""
        with write_session(self.engine) as session:
            try:
                employee = accounts.authenticate(session=session, clock=self.clock, login=login, password=password)
            except DeskError as exc:
                refusal = exc
            else:
                session_id = presence.log_in(session=session, actor=employee.login, clock=self.clock, host=host)
                arriving = read_settings(session).presence_on_sign_in
                presence.set_presence(session=session, actor=employee.login, clock=self.clock, presence=arriving)
                return _viewer(employee, session_id, language=language_of(session, employee))
        raise refusal  # committed: the failure is counted, whatever the caller does next

    def heartbeat(self, viewer: Viewer) -> bool:
        """Keep the login alive; False if it had expired (the desk was asleep too long)."""
        assert viewer.session_id is not None
        with write_session(self.engine) as session:
            return presence.heartbeat(session=session, clock=self.clock, session_id=viewer.session_id)

    def sign_out(self, viewer: Viewer) -> None:
        """Offline and logged out at once (sign-out, quit): no order goes to a desk nobody sits at."""
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

    # ------------------------------------------------------------------ the order screen (U5)
    # each action returns one line saying what it did; a refusal raises DeskError with the reason,
    # and nothing changes

    def order_screen(self, viewer: Viewer, number: str) -> OrderDetail:
        """The order whole, its history and what he may do to it; NotAllowed when not his to see."""
        with read_session(self.engine) as session:
            return order_detail(session=session, number=number, now=self.clock.now(), viewer=_employee(session, viewer))

    def move(self, viewer: Viewer, number: str, status: str) -> str:
        return self._act(order_moves.move_to, viewer, number, status=status)

    def add_item(
        self, viewer: Viewer, number: str, *, sku: str, name: str, qty: int, price: int, discount: int = 0
    ) -> str:
        return self._act(
            order_edits.add_item, viewer, number, sku=sku, name=name, qty=qty, price=price, discount=discount
        )

    def change_item(
        self, viewer: Viewer, number: str, sku: str, *, qty: int | None = None, price: int | None = None,
        discount: int | None = None,
    ) -> str:  # fmt: skip
        return self._act(order_edits.change_item, viewer, number, sku=sku, qty=qty, price=price, discount=discount)

    def remove_item(self, viewer: Viewer, number: str, sku: str) -> str:
        return self._act(order_edits.remove_item, viewer, number, sku=sku)

    def set_delivery(self, viewer: Viewer, number: str, method: str, cost: int | None = None) -> str:
        """Another delivery method, at its price unless a cost is given; the total follows."""
        return self._act(order_edits.set_delivery, viewer, number, method=method, cost=cost)

    def set_discount(self, viewer: Viewer, number: str, amount: int, sku: str | None = None) -> str:
        """On the order, or with `sku` on one item."""
        return self._act(order_edits.set_discount, viewer, number, amount=amount, sku=sku)

    def link(self, viewer: Viewer, number: str, other: str) -> str:
        return self._act(order_links.link, viewer, number, other=other)

    def unlink(self, viewer: Viewer, number: str, other: str) -> str:
        return self._act(order_links.unlink, viewer, number, other=other)

    def set_contractor(self, viewer: Viewer, number: str, contractor: str | None) -> str:
        return self._act(order_links.set_contractor, viewer, number, contractor=contractor)

    def explain(self, viewer: Viewer, number: str) -> AssignmentTrace:
        """Why the order went to its manager (D6), for someone who may see it."""
        with read_session(self.engine) as session:
            shown = order_shown(session=session, number=number, now=self.clock.now(), viewer=_employee(session, viewer))
            data = explain.explain(session=session, clock=self.clock, number=number)
            return AssignmentTrace.of(data, timezone=shown.timezone)

    def _act(self, use_case: Callable[..., Done], viewer: Viewer, number: str, **given: Any) -> str:
        """One S6 use case in one transaction, as the viewer; the line saying what it did."""
        with write_session(self.engine) as session:
            done = use_case(session=session, actor=viewer.login, clock=self.clock, number=number, **given)
            return describe(session=session, done=done)

    # ------------------------------------------------------------------ notifications (A2)

    def inbox(self, viewer: Viewer, *, limit: int = 200) -> list[InboxEntry]:
        with read_session(self.engine) as session:
            return inbox_entries(session, viewer.login, self.clock.now(), limit=limit)

    def inbox_page(self, viewer: Viewer, *, before: tuple[datetime, int] | None = None, limit: int = 200) -> InboxPage:
        """A page of his inbox, newest first, with the counts of all of it (U6); `before` is the
        previous page's `next_key`."""
        with read_session(self.engine) as session:
            return inbox_page(session, viewer.login, self.clock.now(), before=before, limit=limit)

    def unread(self, viewer: Viewer) -> int:
        with read_session(self.engine) as session:
            return unread_count(session, viewer.login, self.clock.now())

    def mark_read(self, viewer: Viewer, ids: list[int] | None = None) -> int:
        with write_session(self.engine) as session:
            return mark_read(session=session, actor=viewer.login, clock=self.clock, ids=ids)

    # ------------------------------------------------------------------ my queue and the pool (U2)

    def queue(
        self, viewer: Viewer, *, list: str, sort: str = "urgency", text: str | None = None,
        after: tuple[Any, ...] | None = None, limit: int = 300,
    ) -> QueuePage:  # fmt: skip
        """A keyset page of my queue (`list="mine"`) or the pool (`"pool"`), sorted by one of
        views.queue.SORTS, narrowed to what he typed; `after` is the previous page's `next_key`."""
        with read_session(self.engine) as session:
            return queue_page(session=session, employee=_employee(session, viewer), now=self.clock.now(), list=list,
                              sort=sort, text=text, after=after, limit=limit)  # fmt: skip

    def claim(self, viewer: Viewer, number: str) -> Acted:
        """Take this order from the pool; refused (DeskError) when it is not his to take or is taken."""
        with write_session(self.engine) as session:
            order = assignment.claim(session=session, actor=viewer.login, clock=self.clock, number=number)
            return Acted(order.number, f"{order.number} is yours now")

    def take_next(self, viewer: Viewer) -> Acted:
        """Take the order the carousel would give him next (D3); refused with the reason when none."""
        with write_session(self.engine) as session:
            order = take_next(session=session, actor=viewer.login, clock=self.clock)
            return Acted(order.number, f"{order.number} is yours now (the next one for you)")

    def advance_with_undo(self, viewer: Viewer, number: str) -> Acted:
        """`advance`, and until when `undo_move` may take it back (UNDO_WINDOW by the desk's clock)."""
        with write_session(self.engine) as session:
            done = order_moves.advance(session=session, actor=viewer.login, clock=self.clock, number=number)
            line = describe(session=session, done=done)
        return Acted(number, line, undo_until=self.clock.now() + UNDO_WINDOW)

    def undo_move(self, viewer: Viewer, number: str) -> Acted:
        """Move the order back where his last move took it from (refused after UNDO_WINDOW, when
        someone moved it since, or when the move was not his)."""
        with write_session(self.engine) as session:
            done = undo_move(session=session, actor=viewer.login, clock=self.clock, number=number)
            return Acted(number, describe(session=session, done=done))

    def pay(self, viewer: Viewer, number: str) -> Acted:
        return Acted(number, self.mark_paid(viewer, number))

    # ------------------------------------------------------------------ the shell: header and live updates (U1, U8)

    def header_facts(self, viewer: Viewer) -> HeaderFacts:
        """The header line's facts (who, presence, open / overdue orders, unread), in one read."""
        with read_session(self.engine) as session:
            return header_facts(session=session, employee=_employee(session, viewer), now=self.clock.now())

    def data_version(self) -> object:
        """A value that moves when anyone commits (storage.db.ChangeWatcher); raises
        storage.db.DatabaseUnavailable when the database does not answer. Call it from a worker."""
        if self._watcher is None:
            self._watcher = ChangeWatcher(self.engine)
        return self._watcher.version()

    def close_watch(self) -> None:
        if self._watcher is not None:
            self._watcher.close()

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

    # ------------------------------------------------------------------ tasks (T6; the `desk` helper's section)
    # each a short transaction; a refusal of done / reopen raises DeskError with the reason, and nothing changes

    def my_tasks(self, viewer: Viewer, *, every: bool = False, limit: int = 500) -> MyTasks:
        """His tasks by due time (those without one last): the open ones, or `every` one (done, cancelled)."""
        with read_session(self.engine) as session:
            return my_tasks(session, viewer.login, now=self.clock.now(), every=every, limit=limit)

    def task(self, viewer: Viewer, task_id: int) -> TaskLine:
        with read_session(self.engine) as session:
            return task_views.get_task(session, task_id, now=self.clock.now())

    def complete_task(self, viewer: Viewer, task_id: int) -> TaskLine:
        """Mark it done; the task as it is now."""
        with write_session(self.engine) as session:
            task_cases.complete(session=session, actor=viewer.login, clock=self.clock, task_id=task_id)
            session.flush()
            return task_views.get_task(session, task_id, now=self.clock.now())

    def reopen_task(self, viewer: Viewer, task_id: int) -> TaskLine:
        with write_session(self.engine) as session:
            task_cases.reopen(session=session, actor=viewer.login, clock=self.clock, task_id=task_id)
            session.flush()
            return task_views.get_task(session, task_id, now=self.clock.now())

    def order_tasks(self, viewer: Viewer, number: str) -> list[TaskLine]:
        """The tasks of an order he may see (the order screen reads them with the order: `order_screen`)."""
        with read_session(self.engine) as session:
            order_shown(session=session, number=number, now=self.clock.now(), viewer=_employee(session, viewer))
            order = order_by_number(session, number)
            assert order.id is not None
            return task_views.tasks_of_order(session, order.id, now=self.clock.now())

    def task_news(self, viewer: Viewer, *, after: int | None) -> TaskNews:
        """Tasks that arrived for him (their notifications) since the notification `after`; None: none
        is news, only where he is now."""
        with read_session(self.engine) as session:
            return task_news(session, viewer.id, after=after, now=self.clock.now())

    # ---------------------------------------------------------- printed documents (S8; the `desk` helper's section)
    # written into the folder of the setting documents.folder; a refusal raises DeskError with the reason

    def print_order(self, viewer: Viewer, number: str, doc: DocKind) -> PrintedFile:
        """One order's waybill, invoice or payment slip ("H-1001-invoice.pdf"), audited."""
        return print_into_folder(self.engine, self.clock, actor=viewer.login, doc=doc, numbers=(number,))

    def print_stage(self, viewer: Viewer, store: str, status: str, doc: DocKind) -> PrintedFile:
        """The document of every order of that stage he sees, oldest first, each on its own pages, in one file
        ("home-packing-waybill-2026-12-01.pdf"), audited per order."""
        return print_into_folder(self.engine, self.clock, actor=viewer.login, doc=doc, store=store, status=status)


def _employee(session: Session, viewer: Viewer) -> Employee:
    employee = session.get(Employee, viewer.id)
    assert employee is not None
    return employee


def _viewer(employee: Employee, session_id: int | None = None, *, language: str = "en") -> Viewer:
    assert employee.id is not None
    return Viewer(
        id=employee.id, login=employee.login, name=employee.name, roles=tuple(employee.roles), session_id=session_id,
        language=language,
    )  # fmt: skip
