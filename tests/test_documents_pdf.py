"""The PDF documents as a person gets them (issue 16): the text read back from each file with pypdf holds the order
number, every item with its quantity and sum, the totals, the sum in words and the names exactly as configured; the
payment QR decoded from a rendered page (pypdfium2 + zxing-cpp) is the ГОСТ Р 56042 payload; a long order runs
over several pages with the table's header on each; a batch puts each order on pages of its own."""

from __future__ import annotations

import re
from dataclasses import replace
from io import BytesIO
from pathlib import Path

import pypdf
import pypdfium2
import pytest
import zxingcpp

from orderdesk.files.documents import Rendered, render, write_pdf
from orderdesk.policy.documents import OrderSheet, payment_qr_payload
from tests.document_sheets import RU_NO_VAT, RU_VAT, gb_sheet, long_sheet, sheet


def page_texts(rendered: Rendered) -> list[str]:
    """Each page's text, every run of white space (line ends, no-break spaces) made one space."""
    reader = pypdf.PdfReader(BytesIO(rendered.pdf))
    assert len(reader.pages) == rendered.pages
    return [" ".join(page.extract_text().split()) for page in reader.pages]


def text_of(rendered: Rendered) -> str:
    return " ".join(page_texts(rendered))


def flat(text: str) -> str:
    return " ".join(text.split())


def qr_codes(rendered: Rendered, page: int = 0) -> list[str]:
    """The QR codes a phone's camera would read on a page, rendered at 216 dpi."""
    image = pypdfium2.PdfDocument(rendered.pdf)[page].render(scale=3).to_pil()
    return [code.bytes.decode("utf-8") for code in zxingcpp.read_barcodes(image) if code.format.name == "QRCode"]


def test_torg12_holds_the_parties_every_line_the_totals_and_the_sum_in_words() -> None:
    s = sheet()
    text = text_of(render("waybill", [s]))
    assert "ТОВАРНАЯ НАКЛАДНАЯ" in text
    assert "Унифицированная форма № ТОРГ-12" in text
    for label in ("Грузоотправитель", "Грузополучатель", "Поставщик", "Плательщик", "Основание"):
        assert label in text
    assert "ООО «Уютный дом», ИНН 7707083893, КПП 773601001" in text
    assert "Чистякова Юлия Эдуардовна" in text
    assert "Заказ № D-1042 от 28.11.2026" in text
    assert "D-1042 01.12.2026" in text  # номер документа, дата составления
    # the 15 columns, numbered
    assert "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15" in text
    for heading in (
        "код по ОКЕИ",
        "Вид упаковки",
        "в одном месте",
        "Масса брутто",
        "Сумма без учёта НДС",
        "ставка, %",
        "Сумма с учётом НДС",
    ):
        assert heading in text
    # line 1: 2 × 2 499,00 = 4 998,00 less its share of the order's 100,00 discount (19,53): 4 978,47 of which
    # 22/122 is VAT (897,76), 4 080,71 without it, 2 040,36 a piece
    assert "1 Чайник электрический «Ёжик» 1,7 л KT-100 шт 796 2 2 040,36 4 080,71 22% 897,76 4 978,47" in text
    for i, line in enumerate(s.lines, 1):
        assert re.search(rf"\b{i} {re.escape(flat(line.name))} {line.sku} шт 796 {line.qty} ", text), line.name
    goods = s.items_total - s.discount  # delivery is a service: on the invoice, not the waybill
    assert goods == 2549656
    assert "Итого 11 X 20 898,82 X 4 597,74 25 496,56" in text
    assert "Всего по накладной 11 X 20 898,82 X 4 597,74 25 496,56" in text
    assert "содержит пять порядковых номеров записей" in text
    assert "Всего отпущено на сумму Двадцать пять тысяч четыреста девяносто шесть рублей 56 копеек" in text
    for signature in (
        "Отпуск груза разрешил",
        "Главный (старший) бухгалтер",
        "Отпуск груза произвёл",
        "Груз принял",
        "Груз получил грузополучатель",
    ):
        assert signature in text


def test_torg12_of_a_store_without_vat_says_so() -> None:
    text = text_of(render("waybill", [sheet(RU_NO_VAT)]))
    assert "ИП Щукина Ёлка Юрьевна, ИНН 500100732259," in text
    assert "1 Чайник электрический «Ёжик» 1,7 л KT-100 шт 796 2 2 489,24 4 978,47 без НДС — 4 978,47" in text
    assert "Итого 11 X 25 496,56 X — 25 496,56" in text


