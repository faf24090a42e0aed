"""The pure distribution policy (DESIGN D1–D6, B1; seeds 000 and 002): plain data in, decisions out.

Every test builds `Manager`, `GroupScope`, `OrderFacts`, `Policy` and `Carousel` by hand and calls
`decide` / `distribute`; no database, no clock. The property tests at the end re-check every
decision against an independent model of the rules.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from itertools import count

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orderdesk.policy.binding import CustomerBinding, customer_manager_after_assignment
from orderdesk.policy.distribution import (
    MAX_TRACE,
    Carousel,
    GroupScope,
    Manager,
    OrderFacts,
    Policy,
    Verdict,
    decide,
    distribute,
    tried_first,
)

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
STORE, CHANNEL, TYPE = 1, 10, 100
ALL = GroupScope("all", stores=frozenset({STORE, STORE + 1}))  # both stores of these tests, any channel and type

_numbers = count(1)


def mgr(id: int, login: str | None = None, **kw: object) -> Manager:
    """A manager who can take an order now unless told otherwise: active, in a group covering
    everything, logged in, free, no load, never given an order."""
    base: dict[str, object] = {"groups": (ALL,), "logged_in": True, "presence": "free"}
    base.update(kw)
    return Manager(id=id, login=login or f"m{id}", **base)  # type: ignore[arg-type]


def order(
    *,
    responsible: int | None = None,
    store: int = STORE,
    channel: int = CHANNEL,
    type: int = TYPE,
    status: str = "new",
    age: timedelta = timedelta(hours=1),
) -> OrderFacts:
    n = next(_numbers)
    return OrderFacts(
        id=n, number=f"A{n}", store_id=store, channel_id=channel, type_id=type,
        created_at=NOW - age, status=status, responsible_id=responsible,
    )  # fmt: skip


def reasons(decision) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {v.login: v.reason for v in decision.trace}


# --------------------------------------------------------------------------- D2 responsible first


def test_d2_responsible_manager_gets_the_order_when_active_logged_in_free_and_under_limit() -> None:
    # he was given an order more recently than the other, so the carousel alone would pick m1
    resp = mgr(2, "resp", last_assigned_at=NOW - timedelta(minutes=1), load=1)
    other = mgr(1, "other")
    policy = Policy(limit_statuses=frozenset({"new"}), limit_max=2)
    d = decide(order(responsible=2), Carousel([other, resp]), policy, NOW)
    assert (d.manager_id, d.via) == (2, "responsible")
    assert d.trace[0].login == "resp" and d.trace[0].chosen
    assert d.trace[0].reason == "the customer's manager"


def test_d2_responsible_manager_need_not_be_in_the_carousel() -> None:
    resp = mgr(2, "resp", groups=(), in_carousel=False)
    d = decide(order(responsible=2), Carousel([mgr(1), resp]), Policy(), NOW)
    assert (d.manager_id, d.via) == (2, "responsible")


def test_d2_responsible_id_zero_is_a_responsible_manager() -> None:
    """An id is an id: 0 must not be mistaken for "no responsible manager"."""
    d = decide(order(responsible=0), Carousel([mgr(1), mgr(0, "zero", last_assigned_at=NOW)]), Policy(), NOW)
    assert (d.manager_id, d.via) == (0, "responsible")


def test_d2_unknown_responsible_manager_falls_through_to_the_carousel() -> None:
    d = decide(order(responsible=99), Carousel([mgr(1)]), Policy(), NOW)
    assert (d.manager_id, d.via) == (1, "carousel")


@pytest.mark.parametrize(
    ("state", "reason"),
    [
        ({"logged_in": False}, "not logged in"),
        ({"presence": "busy"}, "busy"),
        ({"presence": "break"}, "on a break"),
        ({"presence": "offline"}, "offline"),
    ],
)
def test_d2_checked_online_responsible_who_is_not_available_falls_through_to_the_carousel(
    state: dict[str, object], reason: str
) -> None:
    # he is first in the carousel line too (never given an order, lowest id): only his state stops him
    resp = mgr(1, "resp", **state)
    d = decide(order(responsible=1), Carousel([resp, mgr(2, "next")]), Policy(check_responsible_online=True), NOW)
    assert (d.manager_id, d.via) == (2, "carousel")
    assert d.trace[0].login == "resp" and not d.trace[0].chosen and d.trace[0].reason == reason
    assert [v.login for v in d.trace].count("resp") == 1  # not examined a second time by the carousel


@pytest.mark.parametrize(
    "state", [{"logged_in": False, "presence": "offline"}, {"presence": "busy"}, {"presence": "break"}]
)
def test_d2_unchecked_online_responsible_gets_the_order_even_when_away(state: dict[str, object]) -> None:
    resp = mgr(2, "resp", **state)
    d = decide(order(responsible=2), Carousel([mgr(1), resp]), Policy(check_responsible_online=False), NOW)
    assert (d.manager_id, d.via) == (2, "responsible")
    assert d.trace[0].chosen and d.trace[0].login == "resp"


@pytest.mark.parametrize("check_online", [True, False])
@pytest.mark.parametrize(("state", "reason"), [({"active": False}, "deactivated"), ({"load": 3}, "limit 3/3 in new")])
def test_d2_deactivated_or_over_limit_responsible_falls_through(
    check_online: bool, state: dict[str, object], reason: str
) -> None:
    resp = mgr(1, "resp", **state)
    policy = Policy(check_responsible_online=check_online, limit_statuses=frozenset({"new"}), limit_max=3)
    d = decide(order(responsible=1), Carousel([resp, mgr(2, "next")]), policy, NOW)
    assert (d.manager_id, d.via) == (2, "carousel")
    assert (d.trace[0].login, d.trace[0].chosen, d.trace[0].reason) == ("resp", False, reason)


# --------------------------------------------------------------------------- mode "none"


def test_mode_none_gives_the_order_to_an_available_responsible_manager() -> None:
    resp = mgr(2, "resp")
    d = decide(order(responsible=2), Carousel([mgr(1), resp]), Policy(mode="none"), NOW)
    assert (d.manager_id, d.via) == (2, "responsible")


def test_mode_none_without_a_responsible_manager_assigns_no_one() -> None:
    carousel = Carousel([mgr(1), mgr(2)])  # both free and able
    [d] = distribute([order()], carousel, Policy(mode="none"), NOW)
    assert d.manager_id is None and d.via is None
    assert d.trace == []
    assert "mode none" in d.note and "only the customer's manager" in d.note
    assert all(m.last_assigned_at is None for m in carousel.people.values())


def test_mode_none_with_an_unavailable_responsible_manager_assigns_no_one() -> None:
    resp = mgr(1, "resp", presence="busy")
    d = decide(order(responsible=1), Carousel([resp, mgr(2), mgr(3)]), Policy(mode="none"), NOW)
    assert d.manager_id is None
    assert [(v.login, v.reason) for v in d.trace] == [("resp", "busy")]  # only he was tried
    assert "mode none" in d.note


# --------------------------------------------------------------------------- D3 group matching


@pytest.mark.parametrize(
    ("scope", "reason"),
    [
        (GroupScope("home", stores=frozenset({STORE + 1})), "store not in group home"),
        (GroupScope("home", stores=frozenset({STORE}), channels=frozenset({CHANNEL + 1})), "channel not in group home"),
        (GroupScope("home", stores=frozenset({STORE}), types=frozenset({TYPE + 1})), "type not in group home"),
        (GroupScope("home"), "store not in group home"),  # a group that lists no store covers none
    ],
)
def test_d3_store_channel_and_type_must_be_covered(scope: GroupScope, reason: str) -> None:
    # m1 is first in line; only his group keeps him out
    d = decide(order(), Carousel([mgr(1, "out", groups=(scope,)), mgr(2, "in")]), Policy(), NOW)
    assert d.manager_id == 2
    assert reasons(d)["out"] == reason


def test_d3_empty_sets_mean_any_and_listed_values_match() -> None:
    scope = GroupScope("g", stores=frozenset({STORE, 7}), channels=frozenset(), types=frozenset({TYPE}))
    d = decide(order(channel=12345), Carousel([mgr(1, groups=(scope,)), mgr(2)]), Policy(), NOW)
    assert d.manager_id == 1


def test_d3_manager_without_an_order_processing_group_is_never_a_candidate() -> None:
    carousel = Carousel([mgr(1, "loner", groups=()), mgr(2, "member")])
    decisions = distribute([order() for _ in range(3)], carousel, Policy(), NOW)
    assert [d.manager_id for d in decisions] == [2, 2, 2]
    assert reasons(decisions[0])["loner"] == "not in an order-processing group"
    alone = decide(order(), Carousel([mgr(1, "loner", groups=())]), Policy(), NOW)
    assert alone.manager_id is None and alone.note == "no manager can take it now"


def test_d3_one_of_several_groups_must_cover_the_whole_order() -> None:
    """Seed 000: the managers "from user groups in which the type, order channel and store are similar
    to the order" — a group covers an order, not a store from one group and a channel from another."""
    stores_only = GroupScope("a", stores=frozenset({STORE}), channels=frozenset({CHANNEL + 1}))
    channel_only = GroupScope("b", stores=frozenset({STORE + 1}), channels=frozenset({CHANNEL}))
    split = mgr(1, "split", groups=(stores_only, channel_only))
    d = decide(order(), Carousel([split, mgr(2)]), Policy(), NOW)
    assert d.manager_id == 2
    assert reasons(d)["split"].endswith("not in his groups")
    both = mgr(1, "both", groups=(channel_only, GroupScope("c", stores=frozenset({STORE}))))
    assert decide(order(), Carousel([both, mgr(2)]), Policy(), NOW).manager_id == 1


