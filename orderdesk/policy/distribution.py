"""Who gets a new order (seed 000, seed 002; DESIGN D1–D6). Pure: plain data and `now` in,
decisions and their traces out; no database, no clock.

The customer's responsible manager is tried first (D2). Then, in mode "equal", the carousel (D3):
among active managers of order-processing groups that cover the order's store, channel and type,
who are logged in, `free` and under the workload limit, the one given an order longest ago (never
= first; ties by id) gets it and goes to the back of the queue.
"""

from __future__ import annotations

import heapq
from collections import Counter, OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple

from orderdesk.policy.carousel import Carousel

MAX_TRACE = 40  # verdicts kept per decision; the rest are counted by reason


@dataclass(frozen=True)
class Policy:
    enabled: bool = True
    mode: str = "equal"  # none | equal
    check_responsible_online: bool = True
    newest_first: bool = False
    max_age: timedelta = timedelta(days=90)
    limit_statuses: frozenset[str] = frozenset()
    limit_max: int | None = None

    def too_old(self, created_at: datetime, now: datetime) -> bool:
        return created_at < now - self.max_age


@dataclass(frozen=True)
class GroupScope:
    """What an order-processing group covers: the stores it lists (none listed: no store, as for
    what its members see and claim), and its channels and types (an empty set means any)."""

    code: str
    stores: frozenset[int] = frozenset()
    channels: frozenset[int] = frozenset()
    types: frozenset[int] = frozenset()

    def mismatch(self, order: OrderFacts) -> str | None:
        if order.store_id not in self.stores:
            return "store"
        if self.channels and order.channel_id not in self.channels:
            return "channel"
        if self.types and order.type_id not in self.types:
            return "type"
        return None


@dataclass
class Manager:
    id: int
    login: str
    active: bool = True
    groups: tuple[GroupScope, ...] = ()  # his order-processing groups
    logged_in: bool = False
    presence: str = "offline"  # free | busy | break | offline
    last_assigned_at: datetime | None = None
    load: int = 0  # his open orders in the limited statuses
    in_carousel: bool = True  # a manager by role; a responsible manager need not be

    def unavailable(self, policy: Policy, *, online_needed: bool = True, status: str | None = None) -> str | None:
        """Why he cannot take an order (in `status`) now, or None. The workload limit counts only
        orders in the limited statuses, so it only stands in the way of an order in one of them."""
        if not self.active:
            return "deactivated"
        if online_needed:
            if not self.logged_in:
                return "not logged in"
            if self.presence != "free":
                return {"busy": "busy", "break": "on a break"}.get(self.presence, self.presence)
        limited = status is None or status in policy.limit_statuses
        if limited and policy.limit_max is not None and self.load >= policy.limit_max:
            statuses = ", ".join(sorted(policy.limit_statuses))
            return f"limit {self.load}/{policy.limit_max} in {statuses}"
        return None

    def group_mismatch(self, order: OrderFacts) -> str | None:
        if not self.groups:
            return "not in an order-processing group"
        misses = [g.mismatch(order) for g in self.groups]
        if any(m is None for m in misses):
            return None
        return (
            f"{misses[0]} not in group {self.groups[0].code}"
            if len(self.groups) == 1
            else (f"{misses[0]} not in his groups")
        )


class OrderFacts(NamedTuple):
    """An order as the distribution sees it (a NamedTuple, not a frozen dataclass: a backlog pass
    makes 100,000 of them, and a frozen dataclass takes 2.5 times as long to build)."""

    id: int
    number: str
    store_id: int
    channel_id: int
    type_id: int
    created_at: datetime
    status: str
    responsible_id: int | None = None  # tried first (D2): see `tried_first`
    customer_id: int | None = None
    customer_manager_id: int | None = None  # the customer's responsible manager (B1)


def tried_first(customer_manager: int | None, registrar: int | None, *, from_registrar: bool) -> int | None:
    """Who is tried before the carousel (D2): the customer's responsible manager; with the setting
    `manager_from_registrar` (seed 004), for a customer who has none, the employee who registered him."""
    if customer_manager is None and from_registrar:
        return registrar
    return customer_manager


class Verdict(NamedTuple):  # a NamedTuple for the cost of making and hashing 100,000 of them
    login: str
    chosen: bool
    reason: str


@dataclass(slots=True)
class Decision:
    order: OrderFacts
    manager_id: int | None
    via: str | None  # "responsible" | "carousel" | None
    trace: list[Verdict] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=lambda: Counter.__new__(Counter))  # reasons of verdicts not kept
    # (an empty Counter without Counter.__init__, a fifth of its cost: a backlog pass makes 100,000)
    note: str = ""

    def as_json(self) -> dict[str, object]:
        return {
            "via": self.via,
            "candidates": [{"login": v.login, "chosen": v.chosen, "reason": v.reason} for v in self.trace],
            "more": dict(self.skipped),
            "note": self.note,
        }


def _age(max_age: timedelta) -> str:
    return f"{max_age.days} days" if max_age % timedelta(days=1) == timedelta(0) else str(max_age)


