"""Lines of a form drawn straight on the canvas: label, value on its underline, caption, a box of codes. The
ТОРГ-12 header is some forty such pieces per order; as platypus tables of paragraphs they took a third of a batch's
time (see rows.py for the lines' table)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable

from orderdesk.files.documents.layout import REGULAR, draw_rules_and_text


@dataclass(frozen=True)
class Run:
    """A piece of text at x on its line; "C"/"R" set it in [x, x + width]; `rule` underlines [x, x + width];
    `box` draws the cell [x, x + width] × the line's height."""

    x: float
    text: str
    font: str = REGULAR
    size: float = 7.5
    align: str = "L"
    width: float = 0
    rule: bool = False
    box: bool = False


@dataclass(frozen=True)
class Line:
    height: float
    runs: tuple[Run, ...]


class Runs(Flowable):
    def __init__(self, lines: Sequence[Line], width: float) -> None:
        super().__init__()
        self.lines = list(lines)
        self.width = width

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return self.width, sum(line.height for line in self.lines)

    def draw(self) -> None:
        canvas = self.canv
        text = canvas.beginText()
        rules = canvas.beginPath()
        top = sum(line.height for line in self.lines)
        for line in self.lines:
            bottom = top - line.height
            for run in line.runs:
                if run.box:
                    rules.rect(run.x, bottom, run.width, line.height)
                if run.rule:
                    rules.moveTo(run.x, bottom + 0.5)
                    rules.lineTo(run.x + run.width, bottom + 0.5)
                if not run.text:
                    continue
                x = run.x + (1.5 if run.box else 0)
                if run.align != "L":
                    w = stringWidth(run.text, run.font, run.size)
                    x = (
                        run.x + run.width - w - (1.5 if run.box else 0)
                        if run.align == "R"
                        else run.x + (run.width - w) / 2
                    )
                text.setFont(run.font, run.size)
                text.setTextOrigin(x, bottom + max(1.5, (line.height - run.size) / 2 + 0.5))
                text.textOut(run.text)
            top = bottom
        draw_rules_and_text(canvas, rules, text)


class Beside(Flowable):
    """Two flowables side by side, tops level: the left at 0, the right at `right_x`."""

    def __init__(self, left: Flowable, right: Flowable, right_x: float) -> None:
        super().__init__()
        self.left, self.right, self.right_x = left, right, right_x

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        _, self._hl = self.left.wrapOn(self.canv, self.right_x, avail_height)
        wr, self._hr = self.right.wrapOn(self.canv, avail_width - self.right_x, avail_height)
        self.height = max(self._hl, self._hr)
        return self.right_x + wr, self.height

    def draw(self) -> None:
        self.left.drawOn(self.canv, 0, self.height - self._hl)
        self.right.drawOn(self.canv, self.right_x, self.height - self._hr)
