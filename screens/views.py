"""The views of the desk a key apart (k9s's numbered jumps): name, key, title, and who may open it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual.screen import Screen

from orderdesk.policy.vocab import OVERSEERS
from screens.inbox import InboxScreen
from screens.queue import MyQueueScreen, PoolScreen


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
    View("inbox", "5", "Inbox", InboxScreen),
)
_ = OVERSEERS  # the overdue board's View is open to these
