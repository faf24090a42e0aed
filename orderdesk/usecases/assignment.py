"""Use cases that give orders managers: the distribution pass (D4), claim, assign, save (B1); the
explanation of a decision (D6) is usecases/explain.py.

Each runs in the caller's transaction (one per command); writes are set-based so that a backlog of
100,000 orders is one pass: the decisions are made in memory by `orderdesk.policy.distribution`, then
written with a few executemany statements (`storage.writes`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, select

from orderdesk.clock import Clock
from orderdesk.config.schema import Settings
from orderdesk.config.settings import read_settings
from orderdesk.policy.access import check_may_assign, check_may_claim, check_may_see
from orderdesk.policy.binding import CustomerBinding
from orderdesk.policy.distribution import (
    Carousel,
    Decision,
    GroupScope,
    Manager,
    OrderFacts,
    Policy,
    decide,
    tried_first,
)
from orderdesk.policy.errors import Conflict, NotAllowed
from orderdesk.usecases import audit
from orderdesk.usecases.binding import bind_customers, write_customer_managers
from orderdesk.views.access import actor_of, facts_of
from orderdesk.views.lookup import get_employee, order_by_number, pipeline_of
from orderdesk.views.reference import reference
from storage import distribution_queries, writes
from storage.models import Customer, Employee, Order

FULL_TRACE_UP_TO = 1000  # a larger backlog records only the managers up to each winner
CHUNK = 10_000  # pending orders decided and written at a time


def policy_of(settings: Settings) -> Policy:
    d = settings.distribution
    limit = d.workload_limit
    return Policy(
        enabled=d.enabled,
        mode=d.mode,
        check_responsible_online=d.check_responsible_online,
        newest_first=d.priority == "newest_first",
        max_age=timedelta(seconds=d.max_age),
        limit_statuses=frozenset(limit.statuses) if limit else frozenset(),
        limit_max=limit.max if limit else None,
    )


def order_facts(row: Any, *, settings: Settings, binding: CustomerBinding | None = None) -> OrderFacts:
    """What the policy reads about an order and its customer, from a row of `distribution_queries.pending_orders`
    or `distribution_queries.order_fact_rows`: the one place these facts are made, so that `explain` says what
    the pass does (D6). `binding` holds the customers as the decisions before this one left them."""
    manager = binding.manager_of(row.customer_id, row.responsible_id) if binding else row.responsible_id
    return OrderFacts(
        id=row.id, number=row.number, store_id=row.store_id, channel_id=row.channel_id, type_id=row.type_id,
        created_at=row.created_at, status=row.status,
        responsible_id=tried_first(manager, row.registrar_id, from_registrar=settings.manager_from_registrar),
        customer_id=row.customer_id, customer_manager_id=manager,
    )  # fmt: skip


def load_carousel(
    *,
    session: Session,
    now: datetime,
    settings: Settings,
    policy: Policy,
    only_for: list[OrderFacts] | None = None,
    lock: bool = False,
) -> Carousel:
    """The employees as the distribution sees them now: groups, login, presence, load.

    `only_for` (a few arriving orders) loads just the members of the groups that cover them and
    their customers' responsible managers; the others are only counted, which keeps one order's
    distribution independent of the size of the staff.

    `lock` (a pass that gives orders) holds their rows first, so that their loads stay what it read
    until it commits; those another desk holds now (a claim, another pass) are left out of this pass
    (`Carousel.elsewhere`) rather than waited for: this transaction may hold rows that desk waits for
    (the employee who just turned free), and a pass never waits for a manager."""
    scopes: dict[int, list[GroupScope]] = {}
    members: set[int] = set()
    for group in reference(session).groups:  # as of the configuration generation: not read again
        scope = GroupScope(code=group.code, stores=group.stores, channels=group.channels, types=group.types)
        members |= group.members
        if only_for is not None and all(scope.mismatch(o) is not None for o in only_for):
            continue
        for member in group.members:
            scopes.setdefault(member, []).append(scope)
    ids = None
    if only_for is not None:
        ids = set(scopes) | {o.responsible_id for o in only_for if o.responsible_id is not None}
    elsewhere = writes.lock_employees(session.connection(), ids, skip_locked=True) if lock else frozenset()
    online = distribution_queries.logged_in_employees(
        session, since=now - timedelta(seconds=settings.session_timeout), ids=ids
    )
    load = distribution_queries.open_load(session, sorted(policy.limit_statuses), manager_ids=ids)
    carousel = Carousel(
        Manager(
            id=e.id,
            login=e.login,
            active=e.active,
            groups=tuple(sorted(scopes.get(e.id, ()), key=lambda g: g.code)),
            logged_in=e.id in online,
            presence=e.presence,
            last_assigned_at=e.last_assigned_at,
            load=load.get(e.id, 0),
            in_carousel="manager" in e.roles and e.active and e.id in scopes,
        )
        for e in distribution_queries.employees_for_distribution(session, ids=ids)
        if e.id not in elsewhere
    )
    carousel.unlisted = len(members - set(scopes))
    carousel.elsewhere = elsewhere
    return carousel


@dataclass
class PassResult:
    assigned: list[tuple[str, str]] = field(default_factory=list)  # (order number, manager login)
    left: int = 0  # pending orders no one could take
    skipped_old: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "assigned": [{"order": n, "manager": m} for n, m in self.assigned],
            "left": self.left,
        }


def distribute_pending(
    *, session: Session, clock: Clock, order_ids: list[int] | None = None, limit: int | None = None
) -> PassResult:
    """One distribution pass over the pending orders in the configured priority (D4). Orders older
    than `max_age` are never taken (seed 000)."""
    now = clock.now()
    settings = read_settings(session)
    policy = policy_of(settings)
    result = PassResult()
    if not policy.enabled:
        return result
    carousel: Carousel | None = None
    binding: CustomerBinding | None = None
    full_trace = True
    after: tuple[datetime, int] | None = None
    later = PassWrites()
    while limit is None or len(result.assigned) + result.left < limit:
        # a chunk at a time: memory stays flat however long the backlog, the carousel carries over
        size = CHUNK if limit is None else min(CHUNK, limit - len(result.assigned) - result.left)
        rows = distribution_queries.pending_orders(
            session, created_after=now - policy.max_age, newest_first=policy.newest_first, limit=size,
            order_ids=order_ids, after=after,
        )  # fmt: skip
        if not rows:
            break
        if carousel is None:
            few = order_ids is not None and len(rows) <= FULL_TRACE_UP_TO
            arriving = [order_facts(r, settings=settings) for r in rows] if few else None
            carousel = load_carousel(
                session=session, now=now, settings=settings, policy=policy, only_for=arriving, lock=True
            )
            full_trace = len(rows) <= FULL_TRACE_UP_TO
            people = carousel.people
            binding = CustomerBinding({}, active=lambda e, people=people: (m := people.get(e)) is None or m.active)
        assert binding is not None
        decisions = _distribute_binding(rows, settings, carousel, policy, now, full_trace=full_trace, binding=binding)
        chosen = [d for d in decisions if d.manager_id is not None]
        write_assignments(
            session=session, decisions=chosen, carousel=carousel, now=now, rule="distribution", later=later,
            bindings=binding.take_changes(),
        )  # fmt: skip
        logins = {m.id: m.login for m in carousel.people.values()}
        result.assigned += [(d.order.number, logins[d.manager_id]) for d in chosen]  # type: ignore[index]
        result.left += len(decisions) - len(chosen)
        after = (rows[-1].created_at, rows[-1].id)
        if len(rows) < size:
            break
    later.write(session=session, now=now)
    return result


def _distribute_binding(
    rows: list[Any],
    settings: Settings,
    carousel: Carousel,
    policy: Policy,
    now: datetime,
    *,
    full_trace: bool,
    binding: CustomerBinding,
) -> list[Decision]:
    """`distribute`, with each order seeing its customer's responsible manager as the decisions
    before it in the same pass left him (B1, seed 002 feature 1): a customer's first waiting order
    binds him to its manager, so his later orders in the backlog go to that manager first, as they
    would have had they arrived one at a time."""
    decisions = []
    stop_at_winner = not full_trace
    given, assigned = carousel.given, binding.assigned
    for fact in facts_of_rows(rows, settings=settings, binding=binding):
        decision = decide(fact, carousel, policy, now, stop_at_winner=stop_at_winner)
        if decision.manager_id is not None:
            given(decision.manager_id, fact, now, policy)
            assigned(fact.customer_id, decision.manager_id)
        decisions.append(decision)
    return decisions


def facts_of_rows(rows: Iterable[Any], *, settings: Settings, binding: CustomerBinding) -> Iterator[OrderFacts]:
    """`order_facts` of each row of `distribution_queries.pending_orders`, made one at a time as they are asked
    for (each sees the binding the decisions before it left): the same facts, read by position and
    without a call a field (a backlog pass makes 100,000; tests/test_pass_writes.py compares them)."""
    from_registrar = settings.manager_from_registrar
    managers = binding.managers  # `CustomerBinding.manager_of`, inline
    make = tuple.__new__
    for id_, number, store, channel, type_, created, status, customer, responsible, registrar in rows:
        manager = managers.setdefault(customer, responsible)
        first = registrar if manager is None and from_registrar else manager  # `tried_first`
        yield make(OrderFacts, (id_, number, store, channel, type_, created, status, first, customer, manager))


@dataclass
class PassWrites:
    """What a pass writes once at its end, one statement a table: the orders' managers (in one sweep
    of the table in page order), the managers given orders, the customers bound anew (B1)."""

    orders: list[tuple[int, int]] = field(default_factory=list)  # (manager id, order id)
    managers: set[int] = field(default_factory=set)
    customers: dict[int, int | None] = field(default_factory=dict)

    def write(self, *, session: Session, now: datetime) -> None:
        give_orders(session=session, pairs=self.orders)
        if self.managers:
            writes.set_last_assigned(session.connection(), self.managers, now)
        write_customer_managers(session=session, managers=self.customers)
        self.orders, self.managers, self.customers = [], set(), {}


def write_assignments(
    *,
    session: Session,
    decisions: list[Decision],
    carousel: Carousel,
    now: datetime,
    rule: str | None = None,
    actor_id: int | None = None,
    later: PassWrites | None = None,
    bindings: dict[int, int | None] | None = None,
) -> None:
    """Give each decided order its manager (only if it still has none), move the managers in the
    carousel, write the customers' new bindings (B1, as `CustomerBinding` decided them), and write each
    assignment's audit row with its trace (D6). The audit rows go at once, in one executemany straight
    to the driver (`audit.record_many`); the rest with `later` waits for the end of the pass
    (`PassWrites.write`), else is written now. Decisions that say the same (a backlog's are mostly
    "the head of the line took it") share one `after`, so its JSON is made once."""
    if not decisions:
        return
    pending = later if later is not None else PassWrites()
    pending.customers.update(bindings or {})
    login = {m.id: m.login for m in carousel.people.values()}
    encode = audit.encoder(session=session, field="after")
    afters: dict[tuple[Any, ...], Any] = {}
    rows, orders, managers = [], pending.orders, pending.managers
    for d in decisions:
        manager, order_id = d.manager_id, d.order.id
        orders.append((manager, order_id))  # type: ignore[arg-type]
        managers.add(manager)  # type: ignore[arg-type]
        key = (manager, d.via, tuple(d.trace), tuple(d.skipped.items()), d.note)
        after = afters.get(key)
        if after is None:  # its JSON (SQLite: the text) once for all the decisions that say the same
            after = afters[key] = encode({"manager": login[manager], "via": d.via, "trace": d.as_json()})  # type: ignore[index]
        rows.append((order_id, after))
    if later is None:
        pending.write(session=session, now=now)
    audit.record_encoded(session=session, names=("order_id", "after"), rows=rows, at=now, actor_id=actor_id,
                         rule=rule, action="order.assigned", before={"manager": None})  # fmt: skip


def give_orders(*, session: Session, pairs: list[tuple[int, int]]) -> None:
    """Set each order's manager, only where it has none yet: a desk that got there first wins."""
    taken = writes.set_managers_where_unassigned(session.connection(), pairs)
    if taken != len(pairs):
        raise Conflict("another desk assigned some of these orders at the same moment; run the pass again")


