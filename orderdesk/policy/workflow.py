"""Pipelines of stages (seed 003): which stages apply to an order, and when its stage is due.

Pure: plain data in, decisions out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from orderdesk.policy.durations import format_duration
from orderdesk.policy.vocab import ADVANCE_KINDS, CLOSED_KINDS


@dataclass(frozen=True)
class Owner:
    """Whose queue an order in a stage appears in (S2)."""

    kind: str = "manager"  # manager | role | employees
    role: str | None = None
    logins: tuple[str, ...] = ()

    def includes(self, *, login: str, roles: Sequence[str], order_manager: str | None) -> bool:
        if self.kind == "role":
            return self.role in roles
        if self.kind == "employees":
            return login in self.logins
        return order_manager == login

    def describe(self) -> str:
        if self.kind == "role":
            return f"role {self.role}"
        if self.kind == "employees":
            return ", ".join(self.logins)
        return "the order's manager"

    @classmethod
    def parse(cls, text: str | Sequence[str]) -> Owner:
        """As people write it: "manager", "role:NAME", "anna,boris" or a list of logins.
        ValueError with the text quoted if it is none of those."""
        if not isinstance(text, str):
            logins = [login.strip() for login in text]
        else:
            value = text.strip()
            if value == "manager":
                return cls("manager")
            if value.startswith("role:"):
                role = value.removeprefix("role:").strip()
                if not role:
                    raise ValueError('"role:" needs a role name, e.g. "role:warehouse"')
                return cls("role", role=role)
            logins = [login.strip() for login in value.split(",")]
        if not logins or any(not login for login in logins):
            raise ValueError(f'"{text}" is not an owner ("manager", "role:NAME" or logins separated by commas)')
        return cls("employees", logins=tuple(dict.fromkeys(logins)))

    def shown(self) -> str:
        """As people write it (the inverse of `parse`)."""
        if self.kind == "role":
            return f"role:{self.role}"
        if self.kind == "employees":
            return ",".join(self.logins)
        return "manager"

    def as_config(self) -> str | list[str]:
        return list(self.logins) if self.kind == "employees" else self.shown()

    def columns(self) -> dict[str, object]:
        """The `stage` table's owner columns."""
        return {"owner_kind": self.kind, "owner_role": self.role, "owner_logins": list(self.logins)}


@dataclass(frozen=True)
class StageSpec:
    code: str
    name: str
    position: int
    kind: str = "open"
    time_limit: int | None = None  # seconds
    payment_methods: tuple[str, ...] = field(default_factory=tuple)
    delivery_methods: tuple[str, ...] = field(default_factory=tuple)
    active: bool = True
    owner: Owner = Owner()
    requires_payment: bool = False  # not left forward until the order is paid


def applies(stage: StageSpec, *, payment_method: str | None, delivery_method: str | None) -> bool:
    """A stage limited to some payment or delivery methods applies only to orders using one of them
    (pickup skips courier and post stages; "awaiting payment" only for non-cash)."""
    if stage.payment_methods and payment_method not in stage.payment_methods:
        return False
    return not (stage.delivery_methods and delivery_method not in stage.delivery_methods)


def first_stage(
    stages: Sequence[StageSpec], *, payment_method: str | None, delivery_method: str | None
) -> StageSpec | None:
    """Where a new order starts: the first active, applicable, open stage of the pipeline."""
    for stage in sorted(stages, key=lambda s: s.position):
        if (
            stage.active
            and stage.kind == "open"
            and applies(stage, payment_method=payment_method, delivery_method=delivery_method)
        ):
            return stage
    return None


def stage_due_at(stage: StageSpec, entered_at: datetime) -> datetime | None:
    if stage.time_limit is None or stage.kind in CLOSED_KINDS:
        return None
    return entered_at + timedelta(seconds=stage.time_limit)


# ------------------------------------------------------------------ moving along the pipeline


