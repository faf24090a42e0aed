"""Password hashes: full cost unless ORDERDESK_PASSWORD_WORK says otherwise, and any cost verifies at any other."""

from __future__ import annotations

import pytest

from orderdesk.api.desk import Desk
from orderdesk.policy.errors import InvalidInput, NotAllowed
from orderdesk.policy.passwords import hash_password, verify_password
from storage.db import shared_engine
from tests.conftest import ok, query


def test_without_the_variable_a_hash_is_made_at_full_cost(monkeypatch):
    monkeypatch.delenv("ORDERDESK_PASSWORD_WORK", raising=False)
    stored = hash_password("s3cret")
    assert stored.split("$")[:4] == ["scrypt", str(2**14), "8", "1"]
    assert verify_password("s3cret", stored) and not verify_password("s3cret!", stored)


def test_the_suite_hashes_cheaply_and_says_so_in_the_hash(monkeypatch):
    monkeypatch.setenv("ORDERDESK_PASSWORD_WORK", "4")
    assert hash_password("s3cret").split("$")[:2] == ["scrypt", "16"]


def test_a_hash_made_at_one_cost_verifies_at_another(monkeypatch):
    monkeypatch.delenv("ORDERDESK_PASSWORD_WORK", raising=False)
    strong = hash_password("s3cret")
    monkeypatch.setenv("ORDERDESK_PASSWORD_WORK", "4")
    cheap = hash_password("s3cret")
    assert verify_password("s3cret", strong) and not verify_password("other", strong)
    monkeypatch.delenv("ORDERDESK_PASSWORD_WORK")
    assert verify_password("s3cret", cheap) and not verify_password("other", cheap)


@pytest.mark.parametrize(
    "stored",
    [
        "",
        "plain",
        "bcrypt$1$2$3$4$5",
        "scrypt$16$8$1$not base64!$AAAA",
        "scrypt$15$8$1$AAAA$AAAA",
        f"scrypt${2**30}$8$1$AAAA$AAAA",
    ],
)
def test_what_is_not_a_hash_of_ours_verifies_nothing(stored):
    assert not verify_password("s3cret", stored)


@pytest.mark.parametrize("value", ["0", "17", "low", "-3"])
def test_a_work_setting_out_of_range_is_one_line(monkeypatch, value):
    monkeypatch.setenv("ORDERDESK_PASSWORD_WORK", value)
    with pytest.raises(InvalidInput, match="ORDERDESK_PASSWORD_WORK must be a whole number from 1 to 16"):
        hash_password("s3cret")


def test_an_employee_added_at_one_cost_signs_in_at_another(empty_db, cli, clock, monkeypatch):
    ok(cli("users", "add", "olga", "--name", "Olga", "--role", "admin", "--password", "s3cret", db=empty_db))
    monkeypatch.delenv("ORDERDESK_PASSWORD_WORK")
    ok(cli("users", "add", "pavel", "--name", "Pavel", "--role", "admin", "--password", "pa55", db=empty_db))
    monkeypatch.setenv("ORDERDESK_PASSWORD_WORK", "4")
    costs = dict(query(empty_db, "SELECT login, password_hash FROM employee"))
    assert {login: stored.split("$")[1] for login, stored in costs.items()} == {"olga": "16", "pavel": "16384"}
    desk = Desk(shared_engine(empty_db), clock)
    assert desk.sign_in("pavel", "pa55").login == "pavel"
    monkeypatch.delenv("ORDERDESK_PASSWORD_WORK")
    assert desk.sign_in("olga", "s3cret").login == "olga"
    with pytest.raises(NotAllowed, match="Wrong login or password"):
        desk.sign_in("olga", "S3cret")
