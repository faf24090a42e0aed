"""The configuration file (`orderdesk load FILE.toml`): its shape, read and checked without a database.

References between sections (a group's stores, an employee's groups, …) are checked by
`orderdesk.usecases.load_config` against the file and the database together, before anything is written.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationError,
    field_validator,
    model_validator,
)

from orderdesk.config.fields import (
    Code,
    Duration,
    Money,
    Strict,
    describe,
    first_error,
    location,
    read_text,
)
from orderdesk.policy.contacts import normalise_email, phone_key
from orderdesk.policy.errors import InvalidInput
from orderdesk.policy.money import check_currency, format_money
from orderdesk.policy.rules import VARIABLES, EmployeeConditions, OrderConditions, TaskRule, unknown_variables
from orderdesk.policy.vocab import STAGE_KINDS


class WorkloadLimit(Strict):
    statuses: list[Code] = Field(min_length=1)
    max: StrictInt = Field(ge=0)


class DistributionSettings(Strict):
    enabled: StrictBool = True
    mode: Literal["none", "equal"] = "equal"
    check_responsible_online: StrictBool = True
    priority: Literal["oldest_first", "newest_first"] = "oldest_first"
    max_age: Duration = 90 * 86400
    workload_limit: WorkloadLimit | None = None


class NotificationSettings(Strict):
    # seed 004: staff hear of a new order 5–20 minutes after it is placed (its files are prepared first)
    order_placed_delay: Duration = 10 * 60
    order_placed: StrictBool = True


class SmtpSettings(Strict):
    """E-mail for notifications; no host = the TUI inbox only."""

    host: str = ""
    port: StrictInt = Field(default=25, ge=1, le=65535)
    sender: str = "orderdesk@localhost"
    starttls: StrictBool = False
    username: str = ""
    password: str = ""
    timeout: Duration = 10
    retry_after: Duration = 60  # the first retry; each next one waits twice as long (at most 1h)
    max_attempts: StrictInt = Field(default=8, ge=1)


class SchedulerSettings(Strict):
    in_desk: StrictBool = True  # each terminal desk runs the scheduler thread too (one acts: the lease)
    interval: Duration = 15  # how often the jobs run
    lease: Duration = 60  # a scheduler that has not renewed its lease this long is taken over


class Settings(Strict):
    managers_see_all: StrictBool = False
    manager_from_registrar: StrictBool = False
    show_undistributed: StrictBool = True
    session_timeout: Duration = 120
    presence_on_sign_in: Literal["free", "busy", "break"] = "free"  # U1: what signing in at a desk makes him
    distribution: DistributionSettings = DistributionSettings()
    notifications: NotificationSettings = NotificationSettings()
    smtp: SmtpSettings = SmtpSettings()
    scheduler: SchedulerSettings = SchedulerSettings()


class Named(Strict):
    code: Code
    name: str


LANGUAGES = ("en", "ru")  # the desk's languages (U10): screens/locale has a catalog for each but English


def _language(value: str | None) -> str | None:
    if value is not None and value not in LANGUAGES:
        raise ValueError(f'"{value}" is not a language of the desk ({", ".join(LANGUAGES)})')
    return value


class StoreIn(Named):
    timezone: str = "UTC"
    currency: str | None = None  # ISO 4217 (A3): "GBP", "RUB"; amounts of different currencies are never added
    language: str = "en"  # of its staff, unless an employee says otherwise (U10)

    @model_validator(mode="before")
    @classmethod
    def _known_currency(cls, data: Any) -> Any:
        # before the fields, so that the message can name the store as well as the key
        if isinstance(data, dict) and isinstance(data.get("currency"), str):
            try:
                data = {**data, "currency": check_currency(data["currency"])}
            except ValueError as exc:
                raise ValueError(f'store "{data.get("code")}": currency: {exc}') from None
        return data

    _check_language = field_validator("language")(_language)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f'"{value}" is not a time zone (e.g. "Europe/London")') from None
        return value


class PaymentMethodIn(Named):
    cash: StrictBool = False


class DeliveryMethodIn(Named):
    price: Money = 0


class GroupIn(Named):
    process_orders: StrictBool = False
    stores: list[Code] = []
    channels: list[Code] = []
    order_types: list[Code] = []


class EmployeeIn(Strict):
    login: Code
    name: str
    roles: list[Code] = Field(min_length=1)
    groups: list[Code] = []
    city: str | None = None
    email: str | None = None
    password: str | None = None
    statuses: list[Code] = []
    active: StrictBool = True
    language: str | None = None  # "en" or "ru"; none: his store's (U10)

    _check_language = field_validator("language")(_language)


class CustomerIn(Strict):
    """A customer as a config file or an imported order names him."""

    name: str = Field(min_length=1)
    kind: Literal["person", "company"] = "person"
    phone: str | None = None
    email: str | None = None
    city: str | None = None
    manager: Code | None = None

    @model_validator(mode="after")
    def _reachable(self) -> CustomerIn:
        if not phone_key(self.phone) and not normalise_email(self.email):
            raise ValueError("needs a phone or an email (customers are matched by them)")
        return self


class ConfigCustomerIn(CustomerIn):
    registered_by: Code | None = None


class StageIn(Strict):
    store: Code
    code: Code
    name: str
    time_limit: Duration | None = None
    owner: str | list[Code] = "manager"
    payment_methods: list[Code] = []
    delivery_methods: list[Code] = []
    kind: str = "open"
    active: StrictBool = True
    requires_payment: StrictBool = False

    @field_validator("kind")
    @classmethod
    def _kind(cls, value: str) -> str:
        if value not in STAGE_KINDS:
            raise ValueError(f'"{value}" is not a stage kind ({", ".join(STAGE_KINDS)})')
        return value

    @field_validator("owner", mode="before")
    @classmethod
    def _owner_shape(cls, value: Any) -> Any:
        # before the union is tried, so the message names `owner` and not a branch of the union
        if isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            return value
        raise ValueError(f'{value!r} is not an owner ("manager", "role:NAME" or a list of logins)')

    @field_validator("owner")
    @classmethod
    def _owner(cls, value: str | list[str]) -> str | list[str]:
        if isinstance(value, list):
            if not value:
                raise ValueError('an empty list of employees; say "manager" for the order\'s manager')
            return value
        if value == "manager" or (value.startswith("role:") and value.removeprefix("role:").strip()):
            return value
        raise ValueError(f'"{value}" is not an owner ("manager", "role:NAME" or a list of logins)')


class NoticeIn(Strict):
    role: Code
    before: Duration


class AutoMoveIn(Strict):
    store: Code
    from_: list[Code] = Field(alias="from", min_length=1)
    after: Duration
    to: Code
    notice: NoticeIn | None = None

    @model_validator(mode="after")
    def _notice_fits(self) -> AutoMoveIn:
        if self.notice and self.notice.before >= self.after:
            raise ValueError("notice.before must be shorter than after")
        return self


# ------------------------------------------------------------------------------ task rules (seed 001)

MAX_RULE_NAME = 200  # TaskRuleRow.name is String(200)
_ANY_CASE_VARIABLE = re.compile(r"#([A-Za-z][A-Za-z0-9_]*)#")
MAX_RULE_PRIORITY = 1_000_000


def _some_text(value: str) -> str:
    if not value:
        raise ValueError("must not be empty")
    return value


def _rule_name(value: str) -> str:
    if len(value) > MAX_RULE_NAME:
        raise ValueError(f"is longer than {MAX_RULE_NAME} characters")
    return _some_text(value)


Text = Annotated[str, AfterValidator(_some_text)]


class RuleWhenIn(Strict):
    """The order conditions of a rule; none given = every order."""

    amount_from: Money | None = None
    amount_to: Money | None = None
    city: Text | None = None
    customer: Text | None = None  # the customer's phone, e-mail or exact name
    store: Code | None = None
    channel: Code | None = None
    type: Code | None = None
    payment_method: Code | None = None
    delivery_method: Code | None = None

    @model_validator(mode="after")
    def _possible_range(self) -> RuleWhenIn:
        if self.amount_from is not None and self.amount_to is not None and self.amount_from > self.amount_to:
            raise ValueError(
                f"amount_from {format_money(self.amount_from)} is more than amount_to {format_money(self.amount_to)}"
                " (no order could match)"
            )
        return self


class RuleAssigneeIn(Strict):
    """Who gets the task: one employee by `login`, or any employee of the order's store with all of the
    given `role`, `group` and `city` (none given: any employee of the store)."""

    login: Code | None = None
    role: Code | None = None
    group: Code | None = None
    city: Text | None = None

    @model_validator(mode="after")
    def _one_or_any(self) -> RuleAssigneeIn:
        others = [key for key in ("role", "group", "city") if getattr(self, key) is not None]
        if self.login is not None and others:
            raise ValueError(
                f"login names one employee, so {' and '.join(others)} would choose nobody else: give login alone,"
                " or role, group and city without it"
            )
        return self


class RuleIn(Strict):
    """A rule as the admin writes it (`[[rules]]`, or `orderdesk rules add`)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, populate_by_name=True)

    name: Annotated[str, AfterValidator(_rule_name)]
    event: Literal["order_created", "status_changed", "overdue"]
    to: Code | None = None  # status_changed: into this status; overdue: overstaying this stage
    from_: list[Code] = Field(default=[], alias="from")  # status_changed: out of one of these (empty = any)
    priority: StrictInt = Field(default=100, ge=1, le=MAX_RULE_PRIORITY)  # a position: 1 is tried first
    continue_: StrictBool = Field(default=False, alias="continue")
    enabled: StrictBool = True
    when: RuleWhenIn = RuleWhenIn()
    assignee: RuleAssigneeIn = RuleAssigneeIn()
    title: Text
    text: str = ""
    due_in: Duration | None = None
    delay: Duration = 0
    task_priority: Literal["low", "normal", "high"] = "normal"
    project: Text = "default"

    @field_validator("title", "text")
    @classmethod
    def _known_variables(cls, value: str) -> str:
        for written in _ANY_CASE_VARIABLE.findall(value):
            if written != written.upper() and written.upper() in VARIABLES:  # printed as typed, never filled
                raise ValueError(f"unknown variable #{written}# (variables are in capitals: #{written.upper()}#)")
        unknown = unknown_variables(value)
        if unknown:
            known = ", ".join(f"#{v}#" for v in VARIABLES)
            words = "unknown variable" if len(unknown) == 1 else "unknown variables"
            raise ValueError(f"{words} {', '.join(f'#{v}#' for v in unknown)} (known: {known})")
        return value

    @field_validator("due_in")
    @classmethod
    def _some_time(cls, value: int | None) -> int | None:
        if value == 0:
            raise ValueError("is no time at all (leave due_in out for a task with no due time)")
        return value

    @model_validator(mode="after")
    def _statuses_of_the_event(self) -> RuleIn:
        if self.to is not None and self.event == "order_created":
            raise ValueError("to: an order_created rule has no status (to is for status_changed and overdue)")
        if self.from_ and self.event != "status_changed":
            raise ValueError(f"from: an {self.event} rule has no status it left (from is for status_changed)")
        if self.to is not None and self.to in self.from_:
            raise ValueError(f'to: "{self.to}" is also in from (a change of status never leaves and enters one)')
        return self


