"""Use case `apply_config`: write a checked configuration file, idempotently (upsert by code/login;
task rules by name, see `orderdesk.usecases.rule_defs`).

Every reference is checked against the file and the database together before the first write,
and the whole load is one transaction, so a bad file leaves the database as it was.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from functools import partial
from typing import Any

from sqlmodel import Session, SQLModel, delete, select

from orderdesk.clock import Clock
from orderdesk.config.requisites import requisites_json
from orderdesk.config.schema import DeskConfig, StoreIn
from orderdesk.config.settings import write_settings
from orderdesk.policy.errors import InvalidInput
from orderdesk.policy.passwords import hash_password, verify_password
from orderdesk.policy.workflow import Owner
from orderdesk.usecases import audit
from orderdesk.usecases.due_times import recompute_due
from orderdesk.usecases.rule_defs import config_rules, save_config_rules
from orderdesk.views.lookup import find_customer, normalise_email, phone_key
from storage.config_cache import config_changed, config_changing
from storage.models import (
    AutoMove,
    Channel,
    Customer,
    DeliveryMethod,
    Employee,
    EmployeeGroup,
    GroupChannel,
    GroupOrderType,
    GroupStore,
    OrderType,
    PaymentMethod,
    Stage,
    Store,
    UserGroup,
)

Summary = dict[str, Counter[str]]


def apply_config(*, session: Session, clock: Clock, config: DeskConfig, source: str) -> Summary:
    refs = _References(session, config)
    refs.check(source)
    rules = config_rules(session=session, config=config, source=source)  # checked before the first write
    config_changing(session)  # nothing read from here on is kept: bumped at the end if anything changed
    summary: Summary = {}
    simple = [
        ("stores", Store, [_store_entry(store) for store in config.stores]),
        ("channels", Channel, config.channels),
        ("order_types", OrderType, config.order_types),
        ("payment_methods", PaymentMethod, config.payment_methods),
        ("delivery_methods", DeliveryMethod, config.delivery_methods),
    ]
    for section, table, entries in simple:
        summary[section] = _upsert_by_code(session, table, entries)
    session.flush()
    summary["groups"] = _apply_groups(session, config)
    summary["employees"] = _apply_employees(session, config)
    session.flush()
    summary["customers"] = _apply_customers(session, config, clock)
    due: dict[int, set[str]] = {}  # per store, the statuses whose due times the load changed
    summary["stages"] = _apply_stages(session, config, due)
    summary["automoves"] = _apply_automoves(session, config, due)
    if due:
        session.flush()
        recomputed = sum(
            recompute_due(session=session, store_id=store_id, statuses=statuses, now=clock.now())
            for store_id, statuses in sorted(due.items())
        )
        if recomputed:
            summary["orders"] = Counter(updated=recomputed)  # due times of orders already waiting
    summary["rules"] = save_config_rules(session=session, clock=clock, rules=rules, source=source)
    if config.settings is not None:
        changed = write_settings(session, config.settings)
        summary["settings"] = Counter(updated=len(changed))
    summary = {k: v for k, v in summary.items() if v}
    if any(c["created"] or c["updated"] or c["deactivated"] for c in summary.values()):
        config_changed(session)  # what every process holds of the configuration is read again
        audit.record(
            session=session,
            at=clock.now(),
            rule="config",
            action="config.loaded",
            after={"file": source, **{k: dict(v) for k, v in summary.items()}},
        )
    return summary


class _References:
    """Codes known to the file or the database, for checking references before writing."""

    def __init__(self, session: Session, config: DeskConfig) -> None:
        def codes(table: Any, entries: Iterable[Any]) -> set[str]:
            return set(session.exec(select(table.code))) | {e.code for e in entries}

        self.config = config
        self.stores = codes(Store, config.stores)
        self.channels = codes(Channel, config.channels)
        self.order_types = codes(OrderType, config.order_types)
        self.payment_methods = codes(PaymentMethod, config.payment_methods)
        self.delivery_methods = codes(DeliveryMethod, config.delivery_methods)
        self.groups = codes(UserGroup, config.groups)
        self.logins = set(session.exec(select(Employee.login))) | {e.login for e in config.employees}
        self.stage_codes: dict[str, set[str]] = {}
        for store_code, code in session.exec(select(Store.code, Stage.code).join(Stage, Stage.store_id == Store.id)):
            self.stage_codes.setdefault(store_code, set()).add(code)
        for stage in config.stages:
            self.stage_codes.setdefault(stage.store, set()).add(stage.code)
        self.all_statuses = set().union(*self.stage_codes.values()) if self.stage_codes else set()

    def check(self, source: str) -> None:
        c = self.config

        def need(known: set[str], value: str | None, where: str, what: str) -> None:
            if value is not None and value not in known:
                raise InvalidInput(f'{source}: {where}: unknown {what} "{value}"')

        for i, group in enumerate(c.groups):
            for j, code in enumerate(group.stores):
                need(self.stores, code, f"groups[{i}].stores[{j}]", "store")
            for j, code in enumerate(group.channels):
                need(self.channels, code, f"groups[{i}].channels[{j}]", "channel")
            for j, code in enumerate(group.order_types):
                need(self.order_types, code, f"groups[{i}].order_types[{j}]", "order type")
        for i, employee in enumerate(c.employees):
            for j, code in enumerate(employee.groups):
                need(self.groups, code, f"employees[{i}].groups[{j}]", "group")
            for j, code in enumerate(employee.statuses):
                need(self.all_statuses, code, f"employees[{i}].statuses[{j}]", "status")
        for i, customer in enumerate(c.customers):
            need(self.logins, customer.manager, f"customers[{i}].manager", "employee")
            need(self.logins, customer.registered_by, f"customers[{i}].registered_by", "employee")
        for i, stage in enumerate(c.stages):
            need(self.stores, stage.store, f"stages[{i}].store", "store")
            for j, code in enumerate(stage.payment_methods):
                need(self.payment_methods, code, f"stages[{i}].payment_methods[{j}]", "payment method")
            for j, code in enumerate(stage.delivery_methods):
                need(self.delivery_methods, code, f"stages[{i}].delivery_methods[{j}]", "delivery method")
            if isinstance(stage.owner, list):
                for j, login in enumerate(stage.owner):
                    need(self.logins, login, f"stages[{i}].owner[{j}]", "employee")
        for i, move in enumerate(c.automoves):
            need(self.stores, move.store, f"automoves[{i}].store", "store")
            statuses = self.stage_codes.get(move.store, set())
            for j, code in enumerate(move.from_):
                need(statuses, code, f"automoves[{i}].from[{j}]", f"status of store {move.store}:")
            need(statuses, move.to, f"automoves[{i}].to", f"status of store {move.store}:")
        if c.settings and c.settings.distribution.workload_limit:
            for j, code in enumerate(c.settings.distribution.workload_limit.statuses):
                need(self.all_statuses, code, f"settings.distribution.workload_limit.statuses[{j}]", "status")


def _set_fields(row: SQLModel, values: dict[str, Any]) -> bool:
    changed = False
    for key, value in values.items():
        if getattr(row, key) != value:
            setattr(row, key, value)
            changed = True
    return changed


def _upsert_by_code(session: Session, table: Any, entries: list[Any]) -> Counter[str]:
    counts: Counter[str] = Counter()
    existing = {row.code: row for row in session.exec(select(table))}
    for entry in entries:
        counts[_upsert(session, existing.get(entry.code), entry.model_dump(), table)] += 1
    return counts


def _upsert(session: Session, row: SQLModel | None, values: dict[str, Any], make: Any) -> str:
    """Create the row, or update it in place; say which, or that nothing changed."""
    if row is None:
        session.add(make(**values))
        session.flush()
        return "created"
    if _set_fields(row, values):
        session.add(row)
        return "updated"
    return "unchanged"


def _ids(session: Session, table: Any) -> dict[str, int]:
    return {code: id_ for id_, code in session.exec(select(table.id, table.code))}


def _replace_links(session: Session, link: Any, owner_col: str, owner_id: int, col: str, ids: set[int]) -> bool:
    current = set(session.exec(select(getattr(link, col)).where(getattr(link, owner_col) == owner_id)))
    if current == ids:
        return False
    session.exec(delete(link).where(getattr(link, owner_col) == owner_id))  # type: ignore[call-overload]
    for id_ in sorted(ids):
        session.add(link(**{owner_col: owner_id, col: id_}))
    return True


def _apply_groups(session: Session, config: DeskConfig) -> Counter[str]:
    counts: Counter[str] = Counter()
    groups, stores = _ids(session, UserGroup), _ids(session, Store)
    channels, types = _ids(session, Channel), _ids(session, OrderType)
    for group in config.groups:
        # each group is counted once: created, else updated if its fields or its links changed
        plain = _Plain(code=group.code, name=group.name, process_orders=group.process_orders)
        outcome = next(iter(_upsert_by_code(session, UserGroup, [plain])))
        session.flush()
        gid = groups.get(group.code) or _ids(session, UserGroup)[group.code]
        links = [
            _replace_links(session, GroupStore, "group_id", gid, "store_id", {stores[c] for c in group.stores}),
            _replace_links(session, GroupChannel, "group_id", gid, "channel_id", {channels[c] for c in group.channels}),
            _replace_links(
                session, GroupOrderType, "group_id", gid, "order_type_id", {types[c] for c in group.order_types}
            ),
        ]
        counts["updated" if outcome == "unchanged" and any(links) else outcome] += 1
    return counts


def _apply_employees(session: Session, config: DeskConfig) -> Counter[str]:
    counts: Counter[str] = Counter()
    existing = {row.login: row for row in session.exec(select(Employee))}
    for entry in config.employees:
        values = entry.model_dump(exclude={"password", "groups"})
        row = existing.get(entry.login)
        created = row is None
        if row is None:
            row = Employee(**values)
            changed = True
        else:
            changed = _set_fields(row, values)
        if entry.password is not None and not (
            row.password_hash and verify_password(entry.password, row.password_hash)
        ):
            row.password_hash = hash_password(entry.password)
            changed = True
        if changed:
            session.add(row)
        session.flush()
        groups = _ids(session, UserGroup)
        assert row.id is not None
        if _replace_links(session, EmployeeGroup, "employee_id", row.id, "group_id", {groups[g] for g in entry.groups}):
            changed = True
        counts["created" if created else "updated" if changed else "unchanged"] += 1
    return counts


def _apply_customers(session: Session, config: DeskConfig, clock: Clock) -> Counter[str]:
    counts: Counter[str] = Counter()
    logins = {login: id_ for id_, login in session.exec(select(Employee.id, Employee.login))}
    for entry in config.customers:
        values = {
            "kind": entry.kind,
            "name": entry.name,
            "phone": entry.phone,
            "phone_key": phone_key(entry.phone),
            "email": normalise_email(entry.email),
            "city": entry.city,
            "address": entry.address,
            "manager_id": logins.get(entry.manager) if entry.manager else None,
            "registered_by_id": logins.get(entry.registered_by) if entry.registered_by else None,
        }
        row = find_customer(session, phone=entry.phone, email=entry.email)
        counts[_upsert(session, row, values, lambda **v: Customer(**v, created_at=clock.now()))] += 1
    return counts


def _apply_stages(session: Session, config: DeskConfig, due: dict[int, set[str]]) -> Counter[str]:
    counts: Counter[str] = Counter()
    stores = _ids(session, Store)
    by_store: dict[str, list[Any]] = {}
    for stage in config.stages:
        by_store.setdefault(stage.store, []).append(stage)
    for store_code, entries in by_store.items():
        store_id = stores[store_code]
        existing = {row.code: row for row in session.exec(select(Stage).where(Stage.store_id == store_id))}
        for position, entry in enumerate(entries, start=1):
            values = {
                "name": entry.name,
                "position": position,
                "time_limit": entry.time_limit,
                **Owner.parse(entry.owner).columns(),  # the file's owner was checked when it was read
                "payment_methods": list(entry.payment_methods),
                "delivery_methods": list(entry.delivery_methods),
                "kind": entry.kind,
                "active": entry.active,
                "requires_payment": entry.requires_payment,
            }
            make = partial(Stage, store_id=store_id, code=entry.code)
            row = existing.pop(entry.code, None)
            if row is not None and (row.time_limit, row.kind) != (entry.time_limit, entry.kind):
                due.setdefault(store_id, set()).add(entry.code)
            counts[_upsert(session, row, values, make)] += 1
        # Stages the file no longer lists leave the pipeline but stay for the orders still in them.
        for offset, row in enumerate(sorted(existing.values(), key=lambda s: s.position), start=1):
            if _set_fields(row, {"active": False, "position": len(entries) + offset}):
                session.add(row)
                counts["deactivated"] += 1
    return counts


def _apply_automoves(session: Session, config: DeskConfig, due: dict[int, set[str]]) -> Counter[str]:
    """A store's timed moves are replaced as a set (they have no code of their own)."""
    counts: Counter[str] = Counter()
    stores = _ids(session, Store)
    wanted: dict[int, list[tuple[Any, ...]]] = {}
    for move in config.automoves:
        key = (
            tuple(move.from_),
            move.after,
            move.to,
            move.notice.role if move.notice else None,
            move.notice.before if move.notice else None,
        )
        wanted.setdefault(stores[move.store], []).append(key)
    for store_id, moves in wanted.items():
        rows = session.exec(select(AutoMove).where(AutoMove.store_id == store_id).order_by(AutoMove.id)).all()
        current = [(tuple(r.from_statuses), r.after, r.to_status, r.notice_role, r.notice_before) for r in rows]
        if current == moves:
            counts["unchanged"] += len(moves)
            continue
        # the orders waiting in a status that an old or a new rule names get their move counted again
        due.setdefault(store_id, set()).update(s for r in rows for s in r.from_statuses)
        due[store_id].update(s for m in moves for s in m[0])
        for row in rows:
            session.delete(row)
        for from_, after, to, role, before in moves:
            session.add(
                AutoMove(
                    store_id=store_id,
                    from_statuses=list(from_),
                    after=after,
                    to_status=to,
                    notice_role=role,
                    notice_before=before,
                )
            )
        counts["created"] += len(moves)
        counts["deactivated"] += max(0, len(rows) - len(moves))
    return counts


def _store_entry(store: StoreIn) -> _Plain:
    """A store's columns. The file describes a store whole: one it lists without `[stores.requisites]` has none
    after the load (as an omitted timezone is UTC again)."""
    values = store.model_dump(exclude={"requisites"})
    resolved = store.requisites and store.requisites.resolved(
        store_language=store.language, store_currency=store.currency
    )
    return _Plain(**values, requisites=requisites_json(resolved or None))


class _Plain:
    """A stand-in entry with just the fields a simple table takes."""

    def __init__(self, **values: Any) -> None:
        self.__dict__.update(values)
        self.code = values["code"]

    def model_dump(self) -> dict[str, Any]:
        return dict(self.__dict__)
