"""SQLModel tables of the order desk.

Money is stored as integer minor units (cents, kopecks); times as naive UTC in the database and
aware UTC in Python (see `UTCDateTime`). Lists of codes that are only ever read whole (roles,
allowed statuses, a stage's payment methods) are JSON columns; relations that are queried
(group membership, a group's stores, channels and order types) are link tables.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import ConfigDict
from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Index,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlmodel import Field, SQLModel


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes in Python, naive UTC in the database (SQLite has no time zones)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def utc_column(*, nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


def json_list() -> Any:
    return Field(default_factory=list, sa_column=Column(JSON, nullable=False, server_default=text("'[]'")))


def money(*, nullable: bool = False) -> Any:
    return Field(default=0, sa_column=Column(BigInteger, nullable=nullable, server_default=text("0")))


class _Table(SQLModel):
    """Tables build their pydantic schema only if something validates them: most commands never do."""

    model_config = ConfigDict(defer_build=True)  # type: ignore[assignment]


class Store(_Table, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    name: str
    timezone: str = "UTC"
    currency: str | None = Field(default=None, sa_column=Column(String(3), nullable=True))  # ISO 4217 (A3)
    language: str = Field(default="en", sa_column=Column(String(8), nullable=False, server_default=text("'en'")))
    requisites: str | None = Field(default=None, sa_column=Column(Text, nullable=True))  # JSON, config/requisites


class Channel(_Table, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    name: str


class OrderType(_Table, table=True):
    __tablename__ = "order_type"
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    name: str


class PaymentMethod(_Table, table=True):
    __tablename__ = "payment_method"
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    name: str
    cash: bool = False


class DeliveryMethod(_Table, table=True):
    __tablename__ = "delivery_method"
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    name: str
    price: int = money()


class UserGroup(_Table, table=True):
    __tablename__ = "user_group"
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    name: str
    process_orders: bool = False


class GroupStore(_Table, table=True):
    __tablename__ = "group_store"
    group_id: int = Field(foreign_key="user_group.id", primary_key=True, ondelete="CASCADE")
    store_id: int = Field(foreign_key="store.id", primary_key=True, ondelete="CASCADE")


class GroupChannel(_Table, table=True):
    __tablename__ = "group_channel"
    group_id: int = Field(foreign_key="user_group.id", primary_key=True, ondelete="CASCADE")
    channel_id: int = Field(foreign_key="channel.id", primary_key=True, ondelete="CASCADE")


class GroupOrderType(_Table, table=True):
    __tablename__ = "group_order_type"
    group_id: int = Field(foreign_key="user_group.id", primary_key=True, ondelete="CASCADE")
    order_type_id: int = Field(foreign_key="order_type.id", primary_key=True, ondelete="CASCADE")


class Employee(_Table, table=True):
    id: int | None = Field(default=None, primary_key=True)
    login: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    name: str
    email: str | None = None
    city: str | None = None
    roles: list[str] = json_list()
    statuses: list[str] = json_list()  # statuses he may set; empty = all (seed 004)
    active: bool = True
    password_hash: str = ""
    presence: str = "offline"  # free | busy | break | offline
    language: str | None = Field(default=None, sa_column=Column(String(8), nullable=True))  # None: his store's
    last_assigned_at: datetime | None = utc_column()


class EmployeeGroup(_Table, table=True):
    __tablename__ = "employee_group"
    employee_id: int = Field(foreign_key="employee.id", primary_key=True, ondelete="CASCADE")
    group_id: int = Field(foreign_key="user_group.id", primary_key=True, ondelete="CASCADE")


class LoginSession(_Table, table=True):
    """A desk logged in as an employee; alive while its heartbeat is fresh."""

    __tablename__ = "login_session"
    id: int | None = Field(default=None, primary_key=True)
    employee_id: int = Field(foreign_key="employee.id", index=True, ondelete="CASCADE")
    started_at: datetime = utc_column(nullable=False)
    heartbeat_at: datetime = utc_column(nullable=False, index=True)
    host: str | None = None


class Customer(_Table, table=True):
    id: int | None = Field(default=None, primary_key=True)
    kind: str = "person"  # person | company
    name: str
    phone: str | None = None
    phone_key: str | None = Field(default=None, index=True)  # digits only, for matching
    email: str | None = Field(default=None, index=True)  # stored lower-case
    city: str | None = None
    address: str | None = Field(default=None, sa_column=Column(Text, nullable=True))  # for documents (issue 16)
    manager_id: int | None = Field(default=None, foreign_key="employee.id", index=True)
    registered_by_id: int | None = Field(default=None, foreign_key="employee.id")
    created_at: datetime | None = utc_column()


class Stage(_Table, table=True):
    """One stage (status) of a store's pipeline; an order's `status` is a stage code."""

    __table_args__ = (UniqueConstraint("store_id", "code"),)
    id: int | None = Field(default=None, primary_key=True)
    store_id: int = Field(foreign_key="store.id", index=True, ondelete="CASCADE")
    code: str
    name: str
    position: int
    time_limit: int | None = None  # seconds; None = no limit
    owner_kind: str = "manager"  # manager | role | employees
    owner_role: str | None = None
    owner_logins: list[str] = json_list()
    payment_methods: list[str] = json_list()  # codes; empty = all
    delivery_methods: list[str] = json_list()
    kind: str = "open"  # open | side | final | cancelled
    active: bool = True
    requires_payment: bool = False  # not left forward until the order is paid (S2)


class AutoMove(_Table, table=True):
    """Seed 004: from these statuses, after this long, go to that status."""

    __tablename__ = "auto_move"
    id: int | None = Field(default=None, primary_key=True)
    store_id: int = Field(foreign_key="store.id", index=True, ondelete="CASCADE")
    from_statuses: list[str] = json_list()
    after: int  # seconds since the order entered the status
    to_status: str
    notice_role: str | None = None
    notice_before: int | None = None  # seconds


# the partial indexes' condition (SQLite, PostgreSQL): open orders
_OPEN = ("is_open = 1", "is_open")


class Order(_Table, table=True):
    __tablename__ = "orders"
    __table_args__ = (
        # pending orders by created_at (manager_id IS NULL), a manager's orders by status
        Index("ix_orders_manager_created", "manager_id", "created_at"),
        Index("ix_orders_manager_status", "manager_id", "status"),
        Index("ix_orders_store_created", "store_id", "created_at"),
        Index("ix_orders_stage_due", "stage_due_at"),
        # what the scheduler looks for, so a sweep costs the due orders, not the stored ones:
        # open orders past their stage's limit and not flagged yet, and the next timed move/notice
        Index(
            "ix_orders_due_unflagged",
            "stage_due_at",
            sqlite_where=text("overdue = 0 AND is_open = 1"),
            postgresql_where=text("NOT overdue AND is_open"),
        ),
        Index(
            "ix_orders_move_due",
            "move_due_at",
            sqlite_where=text("move_due_at IS NOT NULL"),
            postgresql_where=text("move_due_at IS NOT NULL"),
        ),
        Index(
            "ix_orders_notice_due",
            "notice_due_at",
            sqlite_where=text("notice_due_at IS NOT NULL"),
            postgresql_where=text("notice_due_at IS NOT NULL"),
        ),
        Index("ix_orders_status_store", "status", "store_id"),
        # the open part of the book, which is what the desk works on all day: the pending pool
        # in arrival order, and each manager's open orders by status
        Index(
            "ix_orders_pending",
            "created_at",
            "store_id",
            "total",
            sqlite_where=text("manager_id IS NULL AND is_open = 1"),
            postgresql_where=text("manager_id IS NULL AND is_open"),
        ),
        Index(
            "ix_orders_open_by_manager",
            "manager_id",
            "status",
            "total",
            sqlite_where=text("is_open = 1"),
            postgresql_where=text("is_open"),
        ),
        # the desk's lists, each a keyset page read in index order (migration 0007): every order
        # newest first (`orders list`), and the open orders by manager, then by urgency, age or total:
        # my queue, and the pool too (manager_id IS NULL is one value of the first column)
        Index("ix_orders_created", "created_at", "id"),
        *(
            Index(name, *columns, sqlite_where=text(where[0]), postgresql_where=text(where[1]))
            for name, columns, where in (
                ("ix_orders_mine_due", ("manager_id", "stage_due_at", "created_at", "id"), _OPEN),
                ("ix_orders_mine_created", ("manager_id", "created_at", "id"), _OPEN),
                ("ix_orders_mine_total", ("manager_id", "total", "id"), _OPEN),
                # the pool's count and sum per store (D5) and its count, covering (migration 0008)
                ("ix_orders_open_store", ("manager_id", "store_id", "total"), _OPEN),
                # the stage board: a store's open orders per status by time left, and their count
                # and sum per status off the same index (migration 0014)
                ("ix_orders_board", ("store_id", "status", "stage_due_at", "id", "total"), _OPEN),
                # the overdue board: open orders by due time (migration 0014)
                ("ix_orders_open_due", ("stage_due_at", "id"), _OPEN),
                # a contractor's orders newest first (migration 0014)
                ("ix_orders_contractor_created", ("contractor_id", "created_at", "id"),
                 ("contractor_id IS NOT NULL", "contractor_id IS NOT NULL")),
            )
        ),
        # `orders list --status S`, newest first (migration 0014)
        Index("ix_orders_status_created", "status", "created_at", "id"),
    )  # fmt: skip
    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    extra_number: str | None = None
    store_id: int = Field(foreign_key="store.id")
    channel_id: int = Field(foreign_key="channel.id")
    type_id: int = Field(foreign_key="order_type.id")
    customer_id: int = Field(foreign_key="customer.id", index=True)
    manager_id: int | None = Field(default=None, foreign_key="employee.id")
    contractor_id: int | None = Field(default=None, foreign_key="employee.id")
    partner_id: int | None = Field(default=None, foreign_key="customer.id")
    status: str
    is_open: bool = True  # False once in a final or cancelled stage (kept with the status)
    payment_status: str = "unpaid"  # unpaid | paid | refunded
    payment_method_id: int | None = Field(default=None, foreign_key="payment_method.id")
    delivery_method_id: int | None = Field(default=None, foreign_key="delivery_method.id")
    delivery_cost: int = money()
    discount: int = money()
    total: int = money()
    created_at: datetime = utc_column(nullable=False)
    status_entered_at: datetime = utc_column(nullable=False)
    stage_due_at: datetime | None = utc_column()
    overdue: bool = False
    issued_at: datetime | None = utc_column()
    move_due_at: datetime | None = utc_column()  # when a timed move (seed 004) takes it on
    notice_due_at: datetime | None = utc_column()  # when that move's notice goes out


class OrderItem(_Table, table=True):
    __tablename__ = "order_item"
    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="orders.id", index=True, ondelete="CASCADE")
    sku: str
    name: str
    qty: int
    price: int = money()
    discount: int = money()


class OrderLink(_Table, table=True):
    __tablename__ = "order_link"
    order_id: int = Field(foreign_key="orders.id", primary_key=True, ondelete="CASCADE")
    linked_id: int = Field(foreign_key="orders.id", primary_key=True, ondelete="CASCADE")


class Setting(_Table, table=True):
    key: str = Field(primary_key=True)
    value: Any = Field(sa_column=Column(JSON, nullable=False))


class AuditEvent(_Table, table=True):
    """Who (an employee or an automatic rule) changed what, when, before → after, and through which door."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_order_at", "order_id", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = utc_column(nullable=False, index=True)
    actor_id: int | None = Field(default=None, foreign_key="employee.id")
    rule: str | None = None
    order_id: int | None = Field(default=None, foreign_key="orders.id", ondelete="CASCADE")
    action: str
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    # the door the change came through (0010): "desk", "cli" or "scheduler"; for the CLI also the
    # operating-system user and host that ran it (the operator, whoever --as names); NULL before 0010
    channel: str | None = Field(default=None, sa_column=Column(String(16), nullable=True))
    os_user: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    host: str | None = Field(default=None, sa_column=Column(String(255), nullable=True))


