"""What the documents share: fonts and paragraph styles, amounts and dates as each language writes them, the
payment QR drawn from segno's matrix, and the page template that numbers each order's pages."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import segno
from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageBreak, PageTemplate, Paragraph, TableStyle
from reportlab.platypus.doctemplate import LayoutError

from orderdesk.policy.documents import OrderSheet

FONTS = Path(__file__).parent / "fonts"
REGULAR, BOLD = "DejaVuSans", "DejaVuSans-Bold"
NBSP = "\u00a0"
GRID = colors.black


# Streams zlib-compressed and left binary, not also ASCII85-encoded (reportlab's default, from when files went
# through mail as text): a quarter smaller, and without the C accelerator the encoding was a fifth of a batch's time.
rl_config.useA85 = 0


def register_fonts() -> None:
    if REGULAR not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(REGULAR, str(FONTS / "DejaVuSans.ttf")))
        pdfmetrics.registerFont(TTFont(BOLD, str(FONTS / "DejaVuSans-Bold.ttf")))
        pdfmetrics.registerFontFamily(REGULAR, normal=REGULAR, bold=BOLD, italic=REGULAR, boldItalic=BOLD)


def style(size: float = 8, *, bold: bool = False, align: str = "left", leading: float | None = None) -> ParagraphStyle:
    alignment = {"left": 0, "center": TA_CENTER, "right": TA_RIGHT}[align]
    return ParagraphStyle(
        f"{size}{bold}{align}",
        fontName=BOLD if bold else REGULAR,
        fontSize=size,
        leading=leading or size * 1.2,
        alignment=alignment,
    )


def para(text: str, st: ParagraphStyle) -> Paragraph:
    """A paragraph of plain text (names and addresses may hold "<" or "&": escaped here)."""
    return Paragraph(escape(text), st)


def cell(text: str, st: ParagraphStyle, width: float, padding: float = 4) -> str | Paragraph:
    """A table cell of plain text: the text itself when it fits on one line (a table draws it at once), else a
    paragraph that wraps it (ten times slower to lay out: what a batch of 500 documents notices)."""
    if "\n" not in text and pdfmetrics.stringWidth(text, st.fontName, st.fontSize) <= width - padding:
        return text
    return para(text, st)


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def nobreak(text: str) -> str:
    """A phone number or code that a line must not break inside."""
    return text.replace(" ", NBSP)


def amount_text(minor: int, language: str) -> str:
    """An amount in a table: "1 234,56" (Russian, no-break space between thousands) or "1,234.56"."""
    sign = "-" if minor < 0 else ""
    whole, cents = divmod(abs(minor), 100)
    if language == "ru":
        return f"{sign}{whole:,}".replace(",", NBSP) + f",{cents:02d}"
    return f"{sign}{whole:,}.{cents:02d}"


_MONTHS_RU = "января февраля марта апреля мая июня июля августа сентября октября ноября декабря".split()  # noqa: SIM905


def long_date(day: date, language: str) -> str:
    """ "1 декабря 2026 г." / "1 December 2026"."""
    if language == "ru":
        return f"{day.day} {_MONTHS_RU[day.month - 1]} {day.year} г."
    return f"{day.day} {day:%B %Y}"


def quoted_date(day: date) -> str:
    """ "«1» декабря 2026 г.", as forms write the day they were signed."""
    return f"«{day.day}» {_MONTHS_RU[day.month - 1]} {day.year} г."


def short_date(day: date) -> str:
    return f"{day:%d.%m.%Y}"


def grid(*extra: tuple, font_size: float = 7) -> TableStyle:
    """A table with every cell boxed, text vertically centred, small padding."""
    return TableStyle(
        [
            ("FONT", (0, 0), (-1, -1), REGULAR, font_size),
            ("GRID", (0, 0), (-1, -1), 0.5, GRID),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("TOPPADDING", (0, 0), (-1, -1), 1.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ("LEFTPADDING", (0, 0), (-1, -1), 2),
            ("RIGHTPADDING", (0, 0), (-1, -1), 2),
            *extra,
        ]
    )


def draw_rules_and_text(canvas: Any, rules: Any, text: Any) -> None:
    """A grid's rules (one path, thin black) and then its text (one text object) onto the page."""
    canvas.saveState()
    canvas.setStrokeColor(colors.black)
    canvas.setLineWidth(0.5)
    canvas.drawPath(rules, stroke=1, fill=0)
    canvas.restoreState()
    canvas.drawText(text)


@lru_cache(maxsize=64)
def qr_matrix(payload: str) -> tuple[bytes, ...]:
    """The modules of the payload's QR code, row by row (1 = dark). segno tries all eight masks and keeps the one
    a camera reads best; that is most of the time a document takes, so a payload is encoded once."""
    qr = segno.make(payload, encoding="utf-8", error="m", micro=False, boost_error=False)
    return tuple(bytes(row) for row in qr.matrix)


def payment_qr(payload: str, size: float) -> Flowable:
    """The QR drawn once per file as a PDF form (the slip has it twice, a batch of one order's documents more)."""
    return Stamp(f"qr.{size}.{payload}", lambda: PaymentQR(payload, size))


