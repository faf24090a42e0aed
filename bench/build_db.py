"""Build a large orderdesk database for the benchmarks (run by hand).

    .venv/bin/python bench/build_db.py /tmp/big.db --orders 1000000

The schema comes from `orderdesk init` and the stores, staff and pipelines from sample_data/demo.toml;
then synthetic customers, orders, items and one audit row per order are written with bare sqlite3
executemany, because going through the import use case would take minutes at this size. Most
orders are closed (final or cancelled stages), as in a shop that has run for a while; a share is
open and assigned, and a share is pending (open, no manager).
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def orderdesk(db: Path, *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "orderdesk.cli.main", "--db", str(db), *args], check=True, stdout=subprocess.DEVNULL
    )


def naive(at: datetime) -> str:
    return at.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")


@dataclass(frozen=True)
class References:
    """The ids the synthetic orders point at, and each store's stages as (code, time limit), open and closed."""

    stores: list[int]
    channels: list[int]
    types: list[int]
    payments: list[int]
    deliveries: list[int]
    manager_ids: list[int]
    customer_ids: range
    stages: dict[int, dict[str, list[tuple[str, int | None]]]]


def add_managers(cur: sqlite3.Cursor, managers: int) -> list[int]:
    """`managers` synthetic managers (m0000, m0001, ...) in the group that processes orders."""
    manager_group = cur.execute("SELECT id FROM user_group WHERE process_orders ORDER BY id").fetchone()[0]
    first_new = cur.execute("SELECT max(id) FROM employee").fetchone()[0] + 1
    cur.executemany(
        "INSERT INTO employee (login, name, roles, statuses, active, password_hash, presence) "
        "VALUES (?, ?, '[\"manager\"]', '[]', 1, '', 'offline')",
        [(f"m{i:04d}", f"Manager {i}") for i in range(managers)],
    )
    manager_ids = list(range(first_new, first_new + managers))
    cur.executemany(
        "INSERT INTO employee_group (employee_id, group_id) VALUES (?, ?)", [(m, manager_group) for m in manager_ids]
    )
    return manager_ids


def stages_by_store(cur: sqlite3.Cursor) -> dict[int, dict[str, list[tuple[str, int | None]]]]:
    stages: dict[int, dict[str, list[tuple[str, int | None]]]] = {}
    for store_id, code, kind, limit in cur.execute(
        "SELECT store_id, code, kind, time_limit FROM stage ORDER BY position"
    ):
        bucket = "closed" if kind in ("final", "cancelled") else "open"
        stages.setdefault(store_id, {"open": [], "closed": []})[bucket].append((code, limit))
    return stages


def add_customers(cur: sqlite3.Cursor, rng: random.Random, customers: int, manager_ids: list[int]) -> range:
    """`customers` synthetic customers, three in ten with a manager of their own."""
    first_customer = (cur.execute("SELECT max(id) FROM customer").fetchone()[0] or 0) + 1
    cur.executemany(
        "INSERT INTO customer (kind, name, phone, phone_key, email, city, manager_id, created_at) "
        "VALUES ('person', ?, ?, ?, ?, 'Moscow', ?, ?)",
        [
            (f"Customer {i}", f"+7 9{i:09d}", f"79{i:09d}", f"c{i}@example.com",
             rng.choice(manager_ids) if rng.random() < 0.3 else None, naive(NOW))
            for i in range(customers)
        ],
    )  # fmt: skip
    return range(first_customer, first_customer + customers)


def references(cur: sqlite3.Cursor, rng: random.Random, *, customers: int, managers: int) -> References:
    """What `orderdesk load` wrote, plus the synthetic managers and customers."""
    ids = lambda table: [r[0] for r in cur.execute(f"SELECT id FROM {table}")]  # noqa: E731
    stores = ids("store")
    channels, types = ids("channel"), ids("order_type")
    payments, deliveries = ids("payment_method"), ids("delivery_method")
    manager_ids = add_managers(cur, managers)
    stages = stages_by_store(cur)
    customer_ids = add_customers(cur, rng, customers, manager_ids)
    return References(stores, channels, types, payments, deliveries, manager_ids, customer_ids, stages)


