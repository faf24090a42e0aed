"""Order files (JSON or CSV) read and checked for shape, without the database.

Every error names the file, the row and the field (CSV: the row and the column);
`orderdesk.usecases.import_orders` checks the references and writes the orders."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError

from orderdesk.config.fields import (
    MAX_QTY,
    AwareDatetime,
    Code,
    Count,
    Money,
    Strict,
    describe,
    location,
    read_text,
    unstorable_at,
)
from orderdesk.config.schema import CustomerIn
from orderdesk.policy.errors import InvalidInput


class ItemIn(Strict):
    sku: Code
    name: str = Field(min_length=1)
    qty: Count = Field(gt=0, le=MAX_QTY)
    price: Money
    discount: Money = 0


class DeliveryIn(Strict):
    method: Code
    cost: Money | None = None


class OrderIn(Strict):
    number: Code
    extra_number: str | None = None
    store: Code
    channel: Code
    type: Code = "regular"
    created_at: AwareDatetime
    status: Code | None = None
    status_entered_at: AwareDatetime | None = None
    payment_status: Literal["unpaid", "paid", "refunded"] = "unpaid"
    customer: CustomerIn
    items: list[ItemIn] = Field(min_length=1)
    payment_method: Code | None = None
    delivery: DeliveryIn | None = None
    discount: Money = 0
    total: Money | None = None
    manager: Code | None = None
    contractor: Code | None = None


@dataclass
class OrderRow:
    """An order read from a file, with where it came from for error messages."""

    order: OrderIn
    row: int
    columns: dict[tuple[Any, ...], str] = field(default_factory=dict)  # CSV: field path → "row N, column C"

    def where(self, loc: tuple[Any, ...] = ()) -> str:
        if loc in self.columns:
            return f"{self.columns[loc]} ({self.order.number})"
        label = f"row {self.row} ({self.order.number})"
        return f"{label}: {location(loc)}" if loc else label


def read_orders(path: Path) -> list[OrderRow]:
    """Every order of a JSON or CSV file, checked for shape, or InvalidInput naming row and field."""
    suffix = path.suffix.lower()
    if suffix not in (".json", ".csv"):
        raise InvalidInput(f"{path}: unknown file type {suffix or '(none)'!r}; orders come as .json or .csv")
    text = read_text(path)
    rows = _read_json(text, path) if suffix == ".json" else _read_csv(text, path)
    if not rows:
        raise InvalidInput(f"{path}: no orders in the file")
    seen: dict[str, int] = {}
    for entry in rows:
        number = entry.order.number
        if number in seen:
            raise InvalidInput(f"{path}: {entry.where()}: number {number} is already used at row {seen[number]}")
        seen[number] = entry.row
    return rows


def _read_json(text: str, path: Path) -> list[OrderRow]:
    try:
        data = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"{path}: not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})") from None
    except RecursionError:
        raise InvalidInput(f"{path}: not valid JSON: nested too deeply") from None
    except ValueError as exc:  # Python's limit on the digits of an integer (4300), and the like
        why = "a number with more than 4300 digits" if "digits" in str(exc) else str(exc).splitlines()[0]
        raise InvalidInput(f"{path}: not valid JSON: {why}") from None
    if isinstance(data, dict) and isinstance(data.get("orders"), list):
        data = data["orders"]
    if not isinstance(data, list):
        raise InvalidInput(f"{path}: expected a JSON list of orders, found {type(data).__name__}")
    rows = []
    for index, raw in enumerate(data, start=1):
        if not isinstance(raw, dict):
            raise InvalidInput(f"{path}: row {index}: expected an order object, found {type(raw).__name__}")
        bad = unstorable_at(raw)
        if bad is not None:
            raise InvalidInput(f"{path}: row {index}: {location(bad[0])}: {bad[1]}")
        try:
            order = OrderIn.model_validate(raw)
        except ValidationError as exc:
            error = exc.errors()[0]
            number = raw.get("number")
            label = f"row {index}" + (f" ({number.strip()})" if isinstance(number, str) and number.strip() else "")
            raise InvalidInput(f"{path}: {label}: {location(error['loc'])}: {describe(error)}") from None
        rows.append(OrderRow(order=order, row=index))
    return rows


# CSV: one row per item, the order's fields repeated on each of its rows.
_CSV_ORDER = {
    "number": ("number",),
    "extra_number": ("extra_number",),
    "store": ("store",),
    "channel": ("channel",),
    "type": ("type",),
    "created_at": ("created_at",),
    "status": ("status",),
    "status_entered_at": ("status_entered_at",),
    "payment_status": ("payment_status",),
    "manager": ("manager",),
    "contractor": ("contractor",),
    "customer_name": ("customer", "name"),
    "customer_kind": ("customer", "kind"),
    "customer_phone": ("customer", "phone"),
    "customer_email": ("customer", "email"),
    "customer_city": ("customer", "city"),
    "customer_address": ("customer", "address"),
    "customer_manager": ("customer", "manager"),
    "payment_method": ("payment_method",),
    "delivery_method": ("delivery", "method"),
    "delivery_cost": ("delivery", "cost"),
    "discount": ("discount",),
    "total": ("total",),
}
_CSV_ITEM = {"sku": "sku", "item_name": "name", "qty": "qty", "price": "price", "item_discount": "discount"}
_CSV_COLUMN_OF = {target: name for name, target in _CSV_ORDER.items()}
_CSV_REQUIRED = ("number", "store", "channel", "created_at", "customer_name", "sku", "item_name", "qty", "price")


def _read_csv(text: str, path: Path) -> list[OrderRow]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except csv.Error as exc:
        raise InvalidInput(f"{path}: row 1: not valid CSV: {exc}") from None
    known = set(_CSV_ORDER) | set(_CSV_ITEM)
    for name in header:
        if name not in known:
            raise InvalidInput(f'{path}: row 1: unknown column "{name}" (known: {", ".join(sorted(known))})')
    for name in _CSV_REQUIRED:
        if name not in header:
            raise InvalidInput(f'{path}: row 1: missing column "{name}"')
    if len(set(header)) != len(header):
        raise InvalidInput(f"{path}: row 1: a column is named twice")
    orders: dict[str, dict[str, Any]] = {}
    try:
        for values in reader:
            line = reader.line_num
            if not any(v.strip() for v in values):
                continue
            if len(values) != len(header):
                raise InvalidInput(f"{path}: row {line}: {len(values)} fields, the header has {len(header)}")
            cells = {name: value.strip() for name, value in zip(header, values, strict=False)}
            for name, value in cells.items():
                if "\x00" in value:  # no database column holds one (PostgreSQL refuses it)
                    raise InvalidInput(f"{path}: row {line}, column {name}: contains a NUL character")
            _add_csv_row(orders, cells, line, path)
    except csv.Error as exc:
        raise InvalidInput(f"{path}: row {reader.line_num}: not valid CSV: {exc}") from None
    rows = []
    for number, entry in orders.items():
        try:
            order = OrderIn.model_validate(entry["data"])
        except ValidationError as exc:
            error = exc.errors()[0]
            loc = tuple(error["loc"])
            where = entry["columns"].get(loc)
            if where is None and loc in _CSV_COLUMN_OF:  # an empty cell: still name its column
                where = f"row {entry['row']}, column {_CSV_COLUMN_OF[loc]}"
            if where:
                raise InvalidInput(f"{path}: {where} ({number}): {describe(error)}") from None
            raise InvalidInput(f"{path}: row {entry['row']} ({number}): {location(loc)}: {describe(error)}") from None
        rows.append(OrderRow(order=order, row=entry["row"], columns=entry["columns"]))
    return rows


def _add_csv_row(orders: dict[str, dict[str, Any]], cells: dict[str, str], line: int, path: Path) -> None:
    number = cells.get("number", "")
    if not number:
        raise InvalidInput(f"{path}: row {line}, column number: is required")
    entry = orders.get(number)
    if entry is None:
        data: dict[str, Any] = {"items": []}
        columns: dict[tuple[Any, ...], str] = {}
        for name, target in _CSV_ORDER.items():
            value = cells.get(name, "")
            if value == "":
                continue
            parent = data
            for key in target[:-1]:
                parent = parent.setdefault(key, {})
            parent[target[-1]] = value
            columns[target] = f"row {line}, column {name}"
        entry = orders[number] = {"data": data, "row": line, "columns": columns}
    else:
        for name, target in _CSV_ORDER.items():
            first = _dig(entry["data"], target)
            if cells.get(name, "") != first:
                raise InvalidInput(
                    f"{path}: row {line}, column {name} ({number}): "
                    f"{cells.get(name, '') or 'empty'!r} differs from the order's first row {entry['row']} "
                    f"({first or 'empty'!r})"
                )
    index = len(entry["data"]["items"])
    entry["data"]["items"].append({key: cells[name] for name, key in _CSV_ITEM.items() if cells.get(name, "") != ""})
    for name, key in _CSV_ITEM.items():
        entry["columns"][("items", index, key)] = f"row {line}, column {name}"
    entry["columns"][("items", index)] = f"row {line}"


def _dig(data: dict[str, Any], path: tuple[str, ...]) -> str:
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return ""
        data = data[key]
    return data  # type: ignore[return-value]
