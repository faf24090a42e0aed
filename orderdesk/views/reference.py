"""Reference data as the arriving orders need it, read once per configuration generation (issue 18).

Stores, channels, order types, payment and delivery methods, the stores' pipelines and timed moves,
the order-processing groups and the task rules change only by configuration commands (`orderdesk
load`, the pipeline, automove, rule and user commands), each of which moves the configuration
generation on (`storage.config_cache.config_changed`). `reference(session)` gives them as this
process read them at the database's current generation: plain frozen values, shared by every
session and thread, never ORM objects.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from sqlalchemy import select
from sqlmodel import Session

from orderdesk.policy.rules import TaskRule
from orderdesk.policy.workflow import MoveRule, StageSpec
from orderdesk.views.lookup import move_rule, stage_spec
from orderdesk.views.rules import task_rule
from storage import config_cache, distribution_queries
from storage.models import AutoMove, Channel, DeliveryMethod, OrderType, PaymentMethod, Stage, Store, TaskRuleRow


@dataclass(frozen=True)
class StoreRef:
    id: int
    code: str
    name: str
    timezone: str
    currency: str


@dataclass(frozen=True)
class ProcessingGroup:
    """An order-processing group: who is in it and which orders it takes (empty: any)."""

    id: int
    code: str
    members: frozenset[int]
    stores: frozenset[int]
    channels: frozenset[int]
    types: frozenset[int]


@dataclass(frozen=True)
class Reference:
    stores: Mapping[str, int]  # code: id, and so on for each table of codes
    channels: Mapping[str, int]
    types: Mapping[str, int]
    payment: Mapping[str, int]
    delivery: Mapping[str, int]
    delivery_price: Mapping[str, int]  # delivery method code: its price
    store_rows: Mapping[int, StoreRef]  # by id
    pipelines: Mapping[str, tuple[StageSpec, ...]]  # by store code, in pipeline order
    move_rules: Mapping[int, tuple[MoveRule, ...]]  # by store id, in the order they were written
    groups: tuple[ProcessingGroup, ...]  # by id
    rules: tuple[TaskRule, ...]  # every task rule, in position order (priority, then name)

    def enabled_rules(self) -> list[TaskRule]:
        return [rule for rule in self.rules if rule.enabled]


def reference(session: Session) -> Reference:
    """The reference data as of the database's configuration generation (built once per generation)."""
    return config_cache.cached(session, "reference", read_reference)


def read_reference(session: Session) -> Reference:
    """The reference data read now (what `reference` keeps)."""

    def codes(table: type) -> Mapping[str, int]:
        return _frozen({code: id_ for id_, code in session.execute(select(table.id, table.code))})  # type: ignore[attr-defined]

    stores = {
        row.id: StoreRef(id=row.id, code=row.code, name=row.name, timezone=row.timezone, currency=row.currency)
        for row in session.execute(select(Store.id, Store.code, Store.name, Store.timezone, Store.currency))
    }
    pipelines: dict[str, list[StageSpec]] = {}
    rows = session.exec(select(Store.code, Stage).join(Stage, Stage.store_id == Store.id).order_by(Stage.position))  # type: ignore[call-overload]
    for code, stage in rows:
        pipelines.setdefault(code, []).append(stage_spec(stage))
    moves: dict[int, list[MoveRule]] = {}
    for (row,) in session.execute(select(AutoMove).order_by(AutoMove.id)):  # type: ignore[arg-type]
        moves.setdefault(row.store_id, []).append(move_rule(row))
    groups = tuple(
        ProcessingGroup(
            id=gid,
            code=g["code"],
            members=frozenset(g["members"]),
            stores=frozenset(g["stores"]),
            channels=frozenset(g["channels"]),
            types=frozenset(g["types"]),
        )  # fmt: skip
        for gid, g in sorted(distribution_queries.processing_groups(session).items())
    )
    rules = tuple(
        task_rule(row)
        for (row,) in session.execute(select(TaskRuleRow).order_by(TaskRuleRow.priority, TaskRuleRow.name))  # type: ignore[arg-type]
    )
    return Reference(
        stores=codes(Store),
        channels=codes(Channel),
        types=codes(OrderType),
        payment=codes(PaymentMethod),
        delivery=codes(DeliveryMethod),
        delivery_price=_frozen(dict(session.execute(select(DeliveryMethod.code, DeliveryMethod.price)).all())),  # type: ignore[arg-type]
        store_rows=_frozen(stores),
        pipelines=_frozen({code: tuple(stages) for code, stages in pipelines.items()}),
        move_rules=_frozen({store_id: tuple(rules) for store_id, rules in moves.items()}),
        groups=groups,
        rules=rules,
    )


def _frozen(values: dict) -> Mapping:  # type: ignore[type-arg]
    return MappingProxyType(values)
