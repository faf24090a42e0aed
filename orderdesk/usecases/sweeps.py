"""What the scheduler does as time passes: flag orders that overstay their stage (S3), make the timed
status moves and send their notices (S4).

Each sweep is one use case in one transaction, and reads only what is due from indexed columns
(`stage_due_at`, `move_due_at`, `notice_due_at`), so its cost follows the due orders, not the stored
ones. Everything is computed from those columns and the rules, never from when the sweep last ran:
after a month of downtime one sweep makes every move that fell due, in order, each as of the time
it was due, with its notice; running it twice changes nothing the second time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from orderdesk.clock import Clock
from orderdesk.config.settings import read_settings
from orderdesk.policy.durations import format_duration
from orderdesk.policy.rules import RuleEvent
from orderdesk.policy.timestamps import iso
from orderdesk.policy.vocab import OVERSEERS
from orderdesk.policy.workflow import MoveRule, StageSpec, enter, rule_for
from orderdesk.usecases import audit, task_rules
from orderdesk.usecases.notify import outbox_row, queue, staff_of_store
from orderdesk.views.lookup import move_rules_of, pipeline_of
from storage import queries, writes
from storage.models import Employee, Store

# Due orders handled per transaction; the job runs the sweep again while it is full. On SQLite a batch
# holds the write lock: 1,000 late orders (notices to each overseer, audit rows, the task rules) take
# about half a second, so a desk's claim never waits long behind a first round of tens of thousands.
BATCH = 1000
MAX_MOVES_PER_ORDER = 100  # a rule cycle (a → b → a) must not spin forever in one sweep


@dataclass
class SweepResult:
    done: int = 0  # orders flagged, or moves made
    notified: int = 0  # notification rows queued
    notices: int = 0  # timed-move notices sent
    full: bool = False  # the batch was full: more may be due
    written: int = 0  # orders changed (a full batch that changed none must not be read again)
    orders: list[str] = field(default_factory=list)


class _Stores:
    """Per-store facts a sweep needs, loaded once per sweep for the stores it meets."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.email = bool(read_settings(session).smtp.host)  # notifications go by e-mail too
        self._stages: dict[int, dict[str, StageSpec]] = {}
        self._rules: dict[int, list[MoveRule]] = {}
        self._staff: dict[tuple[int, tuple[str, ...]], list[Employee]] = {}
        self._zones: dict[int, ZoneInfo] = {}

    def stages(self, store_id: int) -> dict[str, StageSpec]:
        if store_id not in self._stages:
            self._stages[store_id] = {s.code: s for s in pipeline_of(self.session, store_id)}
        return self._stages[store_id]

    def rules(self, store_id: int) -> list[MoveRule]:
        if store_id not in self._rules:
            self._rules[store_id] = move_rules_of(self.session, store_id)
        return self._rules[store_id]

    def staff(self, store_id: int, roles: tuple[str, ...]) -> list[Employee]:
        if (store_id, roles) not in self._staff:
            self._staff[store_id, roles] = staff_of_store(session=self.session, store_id=store_id, roles=roles)
        return self._staff[store_id, roles]

    def local(self, store_id: int, at: datetime) -> str:
        if store_id not in self._zones:
            zone = self.session.exec(select(Store.timezone).where(Store.id == store_id)).one()
            self._zones[store_id] = ZoneInfo(zone)
        return at.astimezone(self._zones[store_id]).strftime("%Y-%m-%d %H:%M")

    def name(self, store_id: int, code: str) -> str:
        stage = self.stages(store_id).get(code)
        return stage.name if stage else code


def flag_overdue(*, session: Session, clock: Clock, batch: int | None = None) -> SweepResult:
    """S3: flag the open orders past their stage's limit; the store's supervisors and admins hear of
    each once per stage visit (the key names the visit: order and the time it entered the stage)."""
    now, batch = clock.now(), batch or BATCH
    result = SweepResult()
    rows = queries.overdue_candidates(session, now=now, limit=batch)
    if not rows:
        return result
    stores = _Stores(session)
    outbox, audits = [], []
    for row in rows:
        stage = stores.stages(row.store_id).get(row.status)
        limit = format_duration(stage.time_limit) if stage and stage.time_limit else "?"
        subject = f"{row.number} is late in {stores.name(row.store_id, row.status)}"
        text = (f"Order {row.number} has been in \"{stores.name(row.store_id, row.status)}\" longer than its limit of "
                f"{limit}: it was due {stores.local(row.store_id, row.stage_due_at)}.\n"
                f"orderdesk orders show {row.number}")  # fmt: skip
        key = f"overdue:{row.id}:{iso(row.status_entered_at)}"
        for employee in stores.staff(row.store_id, OVERSEERS):
            outbox.append(outbox_row(employee, key=key, kind="overdue", subject=subject, text=text,
                                      order_id=row.id, send_after=now, now=now, email=stores.email))  # fmt: skip
        audits.append(audit.row(
            at=now, rule=f"stage limit {limit}", order_id=row.id, action="order.overdue", before={"overdue": False},
            after={"overdue": True, "status": row.status, "due": iso(row.stage_due_at)},
        ))  # fmt: skip
        result.orders.append(row.number)
    writes.set_overdue(session.connection(), [row.id for row in rows])
    audit.record_many(session=session, rows=audits)
    queue(session=session, rows=outbox)
    task_rules.fire(session=session, clock=clock, events=[
        task_rules.overdue_event(row.id, status=row.status, entered_at=row.status_entered_at, due_at=row.stage_due_at)
        for row in rows
    ])  # fmt: skip
    result.done, result.notified, result.full = len(rows), len(outbox), len(rows) == batch
    result.written = len(rows)
    return result


