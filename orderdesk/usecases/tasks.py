"""Use cases on tasks (T6): done, reopened, given to someone else; each audited, permission first.

Who may: the task's assignee, a supervisor of its order's store, an admin (`policy.access`). A refusal
or a conflict (done already, open already, his already) is raised before anything is written. The
audit row names the task and what changed, under the task's order.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, func, select

from orderdesk.clock import Clock
from orderdesk.policy.access import check_may_handle_task
from orderdesk.policy.errors import Conflict, NotFound
from orderdesk.policy.timestamps import iso
from orderdesk.usecases import audit
from orderdesk.usecases.notify import notify
from orderdesk.views.access import actor_of
from orderdesk.views.lookup import get_employee
from storage.models import Employee, Notification, Order, Store, Task


def complete(*, session: Session, actor: str, clock: Clock, task_id: int) -> Task:
    """Mark the task done (by its assignee, a supervisor of its order's store, or an admin)."""
    employee, task = _handling(session, actor, task_id, "complete")
    if task.status == "done":
        by = _login(session, task.done_by_id)
        when = f", {task.done_at:%Y-%m-%d %H:%M} UTC" if task.done_at else ""
        raise Conflict(f"task {task.id} is already done" + (f" (by {by}{when})" if by else ""))
    if task.status != "open":
        raise Conflict(f"task {task.id} is {task.status}: reopen it first")
    before = {"task": task.id, "status": task.status}
    task.status, task.done_at, task.done_by_id = "done", clock.now(), employee.id
    after = {"task": task.id, "status": "done", "done_at": iso(task.done_at), "done_by": employee.login}
    return _audited(session, clock, employee, task, "task.done", before, after)


def reopen(*, session: Session, actor: str, clock: Clock, task_id: int) -> Task:
    """Open a done (or cancelled) task again: it is nobody's done work any more."""
    employee, task = _handling(session, actor, task_id, "reopen")
    if task.status == "open":
        raise Conflict(f"task {task.id} is already open")
    before = {"task": task.id, "status": task.status, "done_at": iso(task.done_at),
              "done_by": _login(session, task.done_by_id)}  # fmt: skip
    task.status, task.done_at, task.done_by_id = "open", None, None
    return _audited(session, clock, employee, task, "task.reopened", before, {"task": task.id, "status": "open"})


def reassign(*, session: Session, actor: str, clock: Clock, task_id: int, to: str) -> Task:
    """Give the task to another active employee, who is told (inbox, e-mail where configured)."""
    employee, task = _handling(session, actor, task_id, "reassign")
    if task.status != "open":
        raise Conflict(f"task {task.id} is {task.status}: reopen it before giving it to someone else")
    target = get_employee(session, to, active=True)
    if target.id == task.assignee_id:
        raise Conflict(f"task {task.id} is already {target.login}'s")
    before = {"task": task.id, "assignee": _login(session, task.assignee_id)}
    task.assignee_id = target.id
    done = _audited(
        session, clock, employee, task, "task.reassigned", before, {"task": task.id, "assignee": target.login}
    )
    if target.id != employee.id:  # handing it to himself: he knows
        _tell_new_assignee(session, clock, task, target, by=employee)
    return done


# ----------------------------------------------------------------------------------- shared


def _handling(session: Session, login: str, task_id: int, what: str) -> tuple[Employee, Task]:
    """The acting employee and the task (locked where the database can), once he may handle it."""
    employee = get_employee(session, login, active=True)
    task = session.exec(select(Task).where(Task.id == task_id).with_for_update()).first()
    if task is None:
        raise NotFound(f"no task {task_id}")
    store_id, store = None, None
    if task.order_id is not None:
        store_id, store = session.exec(
            select(Store.id, Store.code).join(Order, Order.store_id == Store.id).where(Order.id == task.order_id)
        ).one()
    check_may_handle_task(
        actor_of(session, employee), task_id=task_id, assignee_id=task.assignee_id,
        assignee=_login(session, task.assignee_id), store_id=store_id, store=store, what=what,
    )  # fmt: skip
    return employee, task


def _audited(
    session: Session, clock: Clock, employee: Employee, task: Task, action: str,
    before: dict[str, Any], after: dict[str, Any],
) -> Task:  # fmt: skip
    session.add(task)
    audit.record(session=session, at=clock.now(), actor_id=employee.id, order_id=task.order_id, action=action,
                 before=before, after=after)  # fmt: skip
    session.flush()
    return task


def _login(session: Session, employee_id: int | None) -> str | None:
    if employee_id is None:
        return None
    return session.exec(select(Employee.login).where(Employee.id == employee_id)).first()


def _tell_new_assignee(session: Session, clock: Clock, task: Task, target: Employee, *, by: Employee) -> None:
    """The new assignee's notification. Its key counts the task's hand-overs, so each one is told
    (a task handed back to him later is news again), and none twice."""
    from orderdesk.config.settings import read_settings

    prefix = f"task:{task.id}:handover:"
    earlier = session.exec(select(func.count()).select_from(Notification).where(Notification.key.startswith(prefix)))  # type: ignore[attr-defined]
    order, zone = None, "UTC"
    if task.order_id is not None:
        order, zone = session.exec(
            select(Order.number, Store.timezone)
            .join(Store, Store.id == Order.store_id)
            .where(Order.id == task.order_id)
        ).one()
    due = f"due {task.due_at.astimezone(ZoneInfo(zone)):%Y-%m-%d %H:%M %Z}" if task.due_at else "no due time"
    lines = [
        f"{by.name} gave you task {task.id}: {task.title}" + (f" (order {order})" if order else "") + f", {due}.",
        *([task.text] if task.text else []),
        "",
        f"orderdesk tasks show {task.id}",
    ]
    now = clock.now()
    notify(
        session=session, recipients=[target], key=f"{prefix}{earlier.one() + 1}", kind="task",
        subject=f"Task for you: {task.title}", text="\n".join(lines), order_id=task.order_id, send_after=now,
        now=now, email=bool(read_settings(session).smtp.host),
    )  # fmt: skip