# --------------------------------------------------------------------------- carousel fairness


def test_carousel_1000_orders_over_7_equal_managers_differ_by_at_most_one() -> None:
    carousel = Carousel([mgr(i) for i in (5, 3, 7, 1, 2, 6, 4)])
    decisions = distribute([order() for _ in range(1000)], carousel, Policy(), NOW, full_trace=False)
    got = Counter(d.manager_id for d in decisions)
    assert set(got) == set(range(1, 8)) and sum(got.values()) == 1000
    assert max(got.values()) - min(got.values()) <= 1
    # never given an order: ties by id, then each goes to the back of the queue
    assert [d.manager_id for d in decisions[:14]] == [1, 2, 3, 4, 5, 6, 7] * 2


def test_carousel_longest_since_an_order_goes_first_never_first_ties_by_id() -> None:
    people = [
        mgr(1, last_assigned_at=NOW - timedelta(hours=1)),
        mgr(2),
        mgr(3, last_assigned_at=NOW - timedelta(hours=2)),
        mgr(4),
        mgr(5, last_assigned_at=NOW - timedelta(hours=2)),
    ]
    carousel = Carousel(reversed(people))
    decisions = distribute([order() for _ in range(6)], carousel, Policy(), NOW)
    assert [d.manager_id for d in decisions] == [2, 4, 3, 5, 1, 2]
    first = reasons(decisions[0])
    assert first["m2"] == "longest without an order"
    assert first["m4"] == first["m1"] == "given an order more recently"
    assert carousel.people[1].last_assigned_at == NOW


