"""The waybill of a Russian store: товарная накладная, унифицированная форма ТОРГ-12 (постановление Госкомстата
России от 25.12.98 № 132), on landscape A4. Goods only: the order's own discount is spread over the lines (so the
sums are what the customer pays for the goods); delivery is a service and goes on the invoice."""

from __future__ import annotations

from num2words import num2words
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table

from orderdesk.files.documents.layout import (
    BOLD,
    REGULAR,
    Stamp,
    amount_text,
    build,
    escape,
    grid,
    nobreak,
    para,
    quoted_date,
    short_date,
    style,
)
from orderdesk.files.documents.rows import Row, Rows
from orderdesk.files.documents.runs import Beside, Line, Run, Runs
from orderdesk.policy.documents import (
    OrderSheet,
    Requisites,
    plural_ru,
    spread_discount,
    sum_in_words,
    vat_included,
)

PAGE = landscape(A4)
MARGIN = 10 * mm
OKEI_PIECE = ("шт", "796")  # единица измерения "штука" and its code in ОКЕИ
# the 15 columns, in points (the frame is 277 mm ≈ 785 pt wide)
WIDTHS = [20, 188, 52, 34, 30, 38, 38, 32, 38, 44, 54, 62, 38, 54, 62]

_HEAD = style(6, align="center", leading=7)
_CELL = style(7, leading=8.4)
_SMALL = style(5, align="center", leading=5.6)
_TEXT = style(7.5, leading=9)
_TITLE = style(11, bold=True, align="right")
_CORNER = style(6, align="right", leading=7.2)


def render(sheets: list[OrderSheet]) -> tuple[bytes, int]:
    return build(sheets, story, footer, pagesize=PAGE, margin=MARGIN, title="Товарная накладная ТОРГ-12")


def footer(sheet: OrderSheet) -> str:
    return f"Товарная накладная № {sheet.number} от {short_date(sheet.printed_on)}, лист"


def party(req: Requisites) -> str:
    """A party of the header as the form asks: organisation, address, phone, bank details."""
    parts = [req.legal_name, f"ИНН {req.inn}" + (f", КПП {req.kpp}" if req.kpp else ""), req.address]
    if req.phone:
        parts.append(f"тел. {nobreak(req.phone)}")
    if req.account:
        parts.append(f"р/с {req.account} в {req.bank_name}, БИК {req.bik}, к/с {req.corr_account}")
    return ", ".join(parts)


def customer(sheet: OrderSheet) -> str:
    parts = [
        sheet.customer_name,
        sheet.customer_address or "",
        f"тел. {nobreak(sheet.customer_phone)}" if sheet.customer_phone else "",
    ]
    return ", ".join(p for p in parts if p)


def story(sheet: OrderSheet) -> list[Flowable]:
    req = sheet.requisites
    assert req is not None  # document_problem said so before
    return [
        Stamp("torg12.corner", _corner),
        Spacer(1, 1 * mm),
        _header(sheet, req),
        Spacer(1, 2 * mm),
        _title(sheet),
        Spacer(1, 2 * mm),
        goods_table(sheet, req),
        Spacer(1, 2 * mm),
        KeepTogether(_closing(sheet)),
    ]


def _corner() -> Paragraph:
    return Paragraph(
        "Унифицированная форма № ТОРГ-12<br/>Утверждена постановлением Госкомстата России от 25.12.98 № 132", _CORNER
    )


def _header(sheet: OrderSheet, req: Requisites) -> Beside:
    """The parties on the left (each value on its underline, the form's caption under it), the codes on the
    right."""
    label_w, value_w = 38 * mm, 160 * mm
    caption = "организация, адрес, телефон, факс, банковские реквизиты"
    parties = [
        ("Грузоотправитель", party(req), "организация-грузоотправитель, адрес, телефон, факс, банковские реквизиты"),
        ("Структурное\nподразделение", "", "структурное подразделение"),
        ("Грузополучатель", customer(sheet), caption),
        ("Поставщик", party(req), caption),
        ("Плательщик", customer(sheet), caption),
        ("Основание", f"Заказ № {sheet.number} от {short_date(sheet.placed_on)}", "договор, заказ-наряд"),
    ]
    lines: list[Line] = []
    for label, value, under in parties:
        *above, label = label.split("\n")
        lines += [Line(9, (Run(0, text),)) for text in above]
        values = simpleSplit(value, REGULAR, 7.5, value_w) or [""]
        for i, text in enumerate(values):
            last = i == len(values) - 1
            runs = [Run(label_w, text, width=value_w, rule=last)]
            if last:
                runs.append(Run(0, label))
            lines.append(Line(9.5, tuple(runs)))
        lines.append(Line(7, (Run(label_w, under, size=5, align="C", width=value_w),)))
    codes = [
        ("", "Коды"),
        ("Форма по ОКУД", "0330212"),
        ("по ОКПО", ""),
        ("Вид деятельности по ОКДП", ""),
        ("Основание: номер", sheet.number),
        ("дата", short_date(sheet.placed_on)),
        ("Транспортная накладная: номер", ""),
        ("дата", ""),
        ("Вид операции", ""),
    ]
    box = [
        Line(
            10,
            (
                Run(0, label, size=6.5, align="R", width=40 * mm),
                Run(42 * mm, value, size=6.5, align="C", width=28 * mm, box=True),
            ),
        )
        for label, value in codes
    ]
    return Beside(Runs(lines, label_w + value_w), Runs(box, 70 * mm), 205 * mm)


