"""Making the tasks the rules fire (seed 001, T4): each order's facts as the rules read them, who
gets each task (the carousel over the staff, read once per call and turned in memory), and the
tasks with their audit rows and notifications, written in bulk."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from orderdesk.clock import Clock
from orderdesk.config.settings import read_settings
from orderdesk.policy.money import Money, money_text
from orderdesk.policy.rules import Candidate, Choice, EmployeeConditions, RuleOrder, TaskRule, Tried, pick, render
from orderdesk.usecases import audit
from orderdesk.usecases.notify import outbox_row, queue
from storage import distribution_queries, rule_queries, writes
from storage.models import Task

_tasks = Task.__table__  # type: ignore[attr-defined]


def rule_facts(*, session: Session, order_ids: Iterable[int]) -> dict[int, tuple[RuleOrder, Any]]:
    """Each order as the rules read it, and its row (store id, zone), one query per batch."""
    found: dict[int, tuple[RuleOrder, Any]] = {}
    for row in rule_queries.rule_order_rows(session, list(order_ids)):
        found[row.id] = (rule_order(row), row)
    return found


def rule_order(row: Any) -> RuleOrder:
    """A `rule_queries.rule_order_rows` row as the policy's facts."""
    return RuleOrder(
        id=row.id, number=row.number, store=row.store, channel=row.channel, type=row.type, status=row.status,
        amount=int(row.total), is_open=bool(row.is_open), payment_method=row.payment_method,
        delivery_method=row.delivery_method, city=row.city, customer_name=row.customer_name, phone=row.phone,
        email=row.email, store_name=row.store_name, status_name=row.status_name or row.status,
        total_text=money_text(Money(int(row.total), row.currency)), currency=row.currency,
        manager_name=row.manager_name or "", manager_id=row.manager_id, created_at=row.created_at,
    )  # fmt: skip


# ----------------------------------------------------------------------------------- making tasks


