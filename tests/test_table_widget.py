"""The desk's tables keep their header as wide as their columns (a frame painted before a table measured its
new rows left the header at the old widths: seen as a flaky order-screen snapshot, and by a manager until he
moved the cursor)."""

from __future__ import annotations

from textual.app import App, ComposeResult

from screens.widgets.table import Table
from tests.pilot import drive


class OneTable(App[None]):
    CSS = "Table { height: 5; }"  # no resize after add_row: nothing else moves the update count

    def compose(self) -> ComposeResult:
        yield Table()


def test_the_header_widens_with_a_row_measured_after_a_frame_was_painted() -> None:
    seen: list[str] = []

    async def scenario(pilot) -> None:  # type: ignore[no-untyped-def]
        table = pilot.app.query_one(Table)
        table.add_columns("SKU", "Item", "Qty")
        await pilot.pause()
        table.add_row("HT-50", "Hedge trimmer 50 cm", "1")
        table.render_line(0)  # a frame painted before the table is idle again
        await pilot.pause()
        seen.extend((table.render_line(0).text, table.render_line(1).text))

    drive(OneTable(), scenario, size=(60, 10))  # type: ignore[arg-type]
    header, row = seen
    assert header.index("Item") == row.index("Hedge"), (header, row)
    assert header.index("Qty") > row.index("50 cm"), (header, row)