def run_timed_moves(*, session: Session, clock: Clock, batch: int | None = None) -> SweepResult:
    """S4: every order whose timed move or notice has come. An order is walked through everything
    that fell due up to now, in time order: the notice (to the rule's role, sent as of its time) and
    then the move, each entering the next status at the time the move was due, so the following
    rule counts from there."""
    now, batch = clock.now(), batch or BATCH
    result = SweepResult()
    rows = queries.timed_move_candidates(session, now=now, limit=batch)
    if not rows:
        return result
    stores = _Stores(session)
    outbox: list[dict[str, Any]] = []
    audits: list[dict[str, Any]] = []
    updates: list[tuple[int, str, dict[str, Any]]] = []  # (order, the status it was read in, new values)
    events: list[RuleEvent] = []  # each move is a status change the task rules hear of
    for row in rows:
        state = {
            "status": row.status, "status_entered_at": row.status_entered_at, "move_due_at": row.move_due_at,
            "notice_due_at": row.notice_due_at, "issued_at": row.issued_at,
        }  # fmt: skip
        values: dict[str, Any] = {}
        rules = stores.rules(row.store_id)
        for _ in range(MAX_MOVES_PER_ORDER):
            rule = rule_for(rules, state["status"])
            notice_at, move_at = state["notice_due_at"], state["move_due_at"]
            if notice_at is not None and notice_at <= now:
                if rule is not None and rule.notice_role:
                    outbox.extend(_notice(stores, row, rule, state, now=now))
                    result.notices += 1
                state["notice_due_at"] = values["notice_due_at"] = None
                continue
            if move_at is None or move_at > now:
                break
            target = stores.stages(row.store_id).get(rule.to) if rule else None
            if rule is None or target is None:  # the rule was removed or names a stage that is gone
                state["move_due_at"] = values["move_due_at"] = None
                state["notice_due_at"] = values["notice_due_at"] = None
                break
            moved = enter(target, move_at, rules, issued_at=state["issued_at"]).columns()
            audits.append(audit.row(at=now, rule=rule.describe(), order_id=row.id, action="order.status",
                                    before={"status": state["status"]},
                                    after={"status": target.code, "entered_at": iso(move_at)}))  # fmt: skip
            events.append(task_rules.status_event(row.id, from_status=state["status"], to_status=target.code,
                                                  entered_at=move_at))  # fmt: skip
            state.update(moved)
            values.update(moved)
            result.done += 1
        if values:
            updates.append((row.id, row.status, values))
        result.orders.append(row.number)
    _write_moves(session, updates)
    audit.record_many(session=session, rows=audits)
    queue(session=session, rows=outbox)
    task_rules.fire(session=session, clock=clock, events=events)
    # the notices and the moves are read a batch each: the pass was full if either was
    result.notified, result.full, result.written = len(outbox), len(rows) >= batch, len(updates)
    return result


def _notice(stores: _Stores, row: Any, rule: MoveRule, state: dict[str, Any], *, now: datetime) -> list[dict[str, Any]]:
    move_at = state["move_due_at"]
    subject = (f"{row.number} goes to {stores.name(row.store_id, rule.to)} on "
               f"{stores.local(row.store_id, move_at)}")  # fmt: skip
    text = (f"Order {row.number} has been \"{stores.name(row.store_id, state['status'])}\" since "
            f"{stores.local(row.store_id, state['status_entered_at'])}; the rule \"{rule.describe()}\" moves it to "
            f"\"{stores.name(row.store_id, rule.to)}\" on {stores.local(row.store_id, move_at)}.\n"
            f"orderdesk orders show {row.number}")  # fmt: skip
    key = f"notice:{row.id}:{state['status']}:{iso(state['status_entered_at'])}"
    return [
        outbox_row(
            employee,
            key=key,
            kind="automove_notice",
            subject=subject,
            text=text,
            order_id=row.id,
            send_after=state["notice_due_at"],
            now=now,
            email=stores.email,
        )  # fmt: skip
        for employee in stores.staff(row.store_id, (rule.notice_role,))  # type: ignore[arg-type]
    ]


_MOVED = ("status", "is_open", "status_entered_at", "stage_due_at", "overdue", "move_due_at", "notice_due_at",
          "issued_at")  # fmt: skip


def _write_moves(session: Session, updates: list[tuple[int, str, dict[str, Any]]]) -> None:
    """One executemany per shape of change; each row only if it is still in the status it was read
    in, so a scheduler that lost its lease mid-sweep cannot move an order twice (the rows were read
    in this write transaction: SQLite's write lock, PostgreSQL's row locks, keep them as read)."""
    writes.update_orders(
        session.connection(),
        [(order_id, {c: values[c] for c in _MOVED if c in values}) for order_id, _, values in updates],
        expect_status=[status for _, status, _ in updates],
    )
