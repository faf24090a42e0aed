"""The task-rule engine (seed 001, DESIGN T1–T7): when events happen, run the rules and make the tasks.

`fire` runs in the transaction of the change that caused the events (an import, a move, a sweep).
Each event occurrence (an order and its `occurrence` key) gets one `rule_log` row, written first
and only if it is not there yet: that row is the claim, so a rule never fires twice for one
occurrence, whoever fires it again (a repeated import, a second scheduler). The policy
(`orderdesk.policy.rules`) decides which rules fire and who gets each task; this module reads the
facts a batch at a time and writes tasks, delayed tasks, audit rows and notifications in bulk.

Tasks made by rules fire no rules: nothing a task does is an event. An `order_created` event of an
order that arrives already closed (history from an import) fires nothing; its log row says so for
each rule of the event. A delayed rule writes a `task_schedule` row; `make_due_tasks` (the
scheduler's "tasks" job) makes its task when due, after checking the rule and the order again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from orderdesk.clock import Clock
from orderdesk.config.settings import read_settings
from orderdesk.policy import rules as policy
from orderdesk.policy.rules import (
    RuleEvent,
    RuleOrder,
    TaskRule,
    Tried,
)
from orderdesk.policy.timestamps import iso
from orderdesk.usecases import audit
from orderdesk.usecases.notify import outbox_row, queue
from orderdesk.usecases.task_making import TaskMaker, rule_facts
from orderdesk.views.reference import reference
from orderdesk.views.rules import all_rules
from storage import rule_queries, writes
from storage.models import RuleLog, ScheduledTask, Task

BATCH = 2000  # events (or due tasks) whose facts are read and written at a time

_log = RuleLog.__table__  # type: ignore[attr-defined]
_tasks = Task.__table__  # type: ignore[attr-defined]
_schedules = ScheduledTask.__table__  # type: ignore[attr-defined]


@dataclass
class FireResult:
    events: int = 0  # occurrences the rules ran on (logged now)
    repeated: int = 0  # occurrences already logged: skipped whole
    tasks: list[int] = field(default_factory=list)  # ids of the tasks made
    scheduled: int = 0  # delayed tasks now waiting for their time
    missed: int = 0  # tasks nobody matched for (to the store's supervisor, or to nobody)

    def as_dict(self) -> dict[str, Any]:
        return {"events": self.events, "repeated": self.repeated, "tasks": len(self.tasks),
                "scheduled": self.scheduled, "missed": self.missed}  # fmt: skip


# ----------------------------------------------------------------------------------- fire


def fire(*, session: Session, clock: Clock, events: Sequence[RuleEvent]) -> FireResult:
    """Run the enabled rules on each event occurrence not run before, in the caller's transaction."""
    result = FireResult()
    if not events:
        return result
    rules = reference(session).enabled_rules()  # as of the configuration generation: not read again
    kinds = {rule.event for rule in rules}
    wanted = [event for event in events if event.kind in kinds]
    if not wanted:
        return result  # the one query of a bulk import when no rule listens
    maker = TaskMaker(session, clock)
    for start in range(0, len(wanted), BATCH):
        _fire_batch(session, maker, rules, wanted[start : start + BATCH], result)
    return result


def _fire_batch(
    session: Session, maker: TaskMaker, rules: list[TaskRule], events: list[RuleEvent], result: FireResult
) -> None:
    now = maker.now
    facts = rule_facts(session=session, order_ids=[event.order_id for event in events])
    runs: dict[tuple[int, str], tuple[RuleEvent, list[Tried]]] = {}
    for event in events:
        key = (event.order_id, event.occurrence)
        if key in runs or event.order_id not in facts:
            result.repeated += key in runs
            continue
        order = facts[event.order_id][0]
        runs[key] = (event, _tried(rules, event, order))
    log_rows = [
        {"at": now, "order_id": e.order_id, "event": e.kind, "occurrence": e.occurrence,
         "trace": [t.as_json() for t in trace]}
        for e, trace in runs.values()
    ]  # fmt: skip
    new = {
        (row.order_id, row.occurrence): row.id
        for row in writes.insert_new_returning(
            session.connection(),
            _log,
            log_rows,
            keys=["order_id", "occurrence"],
            returning=["id", "order_id", "occurrence"],
        )  # fmt: skip
    }
    result.repeated += len(runs) - len(new)
    by_id = {rule.id: rule for rule in rules}
    schedules: list[dict[str, Any]] = []
    filled: list[tuple[int, list[Tried]]] = []  # log rows whose trace gets the tasks' ids
    for key, (event, trace) in runs.items():
        if key not in new:
            continue
        result.events += 1
        order, row = facts[event.order_id]
        made = False
        for index, tried in enumerate(trace):
            if not tried.fired:
                continue
            rule = by_id[tried.rule_id]
            if rule.delay > 0:
                schedules.append({
                    "rule_id": rule.id, "order_id": event.order_id, "event": event.kind,
                    "occurrence": event.occurrence, "created_at": now,
                    "due_at": event.at + timedelta(seconds=rule.delay), "state": "waiting",
                })  # fmt: skip
                continue
            maker.add(rule, order, row, trace, index)
            made = True
        if made:
            filled.append((new[key], trace))
    writes.bulk_insert(session.connection(), _schedules, schedules)
    result.scheduled += len(schedules)
    made_ids = maker.write()
    result.tasks += made_ids
    result.missed += maker.take_missed()
    writes.set_json(session.connection(), _log, "trace", [(i, [t.as_json() for t in tr]) for i, tr in filled])


