"""The line at the top of every desk screen (U1): who I am, my presence, my counts, unread."""

from __future__ import annotations

from textual.widgets import Static


class DeskHeader(Static):
    DEFAULT_CSS = """
    DeskHeader {
        height: 1;
        padding: 0 1;
        background: $primary-background;
        color: $text;
    }
    """

    def __init__(self, title: str = "") -> None:
        super().__init__(title, id="desk-header")
        self.title = title