def synthetic_order(
    rng: random.Random, order_id: int, refs: References, *, pending: float, open_: float
) -> tuple[tuple[object, ...], tuple[object, ...], tuple[object, ...]]:
    """One order's row, its item's row and its audit row: pending, open and assigned, or closed."""
    store = rng.choice(refs.stores)
    roll = rng.random()
    created = NOW - timedelta(seconds=rng.randrange(2 * 365 * 86400))
    if roll < pending:
        manager, (status, limit), is_open = None, rng.choice(refs.stages[store]["open"]), 1
        created = NOW - timedelta(seconds=rng.randrange(60 * 86400))
    elif roll < pending + open_:
        manager, (status, limit), is_open = rng.choice(refs.manager_ids), rng.choice(refs.stages[store]["open"]), 1
        created = NOW - timedelta(seconds=rng.randrange(60 * 86400))
    else:
        manager, (status, limit), is_open = rng.choice(refs.manager_ids), rng.choice(refs.stages[store]["closed"]), 0
    entered = created + timedelta(hours=rng.randrange(1, 48)) if rng.random() < 0.5 else created
    due = naive(entered + timedelta(seconds=limit)) if is_open and limit else None
    qty, price = rng.randrange(1, 4), rng.randrange(100, 100_000)
    delivery_cost = rng.choice((0, 500, 350))
    order_row = (
        order_id, f"B-{order_id:07d}", f"B-{order_id:07d}", store, rng.choice(refs.channels), rng.choice(refs.types),
        rng.choice(refs.customer_ids), manager, status, is_open, "unpaid", rng.choice(refs.payments),
        rng.choice(refs.deliveries), delivery_cost, 0, qty * price + delivery_cost, naive(created), naive(entered),
        due, 0,
    )  # fmt: skip
    item_row = (order_id, f"SKU-{price % 997}", "Synthetic item", qty, price, 0)
    audit_row = (naive(created), "bench", order_id, "order.imported", json.dumps({"status": status}))
    return order_row, item_row, audit_row


def insert_orders(cur: sqlite3.Cursor, rows: list[tuple[tuple[object, ...], ...]]) -> None:
    """The rows of `synthetic_order`, by table."""
    order_rows, item_rows, audit_rows = ([row[i] for row in rows] for i in range(3))
    cur.executemany(
        "INSERT INTO orders (id, number, extra_number, store_id, channel_id, type_id, customer_id, manager_id, "
        "status, is_open, payment_status, payment_method_id, delivery_method_id, delivery_cost, discount, total, "
        "created_at, status_entered_at, stage_due_at, overdue) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        order_rows,
    )
    cur.executemany(
        "INSERT INTO order_item (order_id, sku, name, qty, price, discount) VALUES (?, ?, ?, ?, ?, ?)", item_rows
    )
    cur.executemany("INSERT INTO audit_event (at, rule, order_id, action, after) VALUES (?, ?, ?, ?, ?)", audit_rows)


def build(db: Path, *, orders: int, customers: int, managers: int, pending: float, open_: float, seed: int) -> None:
    rng = random.Random(seed)
    db.unlink(missing_ok=True)
    orderdesk(db, "init")
    orderdesk(db, "load", str(ROOT / "sample_data" / "demo.toml"))
    con = sqlite3.connect(db)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    cur = con.cursor()
    refs = references(cur, rng, customers=customers, managers=managers)

    started = time.perf_counter()
    next_id = (cur.execute("SELECT max(id) FROM orders").fetchone()[0] or 0) + 1
    batch = 50_000
    for start in range(0, orders, batch):
        end = min(start + batch, orders)
        insert_orders(
            cur, [synthetic_order(rng, next_id + n, refs, pending=pending, open_=open_) for n in range(start, end)]
        )
        con.commit()
        print(f"\r{end:,} orders", end="", file=sys.stderr, flush=True)
    con.execute("ANALYZE")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    print(f"\rbuilt {db}: {orders:,} orders in {time.perf_counter() - started:.1f} s", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("db", type=Path)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--managers", type=int, default=200)
    parser.add_argument("--pending", type=float, default=0.02, help="share of orders open with no manager")
    parser.add_argument("--open", type=float, default=0.05, help="share of orders open and assigned")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    build(args.db, orders=args.orders, customers=args.customers, managers=args.managers,
          pending=args.pending, open_=args.open, seed=args.seed)  # fmt: skip


if __name__ == "__main__":
    main()
