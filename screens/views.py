"""The views of the desk a key apart (k9s's numbered jumps): name, key, title, and who may open it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual.screen import Screen

from orderdesk.policy.vocab import OVERSEERS
from screens.i18n import N_
from screens.inbox import InboxScreen
from screens.overdue import OverdueScreen
from screens.queue import MyQueueScreen, PoolScreen
from screens.stage_board import StageBoardScreen
from screens.tasks import TasksScreen


@dataclass(frozen=True)
class View:
    name: str  # the app's mode
    key: str
    title: str  # English (N_): _(view.title) where shown
    screen: Callable[[], Screen[None]]
    roles: frozenset[str] | None = None  # None: everyone signed in

    def open_to(self, roles: tuple[str, ...]) -> bool:
        return self.roles is None or bool(self.roles & set(roles))


VIEWS: tuple[View, ...] = (
    View("mine", "1", N_("My queue"), MyQueueScreen),
    View("pool", "2", N_("Pool"), PoolScreen),
    View("board", "3", N_("Stage board"), StageBoardScreen),
    View("overdue", "4", N_("Overdue board"), OverdueScreen, roles=frozenset(OVERSEERS)),
    View("inbox", "5", N_("Inbox"), InboxScreen),
    View("tasks", "6", N_("Tasks"), TasksScreen),
)
