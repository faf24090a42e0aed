"""End-to-end time of the admin commands scripts call most (run by hand).

    .venv/bin/python bench/cli_latency.py /tmp/big.db [--runs 10]

Each command is run as a fresh process, as a script would; prints the median and worst wall time,
beside a bare `python -c pass` and `python -c "import sqlmodel"` for scale. Target (DESIGN.md §4):
`orders show` and `stats` under 0.6 s on a 1,000,000-order database.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path


def timed(cmd: list[str], runs: int) -> tuple[float, float, float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
    return min(times), statistics.median(times), max(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("db", type=Path)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    with sqlite3.connect(args.db) as con:
        count = con.execute("SELECT count(*) FROM orders").fetchone()[0]
        number = con.execute("SELECT number FROM orders ORDER BY id DESC LIMIT 1").fetchone()[0]
    od = [sys.executable, "-m", "orderdesk.cli.main", "--db", str(args.db)]
    cases = [
        ("python -c pass", [sys.executable, "-c", "pass"]),
        ("python -c 'import sqlmodel'", [sys.executable, "-c", "import sqlmodel"]),
        ("orderdesk --help", [*od, "--help"]),
        (f"orders show {number} --json", [*od, "orders", "show", number, "--json"]),
        (f"orders show {number}", [*od, "orders", "show", number]),
        ("stats --json", [*od, "stats", "--json"]),
        ("stats", [*od, "stats"]),
        (
            "orders list --unassigned --limit 50 --json",
            [*od, "orders", "list", "--unassigned", "--limit", "50", "--json"],
        ),
    ]
    print(f"{count:,} orders in {args.db}; {args.runs} runs each")
    print(f"{'command':48} {'min s':>7} {'median s':>9} {'max s':>7}")
    for label, cmd in cases:
        best, median, worst = timed(cmd, args.runs)
        print(f"{label:48} {best:7.3f} {median:9.3f} {worst:7.3f}")


if __name__ == "__main__":
    main()