def _title(sheet: OrderSheet) -> Runs:
    x = 112 * mm
    w = 30 * mm
    return Runs(
        [
            Line(
                10,
                (
                    Run(x, "Номер документа", size=6.5, align="C", width=w, box=True),
                    Run(x + w, "Дата составления", size=6.5, align="C", width=w, box=True),
                ),
            ),
            Line(
                12,
                (
                    Run(0, "ТОВАРНАЯ НАКЛАДНАЯ", font=BOLD, size=11, align="R", width=108 * mm),
                    Run(x, sheet.number, font=BOLD, size=8, align="C", width=w, box=True),
                    Run(x + w, short_date(sheet.printed_on), font=BOLD, size=8, align="C", width=w, box=True),
                ),
            ),
        ],
        x + 2 * w,
    )


def waybill_lines(sheet: OrderSheet) -> list[tuple[int, int, int, int | None, int]]:
    """Each line as the form writes it: (quantity, price without VAT, sum without VAT, VAT or None, sum with
    VAT), the order's discount spread over the lines. Also what the tests compare the PDF's text with."""
    rate = sheet.requisites.vat_rate if sheet.requisites else None
    shares = spread_discount(tuple(line.total for line in sheet.lines), sheet.discount)
    out = []
    for line, share in zip(sheet.lines, shares, strict=True):
        gross = line.total - share
        vat = vat_included(gross, rate)
        net = gross - (vat or 0)
        price = (2 * net + line.qty) // (2 * line.qty) if line.qty else 0
        out.append((line.qty, price, net, vat, gross))
    return out


HEAD = [
    [
        "№ п/п",
        "Товар",
        "",
        "Единица измерения",
        "",
        "Вид упаковки",
        "Количество",
        "",
        "Масса брутто",
        "Количество (масса нетто)",
        "Цена, руб. коп.",
        "Сумма без учёта НДС, руб. коп.",
        "НДС",
        "",
        "Сумма с учётом НДС, руб. коп.",
    ],
    [
        "",
        "наименование, характеристика, сорт, артикул товара",
        "код",
        "наиме- нование",
        "код по ОКЕИ",
        "",
        "в одном месте",
        "мест, штук",
        "",
        "",
        "",
        "",
        "ставка, %",
        "сумма, руб. коп.",
        "",
    ],
]


def _head() -> Table:
    """The table's three header rows (headings, then the columns' numbers), the same on every page."""
    rows: list[list[object]] = [[Paragraph(c, _HEAD) if c else "" for c in row] for row in HEAD]
    rows.append([str(n) for n in range(1, 16)])
    head = Table(rows, colWidths=WIDTHS)
    head.setStyle(
        grid(
            ("SPAN", (0, 0), (0, 1)),
            ("SPAN", (1, 0), (2, 0)),
            ("SPAN", (3, 0), (4, 0)),
            ("SPAN", (5, 0), (5, 1)),
            ("SPAN", (6, 0), (7, 0)),
            *(("SPAN", (c, 0), (c, 1)) for c in (8, 9, 10, 11, 14)),
            ("SPAN", (12, 0), (13, 0)),
            ("ALIGN", (0, 0), (-1, -1), "CENTER"),
            ("FONT", (0, 2), (-1, 2), REGULAR, 6),
        )
    )
    return head


