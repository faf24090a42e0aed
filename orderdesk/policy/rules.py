"""Business-process task rules (seed 001, DESIGN T1–T7). Pure: rules, an event and the order's facts
in; which rules fired and why, the task's texts and its employee out. No database, no clock.

For an event, the rules of that event are tried in position order (`priority` 1 before 10, ties by
name). The first that matches fires; a rule with `continues` (`continue = true`) lets the next
matching ones fire too, so the fired rules are exactly the matching ones up to and including the
first without `continues`. Every rule tried gets a `Tried` saying why it did or did not fire (T7).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime

from orderdesk.policy.contacts import normalise_email, phone_key
from orderdesk.policy.money import Money, money_text

EVENTS = ("order_created", "status_changed", "overdue")
TASK_PRIORITIES = ("low", "normal", "high")
VARIABLES = ("ORDER_ID", "NAME", "PHONE", "EMAIL", "TOTAL", "STATUS", "STORE", "MANAGER")
_VARIABLE = re.compile(r"#([A-Z][A-Z0-9_]*)#")


# ----------------------------------------------------------------------------------- facts


@dataclass(frozen=True)
class RuleOrder:
    """What the rules may ask of an order, read once per event. Codes for matching, names for texts."""

    id: int
    number: str
    store: str  # code
    channel: str
    type: str
    status: str
    amount: int  # the order's total, minor units
    is_open: bool = True
    payment_method: str | None = None
    delivery_method: str | None = None
    city: str | None = None  # the customer's
    customer_name: str = ""
    phone: str | None = None
    email: str | None = None
    # for the texts (#STORE#, #STATUS#, #TOTAL#, #MANAGER#): names as people read them
    store_name: str = ""
    status_name: str = ""
    total_text: str = ""  # money_text of the total, with its currency
    currency: str | None = None  # the store's (ISO 4217): the rule's amounts are read in it
    manager_name: str = ""
    manager_id: int | None = None  # the order's manager: a task about his order goes to him if he matches
    created_at: datetime | None = None


@dataclass(frozen=True)
class RuleEvent:
    """One occurrence of an event on an order. `occurrence` names it (see storage.models.RuleLog)."""

    kind: str  # one of EVENTS
    order_id: int
    occurrence: str
    at: datetime
    from_status: str | None = None  # status_changed: the status it left
    to_status: str | None = None  # status_changed: the status it entered; overdue: the stage it overstays


# ----------------------------------------------------------------------------------- rules


@dataclass(frozen=True)
class OrderConditions:
    """All given conditions must hold; none given = every order (seed 001)."""

    amount_from: int | None = None  # minor units, inclusive
    amount_to: int | None = None
    city: str | None = None
    customer: str | None = None  # the customer's phone, e-mail or exact name
    store: str | None = None
    channel: str | None = None
    type: str | None = None
    payment_method: str | None = None
    delivery_method: str | None = None

    def mismatch(self, order: RuleOrder) -> str | None:
        """Why the order does not match, or None."""
        if self.amount_from is not None and order.amount < self.amount_from:
            return f"total {order.total_text or order.amount} is under the rule's {_money(self.amount_from, order)}"
        if self.amount_to is not None and order.amount > self.amount_to:
            return f"total {order.total_text or order.amount} is over the rule's {_money(self.amount_to, order)}"
        if self.city is not None and _fold(order.city) != _fold(self.city):
            return f'city is "{order.city or "—"}", not "{self.city}"'
        if self.customer is not None and not _same_customer(self.customer, order):
            return f'customer is "{order.customer_name}", not "{self.customer}"'
        for name in ("store", "channel", "type", "payment_method", "delivery_method"):
            wanted, actual = getattr(self, name), getattr(order, name)
            if wanted is not None and wanted != actual:
                return f'{name.replace("_", " ")} is "{actual or "—"}", not "{wanted}"'
        return None

    def as_json(self) -> dict[str, object]:
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass(frozen=True)
class EmployeeConditions:
    """Who may get the task: one employee by `login`, or any active employee of the order's store
    with all of the given `role`, `group` and `city` (none given: any employee of the store)."""

    login: str | None = None
    role: str | None = None
    group: str | None = None
    city: str | None = None

    def mismatch(self, candidate: Candidate) -> str | None:
        if not candidate.active:
            return "deactivated"
        if self.login is not None:
            return None if candidate.login == self.login else f"not {self.login}"
        if not candidate.serves_store:
            return "does not serve the order's store"
        if self.role is not None and self.role not in candidate.roles:
            return f"not a {self.role}"
        if self.group is not None and self.group not in candidate.groups:
            return f"not in group {self.group}"
        if self.city is not None and _fold(candidate.city) != _fold(self.city):
            return f"in {candidate.city or 'no city'}, not {self.city}"
        return None

    def describe(self) -> str:
        if self.login is not None:
            return self.login
        parts = [f"role {self.role}" if self.role else "", f"group {self.group}" if self.group else "",
                 f"city {self.city}" if self.city else ""]  # fmt: skip
        return "any employee" + (" with " + ", ".join(p for p in parts if p) if any(parts) else "")

    def as_json(self) -> dict[str, object]:
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass(frozen=True)
class TaskRule:
    id: int
    name: str
    event: str
    title: str
    text: str = ""
    to_status: str | None = None
    from_statuses: tuple[str, ...] = ()
    when: OrderConditions = field(default_factory=OrderConditions)
    assignee: EmployeeConditions = field(default_factory=EmployeeConditions)
    due_in: int | None = None  # seconds
    delay: int = 0  # seconds
    task_priority: str = "normal"
    project: str = "default"
    priority: int = 100
    continues: bool = False
    enabled: bool = True

    def mismatch(self, event: RuleEvent, order: RuleOrder) -> str | None:
        """Why the rule does not apply to this event on this order, or None."""
        if event.kind == "status_changed":
            if self.to_status is not None and event.to_status != self.to_status:
                return f'status changed to "{event.to_status}", not "{self.to_status}"'
            if self.from_statuses and event.from_status not in self.from_statuses:
                return f'status changed from "{event.from_status}", not from {", ".join(self.from_statuses)}'
        if self.event == "overdue" and self.to_status is not None and event.to_status != self.to_status:
            return f'overdue in "{event.to_status}", not "{self.to_status}"'
        return self.when.mismatch(order)


def in_position_order(rules: Iterable[TaskRule]) -> list[TaskRule]:
    return sorted(rules, key=lambda r: (r.priority, r.name))


@dataclass(frozen=True)
class Tried:
    """One rule tried on one event (a line of the rule log, T7)."""

    rule: str
    rule_id: int
    matched: bool
    fired: bool
    reason: str  # why it did not match, or "fired", or why a match did not fire
    delayed_until: str | None = None  # ISO time: a delayed rule's task waits until then
    chosen: str | None = None  # login of the employee who got the task
    why: str | None = None  # why him (or why nobody)
    task_id: int | None = None

    def as_json(self) -> dict[str, object]:
        # its fields are plain values: read them directly (asdict deep-copies, 10x the cost of a
        # bulk import's rule log)
        return {name: v for name in _TRIED_FIELDS if (v := getattr(self, name)) is not None}


_TRIED_FIELDS = tuple(f.name for f in fields(Tried))


def select(rules: Sequence[TaskRule], event: RuleEvent, order: RuleOrder) -> list[Tried]:
    """The rules of this event kind (enabled ones) in position order, each with its verdict; those
    with `fired` are to make a task. The first match without `continues` stops the firing; later
    rules are still tried, and a later match says it was stopped by that rule."""
    tried: list[Tried] = []
    stopped_by: str | None = None
    for rule in in_position_order(r for r in rules if r.enabled and r.event == event.kind):
        why_not = rule.mismatch(event, order)
        if why_not is not None:
            tried.append(Tried(rule=rule.name, rule_id=rule.id, matched=False, fired=False, reason=why_not))
            continue
        if stopped_by is not None:
            reason = f'matched, but "{stopped_by}" fired before it without continue'
            tried.append(Tried(rule=rule.name, rule_id=rule.id, matched=True, fired=False, reason=reason))
            continue
        tried.append(Tried(rule=rule.name, rule_id=rule.id, matched=True, fired=True, reason="fired"))
        if not rule.continues:
            stopped_by = rule.name
    return tried


# ----------------------------------------------------------------------------------- templates


def unknown_variables(template: str) -> list[str]:
    """The `#NAME#` variables of a template that the rules do not know, in order, once each."""
    seen: list[str] = []
    for name in _VARIABLE.findall(template):
        if name not in VARIABLES and name not in seen:
            seen.append(name)
    return seen


def render(template: str, order: RuleOrder) -> str:
    """The template with each known variable replaced by the order's value, literally: a value with
    `#` or braces in it is printed as given and never substituted again; unknown text is left."""
    values = {
        "ORDER_ID": order.number,
        "NAME": order.customer_name,
        "PHONE": order.phone or "",
        "EMAIL": order.email or "",
        "TOTAL": order.total_text or _major(order.amount),
        "STATUS": order.status_name or order.status,
        "STORE": order.store_name or order.store,
        "MANAGER": order.manager_name,
    }
    return _VARIABLE.sub(lambda m: values.get(m.group(1), m.group(0)), template)


# ----------------------------------------------------------------------------------- who gets it


@dataclass(frozen=True)
class Candidate:
    """An employee as the task's carousel sees him."""

    id: int
    login: str
    name: str = ""
    roles: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()  # codes
    city: str | None = None
    active: bool = True
    serves_store: bool = False  # one of his groups gives him the order's store
    supervises_store: bool = False  # a supervisor of the order's store (gets what nobody matches)
    logged_in: bool = False
    presence: str = "offline"
    last_task_at: datetime | None = None  # when a rule last gave him a task (the carousel's turn)

    @property
    def available(self) -> bool:
        return self.logged_in and self.presence == "free"