# ----------------------------------------------------------------------------------- by hand


def _employee(session: Session, login: str) -> Employee:
    return get_employee(session, login, active=True)


def _give(
    session: Session, *, order: Order, manager: Employee, actor: Employee, now: datetime, via: str, before: str | None
) -> None:
    """Hand an order to a manager by hand: audited, the manager moves to the back of the carousel,
    and the customer is bound to him if he has no responsible manager (B1)."""
    bind_customers(session=session, assigned=[(order.customer_id, manager.id)])
    manager.last_assigned_at = now
    session.add(manager)
    trace = {"via": via, "candidates": [], "more": {}, "note": f"{via} by {actor.login}"}
    audit.record(
        session=session, at=now, actor_id=actor.id, order_id=order.id, action="order.assigned",
        before={"manager": before}, after={"manager": manager.login, "via": via, "trace": trace},
    )  # fmt: skip


def _check_limit(session: Session, *, manager: Employee, order: Order, then: str) -> None:
    """Refused when the order would take the manager past his workload limit (D1). Read under his
    lock (`writes.lock_employees`), so the load is what the last desk to give him an order left."""
    policy = policy_of(read_settings(session))
    if policy.limit_max is None or order.status not in policy.limit_statuses:
        return
    load = distribution_queries.open_load(session, sorted(policy.limit_statuses), manager_ids={manager.id}).get(
        manager.id, 0
    )  # type: ignore[arg-type]
    if load >= policy.limit_max:
        stages = pipeline_of(session, order.store_id)
        names = [stage.name for stage in stages if stage.code in policy.limit_statuses]
        raise NotAllowed(f"{manager.name} already has {load} orders in {', '.join(names)}: the limit is "
                         f"{policy.limit_max}; {then}")  # fmt: skip


