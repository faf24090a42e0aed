"""The invoice: счёт на оплату for a Russian store (the bank box, the payment QR of ГОСТ Р 56042-2014 beside it,
supplier, buyer, basis, lines, totals, VAT or «Без НДС», «Всего к оплате» and the sum in words) and an
invoice in the English style for the others (seller with company and VAT numbers, bill to, lines, totals,
payment details). Portrait A4; the lines' header repeats on every page of a long order."""

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
    para,
    payment_qr,
    short_date,
    style,
)
from orderdesk.files.documents.rows import Row, Rows, heading
from orderdesk.policy.documents import OrderSheet, Requisites, payment_qr_payload, sum_in_words, vat_included

WIDTH = 186 * mm
_TEXT = style(8.5, leading=10.5)
_BOLD = style(8.5, bold=True, leading=10.5)
_CELL = style(8, leading=9.6)
_HEAD = style(8, bold=True, align="center", leading=9.6)
_SMALL = style(6.5, leading=8)
_TITLE = style(14, bold=True, leading=17)
_CAPTION = style(6.5, align="center", leading=8)
_RIGHT = style(8.5, align="right", leading=10.5)
_RIGHT_BOLD = style(8.5, bold=True, align="right", leading=10.5)

RU = {
    "title": "Счёт на оплату № {number} от {date}",
    "columns": ("№", "Товары (работы, услуги)", "Артикул", "Кол-во", "Ед.", "Цена", "Скидка", "Сумма"),
    "unit": "шт",
    "subtotal": "Итого:",
    "discount": "Скидка на заказ:",
    "delivery": "Доставка ({name}):",
    "delivery_plain": "Доставка:",
    "vat": "В том числе НДС {rate}%:",
    "no_vat": "Без НДС",
    "total": "Всего к оплате:",
    "count": "Всего наименований {count}, на сумму {amount} {currency}",
}
EN = {
    "title": "Invoice {number}",
    "columns": ("#", "Item", "SKU", "Qty", "", "Unit price", "Discount", "Amount"),
    "unit": "",
    "subtotal": "Subtotal:",
    "discount": "Order discount:",
    "delivery": "Delivery ({name}):",
    "delivery_plain": "Delivery:",
    "vat": "VAT {rate}% included:",
    "no_vat": "No VAT",
    "total": "Total due:",
    "count": "{count} items, {amount} {currency} in all",
}


def render(sheets: list[OrderSheet]) -> tuple[bytes, int]:
    return build(sheets, story, footer, pagesize=A4, title="Invoice")


def footer(sheet: OrderSheet) -> str:
    if _russian(sheet):
        return f"Счёт на оплату № {sheet.number} от {short_date(sheet.printed_on)}, лист"
    return f"Invoice {sheet.number}, {long_date(sheet.printed_on, 'en')}, page"


def _russian(sheet: OrderSheet) -> bool:
    return bool(sheet.requisites and sheet.requisites.country == "RU")


def currency_word(sheet: OrderSheet, language: str) -> str:
    code = sheet.currency or (sheet.requisites.currency if sheet.requisites else "")
    return "руб." if code == "RUB" and language == "ru" else code


def story(sheet: OrderSheet) -> list[Flowable]:
    req = sheet.requisites
    assert req is not None  # document_problem said so before
    if _russian(sheet):
        head: list[Flowable] = [_bank_box(sheet, req), Spacer(1, 4 * mm), *_russian_parties(sheet, req)]
        labels = RU
    else:
        head = _english_head(sheet, req)
        labels = EN
    return [
        *head,
        Spacer(1, 4 * mm),
        lines_table(sheet, labels, req.language),
        KeepTogether([totals_table(sheet, labels, req), Spacer(1, 2 * mm), *_in_words(sheet, labels, req)]),
        Spacer(1, 8 * mm),
        _signatures() if _russian(sheet) else _payment_details(sheet, req),
    ]