def rule_place(index: int, entry: Any) -> str:
    """`rules[2] "Call within an hour"`: where a rule is in the file, and its name when it has one."""
    name = entry.get("name") if isinstance(entry, dict) else getattr(entry, "name", None)
    return f'rules[{index}] "{name.strip()}"' if isinstance(name, str) and name.strip() else f"rules[{index}]"


def _rule_error(exc: ValidationError, *, where: str, skip: int = 0) -> str:
    """The first error of a rule as one line: `WHERE: title: unknown variable #EMIAL# (known: ...)`."""
    errors = exc.errors()
    error = errors[0]
    key = location(error["loc"][skip:])
    line = f"{where}: {key + ': ' if key else ''}{describe(error)}"
    others = len({tuple(e["loc"]) for e in errors}) - 1
    if others > 0:
        line += f" (and {others} more {'error' if others == 1 else 'errors'})"
    return line


def parse_rule(data: dict[str, Any], *, where: str) -> RuleIn:
    """One rule (from the CLI), checked as the config file's are; InvalidInput naming `where` and the key."""
    try:
        return RuleIn.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(_rule_error(exc, where=where)) from None


def task_rule_of(rule: RuleIn, *, id: int = 0) -> TaskRule:
    """The policy's rule of a checked `RuleIn` (id 0: not saved yet)."""
    w, a = rule.when, rule.assignee
    return TaskRule(
        id=id,
        name=rule.name,
        event=rule.event,
        title=rule.title,
        text=rule.text,
        to_status=rule.to,
        from_statuses=tuple(dict.fromkeys(rule.from_)),
        when=OrderConditions(
            amount_from=w.amount_from, amount_to=w.amount_to, city=w.city, customer=w.customer, store=w.store,
            channel=w.channel, type=w.type, payment_method=w.payment_method, delivery_method=w.delivery_method,
        ),
        assignee=EmployeeConditions(login=a.login, role=a.role, group=a.group, city=a.city),
        due_in=rule.due_in,
        delay=rule.delay,
        task_priority=rule.task_priority,
        project=rule.project,
        priority=rule.priority,
        continues=rule.continue_,
        enabled=rule.enabled,
    )  # fmt: skip


