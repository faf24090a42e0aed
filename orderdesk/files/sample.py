"""The demo data of `sample_data/`, with its orders moved to end now."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from orderdesk.files.orders_file import OrderRow
from orderdesk.policy.errors import InvalidInput

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "sample_data"
SAMPLE_CONFIG = SAMPLE_DIR / "demo.toml"
SAMPLE_ORDERS = SAMPLE_DIR / "orders.json"


def sample_files() -> tuple[Path, Path]:
    for path in (SAMPLE_CONFIG, SAMPLE_ORDERS):
        if not path.is_file():
            raise InvalidInput(f"{path}: sample data not found (run from a checkout of orderdesk)")
    return SAMPLE_CONFIG, SAMPLE_ORDERS


FRESH = timedelta(hours=20)  # the demo's fresh batch: the orders of its last 20 hours


def shift_to(rows: list[OrderRow], now: datetime, zones: Iterable[str] = ("UTC",)) -> list[OrderRow]:
    """The demo's orders as if it ended now (issue 14: the newest order is of today in each store's zone).

    Older times move by whole days, so that night orders stay at night and "older than 90 days" stays
    true of the same orders; the newest lies on or before now. The last 20 hours before the newest (the
    fresh batch) are pressed into what of today has passed in every store's zone, ending now: their
    order is kept, and every time stays on or before now. Both moves keep times in order, so an order
    never entered its status before it was created."""
    newest = max(r.order.created_at for r in rows)
    days = (now.date() - newest.astimezone(now.tzinfo).date()).days
    if newest + timedelta(days=days) > now:
        days -= 1
    shift = timedelta(days=days)
    today = min((now - now.astimezone(ZoneInfo(z)).replace(hour=0, minute=0, second=0, microsecond=0) for z in zones),
                default=FRESH)  # fmt: skip
    scale = min(today, FRESH) / FRESH

    def moved(at: datetime) -> datetime:
        before_newest = newest - at
        if before_newest >= FRESH:
            return at + shift
        return (now - max(before_newest, timedelta(0)) * scale).replace(microsecond=0)

    shifted = []
    for r in rows:
        update = {"created_at": moved(r.order.created_at)}
        if r.order.status_entered_at is not None:
            update["status_entered_at"] = moved(r.order.status_entered_at)
        shifted.append(OrderRow(order=r.order.model_copy(update=update), row=r.row, columns=r.columns))
    return shifted
