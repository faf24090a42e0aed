"""Use case `import_orders`: orders from a JSON or CSV file, all or nothing.

Reading (`read_orders`) checks the shape of every row without the database; `import_orders` checks
references (stores, channels, statuses, logins) and writes everything in one transaction. Order
numbers that already exist are skipped and reported, never duplicated: those found before writing,
and those another import commits while this one runs (the INSERT skips them, `ON CONFLICT DO
NOTHING`, after waiting for that import to end), so a race costs the loser those numbers, not its file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

from sqlalchemy import bindparam
from sqlmodel import Session, select

from orderdesk.clock import Clock
from orderdesk.config.fields import MAX_MONEY
from orderdesk.config.schema import CustomerIn
from orderdesk.files.orders_file import ItemIn, OrderIn, OrderRow
from orderdesk.policy.errors import InvalidInput
from orderdesk.policy.money import format_money, order_total
from orderdesk.policy.workflow import enter, first_stage
from orderdesk.usecases import audit as audit_log
from orderdesk.usecases import task_rules
from orderdesk.usecases.binding import bind_customers
from orderdesk.views.lookup import normalise_email, phone_key
from orderdesk.views.reference import reference
from storage import writes
from storage.models import Customer, Employee, Order, OrderItem

BATCH = 2000


@dataclass
class ImportResult:
    imported: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # numbers that already existed
    customers_created: int = 0
    total: int = 0  # sum of the imported orders' totals, minor units
    created: list[tuple[int, Any]] = field(default_factory=list)  # (id, created_at) of each order written

    def as_dict(self) -> dict[str, Any]:
        return {
            "imported": len(self.imported),
            "skipped": self.skipped,
            "customers_created": self.customers_created,
            "total": format_money(self.total),
        }


def import_orders(
    *,
    session: Session,
    clock: Clock,
    rows: list[OrderRow],
    source: str,
    progress: Callable[[int, int], None] | None = None,
    audit: dict[str, Any] | None = None,
    fire_rules: bool = True,
) -> ImportResult:
    """`audit` names who did it in the audit rows (default: the import itself). Each new order fires
    the `order_created` task rules (seed 001), unless `fire_rules` is off (the caller fires them
    itself once the order is complete, as `create_order` does)."""
    audit = audit or {"rule": "import", "action": "order.imported"}
    named = {name for r in rows for name in (r.order.manager, r.order.contractor, r.order.customer.manager) if name}
    lookups = _Lookups(session, named)
    existing = _existing_numbers(session, [r.order.number for r in rows])
    fresh = [r for r in rows if r.order.number not in existing]
    for entry in fresh:
        lookups.check(entry, source)
    result = ImportResult(skipped=[r.order.number for r in rows if r.order.number in existing])
    now = clock.now()
    customers = _CustomerBook(session, now)
    created: list[tuple[int, Any]] = []  # (id, created_at) of each new order
    for start in range(0, len(fresh), BATCH):
        batch = fresh[start : start + BATCH]
        created += _write_batch(session, batch, lookups, customers, now, result, audit)
        if progress:
            progress(start + len(batch), len(fresh))
    result.created = created
    deleted = 0
    if len(result.imported) < len(fresh):  # some numbers were taken meanwhile: no card of theirs stays
        deleted = writes.delete_customers_without_orders(session.connection(), customers.new_ids)
    bind_customers(session=session, assigned=customers.assigned)  # B1, in the file's order
    if fire_rules:  # one call: the task carousel turns across the whole file
        task_rules.fire(session=session, clock=clock, events=task_rules.created_events(created))
    result.customers_created = len(customers.new_ids) - deleted
    return result


def _existing_numbers(session: Session, numbers: list[str]) -> set[str]:
    found: set[str] = set()
    connection = session.connection()
    for start in range(0, len(numbers), 500):
        found.update(connection.execute(_NUMBERS, {"numbers": numbers[start : start + 500]}).scalars())
    return found


# built once (Core, not the ORM): one arriving order runs each of these
_NUMBERS = select(Order.number).where(Order.number.in_(bindparam("numbers", expanding=True)))  # type: ignore[union-attr]
_CUSTOMERS_BY = {
    column.key: select(Customer.id, Customer.phone_key, Customer.email)
    .where(column.in_(bindparam("values", expanding=True)))  # type: ignore[union-attr]
    .order_by(Customer.id.desc())  # type: ignore[union-attr]
    for column in (Customer.phone_key, Customer.email)  # type: ignore[attr-defined]
}


class _Lookups:
    """The codes the rows name, as ids: the reference data as this process holds it for the
    database's configuration generation (`views.reference`), and the logins the rows name."""

    def __init__(self, session: Session, logins: set[str]) -> None:
        known = reference(session)
        self.stores = known.stores
        self.channels = known.channels
        self.types = known.types
        self.payment = known.payment
        self.delivery = known.delivery
        self.delivery_price = known.delivery_price
        self.logins: dict[str, int] = {}  # only the logins the orders name
        names = sorted(logins)
        for start in range(0, len(names), 500):
            chunk = names[start : start + 500]
            rows = session.exec(select(Employee.id, Employee.login).where(Employee.login.in_(chunk)))  # type: ignore[attr-defined]
            self.logins.update({login: id_ for id_, login in rows})
        self.pipelines = known.pipelines
        self.move_rules = known.move_rules

    def check(self, entry: OrderRow, source: str) -> None:
        o = entry.order

        def need(known: dict[str, Any], value: str | None, loc: tuple[Any, ...], what: str) -> None:
            if value is not None and value not in known:
                raise InvalidInput(f'{source}: {entry.where(loc)}: unknown {what} "{value}"')

        need(self.stores, o.store, ("store",), "store")
        need(self.channels, o.channel, ("channel",), "channel")
        need(self.types, o.type, ("type",), "order type")
        need(self.payment, o.payment_method, ("payment_method",), "payment method")
        if o.delivery:
            need(self.delivery, o.delivery.method, ("delivery", "method"), "delivery method")
        need(self.logins, o.manager, ("manager",), "employee")
        need(self.logins, o.contractor, ("contractor",), "employee")
        need(self.logins, o.customer.manager, ("customer", "manager"), "employee")
        stages = self.pipelines.get(o.store, [])
        if o.status is not None:
            if o.status not in {s.code for s in stages}:
                raise InvalidInput(
                    f'{source}: {entry.where(("status",))}: "{o.status}" is not a status of store {o.store}'
                )
        elif self.first_stage(o) is None:
            raise InvalidInput(f"{source}: {entry.where()}: store {o.store} has no stage this order can start in")
        for index, item in enumerate(o.items):
            if item.discount > item.qty * item.price:
                raise InvalidInput(
                    f"{source}: {entry.where(('items', index, 'discount'))}: {format_money(item.discount)} is more "
                    f"than the item's value {format_money(item.qty * item.price)}"
                )
        computed = self.total(o)
        if computed > MAX_MONEY:
            raise InvalidInput(
                f"{source}: {entry.where(('total',))}: items − discounts + delivery = {format_money(computed)} "
                f"is more than {format_money(MAX_MONEY)}"
            )
        if o.total is not None and o.total != computed:
            raise InvalidInput(
                f"{source}: {entry.where(('total',))}: {format_money(o.total)} disagrees with "
                f"items − discounts + delivery = {format_money(computed)}"
            )
        if computed < 0:
            raise InvalidInput(f"{source}: {entry.where(('discount',))}: discounts exceed the order's value")

    def first_stage(self, o: OrderIn) -> Any:
        return first_stage(
            self.pipelines.get(o.store, []),
            payment_method=o.payment_method,
            delivery_method=o.delivery.method if o.delivery else None,
        )

    def delivery_cost(self, o: OrderIn) -> int:
        if o.delivery is None:
            return 0
        return o.delivery.cost if o.delivery.cost is not None else self.delivery_price[o.delivery.method]

    def total(self, o: OrderIn) -> int:
        return order_total(o.items, discount=o.discount, delivery_cost=self.delivery_cost(o))


