"""Employees: signing in, and adding them from the command line."""

from __future__ import annotations

from sqlmodel import Session, select

from orderdesk.clock import Clock
from orderdesk.config.fields import check_code
from orderdesk.policy.errors import Conflict, InvalidInput, NotAllowed, NotFound
from orderdesk.policy.passwords import hash_password, verify_password
from orderdesk.usecases import audit
from storage.models import Employee, EmployeeGroup, UserGroup


def authenticate(*, session: Session, login: str, password: str) -> Employee:
    """The employee, or NotAllowed with the same words whichever part was wrong."""
    employee = session.exec(select(Employee).where(Employee.login == login.strip())).first()
    if employee is None or not employee.password_hash or not verify_password(password, employee.password_hash):
        raise NotAllowed("Wrong login or password.")
    if not employee.active:
        raise NotAllowed(f"The account {employee.login} is deactivated; ask an admin.")
    return employee


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
    audit.record(
        session=session,
        at=clock.now(),
        rule="cli",
        action="employee.added",
        after={"login": login, "name": name, "roles": roles, "groups": list(groups)},
    )
    return employee
