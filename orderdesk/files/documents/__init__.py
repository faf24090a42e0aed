"""PDF documents of orders (S8): waybill, invoice, payment slip, laid out with reportlab (platypus) in DejaVu Sans
(shipped in fonts/, Bitstream Vera licence: fonts/LICENSE). Nothing is downloaded at run time.

One module per document: torg12 (the Russian waybill), packing_slip (the English one), invoice, pd4 (the
Sberbank slip); layout holds what they share."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from orderdesk.files.documents import invoice, packing_slip, pd4, torg12
from orderdesk.files.documents.layout import register_fonts
from orderdesk.policy.documents import DocKind, OrderSheet, document_problem

__all__ = ["Rendered", "register_fonts", "render", "write_pdf"]


@dataclass(frozen=True)
class Rendered:
    pdf: bytes
    pages: int


def render(doc: DocKind, sheets: Sequence[OrderSheet]) -> Rendered:
    """One PDF holding each sheet's document on its own pages, in the order given. A waybill is ТОРГ-12 for a
    Russian store's order and a delivery note for the others (a batch of both kinds is refused: one file, one
    page format). ValueError with `document_problem`'s line when a sheet cannot have this document."""
    for sheet in sheets:
        problem = document_problem(doc, sheet)
        if problem:
            raise ValueError(problem)
    sheets = list(sheets)
    if doc == "slip":
        pdf, pages = pd4.render(sheets)
    elif doc == "invoice":
        pdf, pages = invoice.render(sheets)
    else:
        russian = {sheet.requisites.country == "RU" for sheet in sheets if sheet.requisites}
        if len(russian) > 1:
            raise ValueError("a batch of waybills holds either Russian stores' orders (ТОРГ-12) or others', not both")
        pdf, pages = (torg12.render if russian == {True} else packing_slip.render)(sheets)
    return Rendered(pdf, pages)


def write_pdf(path: Path, rendered: Rendered) -> Path:
    """Write the file (replacing one of that name) and return its absolute path."""
    path = path.expanduser().resolve()
    path.write_bytes(rendered.pdf)
    return path