def test_carousel_compares_times_in_different_zones_by_the_instant() -> None:
    moscow = timezone(timedelta(hours=3))
    early = mgr(2, last_assigned_at=datetime(2026, 11, 25, 8, 0, tzinfo=moscow))  # 05:00 UTC
    late = mgr(1, last_assigned_at=datetime(2026, 11, 25, 6, 0, tzinfo=UTC))
    assert decide(order(), Carousel([late, early]), Policy(), NOW).manager_id == 2


def test_carousel_busy_manager_gets_nothing_until_free_again() -> None:
    carousel = Carousel([mgr(1), mgr(2), mgr(3)])
    assert [d.manager_id for d in distribute([order() for _ in range(3)], carousel, Policy(), NOW)] == [1, 2, 3]
    carousel.people[1].presence = "busy"
    later = NOW + timedelta(minutes=5)
    decisions = distribute([order() for _ in range(4)], carousel, Policy(), later)
    assert [d.manager_id for d in decisions] == [2, 3, 2, 3]
    assert reasons(decisions[0])["m1"] == "busy"
    carousel.people[1].presence = "free"
    [d] = distribute([order()], carousel, Policy(), later + timedelta(minutes=5))
    assert d.manager_id == 1  # he has waited longest


def test_carousel_only_managers_by_role_take_carousel_orders() -> None:
    outsider = mgr(1, "outsider", in_carousel=False)  # free, in a group, first by id: not a manager by role
    carousel = Carousel([outsider, mgr(2)])
    assert [d.manager_id for d in distribute([order(), order()], carousel, Policy(), NOW)] == [2, 2]
    assert [d.manager_id for d in distribute([order()], Carousel([replace(outsider)]), Policy(), NOW)] == [None]