class PaymentQR(Flowable):
    """The QR code of a payload, drawn module by module from segno's matrix (one rectangle per run of dark
    modules), byte mode UTF-8 without an ECI header (what Russian banking apps read), error correction M,
    the standard's quiet zone of 4 modules included in the size."""

    def __init__(self, payload: str, size: float = 32 * mm) -> None:
        super().__init__()
        self.payload = payload
        self.size = size
        self.matrix = qr_matrix(payload)

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return self.size, self.size

    def draw(self) -> None:
        border = 4
        count = len(self.matrix) + 2 * border
        module = self.size / count
        canvas = self.canv
        canvas.setFillColor(colors.black)
        path = canvas.beginPath()
        for y, row in enumerate(self.matrix):
            top = self.size - (y + border + 1) * module
            x = 0
            while x < len(row):
                if row[x]:
                    start = x
                    while x < len(row) and row[x]:
                        x += 1
                    path.rect((start + border) * module, top, (x - start) * module, module)
                else:
                    x += 1
        canvas.drawPath(path, stroke=0, fill=1)


class Stamp(Flowable):
    """What every order's document repeats unchanged (a table's header, the form's captions, the signature lines):
    laid out and drawn once per file as a PDF form, then placed again by reference. A batch of 500 waybills lays
    out and draws those parts once instead of 500 times (and the file is smaller). `key` names the content: the
    same key must always make the same flowable."""

    def __init__(self, key: str, make: Callable[[], Flowable]) -> None:
        super().__init__()
        self.key = key
        self.make = make

    def _book(self) -> dict[tuple[str, float], list]:  # type: ignore[type-arg]
        canvas = getattr(self, "canv", None)
        if canvas is None:
            return {}
        if not hasattr(canvas, "_orderdesk_stamps"):
            canvas._orderdesk_stamps = {}
        return canvas._orderdesk_stamps

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        book = self._book()
        entry = book.get((self.key, avail_width))
        if entry is None:
            flowable = self.make()
            width, height = flowable.wrapOn(self.canv, avail_width, avail_height)
            entry = book[(self.key, avail_width)] = [flowable, width, height, None]
        self._entry = entry
        return entry[1], entry[2]

    def draw(self) -> None:
        flowable, width, height, name = self._entry
        canvas = self.canv
        if name is None:
            name = self._entry[3] = f"Stamp{sum(1 for e in canvas._orderdesk_stamps.values() if e[3])}"
            bleed = 2  # the outer half of a border line lies outside the flowable's box
            canvas.beginForm(name, lowerx=-bleed, lowery=-bleed, upperx=width + bleed, uppery=height + bleed)
            flowable.drawOn(canvas, 0, 0)
            canvas.endForm()
        canvas.doForm(name)


class SheetStart(Flowable):
    """Marks where one order's document begins, so that the page footer names it and counts its pages."""

    def __init__(self, footer: str) -> None:
        super().__init__()
        self.footer = footer

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        doc = self.canv._doctemplate
        doc.sheet_footer = self.footer
        doc.sheet_first_page = self.canv.getPageNumber()


class _Document(BaseDocTemplate):
    sheet_footer = ""
    sheet_first_page = 1


def _footer(canvas, doc: _Document) -> None:  # type: ignore[no-untyped-def]
    page = canvas.getPageNumber() - doc.sheet_first_page + 1
    canvas.saveState()
    canvas.setFont(REGULAR, 6.5)
    canvas.setFillColor(colors.HexColor("#555555"))
    canvas.drawRightString(doc.pagesize[0] - doc.rightMargin, 7 * mm, f"{doc.sheet_footer} {page}")
    canvas.restoreState()


def build(
    sheets: Sequence[OrderSheet],
    story_of: Callable[[OrderSheet], list[Flowable]],
    footer_of: Callable[[OrderSheet], str],
    *,
    pagesize: tuple[float, float],
    margin: float = 12 * mm,
    title: str = "",
) -> tuple[bytes, int]:
    """One PDF: each sheet's story on pages of its own; the footer names the document and its page."""
    register_fonts()
    out = io.BytesIO()
    doc = _Document(
        out,
        pagesize=pagesize,
        leftMargin=margin,
        rightMargin=margin,
        topMargin=margin,
        bottomMargin=margin,
        title=title,
        author="orderdesk",
        invariant=True,
    )
    frame = Frame(
        margin,
        margin,
        pagesize[0] - 2 * margin,
        pagesize[1] - 2 * margin,
        id="body",
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame], onPageEnd=_footer, pagesize=pagesize)])
    story: list[Flowable] = []
    for i, sheet in enumerate(sheets):
        if i:
            story.append(PageBreak())
        story.append(SheetStart(footer_of(sheet)))
        story.extend(story_of(sheet))
    if not story:
        story.append(Paragraph("", style()))
    try:
        doc.build(story)
    except (
        LayoutError
    ):  # a cell too large for a page: what it is, not reportlab's internals (the caller names the order)
        raise ValueError("a line of its items is too long to fit on a page") from None
    return out.getvalue(), doc.page
