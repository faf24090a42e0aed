"""What every action on an order by hand shares (order_moves, order_edits, order_links): the acting
employee's permission on the order, the audit row of what changed, and one line saying what was done.

An action runs in the caller's transaction: the acting employee's permission first (one rule,
`policy.access`), then the change, then an audit row with exactly what changed, before → after. A
refused action raises a domain error before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from orderdesk.clock import Clock
from orderdesk.policy.access import check_may_act, check_may_leave
from orderdesk.policy.workflow import StageSpec
from orderdesk.usecases import audit
from orderdesk.views.access import actor_of, facts_of
from orderdesk.views.lookup import get_employee, order_by_number, pipeline_of
from storage.models import Employee, Order, Store


@dataclass(frozen=True)
class Done:
    """What an action did: the order as it is now and its audit row's before → after."""

    order: Order
    action: str
    before: dict[str, Any]
    after: dict[str, Any]
    stage: StageSpec | None = None  # the stage a status change took it to


# ----------------------------------------------------------------------------------- permission


def acting_on(*, session: Session, actor: str, number: str) -> tuple[Employee, Order, list[StageSpec]]:
    """The acting employee, the order (locked) and its store's pipeline, once he may change it."""
    employee, order, stages = _read(session, actor, number)
    check_may_act(actor_of(session, employee), facts_of(session, order, stages))
    return employee, order, stages


def leaving(*, session: Session, actor: str, number: str, forward: bool) -> tuple[Employee, Order, list[StageSpec]]:
    """The same, once he may move it out of its stage (forward: into a later stage)."""
    employee, order, stages = _read(session, actor, number)
    check_may_leave(actor_of(session, employee), facts_of(session, order, stages), forward=forward)
    return employee, order, stages


def _read(session: Session, login: str, number: str) -> tuple[Employee, Order, list[StageSpec]]:
    employee = get_employee(session, login, active=True)
    order = order_by_number(session, number, lock=True)
    return employee, order, pipeline_of(session, order.store_id)


# ----------------------------------------------------------------------------------- audit


def audited(
    *, session: Session, clock: Clock, employee: Employee, order: Order, action: str,
    before: dict[str, Any], after: dict[str, Any], stage: StageSpec | None = None,
) -> Done:  # fmt: skip
    """The audit row of what the employee did to the order, in the same transaction."""
    audit.record(session=session, at=clock.now(), actor_id=employee.id, order_id=order.id, action=action,
                 before=before, after=after)  # fmt: skip
    session.flush()
    return Done(order=order, action=action, before=before, after=after, stage=stage)


def code_of(*, session: Session, table: Any, row_id: int | None) -> str | None:
    """The code of a payment or delivery method row, or None for no row."""
    if row_id is None:
        return None
    return session.exec(select(table.code).where(table.id == row_id)).first()


# ----------------------------------------------------------------------------------- what happened


def describe(*, session: Session, done: Done) -> str:
    """One line saying what an action did, as the CLI prints it and the desk shows it."""
    number, before, after = done.order.number, done.before, done.after
    if done.action == "order.status":
        assert done.stage is not None
        names = {s.code: s.name for s in pipeline_of(session, done.order.store_id)}  # people read names (U3)
        was, now = before.get("status"), after.get("status")
        return f"{number}: {names.get(was, was)} → {names.get(now, now)} ({_stage_note(session, done)})"
    if done.action == "order.paid":
        return f"{number}: payment {before['payment_status']} → {after['payment_status']}"
    total = f"total {before['total']} → {after['total']}" if "total" in before else ""
    if done.action == "order.items":
        if before["item"] is None:
            i = after["item"]
            discount = f" less {i['discount']}" if i["discount"] != "0.00" else ""
            return f"{number}: added {i['sku']} {i['name']} × {i['qty']} at {i['price']}{discount}; {total}"
        if after["item"] is None:
            return f"{number}: removed {before['item']['sku']}; {total}"
        changes = ", ".join(f"{k} {before['item'][k]} → {after['item'][k]}" for k in after["item"] if k != "sku")
        return f"{number}: {after['item']['sku']} {changes}; {total}"
    if done.action == "order.delivery":
        b, a = before["delivery"], after["delivery"]
        return f"{number}: delivery {b['method'] or '—'} {b['cost']} → {a['method']} {a['cost']}; {total}"
    if done.action == "order.discount":
        if "item" in after:
            sku = after["item"]["sku"]
            return f"{number}: discount on {sku} {before['item']['discount']} → {after['item']['discount']}; {total}"
        return f"{number}: discount {before['discount']} → {after['discount']}; {total}"
    if done.action == "order.link":
        return f"{number} and {after['linked']} are linked"
    if done.action == "order.unlink":
        return f"{number} and {before['linked']} are no longer linked"
    if done.action == "order.contractor":
        return f"{number}: contractor {before['contractor'] or '—'} → {after['contractor'] or '—'}"
    return f"{number}: {done.action}"


def _stage_note(session: Session, done: Done) -> str:
    stage, order = done.stage, done.order
    assert stage is not None
    if not order.is_open:
        return f"{stage.name}; closed"
    parts = [f"owner: {stage.owner.describe()}"]
    if order.stage_due_at is not None:
        zone = session.exec(select(Store.timezone).where(Store.id == order.store_id)).one()
        parts.append(f"due {_local(order.stage_due_at, ZoneInfo(zone))}")
    else:
        parts.append("no time limit")
    if order.move_due_at is not None:
        zone = session.exec(select(Store.timezone).where(Store.id == order.store_id)).one()
        parts.append(f"moves on {_local(order.move_due_at, ZoneInfo(zone))}")
    return ", ".join(parts)


def _local(at: Any, zone: Any) -> str:
    return at.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")
