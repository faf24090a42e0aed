"""Moving an order into a stage: the one place that sets a status and what follows from it.

Used by the actions of people (advance, move) and by the timed moves of the scheduler, so both
count the stage limit (S2/S3) and the next timed move and notice (S4) the same way.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from orderdesk.errors import NotFound
from orderdesk.workflow import MoveRule, StageSpec, enter
from storage.models import Order, Store

FINAL = "final"


def stage_named(stages: list[StageSpec], code: str, *, store: str | int) -> StageSpec:
    for stage in stages:
        if stage.code == code:
            return stage
    raise NotFound(f'store {store} has no status "{code}"')


def store_code(session: Session, store_id: int) -> str:
    return session.exec(select(Store.code).where(Store.id == store_id)).one()


def enter_stage(order: Order, stage: StageSpec, at: datetime, rules: list[MoveRule]) -> dict[str, Any]:
    """Put the order in `stage` as of `at`; returns the columns that changed as {name: (before, after)}
    for the audit log. The overdue flag clears (S3: once per stage visit)."""
    entry = enter(stage, at, rules)
    values = entry.columns()
    if stage.kind == FINAL and order.issued_at is None:
        values["issued_at"] = at  # seed 004: the issue date is set when the order is issued
    changed: dict[str, Any] = {}
    for name, value in values.items():
        before = getattr(order, name)
        if before != value:
            changed[name] = (before, value)
            setattr(order, name, value)
    return changed
