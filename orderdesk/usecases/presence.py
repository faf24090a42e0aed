"""Logging in and presence (U1): a desk's login is a session kept alive by its heartbeat, so a
crashed terminal goes offline by itself once `session_timeout` passes."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, delete, select

from orderdesk.clock import Clock
from orderdesk.config.settings import read_settings
from orderdesk.policy.errors import InvalidInput, NotAllowed
from orderdesk.policy.vocab import PRESENCES
from orderdesk.usecases import audit
from orderdesk.views.lookup import get_employee
from storage.models import Employee, LoginSession


def _employee(session: Session, login: str) -> Employee:
    return get_employee(session, login)


def log_in(*, session: Session, actor: str, clock: Clock, host: str | None = None) -> int:
    """Open a session for the employee; returns its id, which the desk's heartbeat renews."""
    employee = _employee(session, actor)
    if not employee.active:
        raise NotAllowed(f"{actor} is deactivated")
    now = clock.now()
    row = LoginSession(employee_id=employee.id, started_at=now, heartbeat_at=now, host=host)  # type: ignore[arg-type]
    session.add(row)
    audit.record(session=session, at=now, actor_id=employee.id, action="employee.logged_in", after={"host": host})
    session.flush()
    assert row.id is not None
    return row.id


def heartbeat(*, session: Session, clock: Clock, session_id: int) -> bool:
    """Keep the session alive; False if it was already expired and removed (log in again)."""
    row = session.get(LoginSession, session_id)
    if row is None:
        return False
    row.heartbeat_at = clock.now()
    session.add(row)
    return True


def log_out(*, session: Session, actor: str, clock: Clock) -> None:
    employee = _employee(session, actor)
    session.exec(delete(LoginSession).where(LoginSession.employee_id == employee.id))  # type: ignore[call-overload]
    before = employee.presence
    employee.presence = "offline"
    session.add(employee)
    audit.record(session=session, at=clock.now(), actor_id=employee.id, action="employee.logged_out",
                 before={"presence": before}, after={"presence": "offline"})  # fmt: skip


def set_presence(*, session: Session, actor: str, clock: Clock, presence: str) -> str:
    """Set free / busy / break / offline; returns what it was. The caller runs a distribution pass
    when the employee turns free (D4)."""
    if presence not in PRESENCES:
        raise InvalidInput(f'"{presence}" is not a presence ({", ".join(PRESENCES)})')
    employee = _employee(session, actor)
    if not employee.active:
        raise NotAllowed(f"{actor} is deactivated")
    before = employee.presence
    if before != presence:
        employee.presence = presence
        session.add(employee)
        audit.record(session=session, at=clock.now(), actor_id=employee.id, action="employee.presence",
                     before={"presence": before}, after={"presence": presence})  # fmt: skip
    return before


def expire_sessions(*, session: Session, clock: Clock) -> list[str]:
    """Remove sessions whose heartbeat is older than `session_timeout`; employees left with none go
    offline. Returns their logins."""
    cutoff = clock.now() - timedelta(seconds=read_settings(session).session_timeout)
    stale = session.exec(select(LoginSession).where(LoginSession.heartbeat_at < cutoff)).all()
    if not stale:
        return []
    for row in stale:
        session.delete(row)
    session.flush()
    alive = set(session.exec(select(LoginSession.employee_id)))
    gone = []
    for employee_id in {row.employee_id for row in stale} - alive:
        employee = session.get(Employee, employee_id)
        if employee is not None and employee.presence != "offline":
            before, employee.presence = employee.presence, "offline"
            session.add(employee)
            audit.record(session=session, at=clock.now(), actor_id=employee.id, rule="session timeout",
                         action="employee.presence", before={"presence": before},
                         after={"presence": "offline"})  # fmt: skip
        if employee is not None:
            gone.append(employee.login)
    return sorted(gone)
