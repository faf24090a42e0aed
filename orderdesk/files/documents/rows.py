"""The lines of a document as a grid of plain text that breaks across pages with its header on top of each part.

platypus' LongTable(repeatRows=...) does the same, but lays out and draws every cell through its general
machinery (a cell style per cell, a text object per string, a paragraph for each text that may wrap): 500
waybills in one file took ~20 s that way, most of it in the lines' tables. Here a row is measured with
`simpleSplit` and drawn with one text object per part and one path for its rules, which a batch of 500 documents
needs to stay within its 10 s."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.lib import colors
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, Paragraph, Table

from orderdesk.files.documents.layout import BOLD, REGULAR, draw_rules_and_text, grid, style


@dataclass(frozen=True)
class Row:
    cells: tuple[str, ...]
    bold: bool = False
    merged: int = 0  # the first `merged` cells are one, its text (cells[0]) set right, with no rules around it
    aligns: str = ""  # this row's own alignments, if not the columns'


class Rows(Flowable):
    """Rows of text under a header flowable (a Stamp, drawn again on every page the rows reach). `aligns` holds one
    of "L", "R", "C" per column; `wraps` the columns whose text may run over several lines (the others are
    one-line codes and amounts)."""

    def __init__(
        self,
        head: Flowable,
        widths: Sequence[float],
        rows: Sequence[Row],
        *,
        aligns: str,
        wraps: frozenset[int] = frozenset({1}),
        size: float = 7,
        padding: float = 2,
    ) -> None:
        super().__init__()
        self.head = head
        self.widths = list(widths)
        self.rows = list(rows)
        self.aligns = aligns
        self.wraps = wraps
        self.size = size
        self.leading = size * 1.2
        self.padding = padding
        self._lines: list[list[list[str]]] | None = None
        self._heights: list[float] = []
        self._head_height = 0.0

    def _measure(self, avail_width: float, avail_height: float) -> None:
        _, self._head_height = self.head.wrapOn(self.canv, avail_width, avail_height)
        if self._lines is not None:
            return
        self._lines, self._heights = [], []
        for row in self.rows:
            font = BOLD if row.bold else REGULAR
            cells = []
            for c, text in enumerate(row.cells):
                if c in self.wraps and not row.merged:
                    cells.append(simpleSplit(text, font, self.size, self.widths[c] - 2 * self.padding) or [""])
                else:
                    cells.append(text.split("\n"))
            self._lines.append(cells)
            self._heights.append(max(len(lines) for lines in cells) * self.leading + 2 * self.padding)

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self._measure(avail_width, avail_height)
        return sum(self.widths), self._head_height + sum(self._heights)

    def split(self, avail_width: float, avail_height: float) -> list[Flowable]:
        self._measure(avail_width, avail_height)
        room = avail_height - self._head_height
        taken = 0
        while taken < len(self.rows) and self._heights[taken] <= room:
            room -= self._heights[taken]
            taken += 1
        if taken == 0:
            return []  # not even one row here: the frame moves the whole on to the next page
        if taken == len(self.rows):
            return [self]
        return [self._part(self.rows[:taken]), self._part(self.rows[taken:])]

    def _part(self, rows: list[Row]) -> Rows:
        return Rows(
            self.head, self.widths, rows, aligns=self.aligns, wraps=self.wraps, size=self.size, padding=self.padding
        )

    def draw(self) -> None:
        assert self._lines is not None
        canvas = self.canv
        total = self._head_height + sum(self._heights)
        self.head.drawOn(canvas, 0, total - self._head_height)
        edges = [0.0]
        for w in self.widths:
            edges.append(edges[-1] + w)
        text = canvas.beginText()
        rules = canvas.beginPath()
        top = total - self._head_height
        tops: list[tuple[float, float, int]] = []
        for row, cells, height in zip(self.rows, self._lines, self._heights, strict=True):
            font = BOLD if row.bold else REGULAR
            text.setFont(font, self.size, self.leading)
            bottom = top - height
            for c, lines in enumerate(cells):
                if row.merged and 0 < c < row.merged:
                    continue
                left, right = edges[c], edges[row.merged if row.merged and c == 0 else c + 1]
                align = "R" if row.merged and c == 0 else (row.aligns or self.aligns)[c]
                y = top - self.padding - self.size
                for line in lines:
                    if line:
                        if align == "L":
                            x = left + self.padding
                        else:
                            width = stringWidth(line, font, self.size)
                            x = right - self.padding - width if align == "R" else (left + right - width) / 2
                        text.setTextOrigin(x, y)
                        text.textOut(line)
                    y -= self.leading
            # the row's bottom rule (none under a merged label); the sides are drawn below, one stroke per run of rows
            start = edges[row.merged] if row.merged else 0.0
            rules.moveTo(start, bottom)
            rules.lineTo(edges[-1], bottom)
            tops.append((top, bottom, row.merged))
            top = bottom
        for c, x in enumerate(edges):  # a side runs down through every row that is not merged across it
            run_top = None
            for row_top, _, merged in tops:
                crosses = merged and c < merged
                if not crosses and run_top is None:
                    run_top = row_top
                if crosses and run_top is not None:
                    rules.moveTo(x, run_top)
                    rules.lineTo(x, row_top)
                    run_top = None
            if run_top is not None:
                rules.moveTo(x, run_top)
                rules.lineTo(x, tops[-1][1])
        draw_rules_and_text(canvas, rules, text)


def heading(texts: Sequence[str], widths: Sequence[float], size: float = 8) -> Table:
    """A one-row header of bold centred column names on grey, to put in a Stamp over Rows of the same widths."""
    st = style(size, bold=True, align="center", leading=size * 1.2)
    head = Table([[Paragraph(t, st) for t in texts]], colWidths=list(widths))
    head.setStyle(grid(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")), font_size=size))
    return head
