"""Printable order documents (S8, issue 16): what goes on the page, decided without I/O.

The read model `orderdesk.views.documents` fills an `OrderSheet` from the database; the writer
`orderdesk.files.documents.render` lays sheets out as PDF pages; `orderdesk.usecases.print_documents` checks who may
print, asks `document_problem` first and audits the print. Amounts are integer minor units of the store's currency
(prices include VAT, as shops quote them to customers).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from num2words import num2words

DocKind = Literal["waybill", "invoice", "slip"]
DOC_KINDS: tuple[DocKind, ...] = ("waybill", "invoice", "slip")


@dataclass(frozen=True)
class Requisites:
    """A store's legal and bank details as `[stores.requisites]` of the config file gives them (checked there by
    orderdesk.config: check digits, lengths). `country` says which of the two sets is filled."""

    country: Literal["RU", "GB"]
    legal_name: str
    address: str
    phone: str = ""
    language: str = "ru"  # the documents' language: "ru" or "en"
    currency: str = "RUB"  # ISO 4217, the store's
    vat_rate: int | None = None  # percent included in prices; None: "без НДС" / not VAT-registered
    bank_name: str = ""
    # Russian style
    inn: str = ""
    kpp: str = ""
    ogrn: str = ""
    bik: str = ""
    account: str = ""  # расчётный счёт, 20 digits
    corr_account: str = ""  # корреспондентский счёт, 20 digits
    # English style
    company_number: str = ""
    vat_number: str = ""
    sort_code: str = ""
    account_number: str = ""
    iban: str = ""
    swift: str = ""


@dataclass(frozen=True)
class SheetLine:
    sku: str
    name: str
    qty: int
    price: int  # per unit, minor units, VAT included
    discount: int  # on the whole line, minor units

    @property
    def total(self) -> int:
        return self.qty * self.price - self.discount


@dataclass(frozen=True)
class OrderSheet:
    """One order as every document about it needs it."""

    number: str
    printed_on: date  # the document's date: the day it is printed, in the store's zone
    placed_on: date  # the order's creation day, in the store's zone
    store_code: str
    store_name: str
    currency: str | None  # the store's; None when the store has none configured
    requisites: Requisites | None  # None: the store has no `[stores.requisites]`
    customer_name: str
    customer_kind: str  # "person" | "company"
    customer_phone: str | None
    customer_email: str | None
    customer_address: str | None  # the customer's address, else his city; None when neither is known
    lines: tuple[SheetLine, ...]
    discount: int  # the order's own discount (beyond the lines'), minor units
    delivery_name: str | None
    delivery_cost: int
    payment_method: str | None
    total: int  # the order's total as stored: lines − discount + delivery
    manager_name: str | None

    @property
    def items_total(self) -> int:
        return sum(line.total for line in self.lines)


def file_name(doc: DocKind, number: str) -> str:
    """The default file of one order's document: "H-1001-invoice.pdf" (characters a file name should not hold
    become "_")."""
    return f"{_safe(number)}-{doc}.pdf"


def batch_file_name(doc: DocKind, store: str, status: str, day: date) -> str:
    """The default file of a stage's batch: "home-packing-waybill-2026-12-01.pdf"."""
    return f"{_safe(store)}-{_safe(status)}-{doc}-{day.isoformat()}.pdf"


def _safe(text: str) -> str:
    return "".join(c if c.isascii() and (c.isalnum() or c in "-_.") else "_" for c in text).strip(".") or "_"


def document_problem(doc: DocKind, sheet: OrderSheet) -> str | None:
    """Why this document cannot be made for this order, in one line naming what is missing; None when it can.
    Examples: 'store "home" has no requisites in the config file ([stores.requisites])', 'a payment slip (ПД-4)
    is for roubles: store "home" is in GBP', 'store "dom": requisites: no bik (the invoice names the bank)'."""
    store = sheet.store_code
    req = sheet.requisites
    if req is None:
        return f'store "{store}" has no requisites in the config file ([stores.requisites])'
    if not sheet.lines:
        return f"order {sheet.number} has no items to print"
    currency = sheet.currency or req.currency
    if doc == "slip" and (currency != "RUB" or req.country != "RU"):
        return f'a payment slip (ПД-4) is for roubles: store "{store}" is in {currency or "no currency"}'
    missing = [name for name in _NEEDED[(doc, req.country)] if not getattr(req, name)]
    if req.country == "GB" and doc == "invoice" and not req.iban and not (req.sort_code and req.account_number):
        missing.append("iban (or sort_code and account_number)")
    if missing:
        return f'store "{store}": requisites: no {", ".join(missing)} ({_WHY[doc]})'
    return None


_NEEDED: dict[tuple[DocKind, str], tuple[str, ...]] = {
    ("waybill", "RU"): ("legal_name", "address", "inn"),
    ("waybill", "GB"): ("legal_name", "address"),
    ("invoice", "RU"): ("legal_name", "address", "inn", "bank_name", "bik", "account", "corr_account"),
    ("invoice", "GB"): ("legal_name", "address", "bank_name"),
    ("slip", "RU"): ("legal_name", "inn", "bank_name", "bik", "account", "corr_account"),
    ("slip", "GB"): (),
}
_WHY: dict[DocKind, str] = {
    "waybill": "the waybill names the supplier",
    "invoice": "the invoice names the supplier and the bank",
    "slip": "the payment slip names the payee and the bank",
}