def next_stage(
    stages: Sequence[StageSpec], current: str, *, payment_method: str | None, delivery_method: str | None
) -> StageSpec | None:
    """The stage "advance" takes an order to: the next active, applicable open or final stage after
    the current one (S1: pickup skips the courier and post stages, cash skips "awaiting payment").
    None from a final, cancelled or side stage (those are left by an explicit move), or at the end.
    An order in a deactivated stage still advances out of it."""
    ordered = sorted(stages, key=lambda s: s.position)
    here = next((s for s in ordered if s.code == current), None)
    if here is None or here.kind != "open":
        return None
    for stage in ordered:
        if stage.position <= here.position or not stage.active or stage.kind not in ADVANCE_KINDS:
            continue
        if applies(stage, payment_method=payment_method, delivery_method=delivery_method):
            return stage
    return None


def is_forward(stages: Sequence[StageSpec], current: str, target: StageSpec) -> bool:
    """A move into a later open or final stage (a side or cancelled stage is never forward)."""
    here = next((s for s in stages if s.code == current), None)
    return target.kind in ADVANCE_KINDS and (here is None or target.position > here.position)


def may_set(allowed: Sequence[str], status: str) -> bool:
    """S5: an employee may move orders only into the statuses his profile lists (empty = all)."""
    return not allowed or status in allowed


def settable_stages(stages: Sequence[StageSpec], current: str, allowed: Sequence[str]) -> list[StageSpec]:
    """The stages a move may take an order to, in pipeline order: the active ones other than where it
    is, that the employee's profile lets him set (S5)."""
    ordered = sorted(stages, key=lambda s: s.position)
    return [s for s in ordered if s.active and s.code != current and may_set(allowed, s.code)]


# ------------------------------------------------------------------ timed moves (seed 004, S4)


@dataclass(frozen=True)
class MoveRule:
    """From these statuses, `after` seconds after entering, go to `to`; tell `notice_role` `notice_before`
    seconds before."""

    from_statuses: tuple[str, ...]
    after: int
    to: str
    notice_role: str | None = None
    notice_before: int | None = None
    ident: int | None = None

    def describe(self) -> str:
        return f"automove {'/'.join(self.from_statuses)} → {self.to} after {format_duration(self.after)}"


def rule_for(rules: Sequence[MoveRule], status: str) -> MoveRule | None:
    """The rule that moves an order out of `status`: the first listed that names it."""
    return next((r for r in rules if status in r.from_statuses), None)


@dataclass(frozen=True)
class Entry:
    """What entering a stage at a time sets on an order: due times, open or closed."""

    status: str
    is_open: bool
    status_entered_at: datetime
    stage_due_at: datetime | None
    move_due_at: datetime | None
    notice_due_at: datetime | None
    issued_at: datetime | None = None

    def columns(self) -> dict[str, object]:
        return {
            "status": self.status,
            "is_open": self.is_open,
            "status_entered_at": self.status_entered_at,
            "stage_due_at": self.stage_due_at,
            "overdue": False,
            "move_due_at": self.move_due_at,
            "notice_due_at": self.notice_due_at,
            "issued_at": self.issued_at,
        }


def enter(stage: StageSpec, at: datetime, rules: Sequence[MoveRule], *, issued_at: datetime | None = None) -> Entry:
    """An order entering `stage` at `at`: its stage limit (S2/S3) and its next timed move and notice (S4)
    are counted from then; a closed stage has neither. Its issue date (seed 004) is the first time it
    entered a final stage: `issued_at` if it has one already, else `at` if this stage is final."""
    closed = stage.kind in CLOSED_KINDS
    rule = None if closed else rule_for(rules, stage.code)
    move_at = at + timedelta(seconds=rule.after) if rule else None
    notice_at = None
    if rule and rule.notice_role and rule.notice_before and move_at is not None:
        notice_at = move_at - timedelta(seconds=rule.notice_before)
    return Entry(
        status=stage.code,
        is_open=not closed,
        status_entered_at=at,
        stage_due_at=stage_due_at(stage, at),
        move_due_at=move_at,
        notice_due_at=notice_at,
        issued_at=issued_at or (at if stage.kind == "final" else None),
    )
