"""The `[[rules]]` of the configuration file (seed 001): a task rule's shape, read and checked without a
database; its references (logins, roles, stores, statuses) are checked by `orderdesk.usecases.rule_defs`."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

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

from orderdesk.config.fields import Code, Duration, Money, Strict, describe, location
from orderdesk.policy.errors import InvalidInput
from orderdesk.policy.money import format_money
from orderdesk.policy.rules import VARIABLES, EmployeeConditions, OrderConditions, TaskRule, unknown_variables

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


def rule_error(exc: ValidationError, *, where: str, skip: int = 0) -> str:
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
        raise InvalidInput(rule_error(exc, where=where)) from None


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
