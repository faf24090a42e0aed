"""Task rules as the admin defines them (seed 001): checking a rule's references, and saving it.

`orderdesk load` (the `[[rules]]` of a file) and `orderdesk rules add|remove|move|enable|disable` share
these. The shape of a rule (its variables, its amount range, `to`/`from` for its event) is checked by
`orderdesk.config.rules.RuleIn` when it is read; here, what it names is checked against the database
and the same file: employees, roles, groups, stores, channels, order types, payment and delivery
methods, statuses. Everything is checked before the first write, so a bad rule changes nothing.

Known roles are the desk's own (admin, supervisor, manager, contractor: those `policy.access` gives
rights to) and every role an employee of the database or of the file holds, so that a typo
("manger") is refused while a role the shop made up ("warehouse") is accepted once someone has it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import func
from sqlmodel import Session, select

from orderdesk.clock import Clock
from orderdesk.policy.errors import Conflict, InvalidInput
from orderdesk.policy.money import format_money
from orderdesk.policy.rules import TaskRule
from orderdesk.usecases import audit
from orderdesk.usecases.admin_edits import Change, record_admin, span
from orderdesk.views.rules import all_rules, row_values, rule_named, task_rule
from storage.config_cache import config_changed
from storage.models import (
    Channel,
    DeliveryMethod,
    Employee,
    OrderType,
    PaymentMethod,
    ScheduledTask,
    Stage,
    Store,
    TaskRuleRow,
    UserGroup,
)

if TYPE_CHECKING:
    from orderdesk.config.schema import DeskConfig

DESK_ROLES = ("admin", "supervisor", "manager", "contractor")  # the roles orderdesk.policy.access knows
SHOWN = 12  # known codes named in a message, at most


# ------------------------------------------------------------------------------ what a rule may name


@dataclass
class KnownCodes:
    """The codes a rule may name: the database's, and those the same config file defines."""

    logins: set[str] = field(default_factory=set)
    roles: set[str] = field(default_factory=lambda: set(DESK_ROLES))
    groups: set[str] = field(default_factory=set)
    stores: set[str] = field(default_factory=set)
    channels: set[str] = field(default_factory=set)
    order_types: set[str] = field(default_factory=set)
    payment_methods: set[str] = field(default_factory=set)
    delivery_methods: set[str] = field(default_factory=set)
    statuses: dict[str, set[str]] = field(default_factory=dict)  # per store code

    @classmethod
    def of(cls, session: Session, config: DeskConfig | None = None) -> KnownCodes:
        known = cls()
        for login, roles in session.exec(select(Employee.login, Employee.roles)):
            known.logins.add(login)
            known.roles.update(roles or ())
        for attr, table in (("groups", UserGroup), ("stores", Store), ("channels", Channel),
                            ("order_types", OrderType), ("payment_methods", PaymentMethod),
                            ("delivery_methods", DeliveryMethod)):  # fmt: skip
            getattr(known, attr).update(session.exec(select(table.code)))
        for store, code in session.exec(select(Store.code, Stage.code).join(Stage, Stage.store_id == Store.id)):
            known.statuses.setdefault(store, set()).add(code)
        if config is not None:
            for employee in config.employees:
                known.logins.add(employee.login)
                known.roles.update(employee.roles)
            for attr in ("groups", "stores", "channels", "order_types", "payment_methods", "delivery_methods"):
                getattr(known, attr).update(entry.code for entry in getattr(config, attr))
            for stage in config.stages:
                known.statuses.setdefault(stage.store, set()).add(stage.code)
        return known


