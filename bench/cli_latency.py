"""End-to-end time of the commands scripts call most (run by hand; issue 18 Deliver 5).

    .venv/bin/python bench/cli_latency.py /tmp/big.db [--runs 15] [--against /path/to/older/tree]

Each command is run as a fresh process, as a script would, with its output thrown away; prints the
median, min and max wall time of the runs beside its target (DESIGN.md §4: `orders show` and `stats`
under 0.5 s on a 1,000,000-order database), and `python -c pass` and `python -c "import sqlmodel"`
for scale. The sources are compiled first (an installed desk has its .pyc files; this work tree may
not, when PYTHONDONTWRITEBYTECODE is set). With --against, the same commands are also run from that
tree (a `git worktree add --detach DIR COMMIT` of the code before a change, sharing this
virtualenv), alternating with this one run by run, so that both see the same load.
"""

from __future__ import annotations

import argparse
import compileall
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from figures import spread, verdict  # noqa: E402

HERE = Path(__file__).resolve().parent.parent
TARGET = 0.5  # seconds, end to end, median (DESIGN.md §4)


def run(cmd: list[str], tree: Path | None) -> tuple[float, float]:
    """Wall time and CPU time (user + system) of one fresh process."""
    env = dict(os.environ)
    if tree is not None:
        env["PYTHONPATH"] = str(tree)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=tree or HERE)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def compiled(tree: Path) -> None:
    for package in ("orderdesk", "storage", "screens", "scheduler"):
        if (tree / package).is_dir():
            compileall.compile_dir(tree / package, quiet=1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("db", type=Path)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--against", type=Path, help="an older work tree to time beside this one")
    parser.add_argument("--only", help="only the commands whose label contains this (e.g. 'stats')")
    args = parser.parse_args()
    with sqlite3.connect(args.db) as con:
        count = con.execute("SELECT count(*) FROM orders").fetchone()[0]
        number = con.execute("SELECT number FROM orders ORDER BY id DESC LIMIT 1").fetchone()[0]
    trees: list[tuple[str, Path | None]] = [("now", None)]
    if args.against:
        trees.append(("before", args.against.resolve()))
    for _, tree in trees:
        compiled(tree or HERE)
    od = [sys.executable, "-m", "orderdesk.cli.main", "--db", str(args.db.resolve())]
    cases: list[tuple[str, list[str], float | None]] = [
        ("python -c pass", [sys.executable, "-c", "pass"], None),
        ("python -c 'import sqlmodel'", [sys.executable, "-c", "import sqlmodel"], None),
        ("orderdesk --help", [*od, "--help"], None),
        (f"orders show {number} --json", [*od, "orders", "show", number, "--json"], TARGET),
        (f"orders show {number}", [*od, "orders", "show", number], TARGET),
        ("stats --json", [*od, "stats", "--json"], TARGET),
        ("stats", [*od, "stats"], TARGET),
        ("orders list --json (500 orders)", [*od, "orders", "list", "--json"], None),
        ("orders list --status cancelled --limit 50 --json",
         [*od, "orders", "list", "--status", "cancelled", "--limit", "50", "--json"], None),
        ("orders list --unassigned --limit 50 --json",
         [*od, "orders", "list", "--unassigned", "--limit", "50", "--json"], None),
    ]  # fmt: skip
    cases = [case for case in cases if not args.only or args.only in case[0]]
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"{count:,} orders in {args.db}; {args.runs} runs each, fresh processes; load average {load} "
          f"({os.cpu_count()} cores)")  # fmt: skip
    for label, cmd, target in cases:
        times: dict[str, list[tuple[float, float]]] = {name: [] for name, _ in trees}
        for _ in range(args.runs):
            for name, tree in trees:  # alternated: each tree's runs meet the same load
                times[name].append(run(cmd, tree))
        for name, _ in trees:
            walls, cpus = [w for w, _ in times[name]], [c for _, c in times[name]]
            median = statistics.median(walls)
            aim = f"target < {target} s: {verdict(median, target)}" if target else ""
            where = f" [{name}]" if len(trees) > 1 else ""
            print(f"{label + where:52} wall {spread(walls)}, cpu {statistics.median(cpus):.2f} s  {aim}", flush=True)
    print(f"load average after: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
