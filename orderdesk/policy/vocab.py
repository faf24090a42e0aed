"""The desk's words: the closed sets of values that orders, stages and employees take. Pure."""

from __future__ import annotations

from typing import Literal, get_args

Presence = Literal["free", "busy", "break", "offline"]
PaymentStatus = Literal["unpaid", "paid", "refunded"]
StageKind = Literal["open", "side", "final", "cancelled"]
TaskPriority = Literal["low", "normal", "high"]

PRESENCES: tuple[Presence, ...] = get_args(Presence)
PAYMENT_STATUSES: tuple[PaymentStatus, ...] = get_args(PaymentStatus)
STAGE_KINDS: tuple[StageKind, ...] = get_args(StageKind)
CLOSED_KINDS: tuple[StageKind, ...] = ("final", "cancelled")
ADVANCE_KINDS: tuple[StageKind, ...] = ("open", "final")  # "advance" never lands in a side or cancelled stage

SEE_ALL_ROLES = ("admin", "supervisor")  # they see, act on and assign every order of every store
OVERSEERS = SEE_ALL_ROLES  # S3: who hears of a late order

PRESENCE_WORDS: dict[str, str] = {"free": "free", "busy": "busy", "break": "on a break", "offline": "offline"}
