"""The desk's tables: Textual's DataTable with its header kept in step with its columns.

DataTable (8.2) measures new rows when it is next idle, and its cell and row caches are keyed by an update
count that measuring does not move. A frame painted between `add_row` and that idle moment (the screen's own
idle handler may run first) caches the header at the old widths; the rows, painted later, come out at the new
ones, and the header stays narrower than its columns until the cursor moves. Measuring that widens a column
now counts as an update, so what was cached before it is painted again.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual.widgets import DataTable
from textual.widgets.data_table import RowKey


class Table(DataTable[Any]):
    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        before = [column.content_width for column in self.ordered_columns]
        super()._update_dimensions(new_rows)
        if [column.content_width for column in self.ordered_columns] != before and hasattr(self, "_update_count"):
            self._update_count += 1  # a Textual without it (a later one) is left as it paints
            self.refresh()