class _CustomerBook:
    """Customers by phone and e-mail, looked up a batch at a time through their indexes (one order
    must not read the whole customer book); new ones are created as the file names them."""

    def __init__(self, session: Session, now: Any) -> None:
        self.session = session
        self.now = now
        self.by_phone: dict[str, int] = {}
        self.by_email: dict[str, int] = {}
        self.assigned: list[tuple[int, int]] = []  # (customer, manager) of each order that names one
        self.new_ids: list[int] = []  # the cards this import made

    def _look_up(self, wanted: list[CustomerIn]) -> None:
        """Bring the batch's customers that already exist into the maps (the oldest card wins)."""
        keys = {k for c in wanted if (k := phone_key(c.phone)) and k not in self.by_phone}
        emails = {e for c in wanted if (e := normalise_email(c.email)) and e not in self.by_email}
        connection = self.session.connection()
        for column, values in (("phone_key", sorted(keys)), ("email", sorted(emails))):
            for start in range(0, len(values), 500):
                rows = connection.execute(_CUSTOMERS_BY[column], {"values": values[start : start + 500]})
                for id_, key, email in rows:
                    if key:
                        self.by_phone[key] = id_
                    if email:
                        self.by_email[email] = id_

    def find(self, c: CustomerIn) -> int | None:
        key, email = phone_key(c.phone), normalise_email(c.email)
        return (key and self.by_phone.get(key)) or (email and self.by_email.get(email)) or None

    def resolve_all(self, wanted: list[CustomerIn], logins: dict[str, int]) -> list[int]:
        """The customer id of each, creating the new ones with one multi-row INSERT."""
        self._look_up(wanted)
        rows: list[dict[str, Any]] = []
        pending_phone: dict[str, int] = {}
        pending_email: dict[str, int] = {}
        for c in wanted:
            key, email = phone_key(c.phone), normalise_email(c.email)
            if self.find(c) is not None or (key and key in pending_phone) or (email and email in pending_email):
                continue
            if key:
                pending_phone[key] = len(rows)
            if email:
                pending_email[email] = len(rows)
            rows.append(
                {"kind": c.kind, "name": c.name, "phone": c.phone, "phone_key": key, "email": email,
                 "city": c.city, "address": c.address, "manager_id": logins[c.manager] if c.manager else None,
                 "created_at": self.now}
            )  # fmt: skip
        if rows:
            table = Customer.__table__  # type: ignore[attr-defined]
            ids = writes.insert_returning_ids(self.session.connection(), table, rows)
            for row, id_ in zip(rows, ids, strict=False):
                if row["phone_key"]:
                    self.by_phone[row["phone_key"]] = id_
                if row["email"]:
                    self.by_email.setdefault(row["email"], id_)
            self.new_ids += ids
        return [self.find(c) for c in wanted]  # type: ignore[misc]


