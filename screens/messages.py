"""Messages that workers post back to the screens (past tense: it happened)."""

from __future__ import annotations

from typing import Any

from textual.message import Message

from orderdesk.api.desk import Viewer
from orderdesk.views.orders import OrderPage


class SignedIn(Message):
    def __init__(self, viewer: Viewer) -> None:
        super().__init__()
        self.viewer = viewer


class SignInRefused(Message):
    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


class OrdersLoaded(Message):
    """A page of orders arrived; `first` says whether it replaces the list or extends it."""

    def __init__(
        self,
        page: OrderPage,
        *,
        first: bool,
        undistributed: list[dict[str, Any]] | None,
        presence: str | None = None,
        unread: int | None = None,
    ) -> None:
        super().__init__()
        self.unread = unread
        self.page = page
        self.first = first
        self.undistributed = undistributed
        self.presence = presence


class PresenceChanged(Message):
    def __init__(self, presence: str, given: int) -> None:
        super().__init__()
        self.presence = presence
        self.given = given


class InboxLoaded(Message):
    def __init__(self, rows: list[dict[str, Any]]) -> None:
        super().__init__()
        self.rows = rows


class OrderActed(Message):
    """An action on an order was done (`line` says what) or refused (`refused` says why)."""

    def __init__(self, line: str, *, refused: bool = False) -> None:
        super().__init__()
        self.line = line
        self.refused = refused
