"""Admin use cases for a store's pipeline (S1, S2) and its timed moves (S4).

Each change is one function, one transaction: everything is checked before the first write, the
audit row (rule "admin") goes in the same transaction, and when a change moves due times (a stage's
limit, a store's timed moves) the open orders already waiting get them recounted by `recompute_due`,
from when they entered their stage, exactly as `workflow.enter` counts them for a new arrival.
Orders are never moved: an order in a deactivated stage stays there and can be advanced out of it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, or_, select
from sqlmodel import Session

from orderdesk.clock import Clock
from orderdesk.config.fields import MAX_CODE_LENGTH, MAX_DURATION_DAYS
from orderdesk.policy.durations import format_duration, parse_duration
from orderdesk.policy.errors import Conflict, InvalidInput, NotFound
from orderdesk.policy.vocab import CLOSED_KINDS, STAGE_KINDS
from orderdesk.policy.workflow import Owner, enter
from orderdesk.usecases import audit
from orderdesk.views.lookup import move_rule, move_rules_of, owner_of, pipeline_of
from orderdesk.views.lookup import store_id as find_store_id
from storage import queries, writes
from storage.models import (
    AutoMove,
    DeliveryMethod,
    Employee,
    Order,
    PaymentMethod,
    Stage,
    Store,
)

CHUNK = 1000  # orders read and rewritten per statement by `recompute_due`


@dataclass(frozen=True)
class Change:
    """What a use case did, in one line for a person; `orders` = open orders whose due times moved."""

    summary: str
    changed: bool = True
    orders: int = 0


# ------------------------------------------------------------------------------ parsing


def parse_limit(text: str | None, *, field: str = "limit") -> int | None:
    """A time limit as people type it: "1h", "1h 30m", "2w"; "none" (or nothing) = no limit."""
    if text is None or text.strip().lower() in ("", "none"):
        return None
    return parse_span(text, field=field)


def parse_span(text: str, *, field: str) -> int:
    try:
        seconds = parse_duration(text)
    except ValueError as exc:
        raise InvalidInput(f"{field}: {exc}") from None
    if seconds <= 0:
        raise InvalidInput(f'{field}: "{text}" is no time at all; give a positive duration')
    if seconds > MAX_DURATION_DAYS * 86400:
        raise InvalidInput(f'{field}: "{text}" is too long (at most {MAX_DURATION_DAYS}d)')
    return seconds


def parse_owner(text: str | Sequence[str]) -> Owner:
    try:
        return Owner.parse(text)
    except ValueError as exc:
        raise InvalidInput(f"owner: {exc}") from None


def _span(seconds: int | None) -> str | None:
    return None if seconds is None else format_duration(seconds)


# ------------------------------------------------------------------------------ lookups


def _store(session: Session, code: str) -> tuple[int, str]:
    return find_store_id(session, code.strip()), code.strip()


def _stages(session: Session, store_id: int) -> list[Stage]:
    return list(session.scalars(select(Stage).where(Stage.store_id == store_id).order_by(Stage.position, Stage.id)))


def _stage(stages: Iterable[Stage], code: str, store: str) -> Stage:
    for stage in stages:
        if stage.code == code:
            return stage
    raise NotFound(f'store {store} has no stage "{code}"')


def _check_code(code: str, field: str = "code") -> str:
    code = code.strip()
    if not code:
        raise InvalidInput(f"{field}: must not be empty")
    if len(code) > MAX_CODE_LENGTH:
        raise InvalidInput(f"{field}: is longer than {MAX_CODE_LENGTH} characters")
    if any(ch.isspace() for ch in code):
        raise InvalidInput(f'{field}: "{code}" has a space in it; codes are one word (e.g. "courier_call")')
    return code


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


def _audit(session: Session, clock: Clock, action: str, before: dict[str, Any] | None, after: dict[str, Any]) -> None:
    audit.record(session=session, at=clock.now(), rule="admin", action=action, before=before, after=after)


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
    store_id, store = _store(session, store)
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
    for stage in _stages(session, store_id):
        total, overdue = counts.get(stage.code, (0, 0))
        rows.append(
            {
                "store": store,
                "position": stage.position,
                "code": stage.code,
                "name": stage.name,
                "kind": stage.kind,
                "active": stage.active,
                "time_limit": _span(stage.time_limit),
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
    store_id, store = _store(session, store)
    code, name = _check_code(code), _check_name(name)
    if kind not in STAGE_KINDS:
        raise InvalidInput(f'kind: "{kind}" is not a stage kind ({", ".join(STAGE_KINDS)})')
    if time_limit is not None and kind in CLOSED_KINDS:
        raise InvalidInput(f"limit: a {kind} stage closes its orders, so it has no time limit")
    owner_spec = parse_owner(owner)
    _check_owner(session, owner_spec)
    payments = _check_methods(session, PaymentMethod, payment_methods, "payment_method")
    deliveries = _check_methods(session, DeliveryMethod, delivery_methods, "delivery_method")
    stages = _stages(session, store_id)
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
    _audit(
        session, clock, "stage.added", None,
        {"store": store, "stage": code, "name": name, "position": stage.position, "kind": kind,
         "time_limit": _span(time_limit), "owner": owner_spec.shown(), "payment_methods": payments,
         "delivery_methods": deliveries},
    )  # fmt: skip
    return Change(f'added stage {store}/{code} "{name}" at position {stage.position} of {len(stages)}')


def rename_stage(*, session: Session, clock: Clock, store: str, code: str, name: str) -> Change:
    store_id, store = _store(session, store)
    name = _check_name(name)
    stage = _stage(_stages(session, store_id), code.strip(), store)
    if stage.name == name:
        return Change(f'{store}/{stage.code} is already called "{name}"', changed=False)
    before = stage.name
    stage.name = name
    session.add(stage)
    _audit(session, clock, "stage.renamed", {"store": store, "stage": stage.code, "name": before},
           {"store": store, "stage": stage.code, "name": name})  # fmt: skip
    return Change(f'renamed {store}/{stage.code}: "{before}" → "{name}"')


def move_stage(
    *, session: Session, clock: Clock, store: str, code: str, position: int | None = None, after: str | None = None
) -> Change:
    store_id, store = _store(session, store)
    stages = _stages(session, store_id)
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
    _audit(
        session, clock, "stage.moved",
        {"store": store, "stage": stage.code, "position": before, "order": [s.code for s in stages]},
        {"store": store, "stage": stage.code, "position": stage.position, "order": [s.code for s in others]},
    )  # fmt: skip
    return Change(f"moved {store}/{stage.code} from position {before} to {stage.position}")


def _set_active(session: Session, clock: Clock, store: str, code: str, active: bool) -> Change:
    store_id, store = _store(session, store)
    stages = _stages(session, store_id)
    stage = _stage(stages, code.strip(), store)
    word = "activated" if active else "deactivated"
    if stage.active == active:
        return Change(f"{store}/{stage.code} is already {'active' if active else 'inactive'}", changed=False)
    if not active:
        _keeps_an_entry(stages, store, without=stage)
    stage.active = active
    session.add(stage)
    _audit(session, clock, f"stage.{word}", {"store": store, "stage": stage.code, "active": not active},
           {"store": store, "stage": stage.code, "active": active})  # fmt: skip
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
    store_id, store = _store(session, store)
    stage = _stage(_stages(session, store_id), code.strip(), store)
    if time_limit is not None and time_limit <= 0:
        raise InvalidInput("limit: give a positive duration, or none")
    if time_limit is not None and stage.kind in CLOSED_KINDS:
        raise InvalidInput(
            f"limit: {store}/{stage.code} is a {stage.kind} stage; its orders are closed and have no limit"
        )
    if stage.time_limit == time_limit:
        return Change(f"{store}/{stage.code} already has time limit {_span(time_limit) or 'none'}", changed=False)
    before = stage.time_limit
    stage.time_limit = time_limit
    session.add(stage)
    session.flush()
    orders = recompute_due(session=session, store_id=store_id, statuses=[stage.code], now=clock.now())
    _audit(session, clock, "stage.limit", {"store": store, "stage": stage.code, "time_limit": _span(before)},
           {"store": store, "stage": stage.code, "time_limit": _span(time_limit)})  # fmt: skip
    return Change(
        f"{store}/{stage.code}: time limit {_span(before) or 'none'} → {_span(time_limit) or 'none'}; "
        f"due times of {orders} open {'order' if orders == 1 else 'orders'} recomputed",
        orders=orders,
    )


def set_owner(*, session: Session, clock: Clock, store: str, code: str, owner: str | Sequence[str]) -> Change:
    store_id, store = _store(session, store)
    stage = _stage(_stages(session, store_id), code.strip(), store)
    new = parse_owner(owner)
    _check_owner(session, new)
    old = owner_of(stage)
    if new == old:
        return Change(f"{store}/{stage.code} is already owned by {new.shown()}", changed=False)
    for key, value in new.columns().items():
        setattr(stage, key, value)
    session.add(stage)
    _audit(session, clock, "stage.owner", {"store": store, "stage": stage.code, "owner": old.shown()},
           {"store": store, "stage": stage.code, "owner": new.shown()})  # fmt: skip
    return Change(f"{store}/{stage.code}: owner {old.shown()} → {new.shown()}")


# ------------------------------------------------------------------------------ timed moves


def _automove_dict(row: AutoMove, store: str) -> dict[str, Any]:
    return {
        "id": row.id,
        "store": store,
        "from": list(row.from_statuses),
        "after": format_duration(row.after),
        "after_seconds": row.after,
        "to": row.to_status,
        "notice": {"role": row.notice_role, "before": _span(row.notice_before), "before_seconds": row.notice_before}
        if row.notice_role
        else None,
    }


def list_automoves(*, session: Session, store: str | None = None) -> list[dict[str, Any]]:
    query = select(AutoMove, Store.code).join(Store, Store.id == AutoMove.store_id)
    if store is not None:
        store_id, _ = _store(session, store)
        query = query.where(AutoMove.store_id == store_id)
    return [_automove_dict(row, code) for row, code in session.execute(query.order_by(Store.code, AutoMove.id))]


def add_automove(
    *,
    session: Session,
    clock: Clock,
    store: str,
    from_statuses: Sequence[str],
    after: int,
    to: str,
    notice_role: str | None = None,
    notice_before: int | None = None,
) -> Change:
    """A rule "from these statuses, `after` seconds after entering, go to `to`", with an optional notice
    to a role `notice_before` seconds before. Orders already in those statuses get the move (and the
    notice) counted from when they entered; one whose time has passed moves at the next tick."""
    store_id, store = _store(session, store)
    stages = {s.code: s for s in _stages(session, store_id)}
    froms = list(dict.fromkeys(s.strip() for s in from_statuses))
    if not froms:
        raise InvalidInput("from: give at least one status to move orders from")
    for code in froms:
        if code not in stages:
            raise NotFound(f'from: store {store} has no status "{code}"')
        if stages[code].kind in CLOSED_KINDS:
            raise InvalidInput(
                f"from: {code} is a {stages[code].kind} stage of {store}; its orders are closed and never move"
            )
    to = to.strip()
    if to not in stages:
        raise NotFound(f'to: store {store} has no status "{to}"')
    if to in froms:
        raise InvalidInput(f"to: {to} is also a status it moves from")
    if after <= 0:
        raise InvalidInput("after: give a positive duration")
    if (notice_role is None) != (notice_before is None):
        raise InvalidInput("notice: give both the role to tell and how long before the move")
    if notice_role is not None:
        notice_role = _check_code(notice_role, "notice role")
        if notice_before is None or notice_before <= 0 or notice_before >= after:
            raise InvalidInput(
                f"notice before: {_span(notice_before) if notice_before else '0m'} must be shorter than after"
                f" ({format_duration(after)}) and more than nothing"
            )
    for rule in move_rules_of(session, store_id):
        taken = sorted(set(rule.from_statuses) & set(froms))
        if taken:
            raise Conflict(
                f"from: {store} already moves {', '.join(taken)} by timed move #{rule.ident} ({rule.describe()});"
                " remove that one first"
            )
    row = AutoMove(
        store_id=store_id, from_statuses=froms, after=after, to_status=to,
        notice_role=notice_role, notice_before=notice_before,
    )  # fmt: skip
    session.add(row)
    session.flush()
    orders = recompute_due(session=session, store_id=store_id, statuses=froms, now=clock.now())
    shown = _automove_dict(row, store)
    _audit(session, clock, "automove.added", None, {k: v for k, v in shown.items() if not k.endswith("_seconds")})
    notice = f" (notice to {notice_role} {_span(notice_before)} before)" if notice_role else ""
    return Change(
        f"added timed move #{row.id} for {store}: {move_rule(row).describe().removeprefix('automove ')}{notice}; "
        f"{orders} open {'order' if orders == 1 else 'orders'} already waiting got their move time",
        orders=orders,
    )


def remove_automove(*, session: Session, clock: Clock, store: str, ident: int) -> Change:
    store_id, store = _store(session, store)
    row = session.get(AutoMove, ident)
    if row is None or row.store_id != store_id:
        raise NotFound(f"store {store} has no timed move #{ident} (see `orderdesk automoves list {store}`)")
    shown = _automove_dict(row, store)
    froms = list(row.from_statuses)
    described = move_rule(row).describe().removeprefix("automove ")
    session.delete(row)
    session.flush()
    orders = recompute_due(session=session, store_id=store_id, statuses=froms, now=clock.now())
    _audit(session, clock, "automove.removed", {k: v for k, v in shown.items() if not k.endswith("_seconds")},
           {"id": ident, "store": store, "removed": True})  # fmt: skip
    return Change(
        f"removed timed move #{ident} of {store}: {described}; "
        f"{orders} open {'order' if orders == 1 else 'orders'} no longer scheduled by it",
        orders=orders,
    )


# ------------------------------------------------------------------------------ due times


def recompute_due(*, session: Session, store_id: int, statuses: Iterable[str] | None = None, now: datetime) -> int:
    """Recount stage_due_at, move_due_at and notice_due_at of the store's open orders in `statuses`
    (all of its stages when None) from their `status_entered_at`, as `workflow.enter` counts them on
    arrival, so a changed limit or timed move applies to orders already waiting and the scheduler's
    catch-up is right. An order that the new limit no longer makes late loses its overdue flag (one
    it makes late is left for the overdue sweep to flag and report). Reads and writes a chunk of
    orders at a time, by the (status, store) index: the cost follows the orders in those statuses.
    Returns how many orders changed."""
    pipeline = {s.code: s for s in pipeline_of(session, store_id)}
    rules = move_rules_of(session, store_id)
    codes = sorted(pipeline if statuses is None else set(statuses) & set(pipeline))
    changed = 0
    for code in codes:
        stage = pipeline[code]
        last = 0
        while True:
            rows = queries.open_due_times(session, store_id=store_id, status=code, after_id=last, limit=CHUNK)
            if not rows:
                break
            last = rows[-1].id
            params = []
            for row in rows:
                entry = enter(stage, row.status_entered_at, rules)
                due = entry.stage_due_at
                overdue = bool(row.overdue) and due is not None and due <= now
                if (due, entry.move_due_at, entry.notice_due_at, overdue) != (
                    row.stage_due_at, row.move_due_at, row.notice_due_at, bool(row.overdue)
                ):  # fmt: skip
                    params.append((row.id, {"stage_due_at": due, "move_due_at": entry.move_due_at,
                                            "notice_due_at": entry.notice_due_at, "overdue": overdue}))  # fmt: skip
            if params:
                writes.update_orders(session.connection(), params)
                changed += len(params)
            if len(rows) < CHUNK:
                break
    return changed
