"""Bad input at every door, by property (issue 17, Deliver 5): generated config files, order files (JSON and
CSV) and command lines never give a traceback. A command either does what it says (exit 0) or is refused
with exit 1 (its input) or 2 (its arguments) and one line on stderr naming the place, and a refused command
never changes the database. One database per property; its snapshot is taken again after each command that
was accepted, so the next example is compared with what the database then holds.

Bounded: a few dozen examples each (the file takes about half a minute per backend)."""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orderdesk.cli.main import app
from storage.db import shared_engine
from tests.conftest import POSTGRES, Run, snapshot_of
from tests.test_bad_codes import csv_file, toml_string
from tests.test_import import order

# a PostgreSQL snapshot reflects every table: slower per example. ORDERDESK_PROPERTY_EXAMPLES=500 searches
# further (and with new examples each run), by hand
EXAMPLES = int(os.environ.get("ORDERDESK_PROPERTY_EXAMPLES", 0)) or (20 if POSTGRES else 40)
PROPERTY = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize="ORDERDESK_PROPERTY_EXAMPLES" not in os.environ,  # in the suite, the same examples every run
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

# text people and attackers type: any character (hidden ones too), and words the demo knows
TEXT = st.one_of(
    st.text(max_size=12),
    st.text(alphabet="\x00\n\r\t\u202e\u200b\u2028\ufeff \"'\\,;=[]{}#-", max_size=6),
    st.sampled_from(["", " ", "home", "print", "dom", "new", "placed", "in_print", "manager", "anna", "H-5001",
                     "0w", "0s", "-1h", "1h", "2w", "99999999999d", "none", "equal", "role:manager", "UTC",
                     "Mars/Base", "12.50", "-1.00", "1e3", "12.345", "NaN", "inf", "paid", "x" * 70]),
)  # fmt: skip
NUMBER = st.one_of(st.integers(-(2**70), 2**70), st.sampled_from([0, -1, 2**31 - 1, 2**31, 2**63, -(2**63) - 1]))
VALUE = st.one_of(
    TEXT,
    NUMBER,
    st.booleans(),
    st.floats(),
    st.lists(st.one_of(TEXT, NUMBER), max_size=3),
    st.dictionaries(st.sampled_from(["statuses", "max", "x", "role", "before"]), st.one_of(TEXT, NUMBER), max_size=2),
)


def snapshots(db: str) -> Callable[[], dict[str, list[tuple[object, ...]]]]:
    """snapshot_of(db) as a function to call again and again; on PostgreSQL the tables are reflected once."""
    if not POSTGRES:
        return lambda: snapshot_of(db)
    from sqlalchemy import MetaData, select

    meta = MetaData()
    with shared_engine(db).connect() as connection:
        meta.reflect(connection)

    def take() -> dict[str, list[tuple[object, ...]]]:
        with shared_engine(db).connect() as connection:
            return {
                name: sorted(map(tuple, connection.execute(select(table))), key=repr)
                for name, table in meta.tables.items()
            }

    return take


class Door:
    """One database behind a door, and what it held after the last command that was accepted."""

    def __init__(self, db: str) -> None:
        self.db, self.snapshot = db, snapshots(db)
        self.before = self.snapshot()

    def check(self, result: Run, *, place: str) -> None:
        """The property: no traceback; exit 0, or exit 1 or 2 with one line naming `place` and nothing
        written."""
        assert "Traceback" not in result.stderr + result.stdout, result.stderr
        if result.exit_code == 0:
            self.before = self.snapshot()  # the next example is compared with what it holds now
            return
        assert result.exit_code in (1, 2), (result.exit_code, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert place in lines[0], lines[0]
        assert "database error" not in lines[0], lines[0]  # refused before the database, not by it
        assert self.snapshot() == self.before, lines[0]


# ----------------------------------------------------------------------------------- config files


def toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else toml_string(key)


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{toml_key(k)} = {toml_value(v)}" for k, v in value.items()) + " }"
    return toml_string(value)


