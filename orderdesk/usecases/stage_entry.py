"""Moving an order into a stage, as people's actions (advance, move) do it on an ORM order.

What follows from entering a stage (limit, timed move, notice, issue date) is `workflow.enter`'s,
which the scheduler's timed moves and the import use on plain rows too.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from orderdesk.policy.workflow import MoveRule, StageSpec, enter
from storage.models import Order


def enter_stage(order: Order, stage: StageSpec, at: datetime, rules: list[MoveRule]) -> dict[str, Any]:
    """Put the order in `stage` as of `at`; returns the columns that changed as {name: (before, after)}
    for the audit log. The overdue flag clears (S3: once per stage visit)."""
    values = enter(stage, at, rules, issued_at=order.issued_at).columns()
    changed: dict[str, Any] = {}
    for name, value in values.items():
        before = getattr(order, name)
        if before != value:
            changed[name] = (before, value)
            setattr(order, name, value)
    return changed
