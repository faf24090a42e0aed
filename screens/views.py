"""The views of the desk a key apart (k9s's numbered jumps): name, key, title, and who may open it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual.screen import Screen

from orderdesk.policy.vocab import OVERSEERS
from screens.inbox import InboxScreen
from screens.overdue import OverdueScreen
from screens.queue import MyQueueScreen, PoolScreen
from screens.stage_board import StageBoardScreen


@dataclass(frozen=True)
class View:
    name: str  # the app's mode
    key: str
    title: str
    screen: Callable[[], Screen[None]]
    roles: frozenset[str] | None = None  # None: everyone signed in

    def open_to(self, roles: tuple[str, ...]) -> bool:
        return self.roles is None or bool(self.roles & set(roles))


VIEWS: tuple[View, ...] = (
    View("mine", "1", "My queue", MyQueueScreen),
    View("pool", "2", "Pool", PoolScreen),
    View("board", "3", "Stage board", StageBoardScreen),
    View("overdue", "4", "Overdue board", OverdueScreen, roles=frozenset(OVERSEERS)),
    View("inbox", "5", "Inbox", InboxScreen),
)
