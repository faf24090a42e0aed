"""The configuration file (`orderdesk load FILE.toml`): its shape, read and checked without a database.

References between sections (a group's stores, an employee's groups, …) are checked by
`orderdesk.usecases.load_config` against the file and the database together, before anything is written.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    Field,
    StrictBool,
    StrictInt,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from orderdesk.config.fields import (
    MAX_ID,
    Code,
    Duration,
    Money,
    PositiveDuration,
    Strict,
    first_error,
    location,
    read_text,
    unstorable_at,
)
from orderdesk.config.requisites import RequisitesIn
from orderdesk.config.rules import RuleIn, rule_error, rule_place
from orderdesk.policy.contacts import normalise_email, phone_key
from orderdesk.policy.errors import InvalidInput
from orderdesk.policy.money import check_currency
from orderdesk.policy.vocab import STAGE_KINDS


class WorkloadLimit(Strict):
    statuses: list[Code] = Field(min_length=1)
    max: StrictInt = Field(ge=0, le=MAX_ID)


class DistributionSettings(Strict):
    enabled: StrictBool = True
    mode: Literal["none", "equal"] = "equal"
    check_responsible_online: StrictBool = True
    priority: Literal["oldest_first", "newest_first"] = "oldest_first"
    max_age: PositiveDuration = 90 * 86400
    workload_limit: WorkloadLimit | None = None


class NotificationSettings(Strict):
    # seed 004: staff hear of a new order 5–20 minutes after it is placed (its files are prepared first)
    order_placed_delay: Duration = 10 * 60
    order_placed: StrictBool = True


SMTP_PASSWORD_REFUSED = (
    "the SMTP password is not kept in the database (whoever can read it would have it): set "
    "ORDERDESK_SMTP_PASSWORD where mail is sent, or smtp.password_file to a file only its owner may read"
)


class SmtpSettings(Strict):
    """E-mail for notifications; no host = the TUI inbox only. The password is no setting: it comes
    from the environment (ORDERDESK_SMTP_PASSWORD) or the file `password_file` names (usecases/mail_secret.py)."""

    host: str = ""
    port: StrictInt = Field(default=25, ge=1, le=65535)
    sender: str = "orderdesk@localhost"
    starttls: StrictBool = False
    username: str = ""
    password_file: str = ""  # an absolute path, read by each process that sends mail; chmod 600
    timeout: PositiveDuration = 10
    retry_after: PositiveDuration = 60  # the first retry; each next one waits twice as long (at most 1h)
    max_attempts: StrictInt = Field(default=8, ge=1, le=MAX_ID)

    @model_validator(mode="before")
    @classmethod
    def _no_password(cls, data: Any) -> Any:
        if isinstance(data, dict) and "password" in data:
            raise ValueError(f"password: {SMTP_PASSWORD_REFUSED}")
        return data

    @field_validator("password_file")
    @classmethod
    def _absolute(cls, value: str) -> str:
        if value and not Path(value).expanduser().is_absolute():
            raise ValueError(f'"{value}" is not an absolute path (each desk and scheduler reads it from where it runs)')
        return value


class SchedulerSettings(Strict):
    in_desk: StrictBool = True  # each terminal desk runs the scheduler thread too (one acts: the lease)
    interval: PositiveDuration = 15  # how often the jobs run
    lease: PositiveDuration = 60  # a scheduler that has not renewed its lease this long is taken over


class SigninSettings(Strict):
    """Failed sign-ins (orderdesk.policy.signin): `max_failures` within `window` lock the login for `lockout`."""

    max_failures: StrictInt = Field(default=5, ge=1, le=1000)
    window: PositiveDuration = 15 * 60
    lockout: PositiveDuration = 15 * 60


class DocumentSettings(Strict):
    """Printed documents (S8): where the desk writes them ("" = the folder the desk was started in)."""

    folder: str = ""


class Settings(Strict):
    managers_see_all: StrictBool = False
    manager_from_registrar: StrictBool = False
    show_undistributed: StrictBool = True
    session_timeout: PositiveDuration = 120
    presence_on_sign_in: Literal["free", "busy", "break"] = "free"  # U1: what signing in at a desk makes him
    distribution: DistributionSettings = DistributionSettings()
    notifications: NotificationSettings = NotificationSettings()
    smtp: SmtpSettings = SmtpSettings()
    scheduler: SchedulerSettings = SchedulerSettings()
    signin: SigninSettings = SigninSettings()
    documents: DocumentSettings = DocumentSettings()


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
    requisites: RequisitesIn | None = None  # for its printed documents (issue 16); checked after currency

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

    @field_validator("requisites")
    @classmethod
    def _documents_currency(cls, value: RequisitesIn | None, info: ValidationInfo) -> RequisitesIn | None:
        if value is not None and "currency" in info.data:
            if info.data["currency"] is None and value.currency is None:
                raise ValueError("the store has no currency (set `currency` of the store: documents state theirs)")
            value.check_store(currency=info.data["currency"])
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
    address: str | None = None  # where documents send the goods (waybill, ПД-4); none: his city
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
    time_limit: PositiveDuration | None = None
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
    before: PositiveDuration


class AutoMoveIn(Strict):
    store: Code
    from_: list[Code] = Field(alias="from", min_length=1)
    after: PositiveDuration
    to: Code
    notice: NoticeIn | None = None

    @model_validator(mode="after")
    def _notice_fits(self) -> AutoMoveIn:
        if self.notice and self.notice.before >= self.after:
            raise ValueError("notice.before must be shorter than after")
        return self


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
    bad = unstorable_at(raw)
    if bad is not None:
        raise InvalidInput(f"{source}: {location(bad[0])}: {bad[1]}")
    try:
        config = DeskConfig.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]["loc"]
        if len(first) > 1 and first[0] == "rules" and isinstance(first[1], int):
            # a rule is named by its place and its name, as the admin finds it in the file
            rules = raw.get("rules")
            entry = rules[first[1]] if isinstance(rules, list) and first[1] < len(rules) else None
            raise InvalidInput(rule_error(exc, where=f"{source}: {rule_place(first[1], entry)}", skip=2)) from None
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
