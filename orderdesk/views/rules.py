"""Task rules as `orderdesk.policy.rules` values: read from their rows, written back to them."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from orderdesk.policy.errors import NotFound
from orderdesk.policy.rules import EmployeeConditions, OrderConditions, TaskRule
from storage.models import TaskRuleRow


def task_rule(row: TaskRuleRow) -> TaskRule:
    assert row.id is not None
    return TaskRule(
        id=row.id,
        name=row.name,
        event=row.event,
        title=row.title,
        text=row.text,
        to_status=row.to_status,
        from_statuses=tuple(row.from_statuses),
        when=OrderConditions(**row.conditions),
        assignee=EmployeeConditions(**row.assignee),
        due_in=row.due_in,
        delay=row.delay,
        task_priority=row.task_priority,
        project=row.project,
        priority=row.priority,
        continues=row.continues,
        enabled=row.enabled,
    )


def row_values(rule: TaskRule) -> dict[str, Any]:
    """The columns of a rule's row (without its id)."""
    return {
        "name": rule.name, "event": rule.event, "title": rule.title, "text": rule.text,
        "to_status": rule.to_status, "from_statuses": list(rule.from_statuses),
        "conditions": rule.when.as_json(), "assignee": rule.assignee.as_json(), "due_in": rule.due_in,
        "delay": rule.delay, "task_priority": rule.task_priority, "project": rule.project,
        "priority": rule.priority, "continues": rule.continues, "enabled": rule.enabled,
    }  # fmt: skip


def all_rules(session: Session, *, event: str | None = None, enabled: bool | None = None) -> list[TaskRule]:
    """The rules in position order (priority, then name)."""
    query = select(TaskRuleRow).order_by(TaskRuleRow.priority, TaskRuleRow.name)
    if event is not None:
        query = query.where(TaskRuleRow.event == event)
    if enabled is not None:
        query = query.where(TaskRuleRow.enabled == enabled)
    return [task_rule(row) for row in session.exec(query)]


def rule_named(session: Session, name: str) -> TaskRuleRow:
    row = session.exec(select(TaskRuleRow).where(TaskRuleRow.name == name)).first()
    if row is None:
        known = ", ".join(f'"{n}"' for n in session.exec(select(TaskRuleRow.name).order_by(TaskRuleRow.name)))
        raise NotFound(f'no rule named "{name}"' + (f" (rules: {known})" if known else " (there are no rules)"))
    return row
