"""The backlog carousel (teams merged by place) against the implementation it replaced.

Until issue 18 a large pass kept one copy of the carousel per kind of order (store, channel, type,
limited status) and moved a manager in every copy he was in each time he was given an order. That
implementation is kept here, verbatim but for its names, as the reference: on random managers,
groups, policies and orders the new one must make the same decisions with the same traces (what
`orderdesk orders explain` and the audit rows say, D6), and leave the managers in the same state.
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from orderdesk.policy.carousel import _naive_utc
from orderdesk.policy.distribution import (
    Carousel,
    Decision,
    GroupScope,
    Manager,
    OrderFacts,
    Policy,
    Verdict,
    _age,
    _note,
    distribute,
)

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


# ------------------------------------------------------------------ the reference (before issue 18)


class ReferenceCarousel:
    def __init__(self, managers: Iterable[Manager]) -> None:
        self.people: dict[int, Manager] = {m.id: m for m in managers}
        never = datetime.min
        ordered = sorted(
            (m for m in self.people.values() if m.in_carousel),
            key=lambda m: (_naive_utc(m.last_assigned_at) if m.last_assigned_at else never, m.id),
        )
        self.queue: OrderedDict[int, Manager] = OrderedDict((m.id, m) for m in ordered)
        self.unlisted = 0
        self.elsewhere: frozenset[int] = frozenset()
        self._lines: dict[tuple[int, int, int, bool], OrderedDict[int, Manager]] = {}
        self._lines_of: dict[int, list[tuple[int, int, int, bool]]] = {}
        self.dropped: dict[tuple[int, int, int, bool], Counter[str]] = {}
        self._out: dict[int, str] = {}

    def line(self, order: OrderFacts, policy: Policy) -> tuple[tuple[int, int, int, bool], OrderedDict[int, Manager]]:
        key = (order.store_id, order.channel_id, order.type_id, order.status in policy.limit_statuses)
        line = self._lines.get(key)
        if line is None:
            line = OrderedDict()
            dropped: Counter[str] = Counter()
            for m in self.queue.values():
                if m.group_mismatch(order) is not None:
                    continue
                if m.id in self._out and (key[3] or not self._out[m.id].startswith("limit")):
                    dropped[self._out[m.id]] += 1
                    continue
                line[m.id] = m
                self._lines_of.setdefault(m.id, []).append(key)
            self._lines[key] = line
            self.dropped[key] = dropped
        return key, line

    def drop(self, manager: Manager, reason: str) -> None:
        at_limit = reason.startswith("limit")
        self._out[manager.id] = reason
        for key in self._lines_of.get(manager.id, ()):
            if (key[3] or not at_limit) and self._lines[key].pop(manager.id, None) is not None:
                self.dropped[key][reason] += 1

    def given(self, manager_id: int, order: OrderFacts, now: datetime, policy: Policy) -> None:
        manager = self.people[manager_id]
        manager.last_assigned_at = now
        if order.status in policy.limit_statuses:
            manager.load += 1
        if manager_id in self.queue:
            self.queue.move_to_end(manager_id)
            for key in self._lines_of.get(manager_id, ()):
                line = self._lines[key]
                if manager_id in line:
                    line.move_to_end(manager_id)


def reference_decide(order: OrderFacts, carousel: ReferenceCarousel, policy: Policy, now: datetime) -> Decision:
    """`decide(..., stop_at_winner=True)` as it was."""
    decision = Decision(order=order, manager_id=None, via=None)
    if not policy.enabled:
        decision.note = "distribution is switched off"
        return decision
    if policy.too_old(order.created_at, now):
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
    key, line = carousel.line(decision.order, policy)
    decision.skipped.update(carousel.dropped[key])
    unable = []
    for manager in line.values():
        if responsible is not None and manager.id == responsible.id:
            continue
        why = manager.unavailable(policy, status=decision.order.status)
        if why is None:
            decision.manager_id, decision.via = manager.id, "carousel"
            break
        unable.append((manager, why))
    for manager, why in unable:
        _note(decision, Verdict(manager.login, False, why))
        carousel.drop(manager, why)
    if decision.manager_id is not None:
        _note(decision, Verdict(carousel.people[decision.manager_id].login, True, "longest without an order"))
    outside = len(carousel.queue) - len(line) - sum(carousel.dropped[key].values())
    if outside > 0:
        decision.skipped["not in a group for this store, channel and type"] += outside
    if decision.manager_id is None:
        decision.note = "no manager can take it now"
    else:
        decision.note = "the managers after him in the carousel were not examined"
    return decision


def reference_distribute(orders: list[OrderFacts], carousel: ReferenceCarousel, policy: Policy) -> list[Decision]:
    decisions = []
    for order in orders:
        decision = reference_decide(order, carousel, policy, NOW)
        if decision.manager_id is not None:
            carousel.given(decision.manager_id, order, NOW, policy)
        decisions.append(decision)
    return decisions


# ------------------------------------------------------------------ random staff and backlogs

LIMIT_MAX = 3
SCOPES = [
    GroupScope("a", stores=frozenset({1})),
    GroupScope("b", stores=frozenset({1, 2}), channels=frozenset({1})),
    GroupScope("c", stores=frozenset({2}), types=frozenset({2})),
    GroupScope("d", stores=frozenset({2, 3}), channels=frozenset({2}), types=frozenset({1})),
    GroupScope("e", stores=frozenset()),  # lists no store: covers nothing
]
often = st.sampled_from([True, True, True, True, False])
manager_specs = st.fixed_dictionaries(
    {
        "active": often,
        # few distinct memberships, so that teams have several members
        "groups": st.sampled_from([(), (0,), (0,), (1,), (2,), (0, 1), (1, 3), (2, 3), (4,)]).map(
            lambda ix: tuple(SCOPES[i] for i in ix)
        ),
        "logged_in": often,
        "presence": st.sampled_from(["free"] * 6 + ["busy", "break", "offline"]),
        "last_assigned_at": st.none() | st.integers(1, 6).map(lambda k: NOW - timedelta(minutes=k)),
        "load": st.sampled_from([0, 0, 0, 1, 2, LIMIT_MAX]),
        "in_carousel": st.sampled_from([True] * 9 + [False]),
    }
)
teams = st.lists(manager_specs, min_size=1, max_size=14)
policies = st.builds(
    Policy,
    mode=st.sampled_from(["equal"] * 5 + ["none"]),
    check_responsible_online=st.booleans(),
    limit_statuses=st.frozensets(st.sampled_from(["new", "call"]), max_size=2),
    limit_max=st.none() | st.integers(0, LIMIT_MAX) | st.integers(2, LIMIT_MAX),
)
order_specs = st.lists(
    st.tuples(
        st.sampled_from([1, 1, 2, 2, 3]),  # store
        st.integers(1, 2),  # channel
        st.integers(1, 2),  # type
        st.sampled_from(["new", "new", "call", "done"]),
        st.none() | st.none() | st.integers(0, 15),  # the customer's manager (tried first)
        st.sampled_from([0, 0, 0, 1, 91]),  # age in days (91: never distributed)
    ),
    min_size=1,
    max_size=40,
)


def staff(specs: list[dict[str, object]], policy: Policy) -> list[Manager]:
    people = []
    for id, spec in enumerate(specs):
        spec = dict(spec)
        if policy.limit_max is not None:
            spec["load"] = min(spec["load"], policy.limit_max)  # type: ignore[call-overload]
        people.append(Manager(id=id, login=f"u{id}", **spec))  # type: ignore[arg-type]
    return people


def backlog(specs: list[tuple[int, int, int, str, int | None, int]]) -> list[OrderFacts]:
    return [
        OrderFacts(id=n, number=f"B{n}", store_id=store, channel_id=channel, type_id=type_,
                   created_at=NOW - timedelta(days=age, minutes=n), status=status, responsible_id=responsible)
        for n, (store, channel, type_, status, responsible, age) in enumerate(specs)
    ]  # fmt: skip


def said(decision: Decision) -> tuple[object, ...]:
    """All a decision says: who, how, the trace as the audit row stores it (JSON, keys in order)."""
    doc = decision.as_json()
    return decision.manager_id, decision.via, doc["candidates"], list(doc["more"].items()), doc["note"]  # type: ignore[union-attr]


@settings(max_examples=120, deadline=None)
@given(team=teams, policy=policies, specs=order_specs)
def test_property_the_backlog_carousel_decides_and_explains_as_the_one_it_replaced(team, policy, specs) -> None:  # type: ignore[no-untyped-def]
    orders = backlog(specs)
    people = staff(team, policy)
    new = Carousel([replace(m) for m in people])
    new.unlisted = 2
    old = ReferenceCarousel([replace(m) for m in people])
    old.unlisted = 2
    got = distribute(orders, new, policy, NOW, full_trace=False)
    want = reference_distribute(orders, old, policy)
    assert [said(d) for d in got] == [said(d) for d in want]
    assert [(m.id, m.load, m.last_assigned_at) for m in new.people.values()] == [
        (m.id, m.load, m.last_assigned_at) for m in old.people.values()
    ]
    assert list(new.queue) == list(old.queue)


@settings(max_examples=80, deadline=None)
@given(team=teams, policy=policies, specs=order_specs)
def test_property_stopping_at_the_winner_picks_whom_the_whole_walk_picks(team, policy, specs) -> None:  # type: ignore[no-untyped-def]
    """The backlog way (each order walked up to its winner) gives every order to the manager the
    plain walk over the whole carousel gives it to."""
    orders = backlog(specs)
    people = staff(team, policy)
    fast = distribute(orders, Carousel([replace(m) for m in people]), policy, NOW, full_trace=False)
    plain = distribute(orders, Carousel([replace(m) for m in people]), policy, NOW, full_trace=True)
    assert [(d.manager_id, d.via) for d in fast] == [(d.manager_id, d.via) for d in plain]
    for d, p in zip(fast, plain, strict=True):
        if d.manager_id is not None:  # the winner's verdict is in both traces
            assert [v for v in d.trace if v.chosen] == [v for v in p.trace if v.chosen]