def check_rule(rule: TaskRule, known: KnownCodes, *, where: str) -> None:
    """InvalidInput naming `where` (the rule) and the key, for the first thing the rule names that the
    desk does not know. A status is looked for in the rule's `when.store` if it has one, else in any store."""

    def need(value: str | None, codes: Iterable[str], key: str, what: str) -> None:
        codes = set(codes)
        if value is not None and value not in codes:
            raise InvalidInput(f'{where}: {key}: unknown {what} "{value}" ({_known(codes)})')

    a, w = rule.assignee, rule.when
    if a.login is not None and a.login not in known.logins:
        raise InvalidInput(f'{where}: assignee.login: no employee with login "{a.login}"')
    need(a.role, known.roles, "assignee.role", "role")
    need(a.group, known.groups, "assignee.group", "group")
    need(w.store, known.stores, "when.store", "store")
    need(w.channel, known.channels, "when.channel", "channel")
    need(w.type, known.order_types, "when.type", "order type")
    need(w.payment_method, known.payment_methods, "when.payment_method", "payment method")
    need(w.delivery_method, known.delivery_methods, "when.delivery_method", "delivery method")
    if w.store is not None:
        statuses, whose = known.statuses.get(w.store, set()), f"store {w.store} has no"
    else:
        statuses, whose = set().union(*known.statuses.values()), "no store has a"
    keyed = [("to", rule.to_status)] + [(f"from[{i}]", s) for i, s in enumerate(rule.from_statuses)]
    for key, status in keyed:
        if status is not None and status not in statuses:
            raise InvalidInput(f'{where}: {key}: {whose} status "{status}" ({_known(statuses)})')


def _known(codes: set[str]) -> str:
    if not codes:
        return "there are none yet"
    shown = sorted(codes)
    return "known: " + ", ".join(shown[:SHOWN]) + (f", … ({len(shown)} in all)" if len(shown) > SHOWN else "")


def config_rules(*, session: Session, config: DeskConfig, source: str) -> list[TaskRule]:
    """The file's rules as policy rules, each checked against the database and the file (nothing written)."""
    from orderdesk.config.rules import rule_place, task_rule_of

    if not config.rules:
        return []
    known = KnownCodes.of(session, config)
    rules = []
    for index, entry in enumerate(config.rules):
        rule = task_rule_of(entry)
        check_rule(rule, known, where=f"{source}: {rule_place(index, entry)}")
        rules.append(rule)
    return rules


# ------------------------------------------------------------------------------ as people and scripts read it


def rule_json(rule: TaskRule) -> dict[str, Any]:
    """A rule in the config file's words (`to`, `from`, `continue`, money as decimal strings)."""
    when = {k: format_money(v) if k.startswith("amount_") else v for k, v in rule.when.as_json().items()}
    return {
        "id": rule.id, "name": rule.name, "event": rule.event, "to": rule.to_status,
        "from": list(rule.from_statuses), "priority": rule.priority, "continue": rule.continues,
        "enabled": rule.enabled, "when": when, "assignee": rule.assignee.as_json(),
        "assignee_text": rule.assignee.describe(), "title": rule.title, "text": rule.text,
        "due_in": span(rule.due_in), "due_in_seconds": rule.due_in, "delay": span(rule.delay),
        "delay_seconds": rule.delay, "task_priority": rule.task_priority, "project": rule.project,
    }  # fmt: skip


def _audited(rule: TaskRule) -> dict[str, Any]:
    return {k: v for k, v in rule_json(rule).items() if k not in ("id", "assignee_text") and not k.endswith("_seconds")}


@dataclass(frozen=True)
class RuleNames:
    """Names of the stores and statuses rules name, for showing them."""

    stores: dict[str, str]
    statuses: dict[str, dict[str, str]]  # store code → status code → name

    def status(self, code: str, store: str | None) -> str | None:
        """The status's name in the store, or in any store when every store that has it names it alike."""
        names = {by_code[code] for s, by_code in self.statuses.items() if code in by_code and store in (None, s)}
        return names.pop() if len(names) == 1 else None


def list_rules(*, session: Session) -> list[TaskRule]:
    """Every rule in position order (priority, then name)."""
    return all_rules(session)


def show_rule(*, session: Session, name: str) -> TaskRule:
    return task_rule(rule_named(session, name))


def rule_names(*, session: Session) -> RuleNames:
    stores = dict(session.exec(select(Store.code, Store.name)).all())
    statuses: dict[str, dict[str, str]] = {}
    for store, code, name in session.exec(select(Store.code, Stage.code, Stage.name).join(Store)):
        statuses.setdefault(store, {})[code] = name
    return RuleNames(stores, statuses)


# ------------------------------------------------------------------------------ saving


