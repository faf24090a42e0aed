"""Admin use cases for a store's stages (S1, S2): list, add, rename, move, deactivate and activate,
time limit, owner.

When a stage's limit changes, the open orders already waiting in it get their due times recounted
by `recompute_due`. Orders are never moved: an order in a deactivated stage stays there and can be
advanced out of it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import case, func, or_, select
from sqlmodel import Session

from orderdesk.clock import Clock
from orderdesk.policy.errors import Conflict, InvalidInput, NotFound
from orderdesk.policy.vocab import CLOSED_KINDS, STAGE_KINDS
from orderdesk.policy.workflow import Owner
from orderdesk.usecases.admin_edits import Change, check_code, find_store, record_admin, span, stage_rows
from orderdesk.usecases.due_times import recompute_due
from orderdesk.views.lookup import owner_of
from storage.config_cache import config_changed
from storage.models import DeliveryMethod, Employee, Order, PaymentMethod, Stage


def parse_owner(text: str | Sequence[str]) -> Owner:
    try:
        return Owner.parse(text)
    except ValueError as exc:
        raise InvalidInput(f"owner: {exc}") from None


# ------------------------------------------------------------------------------ checks


def _stage(stages: Iterable[Stage], code: str, store: str) -> Stage:
    for stage in stages:
        if stage.code == code:
            return stage
    raise NotFound(f'store {store} has no stage "{code}"')


def _check_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise InvalidInput("name: must not be empty")
    return name


def _check_methods(session: Session, table: Any, codes: Sequence[str], what: str) -> list[str]:
    wanted = list(dict.fromkeys(c.strip() for c in codes))
    known = set(session.scalars(select(table.code)))
    for code in wanted:
        if code not in known:
            raise NotFound(
                f'{what}: unknown {what.replace("_", " ")} "{code}" (known: {", ".join(sorted(known)) or "none"})'
            )
    return wanted


def _check_owner(session: Session, owner: Owner) -> None:
    if owner.kind != "employees":
        return
    known = set(session.scalars(select(Employee.login).where(Employee.login.in_(owner.logins))))  # type: ignore[attr-defined]
    for login in owner.logins:
        if login not in known:
            raise NotFound(f'owner: no employee with login "{login}"')


def _renumber(stages: list[Stage]) -> None:
    for position, stage in enumerate(stages, start=1):
        if stage.position != position:
            stage.position = position


def _insert_index(stages: list[Stage], *, position: int | None, after: str | None, store: str, kind: str) -> int:
    """Where a stage goes in `stages` (which does not hold it): at `position` (1-based), right after the
    stage `after`, or by default at the end of the open stages (before the final and cancelled ones,
    so "advance" reaches it) — a final or cancelled stage goes at the very end."""
    if position is not None and after is not None:
        raise InvalidInput("give either a position or a stage to go after, not both")
    if after is not None:
        return stages.index(_stage(stages, after.strip(), store)) + 1
    if position is not None:
        if not 1 <= position <= len(stages) + 1:
            raise InvalidInput(f"position: {position} is out of range (1–{len(stages) + 1} in store {store})")
        return position - 1
    if kind in CLOSED_KINDS:
        return len(stages)
    closed = [i for i, s in enumerate(stages) if s.kind in CLOSED_KINDS]
    return closed[0] if closed else len(stages)


def _keeps_an_entry(stages: Sequence[Stage], store: str, *, without: Stage) -> None:
    if not any(s.active and s.kind == "open" and s is not without for s in stages):
        raise Conflict(
            f"store {store}: {without.code} is the last active open stage; new orders would have nowhere to start"
        )


# ------------------------------------------------------------------------------ stages


def list_stages(*, session: Session, clock: Clock, store: str) -> list[dict[str, Any]]:
    """The store's pipeline in order, with how many open orders wait in each stage and how many of
    those are past the stage's limit."""
    store_id, store = find_store(session=session, code=store)
    now = clock.now()
    late = or_(Order.overdue == True, Order.stage_due_at < now)  # noqa: E712
    counts = {
        status: (total, int(overdue or 0))
        for status, total, overdue in session.execute(
            select(Order.status, func.count(), func.sum(case((late, 1), else_=0)))
            .where(Order.store_id == store_id, Order.is_open == True)  # noqa: E712
            .group_by(Order.status)
        )
    }
    rows = []
    for stage in stage_rows(session=session, store_id=store_id):
        total, overdue = counts.get(stage.code, (0, 0))
        rows.append(
            {
                "store": store,
                "position": stage.position,
                "code": stage.code,
                "name": stage.name,
                "kind": stage.kind,
                "active": stage.active,
                "time_limit": span(stage.time_limit),
                "time_limit_seconds": stage.time_limit,
                "owner": owner_of(stage).as_config(),
                "payment_methods": list(stage.payment_methods),
                "delivery_methods": list(stage.delivery_methods),
                "open": total,
                "overdue": overdue,
            }
        )
    return rows


