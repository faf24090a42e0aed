"""Finding things by what people type: an order by its number, an employee by login, a store by code,
a customer by phone or e-mail, a store's pipeline and timed moves as `workflow` values.

Every "not found" of the desk is raised here, so it reads the same in the CLI and the screens.
"""

from __future__ import annotations

from sqlmodel import Session, select

from orderdesk.policy.contacts import normalise_email, phone_key
from orderdesk.policy.errors import NotAllowed, NotFound
from orderdesk.policy.workflow import MoveRule, Owner, StageSpec
from storage.models import AutoMove, Customer, Employee, Order, Stage, Store


def order_by_number(session: Session, number: str, *, lock: bool = False) -> Order:
    """The order with this number; with `lock`, held for the transaction where the database can
    (PostgreSQL), so two desks changing one order take turns, as they do on SQLite."""
    query = select(Order).where(Order.number == number)
    order = session.exec(query.with_for_update() if lock else query).first()
    if order is None:
        raise NotFound(f"order {number} not found")
    return order


def get_employee(session: Session, login: str, *, active: bool = False) -> Employee:
    """The employee with this login; with `active`, refused if he is deactivated."""
    employee = session.exec(select(Employee).where(Employee.login == login)).first()
    if employee is None:
        raise NotFound(f'no employee with login "{login}"')
    if active and not employee.active:
        raise NotAllowed(f"{login} is deactivated")
    return employee


def store_id(session: Session, code: str) -> int:
    found = session.exec(select(Store.id).where(Store.code == code)).first()
    if found is None:
        known = ", ".join(session.exec(select(Store.code).order_by(Store.code)))
        raise NotFound(f'unknown store "{code}" (known: {known or "none yet"})')
    return found


def store_code(session: Session, store_id: int) -> str:
    return session.exec(select(Store.code).where(Store.id == store_id)).one()


def find_customer(session: Session, *, phone: str | None, email: str | None) -> Customer | None:
    """Customers are matched by phone or e-mail, however the phone is written."""
    key = phone_key(phone)
    if key:
        found = session.exec(select(Customer).where(Customer.phone_key == key).order_by(Customer.id)).first()
        if found:
            return found
    address = normalise_email(email)
    if address:
        return session.exec(select(Customer).where(Customer.email == address).order_by(Customer.id)).first()
    return None


# ----------------------------------------------------------------------------------- pipelines


def stage_named(stages: list[StageSpec], code: str, *, store: str | int) -> StageSpec:
    for stage in stages:
        if stage.code == code:
            return stage
    raise NotFound(f'store {store} has no status "{code}"')


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
        requires_payment=stage.requires_payment,
    )


def owner_of(stage: Stage) -> Owner:
    return Owner(kind=stage.owner_kind, role=stage.owner_role, logins=tuple(stage.owner_logins))


def load_pipelines(session: Session) -> dict[str, list[StageSpec]]:
    """Every store's stages in pipeline order, by store code."""
    pipelines: dict[str, list[StageSpec]] = {}
    rows = session.exec(select(Store.code, Stage).join(Stage, Stage.store_id == Store.id).order_by(Stage.position))
    for code, stage in rows:
        pipelines.setdefault(code, []).append(stage_spec(stage))
    return pipelines


def pipeline_of(session: Session, store_id: int) -> list[StageSpec]:
    """One store's stages in pipeline order."""
    rows = session.exec(select(Stage).where(Stage.store_id == store_id).order_by(Stage.position))  # type: ignore[arg-type]
    return [stage_spec(row) for row in rows]


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


def move_rules_of(session: Session, store_id: int) -> list[MoveRule]:
    """One store's timed moves."""
    rows = session.exec(select(AutoMove).where(AutoMove.store_id == store_id).order_by(AutoMove.id))  # type: ignore[arg-type]
    return [move_rule(row) for row in rows]
