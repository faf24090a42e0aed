"""Signing in as an attacker would (issue 17): an unknown login costs what a wrong password costs (one
hash each, counted, not timed), failed sign-ins lock a login for a while (settings signin.*), even
against the right password, each failure and lock is audited, and an admin unlocks from the CLI."""

from __future__ import annotations

import contextlib
import hashlib
import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Static

from orderdesk.api.desk import Desk
from orderdesk.clock import FixedClock
from orderdesk.policy.errors import NotAllowed
from orderdesk.policy.signin import LoginLocked
from screens import i18n
from screens.app import OrderDeskApp
from screens.login import LoginScreen
from tests.conftest import NOW, as_json, execute, ok, query, refused
from tests.pilot import drive, until

WRONG = "Wrong login or password"
LOCKED_AT = NOW + timedelta(minutes=15)  # the defaults: 5 failures within 15 min lock for 15 min


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def desk(demo_db: str, engine_of: Callable[[str], object], clock: FixedClock) -> Desk:
    return Desk(engine_of(demo_db), clock)  # type: ignore[arg-type]


def refusal(desk: Desk, login: str, password: str) -> NotAllowed:
    with pytest.raises(NotAllowed) as refused_with:
        desk.sign_in(login, password)
    return refused_with.value


def fail(desk: Desk, login: str, times: int) -> list[str]:
    return [str(refusal(desk, login, "wrong")) for _ in range(times)]


def signin_audit(db: str) -> list[tuple[str, dict[str, object]]]:
    rows = query(db, "SELECT action, after FROM audit_event WHERE action LIKE 'signin.%' ORDER BY id")
    return [(action, as_json(after)) for action, after in rows]  # type: ignore[misc]


def sessions_of(db: str, login: str) -> int:
    return query(db, "SELECT count(*) FROM login_session s JOIN employee e ON e.id = s.employee_id "
                     "WHERE e.login = :login", login=login)[0][0]  # type: ignore[return-value]  # fmt: skip


# ----------------------------------------------------------------------------------- the same work


