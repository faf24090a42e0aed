"""Who may see, act on, advance, create, claim and assign orders (A1, S2). Pure: the facts in, a
decision or a one-line refusal out. Every screen, command and job asks here.

- Admins and supervisors see and act on every order of every store.
- Everyone sees the orders he is the manager of, and a contractor those he is the contractor of.
- A manager also sees his stores' unassigned pool, or with `managers_see_all` every order of his
  stores. Other staff (warehouse, couriers) see the orders of their stores. A contractor sees only
  his own. An employee's stores are the stores his groups list: a group with no store list gives
  none (for what he sees and claims; in distribution an empty list of channels or types is "any").
- Acting on an order (pay, items, delivery, discount, links) is for overseers, its manager (or any
  manager of its store with `managers_see_all`), its contractor, and the owner of its current stage.
- Leaving a stage (advance, move) is for that stage's owner in the order's store (the order's
  manager where the owner is "manager"), supervisors and admins. A stage that `requires_payment`
  is not left forward until the order is paid.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from orderdesk.policy.errors import NotAllowed
from orderdesk.policy.vocab import SEE_ALL_ROLES
from orderdesk.policy.workflow import StageSpec


@dataclass(frozen=True)
class Actor:
    """An employee as the access rules see him. `stores`: the ids of the stores his groups give him;
    `managers_see_all`: the desk's setting, which decides what a manager sees of his stores."""

    id: int
    login: str
    roles: frozenset[str]
    stores: frozenset[int]
    active: bool = True
    managers_see_all: bool = False

    @property
    def oversees(self) -> bool:
        return bool(self.roles & set(SEE_ALL_ROLES))

    @property
    def is_manager(self) -> bool:
        return "manager" in self.roles

    @property
    def contractor_only(self) -> bool:
        """Seed 004: a contractor has only his orders, even in a stage he owns."""
        return "contractor" in self.roles and not self.is_manager and not self.oversees


@dataclass(frozen=True)
class OrderFacts:
    """What the rules read of an order. `stage`: its current stage, None if its status is none of
    its store's stages."""

    number: str
    store_id: int
    manager_id: int | None
    manager_login: str | None
    contractor_id: int | None
    is_open: bool
    status: str
    stage: StageSpec | None = None
    paid: bool = False


StoreOrders = Literal["all", "pool", "none"]


@dataclass(frozen=True)
class Visibility:
    """Which orders someone sees, as a query can ask for it: everything, or his own orders (as
    manager or contractor) plus `store_orders` of `stores` ("pool" = the open unassigned ones)."""

    everything: bool = False
    manager_id: int | None = None
    contractor_id: int | None = None
    stores: frozenset[int] = frozenset()
    store_orders: StoreOrders = "none"


def visibility(actor: Actor) -> Visibility:
    if actor.oversees:
        return Visibility(everything=True)
    if actor.contractor_only:
        return Visibility(manager_id=actor.id, contractor_id=actor.id)
    if actor.is_manager:
        store_orders: StoreOrders = "all" if actor.managers_see_all else "pool"
    else:
        store_orders = "all"
    contractor = actor.id if "contractor" in actor.roles else None
    return Visibility(manager_id=actor.id, contractor_id=contractor, stores=actor.stores, store_orders=store_orders)


def may_see(actor: Actor, order: OrderFacts) -> bool:
    seen = visibility(actor)
    if seen.everything or order.manager_id == actor.id:
        return True
    if seen.contractor_id is not None and order.contractor_id == actor.id:
        return True
    if order.store_id not in seen.stores:
        return False
    if seen.store_orders == "pool":
        return order.manager_id is None and order.is_open
    return seen.store_orders == "all"


def pool_stores(actor: Actor) -> frozenset[int] | None:
    """The stores whose undistributed orders he is shown (D5): every store for overseers (None),
    his stores for a manager, none for anyone else."""
    if actor.oversees:
        return None
    return actor.stores if actor.is_manager else frozenset()


def check_may_see(actor: Actor, order: OrderFacts) -> None:
    if not may_see(actor, order):
        raise NotAllowed(f"order {order.number} is not {actor.login}'s to see")


def _owns_stage(actor: Actor, order: OrderFacts) -> bool:
    stage = order.stage
    if stage is None:
        return False
    if stage.owner.kind == "role" and order.store_id not in actor.stores:
        return False  # a role owns a stage in the stores its members are given
    return stage.owner.includes(login=actor.login, roles=tuple(actor.roles), order_manager=order.manager_login)


