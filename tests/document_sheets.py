"""Order sheets the document tests and bench/documents.py print: built here, not read from the sample data."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from orderdesk.policy.documents import OrderSheet, Requisites, SheetLine

RU_VAT = Requisites(
    country="RU",
    legal_name="ООО «Уютный дом»",
    address="123112, г. Москва, Пресненская наб., д. 12, офис 304",
    phone="+7 495 123-45-67",
    language="ru",
    currency="RUB",
    vat_rate=22,
    bank_name="ПАО Сбербанк",
    inn="7707083893",
    kpp="773601001",
    ogrn="1027700132195",
    bik="044525225",
    account="40702810938000012345",
    corr_account="30101810400000000225",
)
RU_NO_VAT = replace(
    RU_VAT,
    legal_name="ИП Щукина Ёлка Юрьевна",
    address="190000, г. Санкт-Петербург, ул. Садовая, д. 5, кв. 7",
    vat_rate=None,
    kpp="",
    inn="500100732259",
    ogrn="304500116000157",
)
GB = Requisites(
    country="GB",
    legal_name="Home & Garden Supplies Ltd",
    address="221B Baker Street, London NW1 6XE",
    phone="+44 20 7946 0000",
    language="en",
    currency="GBP",
    vat_rate=20,
    bank_name="Barclays Bank UK PLC",
    company_number="01234567",
    vat_number="GB123456789",
    sort_code="20-00-00",
    account_number="55779911",
    iban="GB33BUKB20000055779911",
    swift="BUKBGB22",
)

RU_LINES = (
    SheetLine("KT-100", "Чайник электрический «Ёжик» 1,7 л", 2, 249900, 0),
    SheetLine("PL-220", "Плед шерстяной, 140×200 см, цвет: тёмно-синий", 1, 320000, 20000),
    SheetLine("CH-7", "Стул складной «Щегол»", 4, 99950, 0),
    SheetLine("SV-01", "Свеча ароматическая (жасмин & ваниль) <малая>", 3, 45000, 5000),
    SheetLine("LM-9", "Лампа настольная", 1, 1230056, 0),
)
GB_LINES = (
    SheetLine("MUG-12", "Enamel mug, 350 ml, duck-egg blue", 2, 1250, 0),
    SheetLine("TEA-TOWEL", "Linen tea towel “Kew”", 3, 899, 200),
    SheetLine("PLANT-POT", "Terracotta plant pot, 18 cm", 1, 2400, 0),
)


def sheet(
    requisites: Requisites | None = RU_VAT,
    lines: tuple[SheetLine, ...] = RU_LINES,
    *,
    number: str = "D-1042",
    discount: int = 10000,
    delivery_name: str | None = "Курьер по Москве",
    delivery_cost: int = 50000,
    store_code: str = "dom",
    currency: str | None = "RUB",
    customer_name: str = "Чистякова Юлия Эдуардовна",
    customer_address: str | None = "117105, г. Москва, Варшавское ш., д. 1, кв. 15",
) -> OrderSheet:
    total = sum(line.total for line in lines) - discount + delivery_cost
    return OrderSheet(
        number=number,
        printed_on=date(2026, 12, 1),
        placed_on=date(2026, 11, 28),
        store_code=store_code,
        store_name="Уютный дом" if currency == "RUB" else "Home & Garden",
        currency=currency,
        requisites=requisites,
        customer_name=customer_name,
        customer_kind="person",
        customer_phone="+7 916 555-01-02" if currency == "RUB" else "+44 7700 900123",
        customer_email="julia@example.com",
        customer_address=customer_address,
        lines=lines,
        discount=discount,
        delivery_name=delivery_name,
        delivery_cost=delivery_cost,
        payment_method="card",
        total=total,
        manager_name="Анна Петрова",
    )


def gb_sheet(**kwargs: object) -> OrderSheet:
    defaults: dict[str, object] = {
        "number": "H-1001",
        "discount": 500,
        "delivery_name": "Royal Mail Tracked 48",
        "delivery_cost": 395,
        "store_code": "home",
        "currency": "GBP",
        "customer_name": "Olivia Brown",
        "customer_address": "14 Rose Lane, Oxford OX1 2JD",
    }
    defaults.update(kwargs)
    lines = defaults.pop("lines", GB_LINES)
    return sheet(GB, lines, **defaults)  # type: ignore[arg-type]


def long_sheet(count: int = 120, requisites: Requisites = RU_VAT) -> OrderSheet:
    """An order of `count` items, so long that its table runs over several pages."""
    lines = tuple(
        SheetLine(
            f"SKU-{i:04d}",
            f"Товар № {i}: кружка керамическая «Берёзка», {100 + i} мл",
            1 + i % 5,
            10000 + 137 * i,
            (i % 7) * 100,
        )
        for i in range(1, count + 1)
    )
    if requisites.country == "RU":
        return sheet(requisites, lines, number="D-2000")
    return gb_sheet(lines=lines, number="H-2000")
