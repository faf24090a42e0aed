"""Moving an order by hand (S1, S2): to its next stage, or to any active stage of its store."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from orderdesk.clock import Clock
from orderdesk.policy.errors import Conflict, NotAllowed
from orderdesk.policy.timestamps import iso
from orderdesk.policy.workflow import StageSpec, is_forward, may_set, next_stage
from orderdesk.usecases import task_rules
from orderdesk.usecases.acting import Done, audited, code_of, leaving
from orderdesk.usecases.stage_entry import enter_stage
from orderdesk.views.lookup import move_rules_of, stage_named, store_code
from storage.models import DeliveryMethod, Employee, Order, PaymentMethod


def advance(*, session: Session, actor: str, clock: Clock, number: str) -> Done:
    """To the next applicable stage for the order's payment and delivery methods (S1, S2)."""
    employee, order, stages = leaving(session=session, actor=actor, number=number, forward=True)
    payment = code_of(session=session, table=PaymentMethod, row_id=order.payment_method_id)
    delivery = code_of(session=session, table=DeliveryMethod, row_id=order.delivery_method_id)
    target = next_stage(stages, order.status, payment_method=payment, delivery_method=delivery)
    if target is None:
        raise Conflict(
            f'order {order.number} is in "{order.status}", which has no next stage; move it to a status explicitly'
        )
    _check_may_set(employee, target.code)
    return _enter(session, clock, employee, order, target)


def move_to(*, session: Session, actor: str, clock: Clock, number: str, status: str) -> Done:
    """To any active stage of the order's store, side and closed stages included."""
    employee, order, stages = leaving(session=session, actor=actor, number=number, forward=False)
    target = stage_named(stages, status, store=store_code(session, order.store_id))
    if not target.active:
        raise Conflict(f'the status "{status}" of store {store_code(session, order.store_id)} is deactivated')
    if target.code == order.status:
        raise Conflict(f'order {order.number} is already in "{status}"')
    if is_forward(stages, order.status, target):
        leaving(session=session, actor=actor, number=number, forward=True)
    _check_may_set(employee, target.code)
    return _enter(session, clock, employee, order, target)


def _check_may_set(employee: Employee, status: str) -> None:
    if not may_set(employee.statuses, status):
        allowed = ", ".join(employee.statuses)
        raise NotAllowed(f'{employee.login} may not set the status "{status}" (allowed for him: {allowed})')


def _enter(session: Session, clock: Clock, employee: Employee, order: Order, stage: StageSpec) -> Done:
    left = order.status
    changed = enter_stage(order, stage, clock.now(), move_rules_of(session, order.store_id))
    session.add(order)
    before = {name: _plain(old) for name, (old, _) in changed.items()}
    after = {name: _plain(new) for name, (_, new) in changed.items()}
    done = audited(
        session=session, clock=clock, employee=employee, order=order, action="order.status",
        before=before, after=after, stage=stage,
    )  # fmt: skip
    event = task_rules.status_event(order.id, from_status=left, to_status=stage.code,  # type: ignore[arg-type]
                                    entered_at=order.status_entered_at)  # fmt: skip
    task_rules.fire(session=session, clock=clock, events=[event])
    return done


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso(value)
    return value
