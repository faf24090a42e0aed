"""The stage board (U3) and the overdue board (U4) as the desk reads them: one read each, bounded.

- The stage board: one store's open stages in pipeline order, each with how many orders the viewer
  sees in it, their sum, and the first few of them (least time left first).
- The overdue board: every open order past its stage's limit, grouped by store, stage and manager,
  most over first, capped; who could take one of them over (the store's active managers, with their
  presence and open load).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from orderdesk.policy.access import check_may_assign
from orderdesk.policy.errors import NotAllowed
from orderdesk.policy.money import Money, format_money
from orderdesk.policy.timestamps import iso
from orderdesk.policy.vocab import CLOSED_KINDS, PRESENCES
from orderdesk.views import access
from orderdesk.views.lookup import load_pipelines, order_by_number, pipeline_of
from storage import board_queries
from storage.models import Employee, Store


@dataclass(frozen=True)
class BoardStore:
    code: str
    name: str
    timezone: str

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, "timezone": self.timezone}


@dataclass(frozen=True)
class BoardOrder:
    """An order on a board. `seconds_left`: until its stage's limit as of the read (negative: over
    by that much; None: the stage has no limit)."""

    number: str
    customer: str
    manager: str | None  # his name
    total: Money
    stage_due_at: datetime | None
    seconds_left: int | None
    overdue: bool

    def to_json(self) -> dict[str, Any]:
        return {"number": self.number, "customer": self.customer, "manager": self.manager,
                "total": format_money(self.total), "stage_due_at": iso(self.stage_due_at),
                "seconds_left": self.seconds_left, "overdue": self.overdue}  # fmt: skip


@dataclass(frozen=True)
class StageColumn:
    code: str
    name: str
    count: int  # every order of the stage he sees, not only those in `orders`
    sum: Money
    orders: tuple[BoardOrder, ...]

    @property
    def more(self) -> int:
        return self.count - len(self.orders)

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, "count": self.count, "sum": format_money(self.sum),
                "orders": [o.to_json() for o in self.orders]}  # fmt: skip


@dataclass(frozen=True)
class StageBoard:
    """One store's board; `stores`: every store he may switch to, by name (empty: none is his)."""

    store: BoardStore | None
    stores: tuple[BoardStore, ...]
    columns: tuple[StageColumn, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "store": self.store.to_json() if self.store else None,
            "stores": [s.to_json() for s in self.stores],
            "columns": [c.to_json() for c in self.columns],
        }


def _seconds_left(due: datetime | None, now: datetime) -> int | None:
    return None if due is None else int((due - now).total_seconds())


def _late(row: Any, now: datetime) -> bool:
    return bool(row.is_open and (row.overdue or (row.stage_due_at is not None and row.stage_due_at < now)))


def stage_board(
    *, session: Session, employee: Employee, now: datetime, store: str | None, per_stage: int
) -> StageBoard:
    """The board of `store` (a code; None: his first store by name). Overseers switch between every
    store, anyone else between the stores his groups give him; a store not his is refused."""
    actor = access.actor_of(session, employee)
    rows = session.exec(select(Store).order_by(Store.name)).all()
    stores = [r for r in rows if actor.oversees or r.id in actor.stores]
    shown = [BoardStore(code=s.code, name=s.name, timezone=s.timezone) for s in stores]
    if not stores:
        return StageBoard(store=None, stores=(), columns=())
    chosen = stores[0] if store is None else next((s for s in stores if s.code == store), None)
    if chosen is None:
        raise NotAllowed(f"store {store} is not one of {employee.login}'s stores")
    assert chosen.id is not None
    scope = access.scope_of(actor)
    totals = {r.status: r for r in board_queries.stage_totals(session, store_id=chosen.id, scope=scope)}
    heads: dict[str, list[BoardOrder]] = {}
    for r in board_queries.stage_heads(session, store_id=chosen.id, scope=scope, per_stage=per_stage):
        heads.setdefault(r.status, []).append(
            BoardOrder(
                number=r.number,
                customer=r.customer,
                manager=r.manager_name,
                total=Money(int(r.total), chosen.currency),
                stage_due_at=r.stage_due_at,
                seconds_left=_seconds_left(r.stage_due_at, now),
                overdue=_late(r, now),
            )  # fmt: skip
        )
    columns = tuple(
        StageColumn(
            code=stage.code,
            name=stage.name,
            count=int(totals[stage.code].count) if stage.code in totals else 0,
            sum=Money(int(totals[stage.code].sum) if stage.code in totals else 0, chosen.currency),
            orders=tuple(heads.get(stage.code, ())),
        )
        for stage in pipeline_of(session, chosen.id)
        # closed orders are done with; a stage switched off stays while orders are still in it
        if stage.kind not in CLOSED_KINDS and (stage.active or stage.code in totals)
    )
    return StageBoard(store=shown[stores.index(chosen)], stores=tuple(shown), columns=columns)


# ----------------------------------------------------------------------------------- the overdue board


@dataclass(frozen=True)
class LateOrder:
    number: str
    customer: str
    total: Money
    stage_due_at: datetime | None
    seconds_over: int | None  # None: flagged late, with no due time to count from

    def to_json(self) -> dict[str, Any]:
        return {"number": self.number, "customer": self.customer, "total": format_money(self.total),
                "stage_due_at": iso(self.stage_due_at), "seconds_over": self.seconds_over}  # fmt: skip


