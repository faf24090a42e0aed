"""Pipelines of stages (seed 003): which stages apply to an order, and when its stage is due.

Pure: plain data in, decisions out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

STAGE_KINDS = ("open", "side", "final", "cancelled")
CLOSED_KINDS = ("final", "cancelled")


@dataclass(frozen=True)
class StageSpec:
    code: str
    name: str
    position: int
    kind: str = "open"
    time_limit: int | None = None  # seconds
    payment_methods: tuple[str, ...] = field(default_factory=tuple)
    delivery_methods: tuple[str, ...] = field(default_factory=tuple)
    active: bool = True


def applies(stage: StageSpec, *, payment_method: str | None, delivery_method: str | None) -> bool:
    """A stage limited to some payment or delivery methods applies only to orders using one of them
    (pickup skips courier and post stages; "awaiting payment" only for non-cash)."""
    if stage.payment_methods and payment_method not in stage.payment_methods:
        return False
    if stage.delivery_methods and delivery_method not in stage.delivery_methods:
        return False
    return True


def first_stage(
    stages: Sequence[StageSpec], *, payment_method: str | None, delivery_method: str | None
) -> StageSpec | None:
    """Where a new order starts: the first active, applicable, open stage of the pipeline."""
    for stage in sorted(stages, key=lambda s: s.position):
        if stage.active and stage.kind == "open" and applies(
            stage, payment_method=payment_method, delivery_method=delivery_method
        ):
            return stage
    return None


def stage_due_at(stage: StageSpec, entered_at: datetime) -> datetime | None:
    if stage.time_limit is None or stage.kind in CLOSED_KINDS:
        return None
    return entered_at + timedelta(seconds=stage.time_limit)
