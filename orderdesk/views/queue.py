"""My queue and the pool (U2) as the desk reads them: a keyset page of one list, how many it holds,
and for the pool the count and sum per store (D5)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from orderdesk.policy.access import pool_stores
from orderdesk.views import access
from orderdesk.views.orders import ListedOrder, UndistributedInStore, _order_view, order_extras, undistributed_per_store
from storage import queue_queries
from storage.models import Employee
from storage.queue_queries import QUEUE_SORTS, QueueQuery

LISTS = ("mine", "pool")
SORTS = QUEUE_SORTS


@dataclass(frozen=True)
class QueuePage:
    """A page of my queue or the pool. `next_key` (None at the end) is passed back for the next page;
    `total` is how many the list holds with this filter; `stores` the pool's count and sum per store
    (D5; every page of the pool, so the line above it stays true; empty for my queue)."""

    list: str
    sort: str
    at: datetime  # when it was read, by the desk's clock: what "time left" counts from
    rows: tuple[ListedOrder, ...]
    total: int
    next_key: tuple[Any, ...] | None
    stores: tuple[UndistributedInStore, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"list": self.list, "sort": self.sort, "total": self.total, "rows": [r.to_json() for r in self.rows],
                "stores": [s.to_json() for s in self.stores]}  # fmt: skip


def queue_query(session: Session, employee: Employee, *, list: str, sort: str, text: str | None) -> QueueQuery:
    """What his list holds: for `mine` the open orders he is the manager of; for `pool` the open
    unassigned orders of the stores he may claim in (every store for supervisors and admins)."""
    if list not in LISTS:
        raise ValueError(f"unknown list {list!r}")
    if sort not in SORTS:
        raise ValueError(f"unknown sort {sort!r}")
    text = (text or "").strip() or None
    if list == "mine":
        return QueueQuery(list="mine", manager_id=employee.id, sort=sort, text=text)
    stores = pool_stores(access.actor_of(session, employee))
    return QueueQuery(list="pool", store_ids=stores, sort=sort, text=text)


def queue_page(
    *,
    session: Session,
    employee: Employee,
    now: datetime,
    list: str,
    sort: str,
    text: str | None = None,
    after: tuple[Any, ...] | None = None,
    limit: int = 300,
) -> QueuePage:
    q = queue_query(session, employee, list=list, sort=sort, text=text)
    rows = queue_queries.queue_orders(session, q, after=after, limit=limit)
    extras = order_extras(session, [r.id for r in rows])
    full = len(rows) == limit
    stores: tuple[UndistributedInStore, ...] = ()
    if list == "pool":
        stores = undistributed_per_store(session=session, store_ids=q.store_ids)
    return QueuePage(
        list=list,
        sort=sort,
        at=now,
        rows=tuple(_order_view(r, None, now=now, extra=extras[r.id]) for r in rows),
        total=queue_queries.count_queue(session, q) if full or after is not None else len(rows),
        next_key=queue_queries.queue_key(sort, rows[-1]) if full else None,
        stores=stores,
    )


@dataclass(frozen=True)
class Acted:
    """What an action on an order from the lists did: the order, one line for the person, and for a
    move until when (by the desk's clock) it may be undone."""

    number: str
    line: str
    undo_until: datetime | None = None