def test_carousel_responsible_assignment_sends_him_to_the_back_of_the_queue() -> None:
    carousel = Carousel([mgr(1), mgr(2)])
    decisions = distribute([order(responsible=1), order()], carousel, Policy(), NOW)
    assert [(d.manager_id, d.via) for d in decisions] == [(1, "responsible"), (2, "carousel")]


def test_workload_limit_caps_a_manager_and_the_next_in_line_gets_the_order() -> None:
    policy = Policy(limit_statuses=frozenset({"new", "call"}), limit_max=2)
    carousel = Carousel([mgr(1, load=2), mgr(2, load=0, last_assigned_at=NOW - timedelta(minutes=1))])
    decisions = distribute([order(), order(), order()], carousel, policy, NOW)
    assert [d.manager_id for d in decisions] == [2, 2, None]
    assert reasons(decisions[0])["m1"] == "limit 2/2 in call, new"
    assert reasons(decisions[2])["m2"] == "limit 2/2 in call, new"
    assert decisions[2].note == "no manager can take it now"
    assert [m.load for m in carousel.people.values()] == [2, 2]


def test_a_manager_at_his_limit_still_takes_orders_in_other_statuses() -> None:
    policy = Policy(limit_statuses=frozenset({"new"}), limit_max=1)
    carousel = Carousel([mgr(1)])
    decisions = distribute([order(), order(), order(status="call")], carousel, policy, NOW)
    assert [d.manager_id for d in decisions] == [1, None, 1]
    assert decisions[1].trace[0].reason == "limit 1/1 in new"


def test_orders_in_other_statuses_do_not_count_toward_the_limit() -> None:
    policy = Policy(limit_statuses=frozenset({"new"}), limit_max=1)
    carousel = Carousel([mgr(1)])
    decisions = distribute([order(status="call") for _ in range(5)] + [order(), order()], carousel, policy, NOW)
    assert [d.manager_id for d in decisions] == [1] * 6 + [None]
    assert carousel.people[1].load == 1


# --------------------------------------------------------------------------- priority, age, on/off


@pytest.mark.parametrize("newest_first", [False, True])
def test_orders_are_decided_in_the_callers_order(newest_first: bool) -> None:
    """Priority is the caller's: `distribute` takes the orders in the order given, whatever the flag."""
    policy = Policy(newest_first=newest_first, limit_statuses=frozenset({"new"}), limit_max=1)
    young, old = order(age=timedelta(hours=1)), order(age=timedelta(days=30))
    assert [d.manager_id for d in distribute([young, old], Carousel([mgr(1)]), policy, NOW)] == [1, None]
    assert [d.manager_id for d in distribute([old, young], Carousel([mgr(1)]), policy, NOW)] == [1, None]
    decisions = distribute([old, young], Carousel([mgr(1)]), policy, NOW)
    assert decisions[0].order is old


def test_max_age_older_orders_are_never_decided() -> None:
    carousel = Carousel([mgr(1, "resp"), mgr(2)])
    too_old = order(responsible=1, age=timedelta(days=90, seconds=1))
    just = order(responsible=1, age=timedelta(days=90))
    d_old, d_just = distribute([too_old, just], carousel, Policy(), NOW)
    assert d_old.manager_id is None and d_old.via is None and d_old.trace == []
    assert d_old.note == "older than 90 days: never distributed automatically"
    assert d_just.manager_id == 1
    short = decide(order(age=timedelta(hours=13)), Carousel([mgr(1)]), Policy(max_age=timedelta(hours=12)), NOW)
    assert short.manager_id is None
    assert "older than" in short.note and "never distributed" in short.note and "0 days" not in short.note


def test_disabled_distribution_decides_nothing() -> None:
    carousel = Carousel([mgr(1, "resp"), mgr(2)])
    decisions = distribute([order(responsible=1), order()], carousel, Policy(enabled=False), NOW)
    assert [d.manager_id for d in decisions] == [None, None]
    assert all(d.note == "distribution is switched off" and d.trace == [] for d in decisions)
    assert all(m.last_assigned_at is None for m in carousel.people.values())


# --------------------------------------------------------------------------- D6 trace