def decide(
    order: OrderFacts, carousel: Carousel, policy: Policy, now: datetime, *, stop_at_winner: bool = False
) -> Decision:
    """The manager for `order`, or none, with the reasons for every manager considered.

    `stop_at_winner` (large backlogs) leaves the managers after the winner unexamined, which keeps a
    pass linear in orders rather than in orders × managers."""
    decision = Decision(order, None, None)
    if not policy.enabled:
        decision.note = "distribution is switched off"
        return decision
    if order.created_at < now - policy.max_age:  # `Policy.too_old`, inline (a pass decides 100,000)
        decision.note = f"older than {_age(policy.max_age)}: never distributed automatically"
        return decision
    if order.responsible_id is not None and order.responsible_id in carousel.elsewhere:
        decision.note = "its customer's manager is being given an order at another desk: left for the next pass"
        return decision
    responsible = carousel.people.get(order.responsible_id) if order.responsible_id is not None else None
    if responsible is not None:
        why = responsible.unavailable(policy, online_needed=policy.check_responsible_online, status=order.status)
        decision.trace.append(Verdict(responsible.login, why is None, why or "the customer's manager"))
        if why is None:
            decision.manager_id, decision.via = responsible.id, "responsible"
            return decision
    if policy.mode != "equal":
        decision.note = "mode none: only the customer's manager is tried"
        return decision
    if stop_at_winner:
        return _first_in_line(decision, carousel, policy, responsible)
    for manager in carousel.queue.values():
        if responsible is not None and manager.id == responsible.id:
            continue
        why = manager.group_mismatch(order) or manager.unavailable(policy, status=order.status)
        if decision.manager_id is None and why is None:
            decision.manager_id, decision.via = manager.id, "carousel"
            _note(decision, Verdict(manager.login, True, "longest without an order"))
            continue
        _note(decision, Verdict(manager.login, False, why or "given an order more recently"))
    if carousel.unlisted:
        decision.skipped["not in a group for this store, channel and type"] += carousel.unlisted
    if decision.manager_id is None:
        decision.note = "no manager can take it now"
    return decision


def _first_in_line(decision: Decision, carousel: Carousel, policy: Policy, responsible: Manager | None) -> Decision:
    """The carousel for large backlogs: only the managers whose groups cover the order are walked,
    up to the first who can take it; those who cannot are dropped from the line as they are met
    and counted by reason, so each order costs about one step whatever the number of managers."""
    queues, left, size = carousel.line(decision.order, policy)
    if left:
        decision.skipped.update(left)  # met by earlier orders of the pass
    status = decision.order.status
    first = _front(queues, carousel)
    if (
        first is not None
        and (responsible is None or first.id != responsible.id)
        and first.unavailable(policy, status=status) is None
    ):
        decision.manager_id, decision.via = first.id, "carousel"  # the usual case: the head of the line
    else:
        unable = []
        for manager in _merged(queues, carousel):
            if responsible is not None and manager.id == responsible.id:
                continue
            why = manager.unavailable(policy, status=status)
            if why is None:
                decision.manager_id, decision.via = manager.id, "carousel"
                break
            unable.append((manager, why))
        for manager, why in unable:
            _note(decision, Verdict(manager.login, False, why))
            carousel.drop(manager, why)
    if decision.manager_id is not None:
        _note(decision, Verdict(carousel.people[decision.manager_id].login, True, "longest without an order"))
    outside = len(carousel.queue) - size
    if outside > 0:
        skipped = decision.skipped
        skipped[_OUTSIDE] = skipped.get(_OUTSIDE, 0) + outside
    if decision.manager_id is None:
        decision.note = "no manager can take it now"
    else:
        decision.note = "the managers after him in the carousel were not examined"
    return decision


_OUTSIDE = "not in a group for this store, channel and type"


def _front(queues: list[OrderedDict[int, Manager]], carousel: Carousel) -> Manager | None:
    """The first manager of the line: the one with the lowest place among the queues' heads."""
    best, best_place = None, -1
    for queue in queues:
        if queue:
            head = next(iter(queue.values()))
            place = carousel.place(head.id)
            if best is None or place < best_place:
                best, best_place = head, place
    return best


def _merged(queues: list[OrderedDict[int, Manager]], carousel: Carousel) -> Iterable[Manager]:
    """The line's managers in carousel order."""
    if len(queues) == 1:
        return queues[0].values()
    return heapq.merge(*(q.values() for q in queues), key=lambda m: carousel.place(m.id))


def _note(decision: Decision, verdict: Verdict) -> None:
    """Keep at most MAX_TRACE verdicts, the winner always among them: a late winner takes the place
    of the last loser kept, whose reason is then counted in `skipped`."""
    if len(decision.trace) < MAX_TRACE:
        decision.trace.append(verdict)
    elif verdict.chosen:
        for i in range(len(decision.trace) - 1, -1, -1):
            if not decision.trace[i].chosen:
                decision.skipped[decision.trace.pop(i).reason] += 1
                break
        decision.trace.append(verdict)
    else:
        decision.skipped[verdict.reason] += 1


def distribute(
    orders: Iterable[OrderFacts], carousel: Carousel, policy: Policy, now: datetime, *, full_trace: bool = True
) -> list[Decision]:
    """Decide every order in the order given, each decision seeing the ones before it."""
    decisions = []
    for order in orders:
        decision = decide(order, carousel, policy, now, stop_at_winner=not full_trace)
        if decision.manager_id is not None:
            carousel.given(decision.manager_id, order, now, policy)
        decisions.append(decision)
    return decisions
