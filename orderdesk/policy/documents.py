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
    raise NotImplementedError  # issue 16: documents helper


def vat_included(amount: int, rate: int | None) -> int | None:
    """The VAT inside an amount that includes it (minor units, rounded half up); None for "без НДС"."""
    raise NotImplementedError  # issue 16: documents helper


def sum_in_words(amount: int, *, currency: str, language: str) -> str:
    """"Одна тысяча двести тридцать четыре рубля 56 копеек" / "One thousand two hundred and thirty-four pounds
    and 56 pence", first letter capital."""
    raise NotImplementedError  # issue 16: documents helper


def payment_qr_payload(sheet: OrderSheet) -> str:
    """ГОСТ Р 56042-2014: "ST00012|Name=…|PersonalAcc=…|BankName=…|BIC=…|CorrespAcc=…|PayeeINN=…|KPP=…|Sum=<kopecks>|
    Purpose=Оплата заказа №…" (UTF-8, the "2" after ST0001); the separator is "|" unless a value holds one, then
    the first of a few others that none holds."""
    raise NotImplementedError  # issue 16: documents helper