def test_trace_keeps_at_most_max_trace_verdicts_and_counts_the_rest() -> None:
    people = [mgr(i, presence="busy") for i in range(1, 61)]
    people[54].presence = "free"  # m55, far beyond the kept verdicts
    d = decide(order(responsible=100), Carousel([*people, mgr(100, "resp", logged_in=False)]), Policy(), NOW)
    assert d.manager_id == 55
    assert len(d.trace) == MAX_TRACE
    assert d.trace[0] == Verdict("resp", False, "not logged in")
    assert [v.login for v in d.trace if v.chosen] == ["m55"]
    assert sum(d.skipped.values()) == 61 - MAX_TRACE
    assert set(d.skipped) == {"busy"}


def test_trace_when_the_winner_is_early_the_later_managers_are_counted() -> None:
    d = decide(order(), Carousel([mgr(i) for i in range(1, 61)]), Policy(), NOW)
    assert d.manager_id == 1 and d.trace[0].chosen
    assert len(d.trace) == MAX_TRACE
    assert d.skipped == Counter({"given an order more recently": 60 - MAX_TRACE})


def test_trace_stop_at_winner_leaves_the_rest_unexamined() -> None:
    people = [mgr(1, presence="break"), mgr(2), mgr(3), mgr(4)]
    d = decide(order(), Carousel(people), Policy(), NOW, stop_at_winner=True)
    assert d.manager_id == 2
    assert [(v.login, v.chosen, v.reason) for v in d.trace] == [
        ("m1", False, "on a break"),
        ("m2", True, "longest without an order"),
    ]
    assert not d.skipped and "not examined" in d.note
    [same] = distribute([order()], Carousel([replace(m) for m in people]), Policy(), NOW, full_trace=False)
    assert [v.login for v in same.trace] == ["m1", "m2"]
    full = decide(order(), Carousel([replace(m) for m in people]), Policy(), NOW)
    assert [v.login for v in full.trace] == ["m1", "m2", "m3", "m4"]


def test_trace_as_json_shape() -> None:
    people = [mgr(i, presence="busy") for i in range(1, 46)] + [mgr(50)]
    d = decide(order(responsible=1), Carousel(people), Policy(), NOW)
    doc = json.loads(json.dumps(d.as_json()))
    assert set(doc) == {"via", "candidates", "more", "note"}
    assert doc["via"] == "carousel"
    assert doc["candidates"][0] == {"login": "m1", "chosen": False, "reason": "busy"}
    assert doc["candidates"][-1] == {"login": "m50", "chosen": True, "reason": "longest without an order"}
    assert all(set(c) == {"login", "chosen", "reason"} for c in doc["candidates"])
    assert doc["more"] == {"busy": 46 - MAX_TRACE}
    assert isinstance(doc["note"], str)


# --------------------------------------------------------------------------- B1 binding


def test_b1_customer_without_a_manager_is_bound_to_the_orders_manager() -> None:
    assert customer_manager_after_assignment(None, 7) == 7


def test_b1_deactivated_responsible_is_replaced_by_the_orders_manager() -> None:
    assert customer_manager_after_assignment(3, 7, current_active=False) == 7


def test_b1_active_responsible_stays() -> None:
    assert customer_manager_after_assignment(3, 7, current_active=True) == 3
    assert customer_manager_after_assignment(3, 7) == 3


def test_b1_no_order_manager_changes_nothing() -> None:
    assert customer_manager_after_assignment(3, None, current_active=False) == 3
    assert customer_manager_after_assignment(None, None) is None


def test_b1_orders_one_after_another_see_the_binding_the_earlier_ones_left() -> None:
    binding = CustomerBinding({1: 3, 2: None}, active=lambda e: e != 3)  # 3 is deactivated
    assert binding.assigned(1, 7) == 7  # replaces the deactivated one
    assert binding.assigned(1, 8) == 7  # 7 is active: he stays
    assert binding.assigned(2, 8) == 8
    assert binding.manager_of(5, 4) == 4 and binding.assigned(5, 9) == 4  # met with his card's manager
    assert binding.take_changes() == {1: 7, 2: 8} and binding.take_changes() == {}


def test_seed004_the_registrar_is_tried_only_for_a_customer_without_a_manager() -> None:
    assert tried_first(3, 5, from_registrar=True) == 3
    assert tried_first(None, 5, from_registrar=True) == 5
    assert tried_first(None, 5, from_registrar=False) is None


# --------------------------------------------------------------------------- properties