def _bank_box(sheet: OrderSheet, req: Requisites) -> Table:
    """The bank box every Russian invoice starts with, and the payment QR at its right."""
    bank = Paragraph(f"{escape(req.bank_name)}<br/><font size=6>Банк получателя</font>", _TEXT)
    payee = Paragraph(f"{escape(req.legal_name)}<br/><font size=6>Получатель</font>", _TEXT)
    rows = [
        [bank, "", "БИК", req.bik],
        ["", "", "Сч. №", req.corr_account],
        [f"ИНН {req.inn}", f"КПП {req.kpp}" if req.kpp else "КПП", "Сч. №", req.account],
        [payee, "", "", ""],
    ]
    box = Table(rows, colWidths=[46 * mm, 46 * mm, 14 * mm, 45 * mm])
    box.setStyle(
        grid(
            ("SPAN", (0, 0), (1, 1)),
            ("SPAN", (0, 3), (1, 3)),
            ("SPAN", (2, 2), (2, 3)),
            ("SPAN", (3, 2), (3, 3)),
            ("VALIGN", (0, 0), (1, 1), "TOP"),
            ("VALIGN", (2, 2), (3, 3), "TOP"),
            ("TOPPADDING", (0, 0), (-1, -1), 2.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            font_size=8.5,
        )
    )
    if sheet.currency != "RUB":
        return box  # ГОСТ Р 56042 pays roubles: a banking app would read the sum as roubles
    qr = Table(
        [[payment_qr(payment_qr_payload(sheet), 30 * mm)], [para("Оплата по QR-коду", _CAPTION)]],
        style=[("ALIGN", (0, 0), (-1, -1), "CENTER"), ("TOPPADDING", (0, 0), (-1, -1), 0)],
    )
    outer = Table([[box, qr]], colWidths=[153 * mm, 33 * mm])
    outer.setStyle(
        [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ]
    )
    return outer


def _party_text(req: Requisites) -> str:
    parts = [req.legal_name, f"ИНН {req.inn}" + (f", КПП {req.kpp}" if req.kpp else ""), req.address]
    if req.phone:
        parts.append(f"тел. {nobreak(req.phone)}")
    return ", ".join(parts)


def _buyer_text(sheet: OrderSheet, language: str) -> str:
    phone = ("тел. " if language == "ru" else "tel. ") + nobreak(sheet.customer_phone) if sheet.customer_phone else ""
    parts = [sheet.customer_name, sheet.customer_address or "", phone, sheet.customer_email or ""]
    return ", ".join(p for p in parts if p)


def _russian_parties(sheet: OrderSheet, req: Requisites) -> list[Flowable]:
    title = RU["title"].format(number=sheet.number, date=long_date(sheet.printed_on, "ru"))
    title_table = Table([[Paragraph(escape(title), _TITLE)]], colWidths=[WIDTH])
    title_table.setStyle(
        [
            ("LINEBELOW", (0, 0), (-1, -1), 1.5, colors.black),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
        ]
    )
    rows = [
        ["Поставщик\n(Исполнитель):", para(_party_text(req), _BOLD)],
        ["Покупатель\n(Заказчик):", para(_buyer_text(sheet, "ru"), _BOLD)],
        ["Основание:", para(f"Заказ № {sheet.number} от {short_date(sheet.placed_on)}", _BOLD)],
    ]
    parties = Table(rows, colWidths=[28 * mm, WIDTH - 28 * mm])
    parties.setStyle(
        [
            ("FONT", (0, 0), (0, -1), "DejaVuSans", 8.5),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        ]
    )
    return [title_table, Spacer(1, 3 * mm), parties]


def _english_head(sheet: OrderSheet, req: Requisites) -> list[Flowable]:
    seller = [f"<b>{escape(req.legal_name)}</b>", escape(req.address)]
    if req.phone:
        seller.append(f"Tel. {escape(req.phone)}")
    if req.company_number:
        seller.append(f"Company No. {escape(req.company_number)}")
    if req.vat_number:
        seller.append(f"VAT No. {escape(req.vat_number)}")
    facts = Table(
        [
            ["Invoice number", sheet.number],
            ["Invoice date", long_date(sheet.printed_on, "en")],
            ["Order", sheet.number],
            ["Order date", long_date(sheet.placed_on, "en")],
        ],
        colWidths=[30 * mm, 45 * mm],
    )
    facts.setStyle(grid(("FONT", (1, 0), (1, -1), BOLD, 8.5), font_size=8.5))
    top = Table(
        [
            [
                Paragraph("<br/>".join(seller), _TEXT),
                [Paragraph("INVOICE", style(20, bold=True, align="right", leading=24)), Spacer(1, 2 * mm), facts],
            ]
        ],
        colWidths=[WIDTH - 80 * mm, 80 * mm],
    )
    top.setStyle(
        [("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0), ("ALIGN", (1, 0), (1, 0), "RIGHT")]
    )
    buyer = [f"<b>{escape(sheet.customer_name)}</b>"]
    buyer += [escape(x) for x in (sheet.customer_address, sheet.customer_email, sheet.customer_phone) if x]
    bill_to = Table([["Bill to", Paragraph("<br/>".join(buyer), _TEXT)]], colWidths=[30 * mm, WIDTH - 30 * mm])
    bill_to.setStyle(
        [
            ("FONT", (0, 0), (0, 0), BOLD, 8.5),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("LINEABOVE", (0, 0), (-1, 0), 1, colors.black),
            ("TOPPADDING", (0, 0), (-1, -1), 4),
        ]
    )
    return [top, Spacer(1, 6 * mm), bill_to]


def lines_table(sheet: OrderSheet, labels: dict, language: str) -> Rows:
    money = currency_word(sheet, language)
    columns = list(labels["columns"])
    columns[5:] = [f"{c}, {money}" for c in columns[5:]]
    widths = [9 * mm, 72 * mm, 23 * mm, 14 * mm, 9 * mm, 21 * mm, 18 * mm, 20 * mm]
    unit = labels["unit"]
    aligns = "CLLRCRRR"
    if not unit:  # English invoices give no unit: the item column takes its room
        del columns[4]
        widths[1] += widths.pop(4)
        aligns = "CLLRRRR"
    rows = [
        Row(
            (
                str(i),
                line.name,
                line.sku,
                str(line.qty),
                *([unit] if unit else []),
                amount_text(line.price, language),
                amount_text(line.discount, language) if line.discount else "—",
                amount_text(line.total, language),
            )
        )
        for i, line in enumerate(sheet.lines, 1)
    ]
    head = Stamp(f"invoice.head.{'|'.join(columns)}", lambda: heading(columns, widths))
    return Rows(head, widths, rows, aligns=aligns, size=8, padding=2.5)


def totals_lines(sheet: OrderSheet, labels: dict, req: Requisites) -> list[tuple[str, str]]:
    """The totals under the lines, label and amount: also what the tests look for in the text."""
    language = req.language
    out = [(labels["subtotal"], amount_text(sheet.items_total, language))]
    if sheet.discount:
        out.append((labels["discount"], amount_text(-sheet.discount, language)))
    if sheet.delivery_cost or sheet.delivery_name:
        label = labels["delivery"].format(name=sheet.delivery_name) if sheet.delivery_name else labels["delivery_plain"]
        out.append((label, amount_text(sheet.delivery_cost, language)))
    vat = vat_included(sheet.total, req.vat_rate)
    if vat is None:
        out.append((labels["no_vat"], "—"))
    else:
        out.append((labels["vat"].format(rate=req.vat_rate), amount_text(vat, language)))
    out.append((labels["total"], amount_text(sheet.total, language)))
    return out


def totals_table(sheet: OrderSheet, labels: dict, req: Requisites) -> Table:
    lines = totals_lines(sheet, labels, req)
    rows = [
        [para(label, _RIGHT_BOLD if i in (0, len(lines) - 1) else _RIGHT), amount]
        for i, (label, amount) in enumerate(lines)
    ]
    table = Table(rows, colWidths=[WIDTH - 30 * mm, 30 * mm])
    last = len(rows) - 1
    table.setStyle(
        [
            ("FONT", (0, 0), (-1, -1), "DejaVuSans", 8.5),
            ("FONT", (1, 0), (1, 0), BOLD, 8.5),
            ("FONT", (1, last), (1, last), BOLD, 10),
            ("ALIGN", (0, 0), (-1, -1), "RIGHT"),
            ("TOPPADDING", (0, 0), (-1, -1), 1),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
            ("RIGHTPADDING", (1, 0), (1, -1), 2),
        ]
    )
    return table


def _in_words(sheet: OrderSheet, labels: dict, req: Requisites) -> list[Flowable]:
    language = req.language
    currency = sheet.currency or req.currency
    count = labels["count"].format(
        count=len(sheet.lines), amount=amount_text(sheet.total, language), currency=currency_word(sheet, language)
    )
    words = sum_in_words(sheet.total, currency=currency, language=language)
    rule = Table([[""]], colWidths=[WIDTH], style=[("LINEBELOW", (0, 0), (-1, -1), 1.5, colors.black)])
    return [para(count, _TEXT), Paragraph(f"<b>{escape(words)}</b>", _TEXT), Spacer(1, 1 * mm), rule]


def _signatures() -> Table:
    """Руководитель and Бухгалтер, each with a blank for the signature and one for its transcript (a gap between)."""
    rows = [
        ["Руководитель", "", "", "", "", "Бухгалтер", "", "", ""],
        ["", "подпись", "", "расшифровка подписи", "", "", "подпись", "", "расшифровка подписи"],
    ]
    widths = [25, 26, 3, 34, 8, 22, 26, 3, 34]
    table = Table(rows, colWidths=[w * mm for w in widths])
    table.setStyle(
        [
            ("FONT", (0, 0), (-1, 0), BOLD, 8.5),
            ("FONT", (0, 1), (-1, 1), "DejaVuSans", 6),
            ("ALIGN", (0, 1), (-1, 1), "CENTER"),
            *(("LINEBELOW", (c, 0), (c, 0), 0.5, colors.black) for c in (1, 3, 6, 8)),
            ("TOPPADDING", (0, 1), (-1, 1), 0),
            ("LEFTPADDING", (0, 0), (0, -1), 0),
        ]
    )
    table.hAlign = "LEFT"
    return table


def _payment_details(sheet: OrderSheet, req: Requisites) -> Table:
    rows = [["Payment details", ""], ["Bank", req.bank_name]]
    rows += [
        [k, v]
        for k, v in (
            ("Sort code", req.sort_code),
            ("Account number", req.account_number),
            ("IBAN", req.iban),
            ("SWIFT / BIC", req.swift),
        )
        if v
    ]
    rows.append(["Account name", req.legal_name])
    rows.append(["Reference", f"Order {sheet.number}"])
    table = Table(rows, colWidths=[35 * mm, 80 * mm])
    table.setStyle(
        grid(
            ("SPAN", (0, 0), (-1, 0)),
            ("FONT", (0, 0), (-1, 0), BOLD, 9),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
            font_size=8.5,
        )
    )
    table.hAlign = "LEFT"
    return table