def add_stage(
    *,
    session: Session,
    clock: Clock,
    store: str,
    code: str,
    name: str,
    time_limit: int | None = None,
    owner: str | Sequence[str] = "manager",
    kind: str = "open",
    payment_methods: Sequence[str] = (),
    delivery_methods: Sequence[str] = (),
    position: int | None = None,
    after: str | None = None,
) -> Change:
    store_id, store = find_store(session=session, code=store)
    code, name = check_code(code), _check_name(name)
    if kind not in STAGE_KINDS:
        raise InvalidInput(f'kind: "{kind}" is not a stage kind ({", ".join(STAGE_KINDS)})')
    if time_limit is not None and kind in CLOSED_KINDS:
        raise InvalidInput(f"limit: a {kind} stage closes its orders, so it has no time limit")
    owner_spec = parse_owner(owner)
    _check_owner(session, owner_spec)
    payments = _check_methods(session, PaymentMethod, payment_methods, "payment_method")
    deliveries = _check_methods(session, DeliveryMethod, delivery_methods, "delivery_method")
    stages = stage_rows(session=session, store_id=store_id)
    if any(s.code == code for s in stages):
        raise Conflict(f'store {store} already has a stage "{code}"')
    index = _insert_index(stages, position=position, after=after, store=store, kind=kind)
    stage = Stage(
        store_id=store_id, code=code, name=name, position=0, time_limit=time_limit, kind=kind,
        payment_methods=payments, delivery_methods=deliveries, **owner_spec.columns(),
    )  # fmt: skip
    stages.insert(index, stage)
    _renumber(stages)
    session.add_all(stages)
    added = {
        "store": store, "stage": code, "name": name, "position": stage.position, "kind": kind,
        "time_limit": span(time_limit), "owner": owner_spec.shown(), "payment_methods": payments,
        "delivery_methods": deliveries,
    }  # fmt: skip
    config_changed(session)  # the pipelines every process holds are read again
    record_admin(session=session, clock=clock, action="stage.added", before=None, after=added)
    return Change(f'added stage {store}/{code} "{name}" at position {stage.position} of {len(stages)}')


def rename_stage(*, session: Session, clock: Clock, store: str, code: str, name: str) -> Change:
    store_id, store = find_store(session=session, code=store)
    name = _check_name(name)
    stage = _stage(stage_rows(session=session, store_id=store_id), code.strip(), store)
    if stage.name == name:
        return Change(f'{store}/{stage.code} is already called "{name}"', changed=False)
    before = stage.name
    stage.name = name
    session.add(stage)
    config_changed(session)  # the pipelines every process holds are read again
    record_admin(
        session=session,
        clock=clock,
        action="stage.renamed",
        before={"store": store, "stage": stage.code, "name": before},
        after={"store": store, "stage": stage.code, "name": name},
    )
    return Change(f'renamed {store}/{stage.code}: "{before}" → "{name}"')


def move_stage(
    *, session: Session, clock: Clock, store: str, code: str, position: int | None = None, after: str | None = None
) -> Change:
    store_id, store = find_store(session=session, code=store)
    stages = stage_rows(session=session, store_id=store_id)
    stage = _stage(stages, code.strip(), store)
    if position is None and after is None:
        raise InvalidInput("give the new position or the stage to go after")
    if after is not None and after.strip() == stage.code:
        raise InvalidInput(f"after: a stage cannot go after itself ({stage.code})")
    before = stage.position
    others = [s for s in stages if s is not stage]
    others.insert(_insert_index(others, position=position, after=after, store=store, kind=stage.kind), stage)
    _renumber(others)
    if stage.position == before and [s.code for s in others] == [s.code for s in stages]:
        return Change(f"{store}/{stage.code} is already at position {before}", changed=False)
    session.add_all(others)
    config_changed(session)  # the pipelines every process holds are read again
    record_admin(
        session=session,
        clock=clock,
        action="stage.moved",
        before={"store": store, "stage": stage.code, "position": before, "order": [s.code for s in stages]},
        after={"store": store, "stage": stage.code, "position": stage.position, "order": [s.code for s in others]},
    )
    return Change(f"moved {store}/{stage.code} from position {before} to {stage.position}")


