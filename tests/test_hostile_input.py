"""Input made to break the command line (issue 17): each is refused in one line, exit 1, nothing written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import refused, snapshot_of


def test_a_toml_file_nested_two_thousand_deep_is_refused(cli: Any, demo_db: str, tmp_path: Path) -> None:
    deep = tmp_path / "deep.toml"
    deep.write_text("x = " + "[" * 2000 + "]" * 2000 + "\n")
    before = snapshot_of(demo_db)
    refused(cli("load", str(deep), db=demo_db), "deep.toml", "nested too deeply")
    assert snapshot_of(demo_db) == before


def test_an_order_file_with_a_five_thousand_digit_number_is_refused(cli: Any, demo_db: str, tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    big.write_text('[{"number": ' + "9" * 5000 + "}]")
    before = snapshot_of(demo_db)
    line = refused(cli("orders", "import", str(big), db=demo_db), "big.json", "more than 4300 digits")
    assert "set_int_max_str_digits" not in line  # a person's words, not Python's hint
    assert snapshot_of(demo_db) == before


@pytest.mark.parametrize("url", ["mysql+nothing://x/y", "http://x", "postgresql+nothing://x/y"])
def test_a_database_url_orderdesk_cannot_use_is_told_in_one_line(cli: Any, url: str) -> None:
    refused(cli("stats", db=url), f"--db {url}", "SQLite file path")


def test_a_new_database_file_is_readable_by_its_owner_alone(cli: Any, tmp_path: Path) -> None:
    db = tmp_path / "shop.db"
    assert cli("init", db=str(db)).exit_code == 0
    assert db.stat().st_mode & 0o777 == 0o600  # password hashes are in it
    assert cli("users", "list", db=str(db)).exit_code == 0  # and it still is a database
    for side in tmp_path.glob("shop.db-*"):
        assert side.stat().st_mode & 0o077 == 0, side


@pytest.mark.parametrize(
    ("at", "why"),
    [("", "is not an ISO time"), ("0001-01-01T00:00:00Z", "out of range"), ("9999-12-31T23:59:59Z", "out of range"),
     ("0001-01-01T00:00:00+05:00", "is not an ISO time")],
)  # fmt: skip
def test_tick_at_a_time_no_desk_can_mean_is_refused_before_any_job_runs(
    cli: Any, demo_db: str, at: str, why: str
) -> None:
    before = snapshot_of(demo_db)
    refused(cli("tick", "--at", at, db=demo_db), "--at", why)
    assert snapshot_of(demo_db) == before


def test_a_setting_value_sets_that_setting_alone(cli: Any, demo_db: str) -> None:
    before = snapshot_of(demo_db)
    pasted = '"none"\nmanagers_see_all = true'
    refused(cli("settings", "set", "distribution.mode", pasted, db=demo_db), "distribution.mode", "one line")
    assert snapshot_of(demo_db) == before


@pytest.mark.parametrize(
    ("args", "why"),
    [(("x" * 200, "--role", "manager"), "longer than 64"), (("kate", "--role", ""), "none empty"),
     (("kate", "--role", "manager", "--role", " "), "none empty")],
)  # fmt: skip
def test_users_add_keeps_the_config_files_limits(cli: Any, demo_db: str, args: tuple[str, ...], why: str) -> None:
    before = snapshot_of(demo_db)
    result = cli("users", "add", args[0], "--name", "Kate Moss", "--password", "secret", *args[1:], db=demo_db)
    refused(result, why)
    assert snapshot_of(demo_db) == before
