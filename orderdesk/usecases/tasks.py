"""Use cases on tasks (T6): done, reopened, given to someone else; each audited, permission first.

Stubs of the contract: the `tasks` helper implements them.
"""

from __future__ import annotations

from sqlmodel import Session

from orderdesk.clock import Clock
from storage.models import Task


def complete(*, session: Session, actor: str, clock: Clock, task_id: int) -> Task:
    """Mark the task done (by its assignee, a supervisor of its order's store, or an admin)."""
    raise NotImplementedError


def reopen(*, session: Session, actor: str, clock: Clock, task_id: int) -> Task:
    raise NotImplementedError


def reassign(*, session: Session, actor: str, clock: Clock, task_id: int, to: str) -> Task:
    """Give the task to another active employee, who is told (inbox, e-mail where configured)."""
    raise NotImplementedError
