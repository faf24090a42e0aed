"""Printable documents (issue 16): how long one document takes, and a warehouse's batch of 500 waybills in one file.

    .venv/bin/python bench/documents.py              # every document, 5 and 120 items; 500 waybills
    .venv/bin/python bench/documents.py --batch 100  # a smaller batch
    .venv/bin/python bench/documents.py --no-accel   # as if reportlab's C accelerator (rl_accel) were missing

Targets: one document under 0.3 s, 500 waybills under 10 s. Each figure is the min and median of several runs of
`orderdesk.files.documents.render` (layout, fonts subset and embedded, QR drawn; no database: the sheets are built
as tests/document_sheets.py builds them), the first run (fonts loaded, caches cold) shown apart.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
if "--no-accel" in sys.argv:
    sys.modules["_rl_accel"] = None  # type: ignore[assignment]  # reportlab then uses its pure Python code

from orderdesk.files.documents import render  # noqa: E402
from tests.document_sheets import GB, RU_NO_VAT, gb_sheet, long_sheet, sheet  # noqa: E402


def timed(doc: str, sheets: list, runs: int) -> tuple[float, float, int, int]:  # type: ignore[type-arg]
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        rendered = render(doc, sheets)  # type: ignore[arg-type]
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times), rendered.pages, len(rendered.pdf)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--no-accel", action="store_true", help="without reportlab's C accelerator")
    args = parser.parse_args()
    from reportlab.lib import rl_accel

    accelerated = type(rl_accel.fp_str).__name__ == "builtin_function_or_method"
    print(f"reportlab's C accelerator (rl_accel): {'in use' if accelerated else 'not in use'}")

    start = time.perf_counter()
    render("invoice", [sheet()])
    print(f"first document (fonts loaded): {time.perf_counter() - start:.3f} s")

    cases = [
        ("ТОРГ-12, 5 items", "waybill", [sheet()]),
        ("ТОРГ-12, 120 items", "waybill", [long_sheet()]),
        ("delivery note, 3 items", "waybill", [gb_sheet()]),
        ("delivery note, 120 items", "waybill", [long_sheet(requisites=GB)]),
        ("счёт на оплату + QR, 5 items", "invoice", [sheet()]),
        ("счёт на оплату + QR, 120 items", "invoice", [long_sheet()]),
        ("счёт без НДС, 5 items", "invoice", [sheet(RU_NO_VAT)]),
        ("invoice (GB), 3 items", "invoice", [gb_sheet()]),
        ("ПД-4 + 2 QR", "slip", [sheet()]),
    ]
    print(f"{'document':34} {'min':>8} {'median':>8} {'pages':>6} {'bytes':>9}")
    for name, doc, sheets in cases:
        best, median, pages, size = timed(doc, sheets, args.runs)
        print(f"{name:34} {best:7.3f}s {median:7.3f}s {pages:6} {size:9,}")

    batch = [replace(sheet(), number=f"D-{10000 + i}") for i in range(args.batch)]
    for name, doc, sheets in [
        (f"{args.batch} waybills (ТОРГ-12, 5 items)", "waybill", batch),
        (
            f"{args.batch} delivery notes (3 items)",
            "waybill",
            [replace(gb_sheet(), number=f"H-{i}") for i in range(args.batch)],
        ),
    ]:
        best, median, pages, size = timed(doc, sheets, 3)
        print(f"{name:34} {best:7.3f}s {median:7.3f}s {pages:6} {size:9,}")


if __name__ == "__main__":
    main()