def _tried(rules: list[TaskRule], event: RuleEvent, order: RuleOrder) -> list[Tried]:
    if event.kind == "order_created" and not order.is_open:
        why = f'the order arrived closed ("{order.status_name or order.status}"): no tasks for history'
        return [Tried(rule=r.name, rule_id=r.id, matched=False, fired=False, reason=why)
                for r in rules if r.event == event.kind]  # fmt: skip
    tried = policy.select(rules, event, order)
    by_id = {rule.id: rule for rule in rules}
    return [
        replace(t, delayed_until=iso(event.at + timedelta(seconds=by_id[t.rule_id].delay)))
        if t.fired and by_id[t.rule_id].delay > 0
        else t
        for t in tried
    ]


# ----------------------------------------------------------------------------------- delayed tasks


def make_due_tasks(*, session: Session, clock: Clock, batch: int | None = None) -> dict[str, Any]:
    """Every delayed task whose time has come, earliest first: made now if its rule is still there
    and enabled, the order still open and still matching the rule's order conditions; otherwise
    skipped with why. Each due row is taken once (its log occurrence "delayed:ID" is the claim)."""
    now, batch = clock.now(), batch or BATCH
    summary: dict[str, Any] = {"made": 0, "skipped": 0, "full": False}
    due = rule_queries.due_schedules(session, now=now, limit=batch)
    if not due:
        return summary
    rules = {rule.id: rule for rule in all_rules(session)}
    facts = rule_facts(session=session, order_ids=[s.order_id for s in due])
    maker = TaskMaker(session, clock)
    runs: list[tuple[ScheduledTask, list[Tried], str | None]] = []
    for schedule in due:
        rule = rules.get(schedule.rule_id)
        order, row = facts.get(schedule.order_id, (None, None))
        why_not = _why_not_now(schedule, rule, order, row)
        name = rule.name if rule else f"rule {schedule.rule_id}"
        came = f"delayed from {schedule.event} ({schedule.occurrence}), due {iso(schedule.due_at)}"
        tried = Tried(rule=name, rule_id=schedule.rule_id, matched=why_not is None, fired=why_not is None,
                      reason=f"fired: {came}" if why_not is None else f"not made: {why_not}; {came}",
                      delayed_until=iso(schedule.due_at))  # fmt: skip
        runs.append((schedule, [tried], why_not))
    claimed = {
        row.occurrence: row.id
        for row in writes.insert_new_returning(
            session.connection(),
            _log,
            [
                {
                    "at": now,
                    "order_id": s.order_id,
                    "event": s.event,
                    "occurrence": f"delayed:{s.id}",
                    "trace": [t.as_json() for t in trace],
                }
                for s, trace, _ in runs
            ],
            keys=["order_id", "occurrence"],
            returning=["id", "occurrence"],
        )  # fmt: skip
    }
    log_ids: list[tuple[ScheduledTask, list[Tried]]] = []
    skipped: list[tuple[int, dict[str, Any]]] = []
    for schedule, trace, why_not in runs:
        if f"delayed:{schedule.id}" not in claimed:
            continue  # another scheduler took it
        if why_not is not None:
            skipped.append((schedule.id, {"state": "skipped", "note": why_not}))  # type: ignore[arg-type]
            continue
        order, row = facts[schedule.order_id]
        maker.add(rules[schedule.rule_id], order, row, trace, 0)
        log_ids.append((schedule, trace))
    made = maker.write()
    connection = session.connection()
    writes.update_by_id(connection, _schedules, skipped, where={"state": "waiting"})
    writes.update_by_id(connection, _schedules, [(s.id, {"state": "made", "task_id": task_id})  # type: ignore[misc]
                                                 for (s, _), task_id in zip(log_ids, made, strict=True)],
                        where={"state": "waiting"})  # fmt: skip
    writes.set_json(connection, _log, "trace", [(claimed[f"delayed:{s.id}"], [t.as_json() for t in trace])
                                                for s, trace in log_ids])  # fmt: skip
    summary.update(made=len(made), skipped=len(skipped), full=len(due) == batch)
    return summary


