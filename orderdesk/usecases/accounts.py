"""Employees: signing in (and the lock failed sign-ins bring), and adding them from the command line."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from orderdesk.clock import Clock
from orderdesk.config.fields import check_code
from orderdesk.config.settings import read_settings
from orderdesk.policy.errors import Conflict, InvalidInput, NotAllowed, NotFound
from orderdesk.policy.passwords import hash_password, password_matches
from orderdesk.policy.signin import (
    WRONG_LOGIN_OR_PASSWORD,
    Lockout,
    LoginLocked,
    after_failure,
    is_locked,
    possible_login,
)
from orderdesk.policy.text import escaped
from orderdesk.policy.timestamps import iso
from orderdesk.usecases import audit
from storage.config_cache import config_changed
from storage.models import Employee, EmployeeGroup, Store, UserGroup
from storage.signin_models import guard_of, held_guard

WRONG = WRONG_LOGIN_OR_PASSWORD
SIGN_IN = "sign-in"  # the audit's rule for what the sign-in decides by itself (failures, locks)


def authenticate(*, session: Session, clock: Clock, login: str, password: str) -> Employee:
    """The employee, or NotAllowed with the same words whichever part was wrong.

    Every call hashes the password once, at the cost of a real check, whether the login exists or
    not (orderdesk.policy.passwords.password_matches): the answer comes as late either way. A wrong
    login or password counts towards a lock of that login (settings `signin.*`, policy.signin), and
    a locked login is refused with LoginLocked even with the right password. A refusal is recorded
    in the session before it is raised (the audit rows, the count): the caller commits the session
    and then passes the refusal on, as Desk.sign_in does; rolled back, the failure never happened.
    """
    login = login.strip()
    now = clock.now()
    possible = possible_login(login)
    employee = session.exec(select(Employee).where(Employee.login == login)).first() if possible else None
    matches = password_matches(password, employee.password_hash if employee is not None else None)
    if not possible:  # no row can be kept for it, and no employee has it
        _failed(session, now, login, reason="not a login")
        raise NotAllowed(WRONG)
    rules = _lockout(session)
    # a wrong password takes the login's row (made if need be) until the commit: two desks failing
    # at once count one after the other; the right one only reads it (a success has nothing to add)
    guard = guard_of(session, login, for_update=True) if matches else held_guard(session, login)
    if guard is not None and is_locked(guard.locked_until, now):
        _failed(session, now, login, reason="locked", locked_until=guard.locked_until)
        raise _locked(session, guard.locked_until, rules)  # type: ignore[arg-type]
    if matches:
        assert employee is not None
        if not employee.active:
            raise NotAllowed(f"The account {employee.login} is deactivated; ask an admin.")
        if guard is not None:
            session.delete(guard)  # signed in: his earlier failures are forgotten
        return employee
    assert guard is not None
    counted = after_failure([_time(at) for at in guard.failures], now, rules)
    guard.failures = [iso(at) for at in counted.failures]
    guard.locked_until = counted.locked_until
    session.add(guard)
    reason = "unknown login" if employee is None else "wrong password"
    _failed(session, now, login, reason=reason, failures=len(counted.failures) or rules.max_failures)
    if counted.locked_until is None:
        raise NotAllowed(WRONG)
    lock = {"login": login, "failures": rules.max_failures, "locked_until": iso(counted.locked_until)}
    audit.record(session=session, at=now, rule=SIGN_IN, action="signin.locked", after=lock)
    raise _locked(session, counted.locked_until, rules)


def unlock_login(*, session: Session, clock: Clock, login: str) -> bool:
    """Lift a login's lock and forget its failed sign-ins (an admin's, from the command line);
    False when there was nothing to lift or forget."""
    login = login.strip()
    guard = guard_of(session, login, for_update=True) if possible_login(login) else None
    if guard is None or not (guard.failures or is_locked(guard.locked_until, clock.now())):
        return False
    audit.record(session=session, at=clock.now(), rule="cli", action="signin.unlocked",
                 before={"login": login, "failures": len(guard.failures), "locked_until": iso(guard.locked_until)},
                 after={"login": login, "failures": 0, "locked_until": None})  # fmt: skip
    session.delete(guard)
    return True


def _failed(session: Session, now: datetime, login: str, *, reason: str, **facts: Any) -> None:
    shown = escaped(login[:100])
    after = {"login": shown, "reason": reason} | {k: iso(v) if isinstance(v, datetime) else v for k, v in facts.items()}
    audit.record(session=session, at=now, rule=SIGN_IN, action="signin.failed", after=after)


def _lockout(session: Session) -> Lockout:
    given = read_settings(session).signin
    return Lockout(given.max_failures, timedelta(seconds=given.window), timedelta(seconds=given.lockout))


def _locked(session: Session, until: datetime, rules: Lockout) -> LoginLocked:
    """The refusal of a locked login, its time in the shops' zone: the one every store has, else UTC (the
    zone of his own store would tell which logins are employees')."""
    zones = set(session.exec(select(Store.timezone).distinct()))
    zone = zones.pop() if len(zones) == 1 else "UTC"
    local = until.astimezone(ZoneInfo(zone))
    failures = f"{rules.max_failures} failed sign-in" + ("" if rules.max_failures == 1 else "s")
    return LoginLocked(
        f"Locked after {failures} until {local:%d %b %H:%M} {local.tzname()}; an admin can unlock it.",
        until=until, zone=zone, failures=rules.max_failures,
    )  # fmt: skip


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def list_employees(*, session: Session) -> list[dict[str, object]]:
    groups: dict[int, list[str]] = {}
    for employee_id, code in session.exec(
        select(EmployeeGroup.employee_id, UserGroup.code).join(UserGroup, UserGroup.id == EmployeeGroup.group_id)
    ):
        groups.setdefault(employee_id, []).append(code)
    return [
        {
            "login": e.login,
            "name": e.name,
            "roles": e.roles,
            "groups": sorted(groups.get(e.id or 0, [])),
            "city": e.city,
            "active": e.active,
            "presence": e.presence,
        }
        for e in session.exec(select(Employee).order_by(Employee.login))
    ]


