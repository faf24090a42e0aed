"""The use-case convention (STYLE.md 3), checked on every public function of orderdesk/usecases/:
keyword-only arguments, the `session` (or, for a job that opens its own transactions, the `engine`)
first, then `actor` where a person acts (his login: `str`, or `str | None` where a job or the API may
act for nobody), then `clock` where time matters, then the rest.

A function that takes neither a session nor an engine computes only; it is not a use case and is
left alone here (its place is policy/)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable, Iterator

import pytest

import orderdesk.usecases
from orderdesk.api.desk import Desk
from orderdesk.clock import FixedClock
from orderdesk.policy.errors import NotAllowed
from tests.conftest import NOW, query

# Raw SQL bound for storage/ (DESIGN §2): the storage branch moves these out of usecases/. An entry
# that is no longer defined in usecases/ fails `test_no_stale_exemptions`, so the list only shrinks.
# The lease's SQL is in storage/writes now; its two functions keep `session` first positionally
# because tests/test_scheduler.py calls them so.
LEAVING_FOR_STORAGE = {
    "lease.hold_lease",
    "lease.release_lease",
}

# `login` names the account itself, not someone acting on it.
LOGIN_IS_THE_ACCOUNT = {
    "accounts.authenticate",  # who signs in: nobody acts until he has
    "accounts.add_employee",  # the new employee's login
    "accounts.unlock_login",  # the locked login (an admin lifts it)
}

FIRST = ("session", "engine")


def _public_functions() -> Iterator[tuple[str, Callable[..., object]]]:
    for info in pkgutil.iter_modules(orderdesk.usecases.__path__):
        module = importlib.import_module(f"{orderdesk.usecases.__name__}.{info.name}")
        for name, value in vars(module).items():
            if not name.startswith("_") and inspect.isfunction(value) and value.__module__ == module.__name__:
                yield f"{info.name}.{name}", value


def _faults(name: str, function: Callable[..., object]) -> list[str]:
    parameters = list(inspect.signature(function).parameters.values())
    names = [p.name for p in parameters]
    if not set(FIRST) & set(names) or name in LEAVING_FOR_STORAGE:
        return []
    faults = []
    for p in parameters:
        if p.kind not in (p.KEYWORD_ONLY, p.VAR_KEYWORD):
            faults.append(f"{p.name} is not keyword-only")
    if names[0] not in FIRST:
        faults.append(f"{names[0]} comes first, not the session")
    expected = 1
    if "actor" in names:
        if names.index("actor") != expected:
            faults.append("actor does not come right after the session")
        if parameters[names.index("actor")].annotation not in ("str", "str | None"):
            faults.append("actor is not the acting employee's login (str)")
        expected += 1
    if "clock" in names and names.index("clock") != expected:
        faults.append(f"clock does not come right after {names[expected - 1]}")
    if "login" in names and name not in LOGIN_IS_THE_ACCOUNT:
        faults.append("login: the acting employee is `actor`")
    return faults


def test_every_use_case_takes_session_actor_clock_keyword_only() -> None:
    faults = {name: fault for name, function in _public_functions() if (fault := _faults(name, function))}
    assert faults == {}


def test_the_walk_sees_the_use_cases() -> None:
    names = {name for name, _ in _public_functions()}
    assert {"order_moves.advance", "assignment.claim", "presence.set_presence", "mail.deliver_mail"} <= names


def test_no_stale_exemptions() -> None:
    names = {name for name, _ in _public_functions()}
    assert (LEAVING_FOR_STORAGE | LOGIN_IS_THE_ACCOUNT) - names == set()


# ----------------------------------------------------------------------------------- one transaction per action


def test_signing_in_is_one_transaction(demo_db: str, engine_of, transactions) -> None:  # type: ignore[no-untyped-def]
    desk = Desk(engine_of(demo_db), FixedClock(NOW))
    anna = desk.sign_in("anna", "demo", host="desk-7")
    assert transactions == ["write"]
    assert query(demo_db, "SELECT id, host FROM login_session") == [(anna.session_id, "desk-7")]
    assert ("employee.logged_in",) in query(demo_db, "SELECT action FROM audit_event")

    transactions.clear()
    with pytest.raises(NotAllowed, match="Wrong login or password"):
        desk.sign_in("james", "nope")
    assert transactions == ["write"]
    assert len(query(demo_db, "SELECT id FROM login_session")) == 1


def test_turning_free_and_the_pass_it_starts_are_one_transaction(  # type: ignore[no-untyped-def]
    demo_db: str, engine_of, transactions
) -> None:
    desk = Desk(engine_of(demo_db), FixedClock(NOW))
    anna = desk.sign_in("anna", "demo")
    desk.set_presence(anna, "busy")
    transactions.clear()
    waiting = query(demo_db, "SELECT count(*) FROM orders WHERE manager_id IS NULL")[0][0]

    given = desk.set_presence(anna, "free")
    assert transactions == ["write"]
    assert given > 0
    assert query(demo_db, "SELECT count(*) FROM orders WHERE manager_id IS NULL")[0][0] == waiting - given

    transactions.clear()
    assert desk.set_presence(anna, "break") == 0
    assert transactions == ["write"]
    assert query(demo_db, "SELECT presence FROM employee WHERE login = 'anna'") == [("break",)]