@dataclass(frozen=True)
class Choice:
    employee_id: int | None
    login: str | None
    why: str  # "logged in and free, longest without a task" / "nobody matched: to the store's supervisor"
    matched: tuple[str, ...] = ()  # logins of everyone who matched
    missed: bool = False  # nobody matched the rule's employee conditions (written in the rule log)


def pick(conditions: EmployeeConditions, candidates: Sequence[Candidate], *, manager_id: int | None = None) -> Choice:
    """The order's manager (`manager_id`) if he matches and is active: a task about his order is his.
    Otherwise the carousel (as D3): among those who match, the logged-in and free first, then any
    active one; within each, the one given a rule's task longest ago (never = first; ties by id).
    Nobody matches: the store's supervisors, by the same carousel; none of them either: nobody."""
    matching = [c for c in candidates if conditions.mismatch(c) is None]
    own = next((c for c in matching if c.id == manager_id), None)
    if own is not None:
        return Choice(own.id, own.login, f"{conditions.describe()}: the order's manager",
                      matched=tuple(c.login for c in matching))  # fmt: skip
    if matching:
        chosen = _turn(matching)
        how = "logged in and free" if chosen.available else "active (nobody who matches is logged in and free)"
        turn = "" if len(matching) == 1 else ", longest without a rule's task"
        return Choice(chosen.id, chosen.login, f"{conditions.describe()}: {how}{turn}",
                      matched=tuple(c.login for c in matching))  # fmt: skip
    supervisors = [c for c in candidates if c.active and c.supervises_store]
    if supervisors:
        chosen = _turn(supervisors)
        return Choice(chosen.id, chosen.login, f"nobody is {conditions.describe()}: to the store's supervisor",
                      missed=True)  # fmt: skip
    return Choice(None, None, f"nobody is {conditions.describe()}, and the store has no supervisor", missed=True)