ENTRIES = {
    "stores": {"code": "garden", "name": "Garden", "timezone": "UTC", "currency": "GBP"},
    "employees": {"login": "kate", "name": "Kate", "roles": ["manager"], "groups": [], "statuses": ["new"]},
    "stages": {"store": "home", "code": "wait", "name": "Waiting", "time_limit": "1h", "kind": "open"},
    "automoves": {"store": "print", "from": ["placed"], "after": "2w", "to": "in_print"},
    "groups": {"code": "garden-web", "name": "Garden web", "stores": ["home"], "channels": ["site"]},
    "rules": {"name": "Call", "event": "order_created", "title": "Call #CUSTOMER#", "due_in": "1h"},
    "customers": {"name": "Test Person", "phone": "+44 7700 900001", "city": "York"},
}
SETTINGS = ["session_timeout", "managers_see_all", "presence_on_sign_in", "distribution.mode", "distribution.max_age",
            "distribution.workload_limit", "scheduler.interval", "scheduler.lease", "smtp.port", "smtp.max_attempts",
            "notifications.order_placed_delay", "unknown"]  # fmt: skip


@st.composite
def config_files(draw: st.DrawFn) -> str:
    if draw(st.integers(0, 9)) == 0:
        return draw(st.text(max_size=60))  # any text at all
    lines = []
    for section in draw(st.lists(st.sampled_from(sorted(ENTRIES)), min_size=1, max_size=2, unique=True)):
        entry = dict(ENTRIES[section])
        for _ in range(draw(st.integers(1, 3))):
            key = draw(st.one_of(st.sampled_from(sorted(entry)), TEXT.filter(bool)))
            if draw(st.booleans()) and key in entry:
                del entry[key]
            else:
                entry[key] = draw(VALUE)
        lines.append(f"[[{section}]]")
        lines += [f"{toml_key(k)} = {toml_value(v)}" for k, v in entry.items()]
    if draw(st.booleans()):
        values = {draw(st.sampled_from(SETTINGS)): draw(VALUE) for _ in range(draw(st.integers(1, 2)))}
        lines.append("[settings]")
        lines += [f"{k} = {toml_value(v)}" for k, v in values.items()]
    return "\n".join(lines) + "\n"


def test_a_generated_config_file_is_loaded_or_refused_in_one_line(cli: Any, demo_db: str, tmp_path: Path) -> None:
    path = tmp_path / "desk.toml"
    door = Door(demo_db)

    @PROPERTY
    @given(text=config_files())
    def load(text: str) -> None:
        path.write_text(text, encoding="utf-8")
        door.check(cli("load", str(path), db=demo_db), place="desk.toml")

    load()


# ----------------------------------------------------------------------------------- order files

