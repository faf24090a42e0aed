"""Codes, cells and numbers no desk can hold (issue 17): refused in one line naming the place, nothing written.

Complements tests/test_hostile_input.py (deep TOML, huge JSON numbers, bad --db, tick --at, file mode,
a setting with a line break, long logins)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Run, refused, snapshot_of
from tests.test_import import item, order, write_json

# invisible, or they break or reorder the line a code is shown in (Trojan Source: U+202E)
HIDDEN = [("\x00", "U+0000"), ("\n", "U+000A"), ("\r", "U+000D"), ("\u202e", "U+202E RIGHT-TO-LEFT OVERRIDE"),
          ("\u200b", "U+200B ZERO WIDTH SPACE"), ("\x07", "U+0007"), ("\u2028", "U+2028 LINE SEPARATOR")]  # fmt: skip
HIDDEN_IDS = [shown.split()[0] for _, shown in HIDDEN]


def usage_refused(result: Run, *words: str) -> str:
    """A mistake in the arguments: exit 2 and one line on stderr naming these words (no usage block)."""
    return refused(result, *words, code=2)


def toml_string(text: str) -> str:
    """`text` as a TOML basic string, every character outside printable ASCII escaped."""
    return '"' + "".join(ch if " " <= ch <= "~" and ch not in '"\\' else f"\\u{ord(ch):04X}" for ch in text) + '"'


def load(cli: Any, db: str, tmp_path: Path, text: str) -> Run:
    path = tmp_path / "desk.toml"
    path.write_text(text, encoding="utf-8")
    return cli("load", str(path), db=db)


@pytest.mark.parametrize(("char", "shown"), HIDDEN, ids=HIDDEN_IDS)
def test_a_store_code_with_a_hidden_character_is_refused(
    cli: Any, demo_db: str, tmp_path: Path, char: str, shown: str
) -> None:
    before = snapshot_of(demo_db)
    code = toml_string("ga" + char + "rden")
    result = load(cli, demo_db, tmp_path, f'[[stores]]\ncode = {code}\nname = "Garden"\n')
    refused(result, "desk.toml", "stores[0].code", shown if char != "\x00" else "NUL")
    assert snapshot_of(demo_db) == before


def test_an_employee_login_and_a_timed_move_status_are_codes_too(cli: Any, demo_db: str, tmp_path: Path) -> None:
    before = snapshot_of(demo_db)
    login, status = toml_string("ka\u202ete"), toml_string("pla\u200bced")
    employee = f'[[employees]]\nlogin = {login}\nname = "Kate"\nroles = ["manager"]\n'
    refused(load(cli, demo_db, tmp_path, employee), "employees[0].login", "U+202E")
    move = f'[[automoves]]\nstore = "print"\nfrom = [{status}]\nafter = "2w"\nto = "in_print"\n'
    refused(load(cli, demo_db, tmp_path, move), "automoves[0].from[0]", "U+200B")
    assert snapshot_of(demo_db) == before


@pytest.mark.parametrize(("char", "shown"), HIDDEN, ids=HIDDEN_IDS)
def test_an_order_number_with_a_hidden_character_is_refused(
    cli: Any, demo_db: str, tmp_path: Path, char: str, shown: str
) -> None:
    before = snapshot_of(demo_db)
    path = write_json(tmp_path, [order(f"T-{char}1")])
    refused(
        cli("orders", "import", str(path), db=demo_db),
        "orders.json",
        "row 1",
        "number",
        shown if char != "\x00" else "NUL",
    )
    assert snapshot_of(demo_db) == before


def test_a_store_code_in_an_order_file_is_checked_as_in_the_config(cli: Any, demo_db: str, tmp_path: Path) -> None:
    before = snapshot_of(demo_db)
    path = write_json(tmp_path, [order("T-1", store="ho\u202eme")])
    refused(cli("orders", "import", str(path), db=demo_db), "row 1 (T-1)", "store", "U+202E")
    assert snapshot_of(demo_db) == before


def test_a_nul_in_any_string_of_an_order_file_is_refused(cli: Any, demo_db: str, tmp_path: Path) -> None:
    before = snapshot_of(demo_db)
    named = order("T-1", customer={"name": "Test\x00Person", "phone": "+44 7700 900001"})
    path = write_json(tmp_path, [named])
    refused(cli("orders", "import", str(path), db=demo_db), "row 1", "customer.name", "NUL")
    path = write_json(tmp_path, [order("T-1", items=[item(name="Ra\x00ke")])])
    refused(cli("orders", "import", str(path), db=demo_db), "row 1", "items[0].name", "NUL")
    assert snapshot_of(demo_db) == before


def csv_file(tmp_path: Path, **cells: str) -> Path:
    row = {"number": "T-1", "store": "home", "channel": "site", "created_at": "2026-11-20T22:14:00Z",
           "customer_name": "Test Person", "customer_phone": "+44 7700 900001", "sku": "RK-2",
           "item_name": "Rake", "qty": "2", "price": "12.50", **cells}  # fmt: skip
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(row))
    writer.writeheader()
    writer.writerow(row)
    path = tmp_path / "orders.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


@pytest.mark.parametrize("column", ["customer_name", "customer_city", "item_name", "price"])
def test_a_nul_in_any_csv_cell_is_refused(cli: Any, demo_db: str, tmp_path: Path, column: str) -> None:
    before = snapshot_of(demo_db)
    path = csv_file(tmp_path, **{column: {"price": "12.50"}.get(column, "Some") + "\x00thing"})
    refused(cli("orders", "import", str(path), db=demo_db), "orders.csv", f"row 2, column {column}", "NUL")
    assert snapshot_of(demo_db) == before
    assert cli("orders", "import", str(csv_file(tmp_path)), db=demo_db).exit_code == 0  # the same file, clean


@pytest.mark.parametrize("qty", [True, False])
def test_a_boolean_is_not_a_quantity(cli: Any, demo_db: str, tmp_path: Path, qty: bool) -> None:
    before = snapshot_of(demo_db)
    path = write_json(tmp_path, [order("T-1", items=[item(qty=qty)])])
    refused(
        cli("orders", "import", str(path), db=demo_db),
        "row 1 (T-1)",
        "items[0].qty",
        f"{json.dumps(qty)} is not a number",
    )
    assert snapshot_of(demo_db) == before


def test_a_quantity_from_csv_text_is_still_read(cli: Any, demo_db: str, tmp_path: Path) -> None:
    assert cli("orders", "import", str(csv_file(tmp_path, qty="3")), db=demo_db).exit_code == 0
    shown = json.loads(cli("orders", "show", "T-1", "--json", db=demo_db).stdout)
    assert [line["qty"] for line in shown["items"]] == [3]


@pytest.mark.parametrize(
    ("toml", "where"),
    [('[[automoves]]\nstore = "print"\nfrom = ["placed"]\nafter = "0w"\nto = "in_print"\n', "automoves[0].after"),
     ('[[automoves]]\nstore = "print"\nfrom = ["placed"]\nafter = "2w"\nto = "in_print"\n'
      'notice = { role = "manager", before = "0d" }\n', "automoves[0].notice.before"),
     ('[[stages]]\nstore = "home"\ncode = "wait"\nname = "Waiting"\ntime_limit = "0m"\n', "stages[0].time_limit"),
     ("[settings.scheduler]\ninterval = \"0s\"\n", "settings.scheduler.interval"),
     ("[settings.scheduler]\nlease = \"0m\"\n", "settings.scheduler.lease"),
     ("[settings]\nsession_timeout = \"0s\"\n", "settings.session_timeout"),
     ("[settings.smtp]\nretry_after = \"0s\"\n", "settings.smtp.retry_after")],
    ids=["automove-after", "notice-before", "time-limit", "interval", "lease", "session-timeout", "retry-after"],
)  # fmt: skip
def test_a_zero_duration_where_no_time_makes_no_sense_is_refused(
    cli: Any, demo_db: str, tmp_path: Path, toml: str, where: str
) -> None:
    before = snapshot_of(demo_db)
    refused(load(cli, demo_db, tmp_path, toml), "desk.toml", where, "no time at all")
    assert snapshot_of(demo_db) == before


def test_settings_set_keeps_the_same_rule(cli: Any, demo_db: str) -> None:
    before = snapshot_of(demo_db)
    refused(cli("settings", "set", "scheduler.interval", "0s", db=demo_db), "scheduler.interval", "no time at all")
    assert snapshot_of(demo_db) == before


def test_an_empty_password_and_no_terminal_is_one_line(cli: Any, demo_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORDERDESK_PASSWORD", "")
    before = snapshot_of(demo_db)
    result = cli("users", "add", "kate", "--name", "Kate Moss", "--role", "manager", db=demo_db)
    line = refused(result, "password", "ORDERDESK_PASSWORD")
    assert "Aborted" not in line and result.stdout == ""  # no prompt printed into a script's output
    assert snapshot_of(demo_db) == before


def test_a_password_on_a_pipe_is_still_read_twice(cli: Any, demo_db: str) -> None:
    refused(cli("users", "add", "kate", "--name", "K", "--role", "manager", input="one\ntwo\n", db=demo_db), "differ")
    result = cli("users", "add", "kate", "--name", "K", "--role", "manager", input="demo\ndemo\n", db=demo_db)
    assert result.exit_code == 0, result.stderr


@pytest.mark.parametrize(("login", "why"), [("ka\u202ete", "U+202E"), ("ka\u200bte", "U+200B"), ("ka\tte", "U+0009")])
def test_users_add_refuses_a_login_with_a_hidden_character(cli: Any, demo_db: str, login: str, why: str) -> None:
    before = snapshot_of(demo_db)
    result = cli("users", "add", login, "--name", "Kate", "--role", "manager", "--password", "pw", db=demo_db)
    refused(result, "login", why)
    result = cli(
        "users", "add", "kate", "--name", "Kate", "--role", f"mana{login[2]}ger", "--password", "pw", db=demo_db
    )
    refused(result, "roles", why)
    assert snapshot_of(demo_db) == before


def test_a_new_stage_code_with_a_hidden_character_is_refused(cli: Any, demo_db: str) -> None:
    before = snapshot_of(demo_db)
    refused(cli("pipeline", "add", "home", "wa\u202eit", "--name", "Waiting", db=demo_db), "code", "U+202E")
    assert snapshot_of(demo_db) == before


def test_a_nul_in_a_command_argument_is_refused_before_anything_runs(cli: Any, demo_db: str) -> None:
    before = snapshot_of(demo_db)
    refused(cli("orders", "show", "H-5001\x00", db=demo_db), r'argument "H-5001\x00"', "NUL")
    refused(
        cli("users", "add", "kate", "--name", "Ka\x00te", "--role", "manager", "--password", "pw", db=demo_db), "NUL"
    )
    assert snapshot_of(demo_db) == before


@pytest.mark.parametrize(
    ("args", "named"),
    [(("automoves", "remove", "print", "3000000000"), "'ID'"),
     (("tasks", "show", "3000000000"), "'task_id'"),
     (("tasks", "reopen", "3000000000", "--as", "anna"), "'task_id'"),
     (("notifications", "read", "--as", "anna", "1", "5000000000"), "'ids'"),
     (("orders", "item-add", "H-5001", "--as", "anna", "--sku", "X", "--name", "X", "--qty", "3000000000", "--price", "1"),
      "'--qty'"),
     (("orders", "item-set", "H-5001", "PH-13", "--as", "anna", "--qty", "3000000000"), "'--qty'"),
     (("pipeline", "move", "home", "new", "--position", "3000000000"), "'--position'"),
     (("rules", "move", "x", "99999999999999999999"), "'position'"),
     (("orders", "list", "--limit", "3000000000"), "'--limit'")],
    ids=lambda value: value[0] + "-" + value[1] if isinstance(value, tuple) else None,
)  # fmt: skip
def test_a_number_too_large_for_its_column_is_refused_naming_it(
    cli: Any, demo_db: str, args: tuple[str, ...], named: str
) -> None:
    before = snapshot_of(demo_db)
    usage_refused(cli(*args, db=demo_db), f"orderdesk {args[0]} {args[1]}", named, "2147483647")
    assert snapshot_of(demo_db) == before


def test_a_workload_limit_too_large_for_any_desk_is_refused(cli: Any, demo_db: str, tmp_path: Path) -> None:
    before = snapshot_of(demo_db)
    toml = '[settings.distribution.workload_limit]\nstatuses = ["new"]\nmax = 99999999999\n'
    refused(load(cli, demo_db, tmp_path, toml), "settings.distribution.workload_limit.max", "2147483647")
    assert snapshot_of(demo_db) == before


@pytest.mark.parametrize(
    ("args", "words"),
    [(("orders", "lst"), ("orderdesk orders:", "No such command 'lst'")),
     (("orders", "list", "--limit", "x"), ("orderdesk orders list:", "'--limit'")),
     (("users", "add"), ("orderdesk users add:", "Missing argument"))],
)  # fmt: skip
def test_a_mistake_in_the_arguments_is_one_line_too(
    cli: Any, demo_db: str, args: tuple[str, ...], words: tuple[str, ...]
) -> None:
    line = usage_refused(cli(*args, db=demo_db), *words)
    assert line.endswith("--help)")  # where to look, in the same line


@pytest.mark.parametrize(
    "key",
    [
        "managers_see_all = true\ndistribution.mode",
        'smtp.password = "x" #',
        "distribution.mode\r",
        "distribution. mode",
    ],
)
def test_a_setting_key_names_that_one_setting(cli: Any, demo_db: str, key: str) -> None:
    before = snapshot_of(demo_db)
    refused(cli("settings", "set", key, '"none"', db=demo_db), "is not a setting")
    assert snapshot_of(demo_db) == before