def save_config_rules(*, session: Session, clock: Clock, rules: Sequence[TaskRule], source: str) -> Counter[str]:
    """Upsert the file's rules by name (audited one by one, rule "config"); rules the file does not
    list are left as they are. Loading the same file again changes nothing."""
    counts: Counter[str] = Counter()
    existing = {row.name: row for row in session.exec(select(TaskRuleRow))}
    for rule in rules:
        row = existing.get(rule.name)
        values = row_values(rule)
        if row is None:
            session.add(TaskRuleRow(**values))
            _record(session, clock, "config", "rule.created", None, rule, source)
            counts["created"] += 1
            continue
        before = task_rule(row)
        changed = {k: v for k, v in values.items() if getattr(row, k) != v}
        if not changed:
            counts["unchanged"] += 1
            continue
        for key, value in changed.items():
            setattr(row, key, value)
        session.add(row)
        _record(session, clock, "config", "rule.updated", before, rule, source)
        counts["updated"] += 1
    if counts["created"] or counts["updated"]:
        config_changed(session)  # the rules every process holds are read again
    session.flush()
    return counts


def _record(
    session: Session, clock: Clock, by: str, action: str, before: TaskRule | None, after: TaskRule, source: str
) -> None:
    shown = {**_audited(after), "file": source} if source else _audited(after)
    audit.record(session=session, at=clock.now(), rule=by, action=action,
                 before=_audited(before) if before else None, after=shown)  # fmt: skip


def add_rule(*, session: Session, clock: Clock, rule: TaskRule) -> Change:
    """A new rule (`rules add`), checked against the database first; a name already taken is refused."""
    if session.exec(select(TaskRuleRow.id).where(TaskRuleRow.name == rule.name)).first() is not None:
        raise Conflict(f'rule "{rule.name}": name: a rule of that name exists already (`rules show` it, or remove it)')
    check_rule(rule, KnownCodes.of(session), where=f'rule "{rule.name}"')
    row = TaskRuleRow(**row_values(rule))
    session.add(row)
    session.flush()
    config_changed(session)  # the rules every process holds are read again
    record_admin(session=session, clock=clock, action="rule.added", before=None, after=_audited(rule))
    return Change(f'added rule "{rule.name}" at position {rule.priority} ({rule.event})')


def remove_rule(*, session: Session, clock: Clock, name: str) -> Change:
    """Remove a rule; its tasks stay (without their rule), its delayed tasks still waiting are dropped."""
    row = rule_named(session, name)
    rule = task_rule(row)
    waiting = session.exec(
        select(func.count()).select_from(ScheduledTask)
        .where(ScheduledTask.rule_id == row.id, ScheduledTask.state == "waiting")
    ).one()  # fmt: skip
    session.exec(  # type: ignore[call-overload]
        ScheduledTask.__table__.delete().where(ScheduledTask.__table__.c.rule_id == row.id)  # type: ignore[attr-defined]
    )
    session.delete(row)
    session.flush()
    config_changed(session)  # the rules every process holds are read again
    audit.record(session=session, at=clock.now(), rule="admin", action="rule.removed", before=_audited(rule),
                 after={"waiting_dropped": waiting} if waiting else None)  # fmt: skip
    dropped = f"; {waiting} delayed {'task' if waiting == 1 else 'tasks'} still waiting dropped" if waiting else ""
    return Change(f'removed rule "{rule.name}"{dropped}')


def move_rule(*, session: Session, clock: Clock, name: str, position: int) -> Change:
    """Give a rule another position (its priority: 1 is tried first; ties by name)."""
    from orderdesk.config.rules import MAX_RULE_PRIORITY

    if not 1 <= position <= MAX_RULE_PRIORITY:
        raise InvalidInput(f"position: must be from 1 to {MAX_RULE_PRIORITY} (got {position})")
    return _set(session, clock, name, "rule.moved", priority=position)


def set_enabled(*, session: Session, clock: Clock, name: str, enabled: bool) -> Change:
    return _set(session, clock, name, "rule.enabled" if enabled else "rule.disabled", enabled=enabled)


def _set(session: Session, clock: Clock, name: str, action: str, **values: Any) -> Change:
    row = rule_named(session, name)
    before = task_rule(row)
    after = replace(before, **values)
    what = f"at position {after.priority}" if "priority" in values else "enabled" if after.enabled else "disabled"
    if after == before:
        return Change(f'rule "{name}" is {what}', changed=False)
    for key, value in row_values(after).items():
        setattr(row, key, value)
    session.add(row)
    session.flush()
    was = {k: getattr(before, k) for k in values}
    now = {"name": name, **values}
    config_changed(session)  # the rules every process holds are read again
    record_admin(session=session, clock=clock, action=action, before={"name": name, **was}, after=now)
    return Change(f'rule "{name}" is {what} now')
