"""The waybill of a store outside Russia: a delivery note / packing slip (sender, recipient, delivery method,
the items with a box to tick as each is packed, their prices and the total, and the recipient's signature).
Portrait A4; the items' header repeats on every page of a long order."""

from __future__ import annotations

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table

from orderdesk.files.documents.layout import (
    BOLD,
    Stamp,
    amount_text,
    build,
    escape,
    grid,
    long_date,
    nobreak,
    style,
)
from orderdesk.files.documents.rows import Row, Rows, heading
from orderdesk.policy.documents import OrderSheet

WIDTH = 186 * mm
_TEXT = style(9, leading=11.5)
_LABEL = style(7, bold=True, leading=9)
_CELL = style(8.5, leading=10.2)
_HEAD = style(8, bold=True, align="center", leading=9.6)
_TITLE = style(20, bold=True, align="right", leading=24)
_SMALL = style(6.5, leading=8)


def render(sheets: list[OrderSheet]) -> tuple[bytes, int]:
    return build(sheets, story, footer, pagesize=A4, title="Delivery note")


def footer(sheet: OrderSheet) -> str:
    return f"Delivery note {sheet.number}, {long_date(sheet.printed_on, 'en')}, page"


def story(sheet: OrderSheet) -> list[Flowable]:
    req = sheet.requisites
    assert req is not None  # document_problem said so before
    currency = sheet.currency or req.currency
    facts = Table(
        [
            ["Delivery note", sheet.number],
            ["Date", long_date(sheet.printed_on, "en")],
            ["Order placed", long_date(sheet.placed_on, "en")],
            ["Delivery", sheet.delivery_name or "—"],
        ],
        colWidths=[28 * mm, 52 * mm],
    )
    facts.setStyle(grid(("FONT", (1, 0), (1, -1), BOLD, 9), font_size=9))
    top = Table([[Paragraph("DELIVERY NOTE", _TITLE)], [facts]], colWidths=[80 * mm])
    top.setStyle([("ALIGN", (0, 0), (-1, -1), "RIGHT"), ("RIGHTPADDING", (0, 0), (-1, -1), 0)])
    top.hAlign = "RIGHT"
    sender = [f"<b>{escape(req.legal_name)}</b>", escape(req.address)]
    if req.phone:
        sender.append(f"Tel. {escape(nobreak(req.phone))}")
    recipient = [f"<b>{escape(sheet.customer_name)}</b>"]
    recipient += [escape(x) for x in (sheet.customer_address, sheet.customer_phone, sheet.customer_email) if x]
    parties = Table(
        [
            [Paragraph("SENDER", _LABEL), Paragraph("RECIPIENT (DELIVER TO)", _LABEL)],
            [Paragraph("<br/>".join(sender), _TEXT), Paragraph("<br/>".join(recipient), _TEXT)],
        ],
        colWidths=[WIDTH / 2 - 3 * mm, WIDTH / 2 + 3 * mm],
    )
    parties.setStyle(
        [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("BOX", (1, 0), (1, -1), 1, colors.black),
            ("LEFTPADDING", (0, 0), (0, -1), 0),
            ("LEFTPADDING", (1, 0), (1, -1), 6),
            ("TOPPADDING", (0, 0), (-1, -1), 3),
            ("BOTTOMPADDING", (0, -1), (-1, -1), 6),
        ]
    )
    return [
        top,
        Spacer(1, 6 * mm),
        parties,
        Spacer(1, 6 * mm),
        items_table(sheet, currency),
        KeepTogether([Spacer(1, 2 * mm), _totals(sheet), Spacer(1, 12 * mm), Stamp("packing.received", _received)]),
    ]


WIDTHS = [9 * mm, 26 * mm, 85 * mm, 13 * mm, 20 * mm, 20 * mm, 13 * mm]


def items_table(sheet: OrderSheet, currency: str) -> Rows:
    columns = ("#", "SKU", "Item", "Qty", f"Unit price, {currency}", f"Amount, {currency}", "Packed")
    rows = [
        Row(
            (
                str(i),
                line.sku,
                line.name,
                str(line.qty),
                amount_text(line.price, "en"),
                amount_text(line.total, "en"),
                "☐",
            )
        )
        for i, line in enumerate(sheet.lines, 1)
    ]
    head = Stamp(f"packing.head.{currency}", lambda: heading(columns, WIDTHS))
    return Rows(head, WIDTHS, rows, aligns="CLLRRRC", wraps=frozenset({2}), size=8.5, padding=3)


def totals_lines(sheet: OrderSheet) -> list[tuple[str, str]]:
    """The totals under the items: also what the tests look for in the text."""
    out = [("Items:", str(sum(line.qty for line in sheet.lines))), ("Goods:", amount_text(sheet.items_total, "en"))]
    if sheet.discount:
        out.append(("Order discount:", amount_text(-sheet.discount, "en")))
    if sheet.delivery_cost or sheet.delivery_name:
        out.append((f"Delivery ({sheet.delivery_name or '—'}):", amount_text(sheet.delivery_cost, "en")))
    out.append(("Order total:", amount_text(sheet.total, "en")))
    return out


def _totals(sheet: OrderSheet) -> Table:
    rows = totals_lines(sheet)
    table = Table(rows, colWidths=[WIDTH - 46 * mm, 33 * mm])
    table.setStyle(
        [
            ("FONT", (0, 0), (-1, -1), "DejaVuSans", 9),
            ("FONT", (0, -1), (-1, -1), BOLD, 10),
            ("ALIGN", (0, 0), (-1, -1), "RIGHT"),
            ("TOPPADDING", (0, 0), (-1, -1), 1),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
        ]
    )
    table.hAlign = "LEFT"
    return table


def _received() -> Table:
    """The recipient's name, signature and date, each a blank of its own."""
    rows = [["Received in good condition", "", "", "", "", ""], ["", "Name", "", "Signature", "", "Date"]]
    table = Table(rows, colWidths=[48 * mm, 50 * mm, 4 * mm, 44 * mm, 4 * mm, 30 * mm])
    table.setStyle(
        [
            *(("LINEBELOW", (c, 0), (c, 0), 0.5, colors.black) for c in (1, 3, 5)),
            ("FONT", (0, 0), (-1, 0), "DejaVuSans", 9),
            ("FONT", (0, 1), (-1, 1), "DejaVuSans", 6.5),
            ("ALIGN", (0, 1), (-1, 1), "CENTER"),
            ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
            ("LEFTPADDING", (0, 0), (0, -1), 0),
        ]
    )
    table.hAlign = "LEFT"
    return table
