"""Time `orderdesk orders import` with and without task rules (seed 001), and the scheduler's tasks job.

    .venv/bin/python bench/task_rules.py [--orders 10000] [--rules 0|2] [--code DIR]

Builds a demo database (`init --sample`), takes out any rules the sample has, adds `--rules` of
its own (2: "call the customer within an hour" for any manager of the store, and "5 days after the
order, check it was paid", delayed), writes N synthetic orders for the demo's home store and
imports them in a fresh process. With `--code DIR` the processes run that checkout of orderdesk
(PYTHONPATH), for a before/after comparison; then no rules can be added (the tables may not exist).
With rules, it then runs the scheduler's "tasks" job a month later (every delayed task due) and
times it.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RULES = [
    {"name": "call", "event": "order_created", "title": "Call #NAME# about #ORDER_ID#",
     "text": "Phone #PHONE#: #TOTAL#", "assignee": {"role": "manager"}, "due_in": 3600, "delay": 0,
     "task_priority": "high", "priority": 1, "continues": True},
    {"name": "paid?", "event": "order_created", "title": "Was #ORDER_ID# paid?", "text": "",
     "assignee": {"role": "manager"}, "due_in": 86400, "delay": 5 * 86400, "task_priority": "normal",
     "priority": 2, "continues": False},
]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--rules", type=int, default=0, choices=[0, 1, 2])
    parser.add_argument("--code", type=Path, default=None, help="run this checkout of orderdesk instead")
    args = parser.parse_args()
    env = dict(os.environ)
    if args.code:
        env["PYTHONPATH"] = str(args.code.resolve())
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        db, path = Path(tmp) / "bench.db", Path(tmp) / "orders.json"
        od = [sys.executable, "-m", "orderdesk.cli.main", "--db", str(db)]
        subprocess.run([*od, "init", "--sample"], check=True, capture_output=True, env=env)
        with sqlite3.connect(db) as connection:
            has_rules = connection.execute("SELECT 1 FROM sqlite_master WHERE name = 'task_rule'").fetchone()
            if has_rules:
                connection.execute("DELETE FROM task_rule")
                for rule in RULES[: args.rules]:
                    connection.execute(
                        "INSERT INTO task_rule (name, event, to_status, from_statuses, conditions, assignee, title, "
                        "text, due_in, delay, task_priority, project, priority, continues, enabled) VALUES "
                        "(?, ?, NULL, '[]', '{}', ?, ?, ?, ?, ?, ?, 'default', ?, ?, 1)",
                        (rule["name"], rule["event"], json.dumps(rule["assignee"]), rule["title"], rule["text"],
                         rule["due_in"], rule["delay"], rule["task_priority"], rule["priority"], rule["continues"]),
                    )  # fmt: skip
            elif args.rules:
                sys.exit("this checkout has no task_rule table: run it with --rules 0")
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
        started = time.perf_counter()
        subprocess.run([*od, "orders", "import", str(path), "--json"], check=True, capture_output=True, env=env)
        elapsed = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        counts = ""
        if has_rules:
            with sqlite3.connect(db) as connection:
                tasks, waiting, logged = (connection.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                                          for t in ("task", "task_schedule", "rule_log"))  # fmt: skip
            counts = f"; {tasks:,} tasks, {waiting:,} delayed waiting, {logged:,} rule-log rows"
        print(f"{args.rules} rules: imported {args.orders:,} orders in {elapsed:.2f} s "
              f"({args.orders / elapsed:,.0f} orders/s, peak {peak:.0f} MB){counts}")  # fmt: skip
        if args.rules and has_rules:
            job = (
                "import json, sys, time; from datetime import datetime, UTC; from orderdesk.clock import FixedClock; "
                "from orderdesk.api.jobs import run_job; from storage.db import make_engine; "
                "engine = make_engine(sys.argv[1]); t = time.perf_counter(); "
                "r = run_job(engine, FixedClock(datetime(2026, 12, 31, tzinfo=UTC)), 'tasks'); "
                "print(json.dumps({'s': time.perf_counter() - t, **r}))"
            )
            done = subprocess.run([sys.executable, "-c", job, str(db)], check=True, capture_output=True, env=env,
                                  text=True)  # fmt: skip
            result = json.loads(done.stdout)
            print(f"  the scheduler's tasks job a month on (every delayed task due): {result.pop('s'):.2f} s {result}")


if __name__ == "__main__":
    main()
