"""Admin use cases for a store's timed moves (S4): list, add, remove.

Adding or removing a rule recounts, by `recompute_due`, the move (and notice) times of the open
orders already waiting in its statuses, from when they entered them; one whose time has passed
moves at the next tick.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from orderdesk.clock import Clock
from orderdesk.policy.durations import format_duration
from orderdesk.policy.errors import Conflict, InvalidInput, NotFound
from orderdesk.policy.vocab import CLOSED_KINDS
from orderdesk.usecases.admin_edits import Change, check_code, find_store, record_admin, span, stage_rows
from orderdesk.usecases.due_times import recompute_due
from orderdesk.views.lookup import move_rule, move_rules_of
from storage.config_cache import config_changed
from storage.models import AutoMove, Stage, Store


def _automove_dict(row: AutoMove, store: str) -> dict[str, Any]:
    return {
        "id": row.id,
        "store": store,
        "from": list(row.from_statuses),
        "after": format_duration(row.after),
        "after_seconds": row.after,
        "to": row.to_status,
        "notice": {"role": row.notice_role, "before": span(row.notice_before), "before_seconds": row.notice_before}
        if row.notice_role
        else None,
    }


def list_automoves(*, session: Session, store: str | None = None) -> list[dict[str, Any]]:
    query = select(AutoMove, Store.code).join(Store, Store.id == AutoMove.store_id)
    if store is not None:
        store_id, _ = find_store(session=session, code=store)
        query = query.where(AutoMove.store_id == store_id)
    return [_automove_dict(row, code) for row, code in session.execute(query.order_by(Store.code, AutoMove.id))]


def _checked_froms(stages: dict[str, Stage], from_statuses: Sequence[str], store: str) -> list[str]:
    """The statuses a rule moves orders from, once each: stages of the store that are not closed."""
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
    return froms


def _checked_to(stages: dict[str, Stage], to: str, froms: list[str], store: str) -> str:
    to = to.strip()
    if to not in stages:
        raise NotFound(f'to: store {store} has no status "{to}"')
    if to in froms:
        raise InvalidInput(f"to: {to} is also a status it moves from")
    return to


def _checked_notice_role(after: int, notice_role: str | None, notice_before: int | None) -> str | None:
    """The role told before the move, checked with the timing: both or neither, the notice before the move."""
    if after <= 0:
        raise InvalidInput("after: give a positive duration")
    if (notice_role is None) != (notice_before is None):
        raise InvalidInput("notice: give both the role to tell and how long before the move")
    if notice_role is not None:
        notice_role = check_code(notice_role, "notice role")
        if notice_before is None or notice_before <= 0 or notice_before >= after:
            raise InvalidInput(
                f"notice before: {span(notice_before) if notice_before else '0m'} must be shorter than after"
                f" ({format_duration(after)}) and more than nothing"
            )
    return notice_role


def _check_not_moved_by_another(session: Session, store_id: int, store: str, froms: list[str]) -> None:
    """A status is moved by one rule at most."""
    for rule in move_rules_of(session, store_id):
        taken = sorted(set(rule.from_statuses) & set(froms))
        if taken:
            raise Conflict(
                f"from: {store} already moves {', '.join(taken)} by timed move #{rule.ident} ({rule.describe()});"
                " remove that one first"
            )


def _audited(shown: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in shown.items() if not k.endswith("_seconds")}


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
    store_id, store = find_store(session=session, code=store)
    stages = {s.code: s for s in stage_rows(session=session, store_id=store_id)}
    froms = _checked_froms(stages, from_statuses, store)
    to = _checked_to(stages, to, froms, store)
    notice_role = _checked_notice_role(after, notice_role, notice_before)
    _check_not_moved_by_another(session, store_id, store, froms)
    row = AutoMove(
        store_id=store_id, from_statuses=froms, after=after, to_status=to,
        notice_role=notice_role, notice_before=notice_before,
    )  # fmt: skip
    session.add(row)
    session.flush()
    orders = recompute_due(session=session, store_id=store_id, statuses=froms, now=clock.now())
    shown = _automove_dict(row, store)
    config_changed(session)  # the timed moves every process holds are read again
    record_admin(session=session, clock=clock, action="automove.added", before=None, after=_audited(shown))
    notice = f" (notice to {notice_role} {span(notice_before)} before)" if notice_role else ""
    return Change(
        f"added timed move #{row.id} for {store}: {move_rule(row).describe().removeprefix('automove ')}{notice}; "
        f"{orders} open {'order' if orders == 1 else 'orders'} already waiting got their move time",
        orders=orders,
    )


def remove_automove(*, session: Session, clock: Clock, store: str, ident: int) -> Change:
    store_id, store = find_store(session=session, code=store)
    row = session.get(AutoMove, ident)
    if row is None or row.store_id != store_id:
        raise NotFound(f"store {store} has no timed move #{ident} (see `orderdesk automoves list {store}`)")
    shown = _automove_dict(row, store)
    froms = list(row.from_statuses)
    described = move_rule(row).describe().removeprefix("automove ")
    session.delete(row)
    session.flush()
    orders = recompute_due(session=session, store_id=store_id, statuses=froms, now=clock.now())
    config_changed(session)  # the timed moves every process holds are read again
    record_admin(
        session=session,
        clock=clock,
        action="automove.removed",
        before=_audited(shown),
        after={"id": ident, "store": store, "removed": True},
    )
    return Change(
        f"removed timed move #{ident} of {store}: {described}; "
        f"{orders} open {'order' if orders == 1 else 'orders'} no longer scheduled by it",
        orders=orders,
    )
