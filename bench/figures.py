"""How the benchmarks print a measured figure: median, min and max of the runs, beside its target."""

from __future__ import annotations

import statistics
from collections.abc import Sequence


def spread(values: Sequence[float], *, unit: str = "s", scale: float = 1.0) -> str:
    """`median 1.23 s (min 1.10, max 1.40)` of `values` (multiplied by `scale`, for ms say 1000)."""
    ordered = sorted(v * scale for v in values)
    return f"median {statistics.median(ordered):.2f} {unit} (min {ordered[0]:.2f}, max {ordered[-1]:.2f})"


def percentile(values: Sequence[float], share: float) -> float:
    """The value below which `share` of `values` lie (nearest rank: p99 of 300 runs is the 297th)."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered)) - 1))]


def verdict(measured: float, target: float) -> str:
    """ "met" or "MISSED", for a figure whose target is an upper bound."""
    return "met" if measured < target else "MISSED"
