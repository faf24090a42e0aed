"""The demo data of `sample_data/`, with its orders moved to end today."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

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


def shift_to(rows: list[OrderRow], now: datetime) -> list[OrderRow]:
    """Move every order by whole days so the newest lies on today, not after now: night orders stay
    at night and "older than 90 days" stays true of the same orders, whenever the demo is built."""
    newest = max(r.order.created_at for r in rows)
    days = (now.date() - newest.astimezone(now.tzinfo).date()).days
    if newest + timedelta(days=days) > now:
        days -= 1
    shift = timedelta(days=days)
    shifted = []
    for r in rows:
        update = {"created_at": r.order.created_at + shift}
        if r.order.status_entered_at is not None:
            update["status_entered_at"] = r.order.status_entered_at + shift
        shifted.append(OrderRow(order=r.order.model_copy(update=update), row=r.row, columns=r.columns))
    return shifted