NEVER = NOW - timedelta(days=3650)  # the model's "never given an order": before any real time
LIMIT_MAX = 3

# biased towards managers who can take orders, so that the interesting cases are frequent
covering = st.sampled_from([frozenset()] * 4 + [frozenset({1}), frozenset({2}), frozenset({1, 2})])
stores_listed = st.sampled_from([frozenset({1}), frozenset({2}), frozenset({1, 2})] * 2 + [frozenset()])
scopes = st.builds(
    GroupScope, code=st.sampled_from(["g1", "g2", "g3"]), stores=stores_listed, channels=covering, types=covering
)
often = st.sampled_from([True, True, True, False])
manager_specs = st.fixed_dictionaries(
    {
        "active": often,
        "groups": st.sampled_from([0, 1, 1, 1, 2]).flatmap(lambda n: st.tuples(*[scopes] * n)),
        "logged_in": often,
        "presence": st.sampled_from(["free", "free", "free", "busy", "break", "offline"]),
        "last_assigned_at": st.none() | st.integers(1, 4).map(lambda k: NOW - timedelta(minutes=k)),
        "load": st.sampled_from([0, 0, 0, 1, 2, LIMIT_MAX]),
        "in_carousel": often,
    }
)
teams = st.lists(st.integers(0, 9), min_size=2, max_size=7, unique=True).flatmap(
    lambda ids: st.lists(manager_specs, min_size=len(ids), max_size=len(ids)).map(
        lambda specs: dict(zip(ids, specs, strict=False))
    )
)
policies = st.builds(
    Policy,
    enabled=st.just(True),
    mode=st.sampled_from(["equal", "equal", "equal", "none"]),
    check_responsible_online=st.booleans(),
    limit_statuses=st.frozensets(st.sampled_from(["new", "call"]), max_size=2),
    limit_max=st.none() | st.integers(0, LIMIT_MAX) | st.integers(2, LIMIT_MAX),
)
order_specs = st.lists(
    st.fixed_dictionaries(
        {
            "store": st.sampled_from([1, 1, 2, 3]),
            "channel": st.integers(1, 2),
            "type": st.integers(1, 2),
            "status": st.sampled_from(["new", "new", "call", "done"]),
            "responsible": st.none() | st.integers(0, 10),
            "age": st.sampled_from([0, 0, 0, 1, 30, 89, 90, 91, 95]).map(lambda d: timedelta(days=d)),
        }
    ),
    min_size=1,
    max_size=12,
)


def _build(team: dict[int, dict[str, object]], policy: Policy) -> dict[int, Manager]:
    """Fresh managers from the specs; loads start at or under the limit."""
    people = {}
    for id, spec in team.items():
        spec = dict(spec)
        if policy.limit_max is not None:
            spec["load"] = min(spec["load"], policy.limit_max)  # type: ignore[call-overload]
        people[id] = Manager(id=id, login=f"u{id}", **spec)  # type: ignore[arg-type]
    return people


def _covers(scope: GroupScope, o: OrderFacts) -> bool:
    return o.store_id in scope.stores and all(not allowed or value in allowed for allowed, value in (
        (scope.channels, o.channel_id), (scope.types, o.type_id)
    ))  # fmt: skip


def _eligible(o: OrderFacts, model: dict[int, Manager], policy: Policy) -> tuple[set[int], set[int]]:
    """Independently of the module: who may take `o` by the responsible rule (D2), and who by the
    carousel rule (D3), from the managers' state just before the decision."""
    if not policy.enabled or o.created_at < NOW - policy.max_age:
        return set(), set()

    def under(m: Manager) -> bool:
        # the limit counts orders in the limited statuses, so it only bars an order in one of them
        return policy.limit_max is None or o.status not in policy.limit_statuses or m.load < policy.limit_max

    def free(m: Manager) -> bool:
        return m.logged_in and m.presence == "free"

    r = model.get(o.responsible_id) if o.responsible_id is not None else None
    if r is not None and r.active and under(r) and (free(r) or not policy.check_responsible_online):
        return {r.id}, set()
    if policy.mode != "equal":
        return set(), set()
    carousel = {
        m.id
        for m in model.values()
        if m.in_carousel and m.active and free(m) and under(m) and any(_covers(g, o) for g in m.groups)
    }
    return set(), carousel


