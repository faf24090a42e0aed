"""Read queries of my queue and the pool (U2): keyset pages on the 0007 indexes, filtered in SQL."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import false, func, literal, or_, select, tuple_
from sqlmodel import Session

from storage.models import (
    Customer,
    Order,
)
from storage.queries import _order_select

QUEUE_SORTS = ("urgency", "newest", "oldest", "total")


@dataclass(frozen=True)
class QueueQuery:
    """One of the desk's two lists: `mine` (the open orders `manager_id` is the manager of) or
    `pool` (open orders with no manager, of `store_ids`; None: every store), in one of QUEUE_SORTS,
    narrowed by what he typed (`text`: an order number, a customer's name or phone)."""

    list: str  # "mine" | "pool"
    manager_id: int | None = None
    store_ids: frozenset[int] | None = None
    sort: str = "urgency"
    text: str | None = None


def _queue_where(query: Any, q: QueueQuery) -> Any:
    if q.list == "mine":
        query = query.where(Order.manager_id == q.manager_id, Order.is_open)
    else:
        query = query.where(Order.manager_id.is_(None), Order.is_open)
        if q.store_ids is not None:
            query = query.where(Order.store_id.in_(sorted(q.store_ids)) if q.store_ids else false())
    if q.text:
        query = query.where(_typed(q.text))
    return query


def _typed(text: str) -> Any:
    """Number, customer name or phone containing what he typed. `ilike` is ASCII-only on SQLite, so
    the text is also tried with a capital first letter (иван → Иван)."""
    like = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    found = [
        Order.number.ilike(f"%{like}%", escape="\\"),
        Customer.name.ilike(f"%{like}%", escape="\\"),
        Customer.name.like(f"%{like[:1].upper()}{like[1:]}%", escape="\\"),
    ]
    digits = "".join(c for c in text if c.isdigit())
    if len(digits) >= 3:
        found.append(Customer.phone_key.like(f"%{digits}%"))
    return or_(*found)


def _queue_keys(sort: str, segment: str) -> tuple[list[Any], bool]:
    """The columns a list is read in, and whether descending. By urgency there are two segments:
    orders with a due time, earliest due first (most overdue first), then those with none, oldest first."""
    if sort == "urgency":
        if segment == "due":
            return [Order.stage_due_at, Order.created_at, Order.id], False
        return [Order.created_at, Order.id], False
    if sort == "newest":
        return [Order.created_at, Order.id], True
    if sort == "oldest":
        return [Order.created_at, Order.id], False
    if sort == "total":
        return [Order.total, Order.id], True
    raise ValueError(f"unknown sort {sort!r}; one of {', '.join(QUEUE_SORTS)}")


def queue_key(sort: str, row: Any) -> tuple[Any, ...]:
    """The keyset key after `row`, to pass as `after` for the next page."""
    if sort == "urgency":
        if row.stage_due_at is not None:
            return ("due", row.stage_due_at, row.created_at, row.id)
        return ("undated", row.created_at, row.id)
    columns, _ = _queue_keys(sort, "")
    return tuple(getattr(row, c.key) for c in columns)


def _queue_segment(session: Session, q: QueueQuery, segment: str, after: tuple[Any, ...] | None, limit: int) -> list:
    columns, descending = _queue_keys(q.sort, segment)
    query = _queue_where(_order_select(), q)
    if q.sort == "urgency":
        due = Order.stage_due_at
        query = query.where(due.is_not(None) if segment == "due" else due.is_(None))
    if after is not None:
        key = tuple_(*columns)
        values = tuple_(*(literal(v, c.type) for v, c in zip(after, columns, strict=True)))
        query = query.where(key < values if descending else key > values)
    query = query.order_by(*(c.desc() if descending else c.asc() for c in columns)).limit(limit)
    return list(session.execute(query).all())


def queue_orders(
    session: Session, q: QueueQuery, *, after: tuple[Any, ...] | None = None, limit: int = 300
) -> list[Any]:
    """A page of the list, read in the order of one of its indexes (migration 0007): `after` is the
    previous page's last `queue_key`. Rows as `list_orders` gives them."""
    if _sees_no_pool(q):
        return []
    if q.sort != "urgency":
        return _queue_segment(session, q, "", after, limit)
    found: list[Any] = []
    if after is None or after[0] == "due":
        found = _queue_segment(session, q, "due", after[1:] if after else None, limit)
        after = None
    if len(found) < limit:
        found += _queue_segment(session, q, "undated", after[1:] if after else None, limit - len(found))
    return found


def _sees_no_pool(q: QueueQuery) -> bool:
    """The pool of no store (he covers none): nothing to read, and nothing for a planner to guess at."""
    return q.list == "pool" and q.store_ids is not None and not q.store_ids


def count_queue(session: Session, q: QueueQuery) -> int:
    if _sees_no_pool(q):
        return 0
    query = select(func.count()).select_from(Order)
    if q.text:
        query = query.join(Customer, Customer.id == Order.customer_id)
    return int(session.execute(_queue_where(query, q)).scalar_one())