def vat_included(amount: int, rate: int | None) -> int | None:
    """The VAT inside an amount that includes it (minor units, rounded half up); None for "без НДС"."""
    if rate is None:
        return None
    sign = -1 if amount < 0 else 1
    # amount × rate / (100 + rate), half up, in integers so that no float rounding creeps in
    return sign * ((2 * abs(amount) * rate + 100 + rate) // (2 * (100 + rate)))


def spread_discount(totals: tuple[int, ...], discount: int) -> tuple[int, ...]:
    """Each line's share of the order's own discount, in proportion to the lines' totals (largest remainders get
    the odd minor units), so that the shares add up to the discount exactly: a waybill lists goods at what the
    customer pays for them."""
    base = sum(totals)
    if not discount or base <= 0:
        return tuple(0 for _ in totals)
    exact = [(discount * t, i) for i, t in enumerate(totals)]
    shares = [q // base for q, _ in exact]
    rest = discount - sum(shares)
    for _, i in sorted(exact, key=lambda e: (-(e[0] % base), e[1]))[:rest]:
        shares[i] += 1
    return tuple(shares)


def plural_ru(n: int, one: str, few: str, many: str) -> str:
    """The Russian noun form after the number n: 1 рубль, 2 рубля, 5 рублей, 11 рублей, 21 рубль."""
    n = abs(n)
    if 11 <= n % 100 <= 14:
        return many
    return one if n % 10 == 1 else few if 2 <= n % 10 <= 4 else many


# major unit (one, few, many), minor unit (one, few, many); masculine nouns unless said (num2words' "ru" is
# masculine: "один", "два"; the minor units are written in figures, so their gender never shows)
_RU_UNITS = {
    "RUB": (("рубль", "рубля", "рублей"), ("копейка", "копейки", "копеек")),
    "USD": (("доллар США", "доллара США", "долларов США"), ("цент", "цента", "центов")),
    "EUR": (("евро", "евро", "евро"), ("цент", "цента", "центов")),
    "GBP": (("фунт стерлингов", "фунта стерлингов", "фунтов стерлингов"), ("пенс", "пенса", "пенсов")),
}
_EN_UNITS = {
    "GBP": (("pound", "pounds"), ("penny", "pence")),
    "USD": (("dollar", "dollars"), ("cent", "cents")),
    "EUR": (("euro", "euros"), ("cent", "cents")),
    "RUB": (("rouble", "roubles"), ("kopeck", "kopecks")),
}


def sum_in_words(amount: int, *, currency: str, language: str) -> str:
    """ "Одна тысяча двести тридцать четыре рубля 56 копеек" / "One thousand two hundred and thirty-four pounds
    and 56 pence", first letter capital."""
    sign, amount = ("минус " if language == "ru" else "minus ") if amount < 0 else "", abs(amount)
    whole, minor = divmod(amount, 100)
    if language == "ru":
        words = num2words(whole, lang="ru")
        if currency in _RU_UNITS:
            major, cents = _RU_UNITS[currency]
            text = f"{words} {plural_ru(whole, *major)} {minor:02d} {plural_ru(minor, *cents)}"
        else:
            text = f"{words} {currency} {minor:02d}/100"
    else:
        words = num2words(whole, lang="en").replace(",", "")
        if currency in _EN_UNITS:
            (one, many), (cent, cents) = _EN_UNITS[currency]
            text = f"{words} {one if whole == 1 else many} and {minor:02d} {cent if minor == 1 else cents}"
        else:
            text = f"{words} {currency} and {minor:02d}/100"
    text = sign + text
    return text[:1].upper() + text[1:]


QR_HEADER = "ST0001" + "2"  # format ST0001, "2": the values are UTF-8
_SEPARATORS = "|#;:^~"


def payment_qr_payload(sheet: OrderSheet) -> str:
    """ГОСТ Р 56042-2014: "ST00012|Name=…|PersonalAcc=…|BankName=…|BIC=…|CorrespAcc=…|PayeeINN=…|KPP=…|Sum=<kopecks>|
    Purpose=Оплата заказа №…" (UTF-8, the "2" after ST0001); the separator is "|" unless a value holds one, then
    the first of a few others that none holds."""
    req = sheet.requisites
    if req is None:
        raise ValueError(f'store "{sheet.store_code}" has no requisites')
    # the standard's longest values: Name 160, BankName 45, Purpose 210 characters
    fields = [
        ("Name", req.legal_name[:160]),
        ("PersonalAcc", req.account),
        ("BankName", req.bank_name[:45]),
        ("BIC", req.bik),
        ("CorrespAcc", req.corr_account),
        ("PayeeINN", req.inn),
        ("KPP", req.kpp),
        ("Sum", str(sheet.total)),
        ("Purpose", f"Оплата заказа №{sheet.number}"[:210]),
    ]
    fields = [(key, " ".join(value.split())) for key, value in fields if value]
    separator = next((s for s in _SEPARATORS if not any(s in value for _, value in fields)), None)
    if separator is None:
        raise ValueError(f"every separator the standard allows occurs in the requisites of {sheet.store_code}")
    return separator.join([QR_HEADER, *(f"{key}={value}" for key, value in fields)])