def _turn(candidates: Sequence[Candidate]) -> Candidate:
    return min(candidates, key=lambda c: (not c.available, c.last_task_at is not None, _utc(c.last_task_at), c.id))


def _utc(at: datetime | None) -> datetime:
    """Comparable whatever its zone (a naive time is taken as UTC); None = the earliest."""
    if at is None:
        return datetime.min.replace(tzinfo=UTC)
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


# ----------------------------------------------------------------------------------- small helpers


def _fold(text: str | None) -> str:
    return " ".join((text or "").split()).casefold()


def _same_customer(wanted: str, order: RuleOrder) -> bool:
    key = phone_key(wanted)
    if key and key == phone_key(order.phone):
        return True
    email = normalise_email(wanted) if "@" in wanted else None
    if email and email == normalise_email(order.email):
        return True
    return _fold(wanted) == _fold(order.customer_name)


def _money(minor: int | None, order: RuleOrder) -> str:
    """A rule's amount as the order's total is written: "50 000,00 ₽" beside "2 795,00 ₽"."""
    return money_text(Money(minor or 0, order.currency)) if order.currency else _major(minor)


def _major(minor: int | None) -> str:
    if minor is None:
        return ""
    sign = "-" if minor < 0 else ""
    whole, cents = divmod(abs(minor), 100)
    return f"{sign}{whole}.{cents:02d}"