def goods_table(sheet: OrderSheet, req: Requisites) -> Rows:
    rate_text = f"{req.vat_rate}%" if req.vat_rate is not None else "без НДС"
    lines = waybill_lines(sheet)
    rows = [
        Row(
            (
                str(i),
                line.name,
                line.sku,
                *OKEI_PIECE,
                "",
                "",
                "",
                "",
                str(qty),
                amount_text(price, "ru"),
                amount_text(net, "ru"),
                rate_text,
                amount_text(vat, "ru") if vat is not None else "—",
                amount_text(gross, "ru"),
            )
        )
        for i, (line, (qty, price, net, vat, gross)) in enumerate(zip(sheet.lines, lines, strict=True), 1)
    ]
    qty = sum(q for q, *_ in lines)
    net = sum(n for _, _, n, _, _ in lines)
    vat = sum(v or 0 for *_, v, _ in lines)
    gross = sum(g for *_, g in lines)
    vat_text = amount_text(vat, "ru") if req.vat_rate is not None else "—"
    for label in ("Итого", "Всего по накладной"):
        cells = (label, *[""] * 8, str(qty), "X", amount_text(net, "ru"), "X", vat_text, amount_text(gross, "ru"))
        rows.append(Row(cells, bold=True, merged=9, aligns="R" * 10 + "CRCRR"))
    return Rows(Stamp("torg12.head", _head), WIDTHS, rows, aligns="CLLCCCCCCRRRCRR")


def records_text(count: int) -> str:
    """ "пять порядковых номеров записей", "один порядковый номер записей", "два порядковых номера записей"."""
    noun = plural_ru(count, "порядковый номер", "порядковых номера", "порядковых номеров")
    return f"{num2words(count, lang='ru')} {noun} записей"


def _closing(sheet: OrderSheet) -> list[Flowable]:
    gross = sum(g for *_, g in waybill_lines(sheet))
    words = sum_in_words(gross, currency="RUB", language="ru")
    texts = [
        f"Товарная накладная имеет приложение на ____ листах и содержит <u>{records_text(len(sheet.lines))}</u>",
        "Всего мест ____________  Масса груза (нетто) ____________  Масса груза (брутто) ____________",
        f"Всего отпущено на сумму <b>{escape(words)}</b>",
    ]
    out: list[Flowable] = [Paragraph(t, _TEXT) for t in texts]
    out.append(Spacer(1, 3 * mm))
    date_line = f"М.П.        {quoted_date(sheet.printed_on)}"
    out.append(Stamp(f"torg12.signatures.{date_line}", lambda: _signatures(date_line)))
    return out


def _signatures(date_line: str) -> Table:
    """Two columns of signature lines, each blank over its caption (должность / подпись / расшифровка)."""
    left = [
        ("Отпуск груза разрешил", ("должность", "подпись", "расшифровка подписи")),
        ("Главный (старший) бухгалтер", ("", "подпись", "расшифровка подписи")),
        ("Отпуск груза произвёл", ("должность", "подпись", "расшифровка подписи")),
    ]
    right = [
        ("По доверенности № ______ от «___» __________ 20__ г.", ()),
        ("выданной", ("кем, кому (организация, должность, фамилия, и. о.)",)),
        ("Груз принял", ("должность", "подпись", "расшифровка подписи")),
        ("Груз получил грузополучатель", ("должность", "подпись", "расшифровка подписи")),
    ]
    return Table(
        [[_signature_block(left, date_line), _signature_block(right, "М.П.        «___» ______________ 20__ г.")]],
        colWidths=[138 * mm, 138 * mm],
        style=[("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)],
    )


def _signature_block(lines: list[tuple[str, tuple[str, ...]]], last: str) -> Table:
    """Label, then three blanks with narrow gaps between them (or one long blank), captions under them."""
    rows: list[list[object]] = []
    commands: list[tuple] = [
        ("LEFTPADDING", (0, 0), (-1, -1), 1),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 0),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 0.5),
        ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
    ]
    blanks = (1, 3, 5)
    for label, captions in lines:
        r = len(rows)
        rows.append([para(label, _TEXT), "", "", "", "", ""])
        if not captions:
            commands.append(("SPAN", (0, r), (-1, r)))
            continue
        commands.append(("TOPPADDING", (0, r), (-1, r), 3))
        if len(captions) == 1:
            rows.append(["", para(captions[0], _SMALL), "", "", "", ""])
            commands += [
                ("SPAN", (1, r), (-1, r)),
                ("SPAN", (1, r + 1), (-1, r + 1)),
                ("LINEBELOW", (1, r), (-1, r), 0.5, colors.black),
            ]
            continue
        caption_row: list[object] = ["", "", "", "", "", ""]
        for c, caption in zip(blanks, captions, strict=True):
            caption_row[c] = para(caption, _SMALL)
            if caption:
                commands.append(("LINEBELOW", (c, r), (c, r), 0.5, colors.black))
        rows.append(caption_row)
    rows.append([para(last, _TEXT), "", "", "", "", ""])
    commands += [("SPAN", (0, len(rows) - 1), (-1, len(rows) - 1)), ("TOPPADDING", (0, len(rows) - 1), (-1, -1), 4)]
    return Table(rows, colWidths=[38 * mm, 30 * mm, 3 * mm, 24 * mm, 3 * mm, 36 * mm], style=commands)
