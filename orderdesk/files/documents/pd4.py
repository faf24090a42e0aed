"""The Sberbank payment slip, форма № ПД-4: two halves, «Извещение» (the bank keeps it) and «Квитанция» (the
payer keeps it), each with the payee and its bank, the purpose naming the order, the payer, the amount in roubles
and kopecks, the date and signature lines and the payment QR of ГОСТ Р 56042-2014, at the top of an A4 page to be
cut out."""

from __future__ import annotations

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer, Table

from orderdesk.files.documents.layout import NBSP, build, escape, para, payment_qr, short_date, style
from orderdesk.policy.documents import OrderSheet, Requisites, payment_qr_payload

LEFT, RIGHT = 52 * mm, 128 * mm
_LABEL = style(10, bold=True, align="center", leading=12)
_VALUE = style(8, leading=9.6)
_VALUE_BOLD = style(8.5, bold=True, align="center", leading=10.2)
_CAPTION = style(5.5, align="center", leading=6.5)
_SMALL = style(6, leading=7.2)
_FEE = style(7, leading=9.6)
_FORM = style(6, align="right", leading=7.2)
_CUT = style(6.5, align="center", leading=8)


def render(sheets: list[OrderSheet]) -> tuple[bytes, int]:
    return build(sheets, story, footer, pagesize=A4, margin=12 * mm, title="Квитанция ПД-4")


def footer(sheet: OrderSheet) -> str:
    return f"Квитанция ПД-4 по заказу № {sheet.number} от {short_date(sheet.printed_on)}, лист"


def rubles(minor: int) -> str:
    """ "1 234 руб. 56 коп." """
    whole, kopecks = divmod(minor, 100)
    return f"{whole:,}".replace(",", NBSP) + f"{NBSP}руб. {kopecks:02d}{NBSP}коп."


def purpose(sheet: OrderSheet) -> str:
    return f"Оплата заказа № {sheet.number}"


def story(sheet: OrderSheet) -> list[Flowable]:
    req = sheet.requisites
    assert req is not None  # document_problem said so before
    payload = payment_qr_payload(sheet)
    halves = [
        [_left("Извещение", payload), _right(sheet, req, form=True)],
        [_left("Квитанция", payload), _right(sheet, req, form=False)],
    ]
    slip = Table(halves, colWidths=[LEFT, RIGHT])
    slip.setStyle(
        [
            ("BOX", (0, 0), (-1, -1), 1, colors.black),
            ("LINEAFTER", (0, 0), (0, -1), 1, colors.black),
            ("LINEBELOW", (0, 0), (-1, 0), 1, colors.black),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ("TOPPADDING", (0, 0), (-1, -1), 0),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
        ]
    )
    slip.hAlign = "LEFT"
    return [
        slip,
        Spacer(1, 3 * mm),
        Paragraph("✂ " + "— " * 44, _CUT),
    ]


def _left(label: str, payload: str) -> Table:
    """The left column of a half: its name at the top, the QR, and «Кассир» at the bottom."""
    cell = Table(
        [[Paragraph(label, _LABEL)], [payment_qr(payload, 38 * mm)], [Paragraph("Кассир", _LABEL)]],
        colWidths=[LEFT],
        rowHeights=[12 * mm, 52 * mm, 10 * mm],
    )
    cell.setStyle(
        [
            ("ALIGN", (0, 0), (-1, -1), "CENTER"),
            ("VALIGN", (0, 0), (-1, 0), "TOP"),
            ("VALIGN", (0, 1), (-1, 1), "MIDDLE"),
            ("VALIGN", (0, 2), (-1, 2), "BOTTOM"),
            ("TOPPADDING", (0, 0), (-1, 0), 4),
            ("BOTTOMPADDING", (0, 2), (-1, 2), 5),
        ]
    )
    return cell


def _field(cells: list[tuple[Flowable, str, float]], width: float) -> Table:
    """One line of the form: each value over its underline with the form's caption under it (a cell without a
    caption has no line); the fractions share out the width."""
    values = [value for value, _, _ in cells]
    captions = [para(caption, _CAPTION) if caption else "" for _, caption, _ in cells]
    commands: list[tuple] = [
        ("LEFTPADDING", (0, 0), (-1, -1), 1),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 0),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 0.5),
        ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
    ]
    commands += [("LINEBELOW", (c, 0), (c, 0), 0.5, colors.black) for c, (_, cap, _) in enumerate(cells) if cap]
    rows = [values, captions] if any(captions) else [values]
    return Table(rows, colWidths=[width * fraction for *_, fraction in cells], style=commands)


def _right(sheet: OrderSheet, req: Requisites, *, form: bool) -> Table:
    """The right column of a half, line by line as the form has them."""
    w = RIGHT - 6 * mm
    fields = [
        [(para(req.legal_name, _VALUE_BOLD), "(наименование получателя платежа)", 1.0)],
        [
            (para(req.inn, _VALUE_BOLD), "(ИНН получателя платежа)", 0.35),
            (para(req.account, _VALUE_BOLD), "(номер счёта получателя платежа)", 0.65),
        ],
        [
            (para(f"в {req.bank_name}", _VALUE_BOLD), "(наименование банка получателя платежа)", 0.64),
            (para(f"БИК {req.bik}", _VALUE_BOLD), "(БИК)", 0.36),
        ],
        [(para(f"Номер кор./сч. банка получателя платежа: {req.corr_account}", _VALUE), "", 1.0)],
        [
            (para(purpose(sheet), _VALUE_BOLD), "(наименование платежа)", 0.55),
            (para(sheet.number, _VALUE_BOLD), "(номер лицевого счёта (код) плательщика)", 0.45),
        ],
        [(Paragraph(f"Ф.И.О. плательщика: <b>{escape(sheet.customer_name)}</b>", _VALUE), "", 1.0)],
        [(Paragraph(f"Адрес плательщика: {escape(sheet.customer_address or '')}", _VALUE), "", 1.0)],
        [
            (Paragraph(f"Сумма платежа: <b>{rubles(sheet.total)}</b>", _VALUE), "", 0.5),
            (para("Сумма платы за услуги: ____ руб. __ коп.", _FEE), "", 0.5),
        ],
        [
            (Paragraph(f"Итого: <b>{rubles(sheet.total)}</b>", _VALUE), "", 0.5),
            (para("«____» ______________ 20___ г.", _VALUE), "", 0.5),
        ],
    ]
    rows: list[list[object]] = [[para("Форма № ПД-4" if form else "", _FORM)]]
    rows += [[_field(cells, w)] for cells in fields]
    rows.append(
        [
            para(
                "С условиями приёма указанной в платёжном документе суммы, в т.ч. с суммой взимаемой платы "
                "за услуги банка, ознакомлен и согласен.",
                _SMALL,
            )
        ]
    )
    rows.append([_field([(para("Подпись плательщика", _VALUE), "", 0.3), (para("", _VALUE), "(подпись)", 0.4)], w)])
    table = Table(rows, colWidths=[RIGHT])
    table.setStyle(
        [
            ("LEFTPADDING", (0, 0), (-1, -1), 3 * mm),
            ("RIGHTPADDING", (0, 0), (-1, -1), 3 * mm),
            ("TOPPADDING", (0, 0), (-1, -1), 1.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
        ]
    )
    return table
