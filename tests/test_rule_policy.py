"""The pure task-rules policy (seed 001, DESIGN T1–T5, T7): conditions, templates, the task carousel,
and `select` — checked by hand and, at the end, by a property test against an independent model."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from orderdesk.policy.rules import (
    EVENTS,
    Candidate,
    EmployeeConditions,
    OrderConditions,
    RuleEvent,
    RuleOrder,
    TaskRule,
    pick,
    render,
    select,
    unknown_variables,
)

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)

ORDER = RuleOrder(
    id=1, number="H-1001", store="home", channel="site", type="regular", status="new", amount=12_345_00,
    payment_method="card", delivery_method="courier", city="Saint Petersburg", customer_name="Alexander Sidorov",
    phone="+7 900 000-00-01", email="Sidorov@Example.com", store_name="Home & Garden", status_name="Received",
    total_text="12345.00 RUB", manager_name="Anna Petrova",
)  # fmt: skip
CREATED = RuleEvent(kind="order_created", order_id=1, occurrence="created", at=NOW)


def rule(name: str, **fields: object) -> TaskRule:
    return TaskRule(id=abs(hash(name)) % 10_000, name=name, event=fields.pop("event", "order_created"),  # type: ignore[arg-type]
                    title=fields.pop("title", "t"), **fields)  # type: ignore[arg-type]  # fmt: skip


def fired(rules: list[TaskRule], event: RuleEvent = CREATED, order: RuleOrder = ORDER) -> list[str]:
    return [t.rule for t in select(rules, event, order) if t.fired]


# ----------------------------------------------------------------------------------- order conditions


def test_no_conditions_match_every_order() -> None:
    assert OrderConditions().mismatch(ORDER) is None
    assert OrderConditions().mismatch(replace(ORDER, city=None, payment_method=None, amount=0)) is None


def test_the_amount_range_includes_both_ends_and_says_why_an_order_is_outside_it() -> None:
    between = OrderConditions(amount_from=50_000_00, amount_to=1_000_000_00)
    assert between.mismatch(replace(ORDER, amount=50_000_00)) is None
    assert between.mismatch(replace(ORDER, amount=1_000_000_00)) is None
    under = between.mismatch(replace(ORDER, amount=49_999_99, total_text="49999.99"))
    over = between.mismatch(replace(ORDER, amount=1_000_000_01, total_text="1000000.01"))
    assert under == "total 49999.99 is under the rule's 50000.00"
    assert over == "total 1000000.01 is over the rule's 1000000.00"


def test_city_ignores_case_and_spacing() -> None:
    assert OrderConditions(city="saint  petersburg").mismatch(ORDER) is None
    assert OrderConditions(city="Moscow").mismatch(ORDER) == 'city is "Saint Petersburg", not "Moscow"'
    assert OrderConditions(city="Moscow").mismatch(replace(ORDER, city=None)) == 'city is "—", not "Moscow"'


def test_customer_is_matched_by_phone_e_mail_or_exact_name() -> None:
    for wanted in ("79000000001", "+7 (900) 000-00-01", "sidorov@example.com", "alexander sidorov"):
        assert OrderConditions(customer=wanted).mismatch(ORDER) is None, wanted
    for wanted in ("Alexander", "79000000002", "other@example.com"):
        assert OrderConditions(customer=wanted).mismatch(ORDER) is not None, wanted


def test_codes_must_be_equal() -> None:
    for key, other in (("store", "dom"), ("channel", "app"), ("type", "quick"), ("payment_method", "cash"),
                       ("delivery_method", "post")):  # fmt: skip
        assert OrderConditions(**{key: getattr(ORDER, key)}).mismatch(ORDER) is None
        why = OrderConditions(**{key: other}).mismatch(ORDER)
        assert why == f'{key.replace("_", " ")} is "{getattr(ORDER, key)}", not "{other}"'
    assert OrderConditions(payment_method="cash").mismatch(replace(ORDER, payment_method=None)) == (
        'payment method is "—", not "cash"'
    )


def test_all_given_conditions_must_hold() -> None:
    both = OrderConditions(city="Saint Petersburg", store="dom")
    assert both.mismatch(ORDER) == 'store is "home", not "dom"'
    assert both.mismatch(replace(ORDER, store="dom")) is None


def test_status_changed_rules_look_at_to_and_from() -> None:
    moved = RuleEvent(kind="status_changed", order_id=1, occurrence="status:paid:x", at=NOW, from_status="new",
                      to_status="paid")  # fmt: skip
    assert rule("any", event="status_changed").mismatch(moved, ORDER) is None
    assert rule("to", event="status_changed", to_status="paid").mismatch(moved, ORDER) is None
    assert rule("to", event="status_changed", to_status="sent").mismatch(moved, ORDER) == (
        'status changed to "paid", not "sent"'
    )
    assert rule("from", event="status_changed", from_statuses=("new", "callback")).mismatch(moved, ORDER) is None
    assert rule("from", event="status_changed", from_statuses=("callback",)).mismatch(moved, ORDER) == (
        'status changed from "new", not from callback'
    )


def test_overdue_rules_look_at_the_stage_overstayed() -> None:
    late = RuleEvent(kind="overdue", order_id=1, occurrence="overdue:in_print:x", at=NOW, to_status="in_print")
    assert rule("any", event="overdue").mismatch(late, ORDER) is None
    assert rule("print", event="overdue", to_status="in_print").mismatch(late, ORDER) is None
    assert rule("new", event="overdue", to_status="new").mismatch(late, ORDER) == 'overdue in "in_print", not "new"'


# ----------------------------------------------------------------------------------- select


def test_the_first_matching_rule_fires_and_stops_the_others() -> None:
    rules = [rule("b", priority=10), rule("a", priority=20), rule("c", priority=10)]
    tried = select(rules, CREATED, ORDER)
    assert [t.rule for t in tried] == ["b", "c", "a"]  # position order, ties by name
    assert [t.fired for t in tried] == [True, False, False]
    assert tried[1].matched and tried[1].reason == 'matched, but "b" fired before it without continue'


def test_continue_lets_the_next_matching_rules_fire_up_to_the_first_without_it() -> None:
    rules = [rule("1", priority=1, continues=True), rule("2", priority=2, when=OrderConditions(store="dom")),
             rule("3", priority=3, continues=True), rule("4", priority=4), rule("5", priority=5)]  # fmt: skip
    tried = {t.rule: t for t in select(rules, CREATED, ORDER)}
    assert fired(rules) == ["1", "3", "4"]
    assert not tried["2"].matched and tried["2"].reason == 'store is "home", not "dom"'
    assert tried["5"].matched and not tried["5"].fired


def test_disabled_rules_and_rules_of_other_events_are_not_tried() -> None:
    rules = [rule("off", priority=1, enabled=False), rule("late", priority=1, event="overdue"), rule("on")]
    assert [t.rule for t in select(rules, CREATED, ORDER)] == ["on"]
    assert fired(rules) == ["on"]


# ----------------------------------------------------------------------------------- templates


def test_every_variable_is_filled() -> None:
    template = "#ORDER_ID# #NAME# #PHONE# #EMAIL# #TOTAL# #STATUS# #STORE# #MANAGER#"
    assert render(template, ORDER) == (
        "H-1001 Alexander Sidorov +7 900 000-00-01 Sidorov@Example.com 12345.00 RUB Received Home & Garden Anna Petrova"
    )
    bare = replace(ORDER, phone=None, email=None, total_text="", status_name="", store_name="", manager_name="")
    assert render(template, bare) == "H-1001 Alexander Sidorov   12345.00 new home "


def test_a_customer_name_with_hashes_or_braces_prints_as_given() -> None:
    odd = replace(ORDER, customer_name="#PHONE# {name} {0} %s #NAME#", phone="+7 1")
    assert render("Call #NAME# on #PHONE#", odd) == "Call #PHONE# {name} {0} %s #NAME# on +7 1"
    assert render("{NAME} #NAME#", ORDER) == "{NAME} Alexander Sidorov"  # braces in the template stay too


def test_unknown_variables_are_named_once_each_in_order() -> None:
    assert unknown_variables("Call #NAME# at #EMIAL# or #FOO# or #EMIAL#") == ["EMIAL", "FOO"]
    assert unknown_variables("Order #1234, #NAME#") == []
    assert render("Hi #EMIAL#", ORDER) == "Hi #EMIAL#"


# ----------------------------------------------------------------------------------- who gets the task


def person(id: int, login: str, **fields: object) -> Candidate:
    return Candidate(id=id, login=login, **{"roles": ("manager",), "serves_store": True, **fields})  # type: ignore[arg-type]


FREE = {"logged_in": True, "presence": "free"}


def test_a_free_employee_comes_before_one_who_is_only_active() -> None:
    people = [person(1, "anna"), person(2, "boris", **FREE), person(3, "vera", logged_in=True, presence="busy")]
    choice = pick(EmployeeConditions(role="manager"), people)
    assert choice.login == "boris" and not choice.missed
    assert choice.matched == ("anna", "boris", "vera")
    assert "logged in and free" in choice.why


def test_a_task_about_his_order_goes_to_its_manager_when_he_matches() -> None:
    people = [person(1, "anna", **FREE), person(2, "boris"), person(3, "mike", roles=("warehouse",))]
    choice = pick(EmployeeConditions(role="manager"), people, manager_id=2)
    assert choice.login == "boris" and "the order's manager" in choice.why  # offline, but it is his order
    assert pick(EmployeeConditions(role="manager"), people, manager_id=3).login == "anna"  # not a manager


def test_nobody_free_goes_to_an_active_one() -> None:
    people = [person(1, "anna", logged_in=True, presence="break"), person(2, "boris"), person(3, "old", active=False)]
    choice = pick(EmployeeConditions(role="manager"), people)
    assert choice.login == "anna"
    assert choice.matched == ("anna", "boris")  # the deactivated one never matches
    assert "active (nobody who matches is logged in and free)" in choice.why


def test_the_carousel_gives_it_to_the_one_without_a_task_longest() -> None:
    people = [person(1, "anna", last_task_at=NOW - timedelta(hours=1), **FREE),
              person(2, "boris", last_task_at=NOW - timedelta(hours=3), **FREE),
              person(3, "vera", last_task_at=NOW - timedelta(hours=2), **FREE)]  # fmt: skip
    assert pick(EmployeeConditions(), people).login == "boris"
    never = [*people, person(4, "new", **FREE)]
    assert pick(EmployeeConditions(), never).login == "new"  # never given one: first
    tied = [person(5, "b", **FREE), person(4, "a", **FREE)]
    assert pick(EmployeeConditions(), tied).login == "a"  # ties by id


def test_the_carousel_compares_times_across_zones() -> None:
    moscow = timezone(timedelta(hours=3))
    people = [person(1, "anna", last_task_at=datetime(2026, 11, 25, 10, 0, tzinfo=moscow), **FREE),  # 07:00 UTC
              person(2, "boris", last_task_at=datetime(2026, 11, 25, 8, 0, tzinfo=UTC), **FREE)]  # fmt: skip
    assert pick(EmployeeConditions(), people).login == "anna"


def test_employee_conditions_must_all_hold() -> None:
    people = [person(1, "anna", city="Moscow", groups=("home-web",)),
              person(2, "irina", city="Saint Petersburg", groups=("home-web",)),
              person(3, "nik", city="saint petersburg", groups=("dom-all",)),
              Candidate(id=4, login="mike", roles=("warehouse",), city="Saint Petersburg", serves_store=True),
              person(5, "far", city="Saint Petersburg", serves_store=False)]  # fmt: skip
    spb = pick(EmployeeConditions(role="manager", city="Saint Petersburg"), people)
    assert spb.matched == ("irina", "nik")
    assert pick(EmployeeConditions(role="manager", group="home-web", city="Saint Petersburg"), people).login == "irina"
    assert EmployeeConditions(role="manager").mismatch(people[4]) == "does not serve the order's store"


def test_one_named_employee_gets_it_whatever_store_he_serves_unless_deactivated() -> None:
    people = [person(1, "anna", **FREE), Candidate(id=2, login="irina", serves_store=False)]
    choice = pick(EmployeeConditions(login="irina"), people)
    assert (choice.login, choice.matched) == ("irina", ("irina",))
    gone = pick(EmployeeConditions(login="irina"), [people[0], replace(people[1], active=False)])
    assert gone.login is None and gone.missed


def test_nobody_matching_sends_it_to_the_stores_supervisor_and_says_so() -> None:
    people = [person(1, "anna"), Candidate(id=7, login="sergey", roles=("supervisor",), supervises_store=True),
              Candidate(id=8, login="helen", roles=("supervisor",), supervises_store=True, active=False)]  # fmt: skip
    choice = pick(EmployeeConditions(role="courier"), people)
    assert (choice.login, choice.missed, choice.matched) == ("sergey", True, ())
    assert choice.why == "nobody is any employee with role courier: to the store's supervisor"
    nobody = pick(EmployeeConditions(role="courier"), people[:1])
    assert (nobody.login, nobody.employee_id, nobody.missed) == (None, None, True)
    assert nobody.why == "nobody is any employee with role courier, and the store has no supervisor"


# ----------------------------------------------------------------------------------- the property


STATUSES = ("new", "paid", "sent")
CUSTOMERS = ("Alexander Sidorov", "alexander  SIDOROV", "+7 900 000-00-01", "SIDOROV@example.com", "Irina Petrova")

conditions = st.builds(
    OrderConditions,
    amount_from=st.sampled_from([None, 0, 100, 500]),
    amount_to=st.sampled_from([None, 100, 500, 1000]),
    city=st.sampled_from([None, "Moscow", "moscow", "Saint Petersburg"]),
    customer=st.sampled_from([None, *CUSTOMERS]),
    store=st.sampled_from([None, "home", "dom"]),
    channel=st.sampled_from([None, "site", "app"]),
    type=st.sampled_from([None, "regular"]),
    payment_method=st.sampled_from([None, "card", "cash"]),
    delivery_method=st.sampled_from([None, "courier"]),
)


@st.composite
def rule_sets(draw: st.DrawFn) -> list[TaskRule]:
    names = draw(st.lists(st.text("abcdef", min_size=1, max_size=3), unique=True, max_size=12))
    return [
        TaskRule(
            id=i + 1,
            name=name,
            title="t",
            event=draw(st.sampled_from(EVENTS)),
            to_status=draw(st.sampled_from([None, *STATUSES])),
            from_statuses=tuple(draw(st.lists(st.sampled_from(STATUSES), unique=True, max_size=2))),
            when=draw(conditions),
            priority=draw(st.integers(1, 4)),
            continues=draw(st.booleans()),
            enabled=draw(st.booleans()),
        )  # fmt: skip
        for i, name in enumerate(names)
    ]


orders = st.builds(
    RuleOrder,
    id=st.just(1), number=st.just("N-1"), store=st.sampled_from(["home", "dom"]),
    channel=st.sampled_from(["site", "app"]), type=st.just("regular"), status=st.sampled_from(STATUSES),
    amount=st.sampled_from([0, 99, 100, 101, 500, 1000, 1001]),
    payment_method=st.sampled_from([None, "card", "cash"]), delivery_method=st.sampled_from([None, "courier"]),
    city=st.sampled_from([None, "Moscow", "MOSCOW ", "Saint Petersburg"]),
    customer_name=st.sampled_from(["Alexander Sidorov", "Irina Petrova", "Somebody"]),
    phone=st.sampled_from([None, "79000000001", "+7 900 111-11-11"]),
    email=st.sampled_from([None, "sidorov@example.com", "x@example.com"]),
)  # fmt: skip


@st.composite
def events(draw: st.DrawFn) -> RuleEvent:
    kind = draw(st.sampled_from(EVENTS))
    to = draw(st.sampled_from(STATUSES)) if kind != "order_created" else None
    left = draw(st.sampled_from(STATUSES)) if kind == "status_changed" else None
    return RuleEvent(kind=kind, order_id=1, occurrence="x", at=NOW, from_status=left, to_status=to)


def model_matches(r: TaskRule, event: RuleEvent, order: RuleOrder) -> bool:
    """The rules of seed 001 written out again, independently of `orderdesk.policy.rules`."""
    w = r.when
    if w.amount_from is not None and order.amount < w.amount_from:
        return False
    if w.amount_to is not None and order.amount > w.amount_to:
        return False
    if w.city is not None and " ".join((order.city or "").split()).lower() != w.city.lower():
        return False
    if w.customer is not None:
        digits = "".join(ch for ch in w.customer if ch.isdigit())
        same = (
            " ".join(w.customer.split()).lower() == order.customer_name.lower()
            or (len(digits) >= 5 and digits == "".join(ch for ch in order.phone or "" if ch.isdigit()))
            or ("@" in w.customer and w.customer.lower() == (order.email or "").lower())
        )
        if not same:
            return False
    for key in ("store", "channel", "type", "payment_method", "delivery_method"):
        if getattr(w, key) is not None and getattr(w, key) != getattr(order, key):
            return False
    if r.to_status is not None and event.kind in ("status_changed", "overdue") and r.to_status != event.to_status:
        return False
    return not (event.kind == "status_changed" and r.from_statuses and event.from_status not in r.from_statuses)


@settings(max_examples=400, deadline=None)
@given(rules=rule_sets(), order=orders, event=events())
def test_the_fired_rules_are_the_matching_ones_up_to_the_first_without_continue(
    rules: list[TaskRule], order: RuleOrder, event: RuleEvent
) -> None:
    tried = select(rules, event, order)
    candidates = sorted((r for r in rules if r.enabled and r.event == event.kind), key=lambda r: (r.priority, r.name))
    expected: list[str] = []
    for r in candidates:
        if model_matches(r, event, order):
            expected.append(r.name)
            if not r.continues:
                break
    assert [t.rule for t in tried if t.fired] == expected
    # every enabled rule of the event is tried, in position order, and says whether it matched
    assert [t.rule for t in tried] == [r.name for r in candidates]
    assert [t.matched for t in tried] == [model_matches(r, event, order) for r in candidates]
    assert all(t.matched for t in tried if t.fired)


def test_a_missed_amount_reads_as_money_in_the_orders_currency() -> None:
    from orderdesk.policy.rules import OrderConditions, RuleOrder

    order = RuleOrder(id=1, number="D-1", store="dom", channel="site", type="regular", status="new",
                      amount=279500, total_text="2\u202f795,00\u202f₽", currency="RUB")  # fmt: skip
    why = OrderConditions(amount_from=5_000_000).mismatch(order)
    assert why is not None and why.endswith("under the rule's 50\u202f000,00\u202f₽"), why