def claim(*, session: Session, actor: str, clock: Clock, number: str) -> Order:
    """A manager takes an unassigned order. Exactly one of two desks claiming at once wins: the
    UPDATE only changes a row whose manager is still empty. His own claims, takes and passes giving
    him orders wait for each other (`writes.lock_employees`), so his load is read after the last
    one's commit and no two of them can both take him to his limit."""
    now = clock.now()
    actor = _employee(session, actor)
    writes.lock_employees(session.connection(), [actor.id])  # type: ignore[list-item]
    order = order_by_number(session, number)
    check_may_claim(actor_of(session, actor), facts_of(session, order, stages=[]))  # before saying anything of it
    if order.manager_id is not None:
        owner = session.get(Employee, order.manager_id)
        raise Conflict(f"order {number} already has a manager ({owner.login if owner else order.manager_id})")
    if not order.is_open:
        raise NotAllowed(f"order {number} is closed ({order.status})")
    _check_limit(session, manager=actor, order=order, then="move some on first")
    taken = session.connection().execute(
        update(Order.__table__)  # type: ignore[attr-defined]
        .where(Order.__table__.c.id == order.id, Order.__table__.c.manager_id.is_(None))  # type: ignore[attr-defined]
        .values(manager_id=actor.id)
    )
    if taken.rowcount != 1:  # another desk's claim committed after we read the order (PostgreSQL waits for it)
        owner = session.exec(
            select(Employee.login).join(Order, Order.manager_id == Employee.id).where(Order.id == order.id)
        ).first()
        raise Conflict(f"order {number} already has a manager ({owner})" if owner
                       else f"order {number} was taken by someone else a moment ago")  # fmt: skip
    _give(session, order=order, manager=actor, actor=actor, now=now, via="claim", before=None)
    session.refresh(order)
    return order