class Notification(_Table, table=True):
    """The outbox (A2): a message to an employee's TUI inbox, and by e-mail where configured.

    `key` names the event ("overdue:ORDER:ENTERED"); with the recipient it is unique, so a job that
    runs twice, or two schedulers racing, never tells anybody the same thing twice."""

    __table_args__ = (
        UniqueConstraint("key", "employee_id"),
        Index("ix_notification_inbox", "employee_id", "send_after"),
        # the unread count on every refresh of a desk: not a walk through an admin's whole history
        Index(
            "ix_notification_unread",
            "employee_id",
            "send_after",
            sqlite_where=text("read_at IS NULL"),
            postgresql_where=text("read_at IS NULL"),
        ),
        # `notifications list`, newest (by due time) first (migration 0014)
        Index("ix_notification_sent", "send_after", "id"),
        Index(
            "ix_notification_mail_due",
            "next_attempt_at",
            sqlite_where=text("email_state = 'pending'"),
            postgresql_where=text("email_state = 'pending'"),
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    employee_id: int = Field(foreign_key="employee.id", ondelete="CASCADE")
    order_id: int | None = Field(default=None, foreign_key="orders.id", index=True, ondelete="CASCADE")
    key: str
    kind: str  # overdue | automove_notice | order_placed | …
    subject: str
    text: str = ""
    created_at: datetime = utc_column(nullable=False)
    send_after: datetime = utc_column(nullable=False)  # shown and sent not before this (seed 004: delayed)
    read_at: datetime | None = utc_column()
    email_state: str = "none"  # none (no address or no SMTP) | pending | sent | failed
    attempts: int = 0
    next_attempt_at: datetime | None = utc_column()
    delivered_at: datetime | None = utc_column()
    last_error: str | None = None


class SchedulerLease(_Table, table=True):
    """Which process acts as the scheduler: held while renewed, taken over once it expires."""

    __tablename__ = "scheduler_lease"
    name: str = Field(primary_key=True)
    holder: str
    acquired_at: datetime = utc_column(nullable=False)
    expires_at: datetime = utc_column(nullable=False)


class ConfigGeneration(_Table, table=True):
    """One row: a number every change of the configuration moves on (`orderdesk load`, `settings set`,
    the pipeline, group, staff and rule commands: `storage.writes.bump_config_generation`). A process
    keeps reference data, settings and pipelines in memory while the number it read them at is still
    the database's (issue 18): one small read per transaction instead of re-reading them."""

    __tablename__ = "config_generation"
    id: int = Field(default=1, primary_key=True)
    generation: int = 0


# the task rules' tables live in a module of their own, as the sign-in guard's (failed sign-ins and
# locks); here so that `storage.models` has every table
from storage.signin_models import SigninGuard  # noqa: E402, F401
from storage.task_models import RuleLog, ScheduledTask, Task, TaskRuleRow  # noqa: E402, F401
