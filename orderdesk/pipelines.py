"""Stores' pipelines read from the database as `workflow.StageSpec`s."""

from __future__ import annotations

from sqlmodel import Session, select

from orderdesk.workflow import StageSpec
from storage.models import Stage, Store


def load_pipelines(session: Session) -> dict[str, list[StageSpec]]:
    """Every store's stages in pipeline order, by store code."""
    pipelines: dict[str, list[StageSpec]] = {}
    rows = session.exec(select(Store.code, Stage).join(Stage, Stage.store_id == Store.id).order_by(Stage.position))
    for store_code, stage in rows:
        pipelines.setdefault(store_code, []).append(
            StageSpec(
                code=stage.code,
                name=stage.name,
                position=stage.position,
                kind=stage.kind,
                time_limit=stage.time_limit,
                payment_methods=tuple(stage.payment_methods),
                delivery_methods=tuple(stage.delivery_methods),
                active=stage.active,
            )
        )
    return pipelines
