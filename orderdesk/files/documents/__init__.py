"""PDF documents of orders (S8): waybill, invoice, payment slip, laid out with reportlab in DejaVu Sans (shipped
in fonts/, Bitstream Vera licence: fonts/LICENSE). Nothing is downloaded at run time."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from orderdesk.policy.documents import DocKind, OrderSheet

FONTS = Path(__file__).parent / "fonts"
REGULAR, BOLD = "DejaVuSans", "DejaVuSans-Bold"


@dataclass(frozen=True)
class Rendered:
    pdf: bytes
    pages: int


def register_fonts() -> None:
    if REGULAR not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(REGULAR, str(FONTS / "DejaVuSans.ttf")))
        pdfmetrics.registerFont(TTFont(BOLD, str(FONTS / "DejaVuSans-Bold.ttf")))


def render(doc: DocKind, sheets: Sequence[OrderSheet]) -> Rendered:
    """One PDF holding each sheet's document on its own pages, in the order given.

    PLACEHOLDER of the lead's contract commit (a page of plain lines per order), replaced by the documents
    helper's layouts (ТОРГ-12 / delivery note, invoice with QR, ПД-4)."""
    register_fonts()
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4)
    for sheet in sheets:
        y = A4[1] - 60
        canvas.setFont(BOLD, 12)
        canvas.drawString(40, y, f"{doc} {sheet.number} {sheet.store_name}")
        canvas.setFont(REGULAR, 9)
        for line in sheet.lines:
            y -= 14
            canvas.drawString(40, y, f"{line.sku} {line.name} {line.qty} {line.total}")
        canvas.showPage()
    pages = canvas.getPageNumber() - 1
    canvas.save()
    return Rendered(out.getvalue(), pages)


def write_pdf(path: Path, rendered: Rendered) -> Path:
    """Write the file (replacing one of that name) and return its absolute path."""
    path = path.expanduser().resolve()
    path.write_bytes(rendered.pdf)
    return path
