"""The line at the top of every desk screen (U1): who I am, my presence, my counts, unread, and the
view's title; on a narrow terminal the less important parts go first."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from orderdesk.policy.vocab import PRESENCE_WORDS
from orderdesk.views.header import HeaderFacts
from screens.i18n import N_, _, ngettext

# orderdesk.policy.vocab.PRESENCE_WORDS, marked for the catalog (policy may not import screens)
PRESENCE_MARKERS = (N_("free"), N_("busy"), N_("on a break"), N_("offline"))
PRESENCE_STYLES = {"free": "bold green", "busy": "bold yellow", "break": "bold magenta", "offline": "dim"}
SEPARATOR = " · "
LOGIN_RANK = 6


def presence_words(presence: str) -> str:
    return _(PRESENCE_WORDS.get(presence, presence))


def header_parts(facts: HeaderFacts | None) -> list[tuple[int, Text]]:
    """(rank, part) in the order shown; the highest rank is dropped first when the line is too long.
    The login follows the name after a space, the other parts after SEPARATOR."""
    if facts is None:
        return []
    parts = [
        (5, Text(facts.name, style="bold")),
        (LOGIN_RANK, Text(f"({facts.login})", style="dim")),
        (0, Text(presence_words(facts.presence), style=PRESENCE_STYLES.get(facts.presence, ""))),
        (2, Text(ngettext("{n} open", "{n} open", facts.open_orders).format(n=facts.open_orders))),
        (1, Text(_("{n} overdue").format(n=facts.overdue), style="bold red" if facts.overdue else "")),
        (4, Text(_("{n} unread").format(n=facts.unread), style="bold" if facts.unread else "")),
    ]
    if facts.open_tasks:  # most have none: no "0 tasks" taking the room of his name
        parts.insert(-1, (3, tasks_part(facts.open_tasks, facts.late_tasks)))
    return parts


def tasks_part(open_tasks: int, late: int) -> Text:
    """ "3 tasks", or "3 tasks, 1 late" with the late ones in red (T6)."""
    part = Text(ngettext("{n} task", "{n} tasks", open_tasks).format(n=open_tasks))
    if late:
        part.append(", ")
        part.append(_("{n} late").format(n=late), style="bold red")
    return part


def header_line(title: str, facts: HeaderFacts | None, width: int) -> Text:
    """The title on the left, his facts on the right, within `width` cells."""
    parts = header_parts(facts)
    while True:
        right = Text()
        for rank, part in parts:
            if right:
                right.append(" " if rank == LOGIN_RANK and parts[0][0] != LOGIN_RANK else SEPARATOR)
            right.append_text(part)
        if len(title) + 2 + right.cell_len <= width or not parts:
            break
        parts.remove(max(parts, key=lambda p: p[0]))
    line = Text(title, style="bold")
    gap = width - line.cell_len - right.cell_len
    if right.cell_len:
        line.append(" " * max(gap, 2))
        line.append_text(right)
    line.truncate(width)
    return line


class DeskHeader(Widget):
    DEFAULT_CSS = """
    DeskHeader {
        height: 1;
        padding: 0 1;
        background: $primary-background;
        color: $text;
    }
    """

    facts: reactive[HeaderFacts | None] = reactive(None)

    def __init__(self, title: str = "") -> None:
        super().__init__(id="desk-header")
        self.title = title

    def render(self) -> Text:
        return header_line(self.title, self.facts, self.content_size.width or 78)