def _write_batch(
    session: Session,
    batch: list[OrderRow],
    lookups: _Lookups,
    customers: _CustomerBook,
    now: Any,
    result: ImportResult,
    audit: dict[str, Any],
) -> list[tuple[int, Any]]:
    """Write the batch; returns (id, created_at) of each order written. A number that exists by the
    time its row is written (another import committed it meanwhile) is skipped and reported with
    the numbers found before."""
    order_rows, items_per_order, audits = [], [], []
    customer_ids = customers.resolve_all([entry.order.customer for entry in batch], lookups.logins)
    for entry, customer_id in zip(batch, customer_ids, strict=False):
        o = entry.order
        row, status = _order_row(o, customer_id, lookups)
        order_rows.append(row)
        items_per_order.append(o.items)
        audits.append({"number": o.number, "status": status, "total": format_money(row["total"]), "manager": o.manager})
    table = Order.__table__  # type: ignore[attr-defined]
    inserted = writes.insert_new_returning(session.connection(), table, order_rows, keys=["number"],
                                           returning=["id", "number"])  # fmt: skip
    new = {number: id_ for id_, number in inserted}
    written = []
    for row, items, after in zip(order_rows, items_per_order, audits, strict=True):
        order_id = new.get(row["number"])
        if order_id is None:
            result.skipped.append(row["number"])
            continue
        if row["manager_id"] is not None:
            customers.assigned.append((row["customer_id"], row["manager_id"]))
        result.imported.append(row["number"])
        result.total += row["total"]
        written.append((order_id, row, items, after))
    _insert_details(session, written, now, audit)
    return [(order_id, row["created_at"]) for order_id, row, _, _ in written]


def _order_row(o: OrderIn, customer_id: int, lookups: _Lookups) -> tuple[dict[str, Any], str]:
    """The `orders` row of one imported order, and the stage it starts in (its own status, or the
    store's first stage for it), with the due times of that stage counted from when it entered."""
    stages = {s.code: s for s in lookups.pipelines.get(o.store, [])}
    stage = stages[o.status] if o.status else lookups.first_stage(o)
    entered = (o.status_entered_at or o.created_at) if o.status else o.created_at
    store_id = lookups.stores[o.store]
    entering = enter(stage, entered.astimezone(UTC), lookups.move_rules.get(store_id, ()))
    row = {
        "number": o.number,
        "extra_number": o.extra_number or o.number,
        "store_id": store_id,
        "channel_id": lookups.channels[o.channel],
        "type_id": lookups.types[o.type],
        "customer_id": customer_id,
        "manager_id": lookups.logins[o.manager] if o.manager else None,
        "contractor_id": lookups.logins[o.contractor] if o.contractor else None,
        **entering.columns(),
        "payment_status": o.payment_status,
        "payment_method_id": lookups.payment[o.payment_method] if o.payment_method else None,
        "delivery_method_id": lookups.delivery[o.delivery.method] if o.delivery else None,
        "delivery_cost": lookups.delivery_cost(o),
        "discount": o.discount,
        "total": lookups.total(o),
        "created_at": o.created_at.astimezone(UTC),
    }
    return row, stage.code


def _insert_details(
    session: Session,
    written: list[tuple[int, dict[str, Any], list[ItemIn], dict[str, Any]]],
    now: Any,
    audit: dict[str, Any],
) -> None:
    """The items of the orders written (id, row, items, audit's after) and one audit row each."""
    # Core inserts, not the ORM's bulk path: a tenth of the per-row cost, and nothing to track
    writes.insert_rows(
        session.connection(),
        OrderItem.__table__,  # type: ignore[attr-defined]
        [
            {"order_id": order_id, "sku": i.sku, "name": i.name, "qty": i.qty, "price": i.price, "discount": i.discount}
            for order_id, _, items, _ in written
            for i in items
        ],
    )
    audit_log.record_many(
        session=session,
        rows=[{"order_id": order_id, "after": after} for order_id, _, _, after in written],
        at=now,
        **audit,
    )
