"""Undo a move just made (U2 `u`): a real move back, audited, which puts the order back as it was in
its previous stage (its entry time and due time too, so an undo never buys time). Only the person
who made the move, only within UNDO_WINDOW of it by the clock, and only while it is still the
order's last move. It fires no task rules (a correction, not an event) and cancels the tasks the
undone move's rules made (open ones, and delayed ones still waiting)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, select

from orderdesk.clock import Clock
from orderdesk.policy.errors import Conflict, NotAllowed
from orderdesk.policy.timestamps import iso
from orderdesk.policy.workflow import may_set
from orderdesk.usecases import task_rules
from orderdesk.usecases.acting import Done, audited
from orderdesk.views.lookup import get_employee, order_by_number, pipeline_of
from storage.models import AuditEvent, Employee

UNDO_WINDOW = timedelta(seconds=10)
TIMES = ("status_entered_at", "stage_due_at", "issued_at", "move_due_at", "notice_due_at")


def undo_move(*, session: Session, actor: str, clock: Clock, number: str, window: timedelta = UNDO_WINDOW) -> Done:
    now = clock.now()
    employee = get_employee(session, actor, active=True)
    order = order_by_number(session, number, lock=True)
    last = session.exec(
        select(AuditEvent)
        .where(AuditEvent.order_id == order.id, AuditEvent.action == "order.status")
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())  # type: ignore[union-attr]
    ).first()
    if last is None:
        raise Conflict(f"order {number} has not been moved: there is nothing to undo")
    if last.actor_id != employee.id:
        by = session.get(Employee, last.actor_id).login if last.actor_id else f"the rule {last.rule}"  # type: ignore[union-attr]
        raise NotAllowed(f"{employee.login} may not undo the last move of order {number}: {by} made it")
    after, before = last.after or {}, last.before or {}
    if after.get("undo_of") is not None or after.get("status") != order.status or "status" not in before:
        raise Conflict(f"order {number} has moved since; there is no move of {employee.login}'s to undo")  # fmt: skip
    ago = now - last.at
    if ago > window:
        raise Conflict(f"too late to undo the move of order {number}: it was made {int(ago.total_seconds())} s ago "
                       f"(undo is for {int(window.total_seconds())} s)")  # fmt: skip
    if not may_set(employee.statuses, before["status"]):
        raise NotAllowed(f'{employee.login} may not set the status "{before["status"]}"')
    stage = next((s for s in pipeline_of(session, order.store_id) if s.code == before["status"]), None)
    if stage is None:
        raise Conflict(f'the status "{before["status"]}" is no longer a stage of the order\'s store')
    now_values = {name: _plain(getattr(order, name)) for name in before}
    undone = task_rules.status_event(order.id, from_status=before["status"], to_status=order.status,  # type: ignore[arg-type]
                                     entered_at=order.status_entered_at).occurrence  # fmt: skip
    for name, value in before.items():
        setattr(order, name, _value(name, value))
    session.add(order)
    done = audited(
        session=session, clock=clock, employee=employee, order=order, action="order.status",
        before=now_values, after={**before, "undo_of": last.id}, stage=stage,
    )  # fmt: skip
    # an undo is a correction, not an event: it fires no rules, and takes back what the move's rules made
    task_rules.cancel_tasks_of(session=session, clock=clock, order_id=order.id, occurrence=undone,  # type: ignore[arg-type]
                               why=f"the move to {now_values['status']} was undone by {employee.login}",
                               actor_id=employee.id)  # fmt: skip
    return done


def _value(name: str, value: Any) -> Any:
    if name in TIMES and isinstance(value, str):
        return datetime.fromisoformat(value)
    return value


def _plain(value: Any) -> Any:
    return iso(value) if isinstance(value, datetime) else value