def _orders(specs: list[dict[str, object]]) -> list[OrderFacts]:
    return [
        OrderFacts(
            id=i,
            number=f"P{i}",
            store_id=s["store"],
            channel_id=s["channel"],
            type_id=s["type"],  # type: ignore[arg-type]
            created_at=NOW - s["age"],
            status=s["status"],
            responsible_id=s["responsible"],  # type: ignore[arg-type, operator]
        )  # fmt: skip
        for i, s in enumerate(specs)
    ]


def _replay(team, policy, specs, check, full_trace):  # type: ignore[no-untyped-def]
    """Distribute the orders in one pass (with the full trace, or the backlog way up to each winner),
    then walk the decisions against a model of the managers kept by the test;
    `check(order, decision, by_responsible, by_carousel, model, seq)` per order."""
    carousel = Carousel(_build(team, policy).values())
    orders = _orders(specs)
    decisions = distribute(orders, carousel, policy, NOW, full_trace=full_trace)
    model = _build(team, policy)
    seq = dict.fromkeys(model, 0)  # order of hand-outs within this pass (all at the same `now`)
    for n, (o, d) in enumerate(zip(orders, decisions, strict=True), start=1):
        by_responsible, by_carousel = _eligible(o, model, policy)
        check(o, d, by_responsible, by_carousel, model, seq)
        if d.manager_id is not None:
            m = model[d.manager_id]
            m.last_assigned_at, seq[m.id] = NOW, n
            if o.status in policy.limit_statuses:
                m.load += 1
            if policy.limit_max is not None:
                assert m.load <= policy.limit_max, f"{m.login} over the limit after {o.number}"
    for m in carousel.people.values():
        assert (m.load, m.last_assigned_at) == (model[m.id].load, model[m.id].last_assigned_at)
        if policy.limit_max is not None:
            assert m.load <= policy.limit_max
    return decisions


@settings(max_examples=200, deadline=None)
@given(team=teams, policy=policies, specs=order_specs, full_trace=st.booleans())
def test_property_orders_go_only_to_eligible_managers_and_never_over_the_limit(team, policy, specs, full_trace) -> None:  # type: ignore[no-untyped-def]
    def check(o, d, by_responsible, by_carousel, model, seq):  # type: ignore[no-untyped-def]
        if d.manager_id is None:
            assert not by_responsible, f"{o.number}: the customer's manager could take it"
            assert not by_carousel, f"{o.number}: false 'no manager' while {sorted(by_carousel)} could take it"
            return
        if by_responsible:  # D2 first
            assert (d.manager_id, d.via) == (next(iter(by_responsible)), "responsible")
        else:
            assert d.via == "carousel" and d.manager_id in by_carousel, (
                f"{o.number} went to {d.manager_id}, not eligible (eligible: {sorted(by_carousel)})"
            )
        assert any(v.chosen and v.login == model[d.manager_id].login for v in d.trace)
        assert len(d.trace) <= MAX_TRACE

    _replay(team, policy, specs, check, full_trace)


@settings(max_examples=200, deadline=None)
@given(team=teams, policy=policies, specs=order_specs, full_trace=st.booleans())
def test_property_carousel_winner_is_the_eligible_one_longest_without_an_order(team, policy, specs, full_trace) -> None:  # type: ignore[no-untyped-def]
    def check(o, d, by_responsible, by_carousel, model, seq):  # type: ignore[no-untyped-def]
        if by_carousel:

            def key(i: int) -> tuple[datetime, int, int]:
                return (model[i].last_assigned_at or NEVER, seq[i], i)

            assert d.manager_id == min(by_carousel, key=key)

    _replay(team, policy, specs, check, full_trace)


@settings(max_examples=100, deadline=None)
@given(
    ids=st.lists(st.integers(0, 50), min_size=1, max_size=8, unique=True),
    n=st.integers(0, 60),
    full_trace=st.booleans(),
)
def test_property_equal_free_managers_share_orders_within_one(ids: list[int], n: int, full_trace: bool) -> None:
    carousel = Carousel([mgr(i) for i in ids])
    decisions = distribute([order() for _ in range(n)], carousel, Policy(), NOW, full_trace=full_trace)
    got = Counter(d.manager_id for d in decisions)
    assert None not in got
    counts = [got.get(i, 0) for i in ids]
    assert max(counts) - min(counts) <= 1
    assert [d.manager_id for d in decisions[: len(ids)]] == sorted(ids)[:n]