@dataclass(frozen=True)
class LateGroup:
    """The late orders of one stage of one store with one manager (None: nobody's yet)."""

    store: str  # name
    stage: str  # name
    manager: str | None  # name
    manager_login: str | None
    count: int  # all of them, also those past the board's cap
    orders: tuple[LateOrder, ...]  # most over first

    @property
    def key(self) -> tuple[str, str, str | None]:
        return (self.store, self.stage, self.manager_login)

    def to_json(self) -> dict[str, Any]:
        return {"store": self.store, "stage": self.stage, "manager": self.manager,
                "manager_login": self.manager_login, "count": self.count,
                "orders": [o.to_json() for o in self.orders]}  # fmt: skip


@dataclass(frozen=True)
class OverdueBoard:
    groups: tuple[LateGroup, ...]  # by store, stage in pipeline order, then manager ("no manager" last)
    total: int  # late orders in all
    shown: int  # of them on the board (the cap)

    def to_json(self) -> dict[str, Any]:
        return {"total": self.total, "shown": self.shown, "groups": [g.to_json() for g in self.groups]}


def _check_overseer(session: Session, employee: Employee) -> None:
    actor = access.actor_of(session, employee)
    if not actor.oversees:
        raise NotAllowed(f"the overdue board is for supervisors and admins; {employee.login} is neither")


def overdue_board(*, session: Session, employee: Employee, now: datetime, limit: int) -> OverdueBoard:
    _check_overseer(session, employee)
    stores = {s.id: s for s in session.exec(select(Store))}
    pipelines = load_pipelines(session)
    totals = board_queries.late_totals(session, now=now)
    rows = board_queries.late_orders(session, now=now, limit=limit)
    manager_ids = {r.manager_id for r in totals if r.manager_id is not None}
    managers = {
        e.id: e
        for e in session.exec(select(Employee).where(Employee.id.in_(sorted(manager_ids))))  # type: ignore[union-attr]
    }
    shown: dict[tuple[int, str, int | None], list[LateOrder]] = {}
    for r in rows:
        over = None if r.stage_due_at is None else int((now - r.stage_due_at).total_seconds())
        seconds = over if over is not None and over > 0 else None  # flagged, though its due time moved on
        shown.setdefault((r.store_id, r.status, r.manager_id), []).append(
            LateOrder(
                number=r.number,
                customer=r.customer,
                total=Money(int(r.total), stores[r.store_id].currency),
                stage_due_at=r.stage_due_at,
                seconds_over=seconds,
            )  # fmt: skip
        )

    def place(r: Any) -> tuple[Any, ...]:
        store = stores[r.store_id]
        stages = pipelines.get(store.code, [])
        position = next((s.position for s in stages if s.code == r.status), len(stages) + 1)
        manager = managers.get(r.manager_id)
        return (store.name, position, manager is None, manager.name if manager else "")

    groups = []
    for r in sorted(totals, key=place):
        store = stores[r.store_id]
        stage = next((s.name for s in pipelines.get(store.code, []) if s.code == r.status), r.status)
        manager = managers.get(r.manager_id)
        groups.append(
            LateGroup(
                store=store.name,
                stage=stage,
                manager=manager.name if manager else None,
                manager_login=manager.login if manager else None,
                count=int(r.count),
                orders=tuple(shown.get((r.store_id, r.status, r.manager_id), ())),
            )  # fmt: skip
        )
    return OverdueBoard(groups=tuple(groups), total=sum(int(r.count) for r in totals), shown=len(rows))


# ----------------------------------------------------------------------------------- reassigning


@dataclass(frozen=True)
class ManagerChoice:
    """A manager who could take an order over: his presence and his open load now."""

    login: str
    name: str
    presence: str
    open: int
    sum: Money

    def to_json(self) -> dict[str, Any]:
        return {"login": self.login, "name": self.name, "presence": self.presence, "open": self.open,
                "sum": format_money(self.sum)}  # fmt: skip


@dataclass(frozen=True)
class ReassignChoices:
    number: str
    store: str  # name
    manager: str | None  # the order's manager now, by name
    candidates: tuple[ManagerChoice, ...]  # free first, then the least loaded

    def to_json(self) -> dict[str, Any]:
        return {"number": self.number, "store": self.store, "manager": self.manager,
                "candidates": [c.to_json() for c in self.candidates]}  # fmt: skip


def reassign_choices(*, session: Session, employee: Employee, number: str) -> ReassignChoices:
    """The active managers of the order's store other than its manager, to hand it to (assign)."""
    check_may_assign(access.actor_of(session, employee))
    order = order_by_number(session, number)
    store = session.get(Store, order.store_id)
    assert store is not None
    staff = [
        r for r in board_queries.store_staff_of(session, order.store_id)
        if r.active and "manager" in r.roles and r.id != order.manager_id
    ]  # fmt: skip
    load = board_queries.open_load_of(session, [r.id for r in staff], store_id=order.store_id)
    rank = {p: i for i, p in enumerate(PRESENCES)}
    candidates = sorted(
        (
            ManagerChoice(
                login=r.login,
                name=r.name,
                presence=r.presence,
                open=load.get(r.id, (0, 0))[0],
                sum=Money(load.get(r.id, (0, 0))[1], store.currency),
            )  # fmt: skip
            for r in staff
        ),
        key=lambda c: (rank.get(c.presence, len(rank)), c.open, c.name),
    )
    current = session.get(Employee, order.manager_id) if order.manager_id else None
    return ReassignChoices(
        number=order.number, store=store.name, manager=current.name if current else None, candidates=tuple(candidates)
    )
