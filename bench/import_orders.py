"""Time `orderdesk orders import` of a large JSON file (run by hand).

    .venv/bin/python bench/import_orders.py [--orders 50000]

Builds a demo database (`init --sample`), writes N synthetic orders for the demo stores to a
temporary JSON file, imports them in a fresh process and prints orders per second and peak memory.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=50_000)
    args = parser.parse_args()
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        db, path = Path(tmp) / "bench.db", Path(tmp) / "orders.json"
        od = [sys.executable, "-m", "orderdesk.cli.main", "--db", str(db)]
        subprocess.run([*od, "init", "--sample"], check=True, capture_output=True)
        orders = [
            {
                "number": f"X-{n:07d}", "store": "home", "channel": rng.choice(["site", "app", "phone"]),
                "type": "regular", "created_at": f"2026-11-{rng.randrange(1, 25):02d}T{rng.randrange(24):02d}:00:00Z",
                "customer": {"name": f"Customer {n % 20000}", "phone": f"+44 7700 {n % 20000:06d}"},
                "items": [{"sku": f"SKU-{i}", "name": "Rake", "qty": rng.randrange(1, 4), "price": "12.50"}
                          for i in range(rng.randrange(1, 4))],
                "payment_method": "card", "delivery": {"method": "courier"},
            }
            for n in range(args.orders)
        ]  # fmt: skip
        path.write_text(json.dumps(orders))
        size_mb = path.stat().st_size / 1e6
        started = time.perf_counter()
        subprocess.run([*od, "orders", "import", str(path), "--json"], check=True, capture_output=True)
        elapsed = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"imported {args.orders:,} orders ({size_mb:.1f} MB JSON) in {elapsed:.2f} s: "
          f"{args.orders / elapsed:,.0f} orders/s; peak memory of the importing process {peak:.0f} MB")  # fmt: skip


if __name__ == "__main__":
    main()