def _refuse(actor: Actor, order: OrderFacts, what: str) -> NotAllowed:
    whose = f"{order.manager_login}'s order" if order.manager_login else "an unassigned order"
    if order.stage is None:
        return NotAllowed(f'{actor.login} may not {what} order {order.number}: it is {whose} and its status '
                          f'"{order.status}" is no stage of its store')  # fmt: skip
    owner = order.stage.owner.describe()
    if order.stage.owner.kind == "role":
        owner += " of its store"
    return NotAllowed(f'{actor.login} may not {what} order {order.number}: it is {whose} and the stage '
                      f'"{order.stage.name}" belongs to {owner}')  # fmt: skip


def _check_active(actor: Actor) -> None:
    if not actor.active:
        raise NotAllowed(f"{actor.login} is deactivated")


def check_may_act(actor: Actor, order: OrderFacts) -> None:
    """Change the order without moving it: pay, items, delivery, discount, links, contractor."""
    _check_active(actor)
    if actor.oversees or order.manager_id == actor.id:
        return
    if actor.is_manager and actor.managers_see_all and order.store_id in actor.stores:
        return
    if "contractor" in actor.roles and order.contractor_id == actor.id:
        return
    if actor.contractor_only:
        raise NotAllowed(f"{actor.login} may not change order {order.number}: a contractor acts only on "
                         f"the orders he is the contractor of")  # fmt: skip
    if _owns_stage(actor, order):
        return
    raise _refuse(actor, order, "change")


def check_may_leave(actor: Actor, order: OrderFacts, *, forward: bool) -> None:
    """Move the order out of its stage (advance, or a move to another status). `forward`: into a
    later open or final stage, which a stage that requires payment forbids while unpaid."""
    _check_active(actor)
    if actor.contractor_only and order.contractor_id != actor.id:
        raise NotAllowed(f"{actor.login} may not move order {order.number}: a contractor acts only on "
                         f"the orders he is the contractor of")  # fmt: skip
    if not (actor.oversees or _owns_stage(actor, order)):
        raise _refuse(actor, order, "move")
    stage = order.stage
    if forward and stage is not None and stage.requires_payment and not order.paid:
        raise NotAllowed(f'order {order.number} is not paid: the stage "{stage.name}" is left forward only '
                         f"once it is paid")  # fmt: skip


def check_may_create(actor: Actor, store_id: int, store: str) -> None:
    """Typing in an order: overseers in any store, a manager in the stores he is given."""
    _check_active(actor)
    if actor.oversees:
        return
    if not actor.is_manager:
        raise NotAllowed(f"{actor.login} may not create orders (managers, supervisors and admins may)")
    if store_id not in actor.stores:
        raise NotAllowed(f"{actor.login} may not create orders in store {store}: it is not one of his stores")


def check_may_claim(actor: Actor, order: OrderFacts) -> None:
    """Taking an order from the pool: a manager, of an order of one of his stores."""
    _check_active(actor)
    if not actor.is_manager:
        raise NotAllowed(f"{actor.login} is not a manager")
    if order.store_id not in actor.stores and order.manager_id != actor.id:
        raise NotAllowed(f"order {order.number} is not in {actor.login}'s stores")


def check_may_assign(actor: Actor) -> None:
    _check_active(actor)
    if not actor.oversees:
        raise NotAllowed(f"{actor.login} may not assign orders (supervisors and admins may)")


# ----------------------------------------------------------------------------------- tasks (T6)


def check_may_handle_task(
    actor: Actor, *, task_id: int, assignee_id: int | None, assignee: str | None, store_id: int | None,
    store: str | None, what: str,
) -> None:  # fmt: skip
    """Mark a task done, reopen it or hand it to someone else: its assignee, a supervisor of its
    order's store (of any store when it has no order), or an admin."""
    _check_active(actor)
    if "admin" in actor.roles or (assignee_id is not None and assignee_id == actor.id):
        return
    if "supervisor" in actor.roles and (store_id is None or store_id in actor.stores):
        return
    whose = f"{assignee}'s" if assignee else "nobody's"
    supervisor = f"a supervisor of store {store}" if store else "a supervisor"
    raise NotAllowed(f"{actor.login} may not {what} task {task_id}: it is {whose}, and only its assignee, "
                     f"{supervisor} or an admin may")  # fmt: skip
