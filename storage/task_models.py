"""The task rules' tables (seed 001, T1–T7): the rules, the tasks, delayed tasks waiting for their
time, and the rule log. Part of `storage.models`, which imports them (import them from there)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, String, UniqueConstraint, text
from sqlmodel import Field

from storage.models import _Table, json_list, utc_column


class TaskRuleRow(_Table, table=True):
    """A business-process rule: on an event, for orders that match `when`, a task for an employee who
    matches `assignee`. `priority` is a position (1 is tried before 10, ties by name)."""

    __tablename__ = "task_rule"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column=Column(String(200), unique=True, nullable=False))
    event: str  # order_created | status_changed | overdue
    to_status: str | None = None  # status_changed: only into this status
    from_statuses: list[str] = json_list()  # status_changed: only out of these (empty = any)
    conditions: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))  # `when`
    assignee: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    title: str
    text: str = ""
    due_in: int | None = None  # seconds from the task's creation; None: no due time
    delay: int = 0  # seconds from the event to the task's creation
    task_priority: str = "normal"  # low | normal | high
    project: str = "default"
    priority: int = 100
    continues: bool = False  # `continue = true`: later matching rules fire too
    enabled: bool = True


class Task(_Table, table=True):
    """A task for an employee, made by a rule (or by hand); audited like an order."""

    __table_args__ = (
        # one employee's tasks in a status by due time (his open ones), or all of his (the desk's "all")
        Index("ix_task_assignee_status", "assignee_id", "status", "due_at"),
        # by due time: the open tasks of everybody, every task, one employee's every task (migration 0014)
        Index("ix_task_status_due", "status", "due_at", "id"),
        Index("ix_task_due", "due_at", "id"),
        Index("ix_task_assignee_due", "assignee_id", "due_at", "id"),
        Index("ix_task_overdue_due", "due_at", sqlite_where=text("status = 'open' AND overdue = 0"),
              postgresql_where=text("status = 'open' AND NOT overdue")),
    )  # fmt: skip
    id: int | None = Field(default=None, primary_key=True)
    title: str
    text: str = ""
    order_id: int | None = Field(default=None, foreign_key="orders.id", index=True, ondelete="CASCADE")
    assignee_id: int | None = Field(default=None, foreign_key="employee.id")
    rule_id: int | None = Field(default=None, foreign_key="task_rule.id", ondelete="SET NULL")
    created_at: datetime = utc_column(nullable=False)
    due_at: datetime | None = utc_column()
    priority: str = "normal"  # low | normal | high
    project: str = "default"
    status: str = "open"  # open | done | cancelled
    overdue: bool = False  # past its due time while open; its assignee was told (once)
    done_at: datetime | None = utc_column()
    done_by_id: int | None = Field(default=None, foreign_key="employee.id")


class ScheduledTask(_Table, table=True):
    """A delayed rule's task, held until `due_at` (T4, "5 days after the order"); the scheduler
    takes it then, re-checking the order, and marks it `made` or `skipped` (with why)."""

    __tablename__ = "task_schedule"
    __table_args__ = (
        Index("ix_task_schedule_due", "due_at", sqlite_where=text("state = 'waiting'"),
              postgresql_where=text("state = 'waiting'")),
    )  # fmt: skip
    id: int | None = Field(default=None, primary_key=True)
    rule_id: int = Field(foreign_key="task_rule.id", ondelete="CASCADE")
    order_id: int = Field(foreign_key="orders.id", index=True, ondelete="CASCADE")
    event: str
    occurrence: str  # the event occurrence it came from (see RuleLog)
    created_at: datetime = utc_column(nullable=False)
    due_at: datetime = utc_column(nullable=False)
    state: str = "waiting"  # waiting | made | skipped
    task_id: int | None = Field(default=None, foreign_key="task.id", ondelete="SET NULL")
    note: str | None = None  # why it was skipped


class RuleLog(_Table, table=True):
    """One event's run of the rules (T7): which were tried, matched, fired, who was chosen and why.
    (order, occurrence) is unique: an event occurrence runs the rules once, so no rule fires twice
    for it. Occurrences: "created"; "status:TO:ENTERED_AT"; "overdue:STATUS:ENTERED_AT"; and
    "delayed:SCHEDULE_ID" for a delayed rule's task made when due."""

    __tablename__ = "rule_log"
    __table_args__ = (UniqueConstraint("order_id", "occurrence"),)
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = utc_column(nullable=False, index=True)
    order_id: int = Field(foreign_key="orders.id", ondelete="CASCADE")
    event: str
    occurrence: str
    trace: list[dict[str, Any]] = json_list()  # one entry per rule tried: policy.rules.Tried.as_json()
