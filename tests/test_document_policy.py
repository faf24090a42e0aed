"""The documents' decisions without a PDF (issue 16): what cannot be printed and why, the VAT inside a price, sums
in words, the discount spread over a waybill's lines, the payment QR's payload (ГОСТ Р 56042-2014)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orderdesk.policy.documents import (
    document_problem,
    payment_qr_payload,
    plural_ru,
    spread_discount,
    sum_in_words,
    vat_included,
)
from tests.document_sheets import GB, RU_NO_VAT, RU_VAT, gb_sheet, sheet


@pytest.mark.parametrize(
    ("amount", "rate", "vat"),
    [
        (12200, 22, 2200),  # 122.00 with 22% inside: 22.00
        (12000, 20, 2000),
        (11000, 10, 1000),
        (100, 22, 18),  # 18.03 → 18
        (61, 22, 11),  # 11.0 exactly
        (3, 50, 1),  # 1.0
        (5, 22, 1),  # 0.90 → 1
        (25, 25, 5),  # 5.0
        (7, 40, 2),  # 2.0
        (21, 5, 1),  # 1.0
        (1, 100, 1),  # 0.5 → 1: half up
        (-12200, 22, -2200),
        (0, 22, 0),
        (5000, 0, 0),
    ],
)
def test_vat_included_is_the_rate_inside_the_amount_rounded_half_up(amount: int, rate: int, vat: int) -> None:
    assert vat_included(amount, rate) == vat


def test_no_vat_is_none_not_zero() -> None:
    assert vat_included(12200, None) is None


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        (123456, "Одна тысяча двести тридцать четыре рубля 56 копеек"),
        (100, "Один рубль 00 копеек"),
        (200, "Два рубля 00 копеек"),
        (500, "Пять рублей 00 копеек"),
        (1100, "Одиннадцать рублей 00 копеек"),
        (1400, "Четырнадцать рублей 00 копеек"),
        (2101, "Двадцать один рубль 01 копейка"),
        (2202, "Двадцать два рубля 02 копейки"),
        (11111, "Сто одиннадцать рублей 11 копеек"),
        (200000, "Две тысячи рублей 00 копеек"),
        (2100000, "Двадцать одна тысяча рублей 00 копеек"),
        (500000, "Пять тысяч рублей 00 копеек"),
        (100000000, "Один миллион рублей 00 копеек"),
        (200000021, "Два миллиона рублей 21 копейка"),
        (0, "Ноль рублей 00 копеек"),
        (99, "Ноль рублей 99 копеек"),
    ],
)
def test_roubles_in_words_agree_with_their_numbers(amount: int, words: str) -> None:
    assert sum_in_words(amount, currency="RUB", language="ru") == words


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        (123456, "One thousand two hundred and thirty-four pounds and 56 pence"),
        (100, "One pound and 00 pence"),
        (101, "One pound and 01 penny"),
        (2100000, "Twenty-one thousand pounds and 00 pence"),
        (7292, "Seventy-two pounds and 92 pence"),
    ],
)
def test_pounds_in_words(amount: int, words: str) -> None:
    assert sum_in_words(amount, currency="GBP", language="en") == words


def test_other_currencies_in_words() -> None:
    assert sum_in_words(250, currency="EUR", language="en") == "Two euros and 50 cents"
    assert sum_in_words(250, currency="USD", language="ru") == "Два доллара США 50 центов"
    assert sum_in_words(250, currency="CHF", language="en") == "Two CHF and 50/100"


@given(st.integers(min_value=0, max_value=10**12))
def test_words_start_with_a_capital_and_hold_no_comma(amount: int) -> None:
    for currency, language in (("RUB", "ru"), ("GBP", "en")):
        words = sum_in_words(amount, currency=currency, language=language)
        assert words[0].isupper()
        assert "," not in words
        assert words.endswith(f"{amount % 100:02d} " + words.split()[-1])


@given(st.integers(min_value=0, max_value=10**6))
def test_russian_plural_forms(n: int) -> None:
    form = plural_ru(n, "рубль", "рубля", "рублей")
    if n % 100 in (11, 12, 13, 14) or n % 10 in (0, 5, 6, 7, 8, 9):
        assert form == "рублей"
    elif n % 10 == 1:
        assert form == "рубль"
    else:
        assert form == "рубля"


def test_the_order_discount_is_spread_in_proportion_and_adds_up() -> None:
    assert spread_discount((100, 200, 300), 60) == (10, 20, 30)
    assert spread_discount((100, 200, 300), 7) == (1, 2, 4)  # the largest remainder gets the odd kopeck
    assert spread_discount((100, 100, 100), 2) == (1, 1, 0)  # ties: the first lines
    assert spread_discount((100, 200), 0) == (0, 0)
    assert spread_discount((), 0) == ()


@given(st.lists(st.integers(min_value=0, max_value=10**7), min_size=1, max_size=30), st.data())
def test_spread_shares_add_up_and_never_pass_a_line(totals: list[int], data: st.DataObject) -> None:
    discount = data.draw(st.integers(min_value=0, max_value=sum(totals)))
    shares = spread_discount(tuple(totals), discount)
    assert sum(shares) == (discount if sum(totals) else 0)
    assert all(0 <= share <= total for share, total in zip(shares, totals, strict=True))


def test_payment_payload_follows_gost_r_56042() -> None:
    assert payment_qr_payload(sheet()) == (
        "ST00012|Name=ООО «Уютный дом»|PersonalAcc=40702810938000012345|BankName=ПАО Сбербанк|BIC=044525225"
        "|CorrespAcc=30101810400000000225|PayeeINN=7707083893|KPP=773601001|Sum=2599656"
        "|Purpose=Оплата заказа №D-1042"
    )


def test_a_payee_without_kpp_leaves_the_field_out() -> None:
    payload = payment_qr_payload(sheet(RU_NO_VAT))
    assert "KPP" not in payload
    assert "|PayeeINN=500100732259|Sum=" in payload


def test_a_value_holding_the_separator_makes_the_payload_choose_another() -> None:
    odd = replace(RU_VAT, legal_name="ООО «Дом | Сад»")
    payload = payment_qr_payload(sheet(odd))
    assert payload.startswith("ST00012#Name=ООО «Дом | Сад»#PersonalAcc=")
    assert payload.count("#") == 9


def test_long_values_are_cut_to_the_standards_lengths() -> None:
    long = replace(RU_VAT, legal_name="О" * 200, bank_name="Б" * 60)
    fields = dict(part.split("=", 1) for part in payment_qr_payload(sheet(long)).split("|")[1:])
    assert len(fields["Name"]) == 160
    assert len(fields["BankName"]) == 45


def test_every_document_of_a_configured_store_can_be_made() -> None:
    for doc in ("waybill", "invoice", "slip"):
        assert document_problem(doc, sheet()) is None
        assert document_problem(doc, sheet(RU_NO_VAT)) is None
    assert document_problem("waybill", gb_sheet()) is None
    assert document_problem("invoice", gb_sheet()) is None


def test_a_store_without_requisites_prints_nothing() -> None:
    bare = sheet(None, store_code="print")
    for doc in ("waybill", "invoice", "slip"):
        assert document_problem(doc, bare) == 'store "print" has no requisites in the config file ([stores.requisites])'


def test_a_payment_slip_is_for_roubles() -> None:
    assert document_problem("slip", gb_sheet()) == 'a payment slip (ПД-4) is for roubles: store "home" is in GBP'


def test_a_missing_bank_detail_is_named() -> None:
    no_bik = replace(RU_VAT, bik="", corr_account="")
    assert document_problem("invoice", sheet(no_bik)) == (
        'store "dom": requisites: no bik, corr_account (the invoice names the supplier and the bank)'
    )
    assert document_problem("slip", sheet(no_bik)) == (
        'store "dom": requisites: no bik, corr_account (the payment slip names the payee and the bank)'
    )
    assert document_problem("waybill", sheet(no_bik)) is None  # the ТОРГ-12 names the bank only if it knows it
    no_inn = replace(RU_VAT, inn="")
    assert document_problem("waybill", sheet(no_inn)) == (
        'store "dom": requisites: no inn (the waybill names the supplier)'
    )


def test_an_english_invoice_needs_an_account_to_pay_into() -> None:
    no_account = replace(GB, iban="", sort_code="", account_number="")
    assert document_problem("invoice", replace(gb_sheet(), requisites=no_account)) == (
        'store "home": requisites: no iban (or sort_code and account_number) (the invoice names the supplier and '
        "the bank)"
    )
    sort_code_only = replace(GB, iban="")
    assert document_problem("invoice", replace(gb_sheet(), requisites=sort_code_only)) is None


def test_an_order_without_items_prints_nothing() -> None:
    assert document_problem("invoice", sheet(lines=())) == "order D-1042 has no items to print"