def test_delivery_note_of_the_english_store() -> None:
    s = gb_sheet()
    text = text_of(render("waybill", [s]))
    assert "DELIVERY NOTE" in text
    assert "Delivery note H-1001" in text
    assert "SENDER Home & Garden Supplies Ltd 221B Baker Street, London NW1 6XE" in text.replace(
        "RECIPIENT (DELIVER TO) ", ""
    )
    assert "Olivia Brown 14 Rose Lane, Oxford OX1 2JD" in text
    assert "Delivery Royal Mail Tracked 48" in text
    assert "1 MUG-12 Enamel mug, 350 ml, duck-egg blue 2 12.50 25.00" in text
    assert "2 TEA-TOWEL Linen tea towel “Kew” 3 8.99 24.97" in text
    assert "3 PLANT-POT Terracotta plant pot, 18 cm 1 24.00 24.00" in text
    assert (
        "Items: 6 Goods: 73.97 Order discount: -5.00 Delivery (Royal Mail Tracked 48): 3.95 Order total: 72.92" in text
    )
    assert "Received in good condition" in text


def test_russian_invoice_holds_bank_parties_lines_totals_vat_and_words() -> None:
    s = sheet()
    rendered = render("invoice", [s])
    text = text_of(rendered)
    assert "Счёт на оплату № D-1042 от 1 декабря 2026 г." in text
    assert "ПАО Сбербанк Банк получателя БИК 044525225 Сч. № 30101810400000000225" in text
    assert "ИНН 7707083893 КПП 773601001 Сч. № 40702810938000012345 ООО «Уютный дом» Получатель" in text
    assert "Поставщик (Исполнитель): ООО «Уютный дом», ИНН 7707083893, КПП 773601001, 123112, г. Москва" in text
    assert "Покупатель (Заказчик): Чистякова Юлия Эдуардовна, 117105, г. Москва, Варшавское ш., д. 1, кв. 15" in text
    assert "Основание: Заказ № D-1042 от 28.11.2026" in text
    assert "2 Плед шерстяной, 140×200 см, цвет: тёмно-синий PL-220 1 шт 3 200,00 200,00 3 000,00" in text
    assert "4 Свеча ароматическая (жасмин & ваниль) <малая> SV-01 3 шт 450,00 50,00 1 300,00" in text
    assert "5 Лампа настольная LM-9 1 шт 12 300,56 — 12 300,56" in text
    assert (
        "Итого: 25 596,56 Скидка на заказ: -100,00 Доставка (Курьер по Москве): 500,00 "
        "В том числе НДС 22%: 4 687,90 Всего к оплате: 25 996,56"
    ) in text
    assert s.total == 2599656
    assert "Всего наименований 5, на сумму 25 996,56 руб." in text
    assert "Двадцать пять тысяч девятьсот девяносто шесть рублей 56 копеек" in text
    assert "Руководитель" in text and "Бухгалтер" in text


def test_invoice_without_vat_says_bez_nds() -> None:
    text = text_of(render("invoice", [sheet(RU_NO_VAT)]))
    assert "Доставка (Курьер по Москве): 500,00 Без НДС — Всего к оплате: 25 996,56" in text
    assert "НДС 22%" not in text


@pytest.mark.parametrize("requisites", [RU_VAT, RU_NO_VAT], ids=["vat", "no-vat"])
def test_invoice_qr_decodes_to_the_payment_payload(requisites: object) -> None:
    s = sheet(requisites)  # type: ignore[arg-type]
    assert qr_codes(render("invoice", [s])) == [payment_qr_payload(s)]


def test_an_invoice_in_another_currency_than_roubles_has_no_payment_qr() -> None:
    s = replace(sheet(), currency="EUR", requisites=replace(RU_VAT, currency="EUR"))
    rendered = render("invoice", [s])
    assert qr_codes(rendered) == []
    assert "Счёт на оплату № D-1042" in flat(text_of(rendered))


def test_english_invoice() -> None:
    s = gb_sheet()
    rendered = render("invoice", [s])
    text = text_of(rendered)
    assert "INVOICE" in text
    assert "Invoice number H-1001 Invoice date 1 December 2026" in text
    assert "Company No. 01234567 VAT No. GB123456789" in text
    assert "Bill to Olivia Brown 14 Rose Lane, Oxford OX1 2JD" in text
    assert "2 Linen tea towel “Kew” TEA-TOWEL 3 8.99 2.00 24.97" in text
    assert (
        "Subtotal: 73.97 Order discount: -5.00 Delivery (Royal Mail Tracked 48): 3.95 VAT 20% included: 12.15 "
        "Total due: 72.92"
    ) in text
    assert "Seventy-two pounds and 92 pence" in text
    assert "Sort code 20-00-00 Account number 55779911 IBAN GB33BUKB20000055779911" in text
    assert "Reference Order H-1001" in text
    assert qr_codes(rendered) == []  # the ГОСТ payload is for roubles


