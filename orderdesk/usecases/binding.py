"""B1 applied to the database: customers bound to the managers their orders got (seed 002).

The rule is `orderdesk.policy.binding`; this is the one place that reads what it needs (each
customer's responsible manager, whether he is still active) and writes what it decides. Claim,
assign, save, create and import call `bind_customers`; the distribution pass decides with the same
`CustomerBinding` in memory and writes in bulk."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm.util import identity_key
from sqlmodel import Session

from orderdesk.policy.binding import CustomerBinding
from storage import distribution_queries, writes
from storage.models import Customer


@dataclass(frozen=True)
class Rebound:
    customer_id: int
    before: int | None
    after: int | None


def bind_customers(*, session: Session, assigned: Sequence[tuple[int, int | None]]) -> list[Rebound]:
    """`assigned`: orders that got a manager, as (customer id, manager id), in the order they got
    him. Binds each customer as B1 says and returns the customers whose responsible manager changed."""
    assigned = [(c, m) for c, m in assigned if m is not None]
    if not assigned:
        return []
    known = distribution_queries.customer_managers(session, [c for c, _ in assigned])
    people = {m for m in known.values() if m is not None} | {m for _, m in assigned if m is not None}
    active = distribution_queries.active_employees(session, sorted(people))
    binding = CustomerBinding(known, active=lambda e: active.get(e, True))
    for customer_id, manager_id in assigned:
        binding.assigned(customer_id, manager_id)
    changed = binding.take_changes()
    write_customer_managers(session=session, managers=changed)
    return [Rebound(c, known.get(c), m) for c, m in sorted(changed.items())]


def write_customer_managers(*, session: Session, managers: dict[int, int | None]) -> None:
    """Set customers' responsible managers (customer id -> employee id) in one executemany; a card
    the session already holds is refreshed on its next read."""
    if not managers:
        return
    writes.set_customer_managers(session.connection(), managers)
    held = session.identity_map
    if len(held) < len(managers):  # a pass binds thousands of customers and holds none of them
        found = [card for key, card in list(held.items()) if key[0] is Customer and key[1][0] in managers]
    else:
        found = [card for c in managers if (card := held.get(identity_key(Customer, c))) is not None]
    for card in found:
        session.expire(card, ["manager_id"])