def _why_not_now(schedule: ScheduledTask, rule: TaskRule | None, order: RuleOrder | None, row: Any) -> str | None:
    if rule is None:
        return "its rule was removed"
    if not rule.enabled:
        return f'the rule "{rule.name}" is disabled'
    if order is None:
        return "the order is gone"
    entered = status_event(order.id, from_status=None, to_status=order.status, entered_at=row.status_entered_at)
    if not order.is_open and schedule.occurrence != entered.occurrence:
        # closed since the event; a rule on entering that closed stage (this visit) still makes its task
        return f'the order is closed now ("{order.status_name}")'
    mismatch = rule.when.mismatch(order)
    if mismatch is not None:
        return f"the order no longer matches: {mismatch}"
    return None


# ----------------------------------------------------------------------------------- overdue tasks


def flag_overdue_tasks(*, session: Session, clock: Clock, batch: int | None = None) -> dict[str, Any]:
    """Open tasks past their due time: flagged overdue, and each one's assignee told once."""
    now, batch = clock.now(), batch or BATCH
    rows = rule_queries.overdue_tasks(session, now=now, limit=batch)
    if not rows:
        return {"overdue": 0, "full": False}
    connection = session.connection()
    flagged = writes.update_by_id(connection, _tasks, [(r.id, {"overdue": True}) for r in rows],
                                  where={"overdue": False})  # fmt: skip
    email = bool(read_settings(session).smtp.host)
    people = rule_queries.employees_by_id(session, [r.assignee_id for r in rows if r.assignee_id is not None])
    outbox = []
    for r in rows:
        employee = people.get(r.assignee_id) if r.assignee_id is not None else None
        if employee is None:
            continue
        local = r.due_at.astimezone(ZoneInfo(r.timezone or "UTC")).strftime("%Y-%m-%d %H:%M %Z")
        order = f" (order {r.number})" if r.number else ""
        outbox.append(outbox_row(
            employee, key=f"task-overdue:{r.id}", kind="task_overdue", subject=f"Task overdue: {r.title}",
            text=f"The task \"{r.title}\"{order} was due {local}.\norderdesk tasks show {r.id}",
            order_id=r.order_id, send_after=now, now=now, email=email,
        ))  # fmt: skip
    audit.record_many(
        session=session,
        rows=[{"order_id": r.order_id, "after": {"task": r.id, "overdue": True, "due": iso(r.due_at)}} for r in rows],
        at=now, rule="task due time", action="task.overdue", before={"overdue": False},
    )  # fmt: skip
    queue(session=session, rows=outbox)
    return {"overdue": flagged, "full": len(rows) == batch}


# ----------------------------------------------------------------------------------- undo


def cancel_tasks_of(
    *, session: Session, clock: Clock, order_id: int, occurrence: str, why: str, actor_id: int | None = None
) -> list[int]:
    """Cancel the open tasks (and the delayed ones still waiting) that the rules made for one event
    occurrence: an undone move takes its tasks back. Returns the ids of the tasks cancelled."""
    now = clock.now()
    log = session.exec(select(RuleLog).where(RuleLog.order_id == order_id, RuleLog.occurrence == occurrence)).first()
    task_ids = [t["task_id"] for t in (log.trace if log else []) if t.get("task_id")]
    connection = session.connection()
    open_ids = [
        task.id
        for task in session.exec(select(Task).where(Task.id.in_(task_ids), Task.status == "open"))  # type: ignore[union-attr]
    ] if task_ids else []  # fmt: skip
    writes.update_by_id(connection, _tasks, [(i, {"status": "cancelled"}) for i in open_ids], where={"status": "open"})
    waiting = session.exec(select(ScheduledTask.id).where(
        ScheduledTask.order_id == order_id, ScheduledTask.occurrence == occurrence, ScheduledTask.state == "waiting"
    )).all()  # fmt: skip
    writes.update_by_id(connection, _schedules, [(i, {"state": "skipped", "note": why}) for i in waiting],
                        where={"state": "waiting"})  # fmt: skip
    audit.record_many(
        session=session, rows=[{"after": {"task": i, "status": "cancelled", "why": why}} for i in open_ids],
        at=now, actor_id=actor_id, order_id=order_id, action="task.cancelled", before={"status": "open"},
    )  # fmt: skip
    return open_ids


# ----------------------------------------------------------------------------------- events


def created_events(orders: Iterable[tuple[int, datetime]]) -> list[RuleEvent]:
    """`order_created` of each (order id, created_at)."""
    return [RuleEvent("order_created", order_id, "created", at) for order_id, at in orders]


def status_event(order_id: int, *, from_status: str | None, to_status: str, entered_at: datetime) -> RuleEvent:
    return RuleEvent("status_changed", order_id, f"status:{to_status}:{iso(entered_at)}", entered_at,
                     from_status=from_status, to_status=to_status)  # fmt: skip


def overdue_event(order_id: int, *, status: str, entered_at: datetime, due_at: datetime) -> RuleEvent:
    return RuleEvent("overdue", order_id, f"overdue:{status}:{iso(entered_at)}", due_at, to_status=status)