class TaskMaker:
    """Who gets each task (the carousel over the staff, read once per call and turned in memory),
    and the tasks, their audit rows and notifications, written in bulk by `write`."""

    def __init__(self, session: Session, clock: Clock) -> None:
        self.session = session
        self.now = clock.now()
        self._staff: dict[int, Any] | None = None
        self._of_store: dict[int, dict[int, Candidate]] = {}  # each store's staff, turns as of now
        self._eligible: dict[tuple[EmployeeConditions, int], list[int]] = {}
        self._turns: dict[int, datetime] = {}
        self._seq = 0
        self._pending: list[tuple[TaskRule, RuleOrder, Any, list[Tried], int, Choice]] = []
        self._missed = 0

    def _load(self) -> None:
        settings = read_settings(self.session)
        self.email = bool(settings.smtp.host)
        online = distribution_queries.logged_in_employees(
            self.session, since=self.now - timedelta(seconds=settings.session_timeout)
        )
        staff = rule_queries.task_staff(self.session)
        self._staff = {e.id: e for e in staff}
        groups: dict[int, list[str]] = {}
        for employee_id, code in rule_queries.staff_groups(self.session):
            groups.setdefault(employee_id, []).append(code)
        self._stores: dict[int, set[int]] = {}
        for employee_id, store_id in rule_queries.staff_stores(self.session):
            self._stores.setdefault(employee_id, set()).add(store_id)
        self._turns = rule_queries.last_rule_task_at(self.session)
        self._base = [
            Candidate(
                id=e.id,
                login=e.login,
                name=e.name,
                roles=tuple(e.roles or ()),
                groups=tuple(sorted(groups.get(e.id, ()))),
                city=e.city,
                active=bool(e.active),
                logged_in=e.id in online,
                presence=e.presence,
            )  # fmt: skip
            for e in staff
        ]

    def candidates(self, who: EmployeeConditions, store_id: int) -> list[Candidate]:
        """The staff who may get a task of the order's store: those who match `who`, and the store's
        supervisors (for when nobody does), each with his turn as of now. `pick` decides among them;
        leaving out the others keeps each choice as cheap as the few who could get it."""
        if self._staff is None:
            self._load()
        if store_id not in self._of_store:
            self._of_store[store_id] = {
                c.id: replace(c, serves_store=(serves := store_id in self._stores.get(c.id, ())),
                              supervises_store=serves and "supervisor" in c.roles, last_task_at=self._turns.get(c.id))
                for c in self._base
            }  # fmt: skip
        staff = self._of_store[store_id]
        key = (who, store_id)
        if key not in self._eligible:
            self._eligible[key] = [
                c.id for c in staff.values() if who.mismatch(c) is None or (c.active and c.supervises_store)
            ]
        return [staff[i] for i in self._eligible[key]]

    def add(self, rule: TaskRule, order: RuleOrder, row: Any, trace: list[Tried], index: int) -> None:
        """Choose the employee for rule's task on the order now (the carousel turns at once)."""
        choice = pick(rule.assignee, self.candidates(rule.assignee, row.store_id), manager_id=order.manager_id)
        if choice.employee_id is not None:
            self._seq += 1  # one call's tasks share a time: the order they were given in breaks the ties
            turn = self._turns[choice.employee_id] = self.now + timedelta(microseconds=self._seq)
            for staff in self._of_store.values():
                staff[choice.employee_id] = replace(staff[choice.employee_id], last_task_at=turn)
        self._missed += choice.missed
        self._pending.append((rule, order, row, trace, index, choice))

    def take_missed(self) -> int:
        missed, self._missed = self._missed, 0
        return missed

    def write(self) -> list[int]:
        """The tasks chosen since the last write, with their audit rows and notifications; each
        one's `Tried` in its trace gets who, why and the task's id."""
        pending, self._pending = self._pending, []
        if not pending:
            return []
        now = self.now
        rows = [
            {"title": render(rule.title, order), "text": render(rule.text, order), "order_id": order.id,
             "assignee_id": choice.employee_id, "rule_id": rule.id, "created_at": now,
             "due_at": now + timedelta(seconds=rule.due_in) if rule.due_in else None,
             "priority": rule.task_priority, "project": rule.project, "status": "open", "overdue": False}
            for rule, order, _, _, _, choice in pending
        ]  # fmt: skip
        ids = writes.insert_with_ids(self.session.connection(), _tasks, rows)
        audits, outbox = [], []
        assert self._staff is not None
        for task_id, task, (rule, order, row, trace, index, choice) in zip(ids, rows, pending, strict=True):
            trace[index] = replace(trace[index], chosen=choice.login, why=choice.why, task_id=task_id)
            audits.append(audit.row(
                at=now, rule=f'rule "{rule.name}"', order_id=order.id, action="task.created",
                after={"task": task_id, "title": task["title"], "assignee": choice.login},
            ))  # fmt: skip
            employee = self._staff.get(choice.employee_id) if choice.employee_id is not None else None
            if employee is not None:
                outbox.append(outbox_row(
                    employee, key=f"task:{task_id}", kind="task", subject=task["title"],
                    text=task_text(task["text"], order.number, task["due_at"], row.timezone), order_id=order.id,
                    send_after=now, now=now, email=self.email,
                ))  # fmt: skip
        audit.record_many(session=self.session, rows=audits)
        queue(session=self.session, rows=outbox)
        return ids


def task_text(text: str, number: str, due_at: datetime | None, zone: str | None) -> str:
    """A task's notification: its text, then when it is due in the store's zone."""
    local = due_at.astimezone(ZoneInfo(zone or "UTC")).strftime("%Y-%m-%d %H:%M %Z") if due_at else None
    lines = [text] if text else []
    lines += [f"Order {number}: " + (f"due {local}" if local else "no due time"), "", "orderdesk tasks list"]
    return "\n".join(lines)