def test_payment_slip_has_both_halves_with_everything_and_the_qr() -> None:
    s = sheet()
    rendered = render("slip", [s])
    text = text_of(rendered)
    assert "Форма № ПД-4" in text
    halves = text.split("Квитанция ")
    assert len(halves) == 3 and halves[0].count("Извещение") == 1  # the title, then the payer's half; the footer
    notice, receipt = text[text.index("Извещение") : text.index("Квитанция")], text[text.index("Квитанция") :]
    for half in (notice, receipt):
        assert "ООО «Уютный дом» (наименование получателя платежа)" in half
        assert "7707083893 40702810938000012345 (ИНН получателя платежа) (номер счёта получателя платежа)" in half
        assert "в ПАО Сбербанк БИК 044525225" in half
        assert "Номер кор./сч. банка получателя платежа: 30101810400000000225" in half
        assert "Оплата заказа № D-1042" in half
        assert "Ф.И.О. плательщика: Чистякова Юлия Эдуардовна" in half
        assert "Адрес плательщика: 117105, г. Москва, Варшавское ш., д. 1, кв. 15" in half
        assert "Сумма платежа: 25 996 руб. 56 коп." in half
        assert "Итого: 25 996 руб. 56 коп." in half
        assert "«____» ______________ 20___ г." in half
        assert "Подпись плательщика" in half
        assert "Кассир" in half
    assert qr_codes(rendered) == [payment_qr_payload(s)] * 2


@pytest.mark.parametrize(
    ("doc", "make", "heading", "footer"),
    [
        (
            "waybill",
            lambda: long_sheet(),
            "Сумма с учётом НДС, руб. коп.",
            "Товарная накладная № D-2000 от 01.12.2026, лист",
        ),
        ("invoice", lambda: long_sheet(), "Товары (работы, услуги)", "Счёт на оплату № D-2000 от 01.12.2026, лист"),
        ("waybill", lambda: long_sheet(requisites=gb_sheet().requisites), "Unit price, GBP", "Delivery note H-2000"),
        ("invoice", lambda: long_sheet(requisites=gb_sheet().requisites), "Unit price, GBP", "Invoice H-2000"),
    ],
    ids=["torg12", "invoice-ru", "delivery-note", "invoice-en"],
)
def test_a_long_order_runs_over_pages_with_the_header_on_each(doc, make, heading: str, footer: str) -> None:  # type: ignore[no-untyped-def]
    s: OrderSheet = make()
    assert len(s.lines) == 120
    pages = page_texts(render(doc, [s]))
    assert len(pages) >= 3
    with_lines = [page for page in pages if any(line.name in page for line in s.lines)]
    assert len(with_lines) >= 3
    for number, page in enumerate(pages, 1):
        assert re.search(rf"{re.escape(footer)}.* {number}$", page), page[-80:]
    for page in with_lines:  # the table's header on every page that holds its lines
        assert heading in page
    text = " ".join(pages)
    places = [text.index(line.name) for line in s.lines]
    assert all(text.count(line.name) == 1 for line in s.lines)  # every line once, in order
    assert places == sorted(places)


def test_a_batch_puts_each_order_on_pages_of_its_own() -> None:
    sheets = [sheet(number="D-1"), long_sheet(40), sheet(number="D-3")]
    alone = [render("waybill", [one]).pages for one in sheets]
    rendered = render("waybill", sheets)
    assert rendered.pages == sum(alone)
    pages = page_texts(rendered)
    firsts = [i for i, page in enumerate(pages) if "ТОВАРНАЯ НАКЛАДНАЯ" in page]
    assert firsts == [0, alone[0], alone[0] + alone[1]]
    assert pages[0].endswith("№ D-1 от 01.12.2026, лист 1")
    assert pages[alone[0] + 1].endswith("№ D-2000 от 01.12.2026, лист 2")  # each order counts its own pages
    assert pages[-1].endswith("№ D-3 от 01.12.2026, лист 1")


def test_documents_that_cannot_be_made_are_refused_with_the_reason() -> None:
    with pytest.raises(ValueError, match=r'store "home" is in GBP'):
        render("slip", [gb_sheet()])
    with pytest.raises(ValueError, match=r"has no requisites"):
        render("invoice", [sheet(None)])
    with pytest.raises(ValueError, match=r"ТОРГ-12"):
        render("waybill", [sheet(), gb_sheet()])


def test_names_holding_markup_characters_print_as_written() -> None:
    odd = replace(RU_VAT, legal_name="ООО «Дом & <Сад>»")
    text = text_of(render("invoice", [sheet(odd, customer_name="Д'Артаньян <Шарль> & Ко")]))
    assert "ООО «Дом & <Сад>»" in text
    assert "Д'Артаньян <Шарль> & Ко" in text


def test_write_pdf_returns_the_absolute_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    rendered = render("slip", [sheet()])
    path = write_pdf(Path("D-1042-slip.pdf"), rendered)
    assert path == tmp_path / "D-1042-slip.pdf"
    assert path.read_bytes().startswith(b"%PDF-")