def test_every_sign_in_hashes_once_at_the_same_cost_whether_the_login_exists_or_not(
    desk: Desk, demo_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unknown login answered without a hash (1 ms against 45 ms) tells which logins exist."""
    execute(demo_db, "INSERT INTO employee (login, name, roles, statuses, active, password_hash, presence) "
                     "VALUES ('nopass', 'No Password', '[\"manager\"]', '[]', true, '', 'offline')")  # fmt: skip
    real = hashlib.scrypt
    costs: list[tuple[int, int, int]] = []

    def counted(password: bytes, *, salt: bytes, n: int, r: int, p: int, **rest: int) -> bytes:
        costs.append((n, r, p))
        return real(password, salt=salt, n=n, r=r, p=p, **rest)

    monkeypatch.setattr(hashlib, "scrypt", counted)
    attempts = {
        "right password": ("anna", "demo"),
        "wrong password": ("anna", "wrong"),
        "unknown login": ("ghost", "demo"),
        "no password of his": ("nopass", "demo"),
        "deactivated": ("kirill", "demo"),
        "not a login at all": ("an\x00na", "demo"),
        "too long a login": ("a" * 200, "demo"),
    }
    per_attempt = {}
    for what, (login, password) in attempts.items():
        costs.clear()
        with contextlib.suppress(NotAllowed):
            desk.sign_in(login, password)
        per_attempt[what] = list(costs)
    anna_cost = query(demo_db, "SELECT password_hash FROM employee WHERE login = 'anna'")[0][0].split("$")[1:4]
    one_hash = [tuple(map(int, anna_cost))]
    assert per_attempt == dict.fromkeys(attempts, one_hash)


def test_a_locked_login_costs_one_hash_too(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    fail(desk, "anna", 5)
    calls: list[int] = []
    real = hashlib.scrypt
    monkeypatch.setattr(hashlib, "scrypt", lambda *a, **k: calls.append(1) or real(*a, **k))
    for password in ("demo", "wrong"):
        with pytest.raises(LoginLocked):
            desk.sign_in("anna", password)
    assert calls == [1, 1]


# ----------------------------------------------------------------------------------- the lock


def test_five_failures_lock_the_login_for_fifteen_minutes_even_for_the_right_password(
    desk: Desk, demo_db: str, clock: FixedClock
) -> None:
    assert fail(desk, "anna", 4) == [f"{WRONG}."] * 4
    locked = refusal(desk, "anna", "wrong")  # the fifth
    assert isinstance(locked, LoginLocked) and (locked.until, locked.failures) == (LOCKED_AT, 5)
    # the demo's stores are in two zones: the time is in UTC
    assert str(locked) == "Locked after 5 failed sign-ins until 25 Nov 09:15 UTC; an admin can unlock it."

    clock.advance(timedelta(minutes=14, seconds=59))
    assert isinstance(refusal(desk, "anna", "demo"), LoginLocked)
    assert sessions_of(demo_db, "anna") == 0

    clock.advance(timedelta(seconds=1))
    assert desk.sign_in("anna", "demo").login == "anna"
    assert sessions_of(demo_db, "anna") == 1


def test_each_failure_and_the_lock_are_audited(desk: Desk, demo_db: str) -> None:
    fail(desk, "anna", 5)
    refusal(desk, "anna", "demo")
    refusal(desk, "ghost", "demo")
    assert signin_audit(demo_db) == [
        *[("signin.failed", {"login": "anna", "reason": "wrong password", "failures": n}) for n in range(1, 6)],
        ("signin.locked", {"login": "anna", "failures": 5, "locked_until": "2026-11-25T09:15:00Z"}),
        ("signin.failed", {"login": "anna", "reason": "locked", "locked_until": "2026-11-25T09:15:00Z"}),
        ("signin.failed", {"login": "ghost", "reason": "unknown login", "failures": 1}),
    ]
    assert query(demo_db, "SELECT DISTINCT rule FROM audit_event WHERE action LIKE 'signin.%'") == [("sign-in",)]


def test_an_unknown_login_locks_as_a_real_one_does(desk: Desk) -> None:
    """Otherwise the lock itself would tell which logins exist."""
    ghost, anna = fail(desk, "ghost", 5), fail(desk, "anna", 5)
    assert ghost == anna
    assert isinstance(refusal(desk, "ghost", "demo"), LoginLocked)


def test_failures_older_than_the_window_are_forgotten(desk: Desk, clock: FixedClock) -> None:
    fail(desk, "anna", 3)
    clock.advance(timedelta(minutes=10))
    fail(desk, "anna", 1)  # 4 within the window
    clock.advance(timedelta(minutes=5, seconds=1))  # the first 3 left it: 1 counted, and this one
    assert fail(desk, "anna", 3) == [f"{WRONG}."] * 3  # 4 within the window, again
    assert isinstance(refusal(desk, "anna", "wrong"), LoginLocked)  # the fifth of the last 15 minutes


def test_a_successful_sign_in_forgets_the_failures(desk: Desk) -> None:
    fail(desk, "anna", 4)
    desk.sign_out(desk.sign_in("anna", "demo"))
    assert fail(desk, "anna", 4) == [f"{WRONG}."] * 4


def test_after_the_lock_the_login_starts_again_from_no_failures(desk: Desk, clock: FixedClock) -> None:
    fail(desk, "anna", 5)
    fail(desk, "anna", 3)  # refused while locked: not counted
    clock.advance(timedelta(minutes=15))
    assert fail(desk, "anna", 4) == [f"{WRONG}."] * 4


def test_the_settings_name_the_failures_the_window_and_the_lockout(
    desk: Desk, demo_db: str, cli: Callable[..., object], clock: FixedClock
) -> None:
    for key, value in (("signin.max_failures", "2"), ("signin.window", '"1m"'), ("signin.lockout", '"1h"')):
        ok(cli("settings", "set", key, value, db=demo_db))  # type: ignore[arg-type]
    fail(desk, "anna", 1)
    clock.advance(timedelta(minutes=1))
    fail(desk, "anna", 1)  # the first is out of the minute
    locked = refusal(desk, "anna", "wrong")
    assert isinstance(locked, LoginLocked) and locked.until == clock.now() + timedelta(hours=1)
    assert "after 2 failed sign-ins" in str(locked)


def test_zero_windows_and_no_failures_are_refused_as_settings(demo_db: str, cli: Callable[..., object]) -> None:
    for key, value, words in (("signin.window", '"0s"', "signin.window"), ("signin.lockout", '"0m"', "signin.lockout"),
                              ("signin.max_failures", "0", "signin.max_failures")):  # fmt: skip
        refused(cli("settings", "set", key, value, db=demo_db), words)  # type: ignore[arg-type]


def test_the_time_it_opens_is_in_the_shops_zone_when_they_share_one(desk: Desk, demo_db: str) -> None:
    execute(demo_db, "UPDATE store SET timezone = 'Europe/Moscow'")
    locked = fail(desk, "ghost", 5)[-1]
    assert "until 25 Nov 12:15 MSK;" in locked  # 09:15 UTC


def test_two_desks_failing_at_once_are_counted_one_after_the_other(
    demo_db: str, engine_of: Callable[[str], object]
) -> None:
    """PostgreSQL runs READ COMMITTED: without the login's row held, ten desks that fail at once each
    read no failure before them, and none of them locks."""
    desks = [Desk(engine_of(demo_db), FixedClock(NOW)) for _ in range(10)]  # type: ignore[arg-type]
    start = threading.Barrier(len(desks))
    answers: list[str] = []

    def attempt(desk: Desk) -> None:
        start.wait()
        try:
            desk.sign_in("anna", "wrong")
        except NotAllowed as exc:
            answers.append(type(exc).__name__)

    threads = [threading.Thread(target=attempt, args=(desk,)) for desk in desks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == ["LoginLocked"] * 6 + ["NotAllowed"] * 4
    assert [action for action, _ in signin_audit(demo_db)].count("signin.locked") == 1


# ----------------------------------------------------------------------------------- the admin's unlock


def test_an_admin_unlocks_a_login_from_the_command_line(desk: Desk, demo_db: str, cli: Callable[..., object]) -> None:
    fail(desk, "anna", 5)
    assert ok(cli("users", "unlock", "anna", db=demo_db)).stdout == "anna unlocked\n"  # type: ignore[arg-type]
    assert signin_audit(demo_db)[-1] == ("signin.unlocked", {"login": "anna", "failures": 0, "locked_until": None})
    before = query(demo_db, "SELECT before FROM audit_event WHERE action = 'signin.unlocked'")[0][0]
    assert as_json(before) == {"login": "anna", "failures": 0, "locked_until": "2026-11-25T09:15:00Z"}
    assert desk.sign_in("anna", "demo").login == "anna"

    again = ok(cli("users", "unlock", "anna", db=demo_db))  # type: ignore[arg-type]
    assert again.stdout == "anna is not locked and has no failed sign-ins to forget\n"  # type: ignore[attr-defined]
    assert [action for action, _ in signin_audit(demo_db)].count("signin.unlocked") == 1


def test_unlocking_forgets_the_failures_short_of_a_lock(desk: Desk, demo_db: str, cli: Callable[..., object]) -> None:
    fail(desk, "anna", 4)
    ok(cli("users", "unlock", "anna", db=demo_db))  # type: ignore[arg-type]
    assert fail(desk, "anna", 4) == [f"{WRONG}."] * 4


# ----------------------------------------------------------------------------------- the desk's screen


def login_error(pilot: Pilot) -> str:
    return str(pilot.app.screen.query_one("#login-error", Static).content)


def sign_in_lines(desk: Desk, language: str, *attempts: tuple[str, str]) -> list[str]:
    """What the sign-in screen says to each attempt, the desk speaking `language`; anna locked first."""
    fail(desk, "anna", 5)
    i18n.use_language(language)
    shown: list[str] = []

    async def scenario(pilot: Pilot) -> None:
        for login, password in attempts:
            login_field = pilot.app.screen.query_one("#login", Input)
            login_field.value = ""
            pilot.app.screen.set_focus(login_field)
            await pilot.press(*login, "enter", *password, "enter")
            await until(pilot, lambda: login_error(pilot) not in ("", i18n._("Signing in…")), "the refusal")
            assert isinstance(pilot.app.screen, LoginScreen)
            shown.append(login_error(pilot))
            pilot.app.screen.query_one("#login-error", Static).update("")

    try:
        drive(OrderDeskApp(desk=desk), scenario, size=(80, 24))
    finally:
        i18n.use_language("en")
    return shown


def test_the_sign_in_screen_says_why_and_until_when(desk: Desk) -> None:
    assert sign_in_lines(desk, "en", ("anna", "demo")) == [
        "Locked after 5 failed sign-ins until 25 Nov 09:15 UTC; an admin can unlock it."
    ]  # the demo's stores are in two zones: UTC


def test_the_sign_in_screen_says_it_in_russian(desk: Desk) -> None:
    assert sign_in_lines(desk, "ru", ("james", "wrong"), ("anna", "demo")) == [
        "Неверный логин или пароль.",
        "После 5 ошибок вход закрыт до 25 ноя 09:15 UTC; раньше откроет администратор.",
    ]


def test_a_login_holding_a_lone_surrogate_is_a_wrong_login_not_a_database_error(desk: Desk, demo_db: str) -> None:
    """Such a login cannot even be sent to the database (it is no UTF-8): refused before the look, audited escaped."""
    assert "Wrong login or password" in str(refusal(desk, "an\udc80na", "demo"))
    assert signin_audit(demo_db)[-1][1]["login"] == "an\\udc80na"
