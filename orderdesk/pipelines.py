"""Stores' pipelines and timed-move rules read from the database as `workflow` values."""

from __future__ import annotations

from sqlmodel import Session, select

from orderdesk.workflow import MoveRule, Owner, StageSpec
from storage.models import AutoMove, Stage, Store


def stage_spec(stage: Stage) -> StageSpec:
    return StageSpec(
        code=stage.code,
        name=stage.name,
        position=stage.position,
        kind=stage.kind,
        time_limit=stage.time_limit,
        payment_methods=tuple(stage.payment_methods),
        delivery_methods=tuple(stage.delivery_methods),
        active=stage.active,
        owner=owner_of(stage),
    )


def owner_of(stage: Stage) -> Owner:
    return Owner(kind=stage.owner_kind, role=stage.owner_role, logins=tuple(stage.owner_logins))


def load_pipelines(session: Session) -> dict[str, list[StageSpec]]:
    """Every store's stages in pipeline order, by store code."""
    pipelines: dict[str, list[StageSpec]] = {}
    rows = session.exec(select(Store.code, Stage).join(Stage, Stage.store_id == Store.id).order_by(Stage.position))
    for store_code, stage in rows:
        pipelines.setdefault(store_code, []).append(stage_spec(stage))
    return pipelines


def move_rule(row: AutoMove) -> MoveRule:
    return MoveRule(
        from_statuses=tuple(row.from_statuses),
        after=row.after,
        to=row.to_status,
        notice_role=row.notice_role,
        notice_before=row.notice_before,
        ident=row.id,
    )


def load_move_rules(session: Session) -> dict[int, list[MoveRule]]:
    """Every store's timed moves (seed 004), by store id, in the order they were written."""
    rules: dict[int, list[MoveRule]] = {}
    for row in session.exec(select(AutoMove).order_by(AutoMove.id)):  # type: ignore[arg-type]
        rules.setdefault(row.store_id, []).append(move_rule(row))
    return rules


def pipeline_of(session: Session, store_id: int) -> list[StageSpec]:
    """One store's stages in pipeline order."""
    rows = session.exec(select(Stage).where(Stage.store_id == store_id).order_by(Stage.position))  # type: ignore[arg-type]
    return [stage_spec(row) for row in rows]


def move_rules_of(session: Session, store_id: int) -> list[MoveRule]:
    """One store's timed moves."""
    rows = session.exec(select(AutoMove).where(AutoMove.store_id == store_id).order_by(AutoMove.id))  # type: ignore[arg-type]
    return [move_rule(row) for row in rows]
