"""Messages that workers post back to the screens (past tense: it happened)."""

from __future__ import annotations

from textual.message import Message

from orderdesk.api.desk import Viewer
from orderdesk.views.header import HeaderFacts
from orderdesk.views.inbox import InboxEntry
from orderdesk.views.my_tasks import TaskNews
from orderdesk.views.orders import OrderPage, UndistributedInStore
from orderdesk.views.refresh import OrdersRefresh


class SignedIn(Message):
    def __init__(self, viewer: Viewer) -> None:
        super().__init__()
        self.viewer = viewer


class SignInRefused(Message):
    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


class OrdersLoaded(Message):
    """A page of orders arrived; `first` says whether it replaces the list (and comes with the summary
    line's facts) or extends it."""

    def __init__(
        self,
        page: OrderPage,
        *,
        first: bool,
        undistributed: tuple[UndistributedInStore, ...] | None = None,
        presence: str | None = None,
        unread: int | None = None,
    ) -> None:
        super().__init__()
        self.unread = unread
        self.page = page
        self.first = first
        self.undistributed = undistributed
        self.presence = presence

    @classmethod
    def from_the_top(cls, refresh: OrdersRefresh) -> OrdersLoaded:
        return cls(refresh.page, first=True, undistributed=refresh.undistributed, presence=refresh.presence,
                   unread=refresh.unread)  # fmt: skip


class PresenceChanged(Message):
    def __init__(self, presence: str, given: int) -> None:
        super().__init__()
        self.presence = presence
        self.given = given


class InboxLoaded(Message):
    def __init__(self, rows: list[InboxEntry]) -> None:
        super().__init__()
        self.rows = rows


class OrderActed(Message):
    """An action on an order was done (`line` says what) or refused (`refused` says why)."""

    def __init__(self, line: str, *, refused: bool = False) -> None:
        super().__init__()
        self.line = line
        self.refused = refused


class OrdersChanged(Message):
    """Orders changed under the desk: the scheduler moved or flagged some, or another desk or the CLI
    wrote. A burst of them is one refresh."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, OrdersChanged)


# ----------------------------------------------------------------------------------- the shell (U1, U8)


class JobFailed(Message):
    """A job of the desk's scheduler thread failed (posted from that thread)."""

    def __init__(self, job: str, error: str) -> None:
        super().__init__()
        self.job = job
        self.error = error


class HeaderRead(Message):
    """The header line's facts arrived (orderdesk.views.header.HeaderFacts)."""

    def __init__(self, facts: HeaderFacts, asked: int = 0) -> None:
        super().__init__()
        self.facts = facts
        self.asked = asked  # the number of the read (a late, older one is dropped)


class DatabaseState(Message):
    """The change watcher's look: the database answered (`trouble` None) or did not (why)."""

    def __init__(self, trouble: str | None) -> None:
        super().__init__()
        self.trouble = trouble

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, DatabaseState)


# ----------------------------------------------------------------------------------- tasks (T6)


class TasksArrived(Message):
    """The desk looked for tasks that arrived for him since the notification `after` (None: the first
    look, which only says where he is)."""

    def __init__(self, news: TaskNews, *, login: str, after: int | None) -> None:
        super().__init__()
        self.news = news
        self.login = login
        self.after = after