JSON_VALUE = st.recursive(
    st.one_of(st.none(), st.booleans(), NUMBER, st.floats(allow_nan=False, allow_infinity=False), TEXT,
              st.sampled_from(["\ud800", "2026-11-20T22:14:00", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59+14:00"])),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(TEXT, inner, max_size=3)),
    max_leaves=5,
)  # fmt: skip
ORDER_PLACES = [("number",), ("store",), ("channel",), ("type",), ("created_at",), ("status",), ("status_entered_at",),
                ("payment_status",), ("manager",), ("contractor",), ("extra_number",), ("discount",), ("total",),
                ("payment_method",), ("delivery",), ("delivery", "method"), ("delivery", "cost"), ("customer",),
                ("customer", "name"), ("customer", "phone"), ("customer", "email"), ("customer", "kind"),
                ("customer", "manager"), ("items",), ("items", 0), ("items", 0, "qty"), ("items", 0, "price"),
                ("items", 0, "sku"), ("items", 0, "name"), ("items", 0, "discount"), ("surprise",)]  # fmt: skip


def put(data: Any, place: tuple[Any, ...], value: Any) -> None:
    """`value` at `place` in the order, if the place is still there (an earlier change may have replaced it)."""
    for step in place:
        if isinstance(data, dict) and isinstance(step, str):
            holder, data = data, data.get(step)
        elif isinstance(data, list) and isinstance(step, int) and step < len(data):
            holder, data = data, data[step]
        else:
            return
    holder[place[-1]] = value


@st.composite
def json_files(draw: st.DrawFn) -> str:
    kind = draw(st.integers(0, 9))
    if kind == 0:
        return draw(st.text(max_size=40))
    if kind == 1:
        return json.dumps(draw(JSON_VALUE))
    number = draw(st.one_of(st.just("T-1"), TEXT))
    data = order(number)
    for _ in range(draw(st.integers(1, 3))):
        put(data, draw(st.sampled_from(ORDER_PLACES)), draw(JSON_VALUE))
    text = json.dumps([data])
    return text[: draw(st.integers(1, len(text)))] if kind == 2 else text  # 2: cut short


@st.composite
def csv_files(draw: st.DrawFn, base: str) -> str:
    if draw(st.integers(0, 9)) == 0:
        return draw(st.text(max_size=60))
    rows = list(csv.reader(io.StringIO(base)))
    header, row = rows[0], rows[1]
    for _ in range(draw(st.integers(1, 3))):
        column = draw(st.integers(0, len(header) - 1))
        if draw(st.integers(0, 5)) == 0:
            header[column] = draw(TEXT)
        else:
            row[column] = draw(st.one_of(TEXT, NUMBER.map(str)))
    extra = [list(row)]
    if draw(st.booleans()):  # a second item of the same order, perhaps disagreeing on an order field
        extra[0][draw(st.integers(0, len(header) - 1))] = draw(TEXT)
    out = io.StringIO()
    csv.writer(out).writerows([header, row, *extra[: draw(st.integers(0, 1))]])
    return out.getvalue()


def test_a_generated_json_order_file_is_imported_or_refused_in_one_line(cli: Any, demo_db: str, tmp_path: Path) -> None:
    path = tmp_path / "orders.json"
    door = Door(demo_db)

    @PROPERTY
    @given(text=json_files())
    def import_json(text: str) -> None:
        path.write_text(text, encoding="utf-8")
        door.check(cli("orders", "import", str(path), db=demo_db), place="orders.json")

    import_json()


def test_a_generated_csv_order_file_is_imported_or_refused_in_one_line(cli: Any, demo_db: str, tmp_path: Path) -> None:
    base = csv_file(tmp_path).read_text(encoding="utf-8")
    path = tmp_path / "orders.csv"
    door = Door(demo_db)

    @PROPERTY
    @given(text=csv_files(base))
    def import_csv(text: str) -> None:
        path.write_text(text, encoding="utf-8")
        door.check(cli("orders", "import", str(path), db=demo_db), place="orders.csv")

    import_csv()


# ----------------------------------------------------------------------------------- command lines

# what reads files, waits, runs for ever or sends mail is not a thing to call with any arguments
SKIPPED = {"init", "load", "tick", "orders import", "scheduler run", "notifications send"}


def _commands() -> dict[str, Any]:
    found: dict[str, Any] = {}

    def walk(command: Any, path: list[str]) -> None:
        subs = getattr(command, "commands", None)
        if subs:
            for name, sub in subs.items():
                walk(sub, [*path, name])
        elif " ".join(path) not in SKIPPED:
            found[" ".join(path)] = command

    walk(typer.main.get_command(app), [])
    return found


COMMANDS = _commands()


def _value(draw: st.DrawFn, annotation: Any) -> str:
    if annotation is int or annotation == list[int]:
        return draw(st.one_of(NUMBER.map(str), TEXT))
    return draw(TEXT)


@st.composite
def command_lines(draw: st.DrawFn) -> list[str]:
    name = draw(st.sampled_from(sorted(COMMANDS)))
    args = name.split()
    for param in COMMANDS[name].params:
        annotation = param.type_descriptor.annotation
        if param.param_type_name == "argument":
            if param.required or draw(st.booleans()):
                args.append(_value(draw, annotation))
        elif annotation is bool:
            if draw(st.booleans()):
                args.append(param.opts[0])
        elif param.required or draw(st.integers(0, 2)) == 0:
            args += [param.opts[0], _value(draw, annotation)]
    if draw(st.integers(0, 9)) == 0:
        args.insert(draw(st.integers(0, len(args))), draw(TEXT))  # a word too many, anywhere
    return args


def test_a_generated_command_line_does_its_work_or_is_refused_in_one_line(cli: Any, demo_db: str) -> None:
    door = Door(demo_db)

    @settings(PROPERTY, max_examples=EXAMPLES * 2)
    @given(args=command_lines())
    def run(args: list[str]) -> None:
        door.check(cli(*args, db=demo_db), place="orderdesk")

    run()