class DeskConfig(Strict):
    settings: Settings | None = None
    stores: list[StoreIn] = []
    channels: list[Named] = []
    order_types: list[Named] = []
    payment_methods: list[PaymentMethodIn] = []
    delivery_methods: list[DeliveryMethodIn] = []
    groups: list[GroupIn] = []
    employees: list[EmployeeIn] = []
    customers: list[ConfigCustomerIn] = []
    stages: list[StageIn] = []
    automoves: list[AutoMoveIn] = []
    rules: list[RuleIn] = []


def parse_config(text: str, *, source: str) -> DeskConfig:
    """The checked configuration, or InvalidInput with one line naming the key path."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(f"{source}: not valid TOML: {exc}") from None
    except RecursionError:
        raise InvalidInput(f"{source}: not valid TOML: nested too deeply") from None
    try:
        config = DeskConfig.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]["loc"]
        if len(first) > 1 and first[0] == "rules" and isinstance(first[1], int):
            # a rule is named by its place and its name, as the admin finds it in the file
            rules = raw.get("rules")
            entry = rules[first[1]] if isinstance(rules, list) and first[1] < len(rules) else None
            raise InvalidInput(_rule_error(exc, where=f"{source}: {rule_place(first[1], entry)}", skip=2)) from None
        raise InvalidInput(first_error(exc, prefix=f"{source}: ")) from None
    _check_unique(config, source)
    return config


def read_config(path: Path) -> DeskConfig:
    return parse_config(read_text(path), source=str(path))


def _check_unique(config: DeskConfig, source: str) -> None:
    keyed = {
        "stores": lambda x: x.code,
        "channels": lambda x: x.code,
        "order_types": lambda x: x.code,
        "payment_methods": lambda x: x.code,
        "delivery_methods": lambda x: x.code,
        "groups": lambda x: x.code,
        "employees": lambda x: x.login,
        "stages": lambda x: (x.store, x.code),
    }
    for section, key in keyed.items():
        seen: dict[object, int] = {}
        for index, entry in enumerate(getattr(config, section)):
            k = key(entry)
            if k in seen:
                shown = "/".join(k) if isinstance(k, tuple) else k
                raise InvalidInput(
                    f'{source}: {section}[{index}]: duplicate "{shown}" (already at {section}[{seen[k]}])'
                )
            seen[k] = index
    names: dict[str, int] = {}
    for index, rule in enumerate(config.rules):
        if rule.name in names:
            raise InvalidInput(
                f"{source}: {rule_place(index, rule)}: name: the same name as rules[{names[rule.name]}]"
                " (a rule is known by its name)"
            )
        names[rule.name] = index
    contacts: dict[tuple[str, str], int] = {}
    for index, customer in enumerate(config.customers):
        for kind, key in (("phone", phone_key(customer.phone)), ("email", normalise_email(customer.email))):
            if key is None:
                continue
            if (kind, key) in contacts:
                raise InvalidInput(
                    f"{source}: customers[{index}].{kind}: the same {kind} as customers[{contacts[kind, key]}]"
                    " (customers are matched by phone and e-mail)"
                )
            contacts[kind, key] = index