def add_employee(
    *,
    session: Session,
    clock: Clock,
    login: str,
    name: str,
    roles: list[str],
    password: str,
    groups: list[str] = (),  # type: ignore[assignment]
    city: str | None = None,
    email: str | None = None,
) -> Employee:
    login = check_code(login, what="login")  # the config file's limits: a String(64) column, nothing hidden
    roles = [role.strip() for role in roles]
    if not roles or not all(roles):
        raise InvalidInput("roles: give at least one role, none empty (admin, supervisor, manager, contractor, …)")
    roles = [check_code(role, what="roles") for role in roles]
    if not password:
        raise InvalidInput("password: must not be empty")
    if session.exec(select(Employee.id).where(Employee.login == login)).first() is not None:
        raise Conflict(f'an employee with login "{login}" already exists')
    group_ids = []
    for code in groups:
        group_id = session.exec(select(UserGroup.id).where(UserGroup.code == code)).first()
        if group_id is None:
            raise NotFound(f'groups: unknown group "{code}"')
        group_ids.append(group_id)
    employee = Employee(
        login=login, name=name, roles=roles, city=city, email=email, password_hash=hash_password(password)
    )
    session.add(employee)
    session.flush()
    assert employee.id is not None
    for group_id in group_ids:
        session.add(EmployeeGroup(employee_id=employee.id, group_id=group_id))
    if group_ids:
        config_changed(session)  # the groups' members every process holds are read again
    audit.record(
        session=session,
        at=clock.now(),
        rule="cli",
        action="employee.added",
        after={"login": login, "name": name, "roles": roles, "groups": list(groups)},
    )
    return employee