def _set_active(session: Session, clock: Clock, store: str, code: str, active: bool) -> Change:
    store_id, store = find_store(session=session, code=store)
    stages = stage_rows(session=session, store_id=store_id)
    stage = _stage(stages, code.strip(), store)
    word = "activated" if active else "deactivated"
    if stage.active == active:
        return Change(f"{store}/{stage.code} is already {'active' if active else 'inactive'}", changed=False)
    if not active:
        _keeps_an_entry(stages, store, without=stage)
    stage.active = active
    session.add(stage)
    config_changed(session)  # the pipelines every process holds are read again
    record_admin(
        session=session,
        clock=clock,
        action=f"stage.{word}",
        before={"store": store, "stage": stage.code, "active": not active},
        after={"store": store, "stage": stage.code, "active": active},
    )
    waiting = session.scalar(
        select(func.count()).where(Order.store_id == store_id, Order.status == stage.code, Order.is_open == True)  # noqa: E712
    )
    tail = f"; its {waiting} open orders stay in it and can be advanced out" if not active and waiting else ""
    return Change(f"{word} {store}/{stage.code}{tail}")


def deactivate_stage(*, session: Session, clock: Clock, store: str, code: str) -> Change:
    """The stage leaves the pipeline (new orders and "advance" skip it); orders already in it stay."""
    return _set_active(session, clock, store, code, False)


def activate_stage(*, session: Session, clock: Clock, store: str, code: str) -> Change:
    return _set_active(session, clock, store, code, True)


def set_limit(*, session: Session, clock: Clock, store: str, code: str, time_limit: int | None) -> Change:
    """A new time limit (seconds, None = none); the open orders in the stage are due by it from when
    they entered, and those it no longer makes late stop being overdue."""
    store_id, store = find_store(session=session, code=store)
    stage = _stage(stage_rows(session=session, store_id=store_id), code.strip(), store)
    if time_limit is not None and time_limit <= 0:
        raise InvalidInput("limit: give a positive duration, or none")
    if time_limit is not None and stage.kind in CLOSED_KINDS:
        raise InvalidInput(
            f"limit: {store}/{stage.code} is a {stage.kind} stage; its orders are closed and have no limit"
        )
    if stage.time_limit == time_limit:
        return Change(f"{store}/{stage.code} already has time limit {span(time_limit) or 'none'}", changed=False)
    before = stage.time_limit
    stage.time_limit = time_limit
    session.add(stage)
    session.flush()
    orders = recompute_due(session=session, store_id=store_id, statuses=[stage.code], now=clock.now())
    config_changed(session)  # the pipelines every process holds are read again
    record_admin(
        session=session,
        clock=clock,
        action="stage.limit",
        before={"store": store, "stage": stage.code, "time_limit": span(before)},
        after={"store": store, "stage": stage.code, "time_limit": span(time_limit)},
    )
    return Change(
        f"{store}/{stage.code}: time limit {span(before) or 'none'} → {span(time_limit) or 'none'}; "
        f"due times of {orders} open {'order' if orders == 1 else 'orders'} recomputed",
        orders=orders,
    )


def set_owner(*, session: Session, clock: Clock, store: str, code: str, owner: str | Sequence[str]) -> Change:
    store_id, store = find_store(session=session, code=store)
    stage = _stage(stage_rows(session=session, store_id=store_id), code.strip(), store)
    new = parse_owner(owner)
    _check_owner(session, new)
    old = owner_of(stage)
    if new == old:
        return Change(f"{store}/{stage.code} is already owned by {new.shown()}", changed=False)
    for key, value in new.columns().items():
        setattr(stage, key, value)
    session.add(stage)
    config_changed(session)  # the pipelines every process holds are read again
    record_admin(
        session=session,
        clock=clock,
        action="stage.owner",
        before={"store": store, "stage": stage.code, "owner": old.shown()},
        after={"store": store, "stage": stage.code, "owner": new.shown()},
    )
    return Change(f"{store}/{stage.code}: owner {old.shown()} → {new.shown()}")