def assign(*, session: Session, actor: str, clock: Clock, number: str, to: str) -> Order:
    """A supervisor or admin gives an order to a manager, or moves it to another (reassign)."""
    now = clock.now()
    actor = _employee(session, actor)
    check_may_assign(actor_of(session, actor))
    order = order_by_number(session, number)
    manager = _employee(session, to)
    if "manager" not in manager.roles:
        raise NotAllowed(f"{to} is not a manager; orders go to managers")
    writes.lock_employees(session.connection(), [manager.id])  # type: ignore[list-item]
    if order.manager_id == manager.id:
        raise Conflict(f"order {number} is already {to}'s")
    if order.is_open:
        _check_limit(session, manager=manager, order=order, then="give it to someone else or move some of his on first")
    before = session.get(Employee, order.manager_id).login if order.manager_id else None  # type: ignore[union-attr]
    order.manager_id = manager.id
    session.add(order)
    _give(session, order=order, manager=manager, actor=actor, now=now, via="assign", before=before)
    return order


def save_order(*, session: Session, actor: str, clock: Clock, number: str) -> Order:
    """Seed 002's rules when an employee saves an order: an order without a manager gets the
    customer's responsible manager (1); a customer without one gets the order's manager (2); when
    neither has one, the employee who saves becomes both (3)."""
    now = clock.now()
    actor = _employee(session, actor)
    order = order_by_number(session, number)
    check_may_see(actor_of(session, actor), facts_of(session, order, stages=[]))
    if order.manager_id is not None:
        for rebound in bind_customers(session=session, assigned=[(order.customer_id, order.manager_id)]):
            before, after = (session.get(Employee, i) if i is not None else None
                             for i in (rebound.before, rebound.after))  # fmt: skip
            audit.record(session=session, at=now, actor_id=actor.id, order_id=order.id, action="customer.bound",
                         before={"manager": before.login if before else None},
                         after={"manager": after.login if after else None})  # fmt: skip
        return order
    customer = session.get(Customer, order.customer_id)
    assert customer is not None
    responsible = session.get(Employee, customer.manager_id) if customer.manager_id else None
    if responsible is not None and responsible.active:
        manager = responsible
    elif "manager" in actor.roles:
        manager = actor
    else:
        return order  # a supervisor or admin saving does not make himself the manager
    order.manager_id = manager.id
    session.add(order)
    _give(session, order=order, manager=manager, actor=actor, now=now, via="saved", before=None)
    return order
