"""`[stores.requisites]` of the config file: a store's legal and bank details for its printed documents (issue 16).

Checked when the file is read (check digits, lengths, which keys go together), each refusal naming its key:
`demo.toml: stores[1].requisites.inn: "7707083894" fails its check digit`. The store keeps them as JSON text
(storage Store.requisites) in the shape of `orderdesk.policy.documents.Requisites`, the store's language and
currency already filled in; `requisites_of` reads them back.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import asdict, fields
from typing import Any, Literal

from pydantic import ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from orderdesk.config.fields import Strict
from orderdesk.policy import requisites as check
from orderdesk.policy.documents import Requisites
from orderdesk.policy.money import check_currency
from orderdesk.policy.text import hidden_character

VAT_RATES = {"RU": (22, 20, 10, 0), "GB": (20, 5, 0)}  # percent; "none": без НДС / not VAT-registered
RU_KEYS = ("inn", "kpp", "ogrn", "bik", "account", "corr_account")
GB_KEYS = ("company_number", "vat_number", "sort_code", "account_number", "iban", "swift")
RU_BANK = ("bank_name", "bik", "account", "corr_account")  # one bank's details: all of them or none
# numbers written as they are printed, "4070 2810 …": kept without the spaces (the QR code wants digits only)
DIGIT_KEYS = ("inn", "kpp", "ogrn", "bik", "account", "corr_account", "account_number")
_SWIFT = re.compile(r"[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?")


def _failing(problem: Callable[[str], str | None]) -> Callable[[Any, str | None], str | None]:
    def validate(cls: Any, value: str | None) -> str | None:
        if value is not None:
            why = problem(value)
            if why:
                raise ValueError(why)
        return value

    return validate


def _refuse(key: str, value: Any, reason: str) -> ValidationError:
    """A refusal placed at `key` (not at the whole table), so that the line names it."""
    error = PydanticCustomError("value_error", "{reason}", {"reason": reason})
    return ValidationError.from_exception_data("requisites", [InitErrorDetails(type=error, loc=(key,), input=value)])


class RequisitesIn(Strict):
    """The keys of `[stores.requisites]`. Fields are declared in the order they are checked: the accounts after the
    БИК they are checked against."""

    country: Literal["RU", "GB"]
    legal_name: str
    address: str
    phone: str | None = None
    vat: str  # "22%", "20%", "10%", "0%" or "none"
    language: Literal["ru", "en"] | None = None  # the documents'; none: the store's
    currency: str | None = None  # none: the store's; if given, it must be the store's
    bank_name: str | None = None
    # Russian style
    inn: str | None = None
    kpp: str | None = None
    ogrn: str | None = None
    bik: str | None = None
    account: str | None = None  # расчётный счёт
    corr_account: str | None = None  # корреспондентский счёт
    # English style
    company_number: str | None = None
    vat_number: str | None = None
    sort_code: str | None = None
    account_number: str | None = None
    iban: str | None = None
    swift: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _as_written(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        for key, value in data.items():
            if key == "vat" and isinstance(value, int | float) and not isinstance(value, bool):
                raise _refuse(key, value, f'{value} is a number: write the rate as "{value}%" (or "none": без НДС)')
            if isinstance(value, int) and not isinstance(value, bool) and key in (*DIGIT_KEYS, *GB_KEYS):
                raise _refuse(
                    key, value, f'{value} is a number: write it in quotes ("{value}"), as its digits are printed'
                )
            if isinstance(value, str):
                hidden = hidden_character(value)
                if hidden:  # a line break or a direction mark would go onto the printed document and its QR code
                    raise _refuse(key, value, f"contains a control or invisible character ({hidden})")
                if key in DIGIT_KEYS:
                    data[key] = value.replace(" ", "")
                elif key in ("iban", "swift"):
                    data[key] = value.upper()
        return data

    _inn = field_validator("inn")(classmethod(_failing(check.inn_problem)))
    _kpp = field_validator("kpp")(classmethod(_failing(check.kpp_problem)))
    _ogrn = field_validator("ogrn")(classmethod(_failing(check.ogrn_problem)))
    _bik = field_validator("bik")(classmethod(_failing(check.bik_problem)))
    _company = field_validator("company_number")(classmethod(_failing(check.company_number_problem)))
    _vat_number = field_validator("vat_number")(classmethod(_failing(check.vat_number_problem)))
    _sort_code = field_validator("sort_code")(classmethod(_failing(check.sort_code_problem)))
    _account_number = field_validator("account_number")(classmethod(_failing(check.account_number_problem)))
    _iban = field_validator("iban")(classmethod(_failing(check.iban_problem)))

    @field_validator("legal_name", "address")
    @classmethod
    def _filled(cls, value: str) -> str:
        if not value:
            raise ValueError("must not be empty")
        return value

    @field_validator("vat")
    @classmethod
    def _vat_shape(cls, value: str) -> str:
        if value != "none" and not re.fullmatch(r"\d{1,2}%", value):
            raise ValueError(f'"{value}" is not a VAT rate ("22%", "20%", "10%", "0%" or "none": без НДС)')
        return value

    @field_validator("currency")
    @classmethod
    def _known_currency(cls, value: str | None) -> str | None:
        return None if value is None else check_currency(value)

    @field_validator("account", "corr_account")
    @classmethod
    def _against_bik(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        if "bik" not in info.data:  # the БИК itself was refused: that line is the one to read
            return value
        bik = info.data["bik"]
        if bik is None:
            raise ValueError("needs the bank's bik (the account's control key is checked against it)")
        problem = check.account_problem if info.field_name == "account" else check.corr_account_problem
        why = problem(value, bik)
        if why:
            raise ValueError(why)
        return value

    @field_validator("swift")
    @classmethod
    def _swift(cls, value: str | None) -> str | None:
        if value is not None and not _SWIFT.fullmatch(value):
            raise ValueError(f'"{value}" is not a SWIFT/BIC code (8 or 11 letters and digits, e.g. "NWBKGB2L")')
        return value

    @model_validator(mode="after")
    def _complete(self) -> RequisitesIn:
        rates = VAT_RATES[self.country]
        if self.vat != "none" and int(self.vat[:-1]) not in rates:
            shown = ", ".join(f"{r}%" for r in rates)
            raise _refuse("vat", self.vat, f'"{self.vat}" is no VAT rate of {self.country} ({shown} or "none")')
        foreign = GB_KEYS if self.country == "RU" else RU_KEYS
        for key in foreign:
            if getattr(self, key) is not None:
                raise _refuse(key, getattr(self, key), f"is not a requisite of a {self.country} store (country)")
        if self.country == "RU":
            self._complete_ru()
        else:
            self._complete_gb()
        return self

    def _complete_ru(self) -> None:
        if self.inn is None:
            raise _refuse("inn", None, "is required for a Russian store")
        person = len(self.inn) == 12
        if person and self.kpp is not None:
            raise _refuse("kpp", self.kpp, "an individual entrepreneur (a 12-digit inn) has no КПП")
        if self.ogrn is not None and len(self.ogrn) != (15 if person else 13):
            wanted = "an ОГРНИП of 15 digits" if person else "an ОГРН of 13 digits"
            raise _refuse("ogrn", self.ogrn, f"a {len(self.inn)}-digit inn goes with {wanted}")
        given = [key for key in RU_BANK if getattr(self, key) is not None]
        if given:
            for key in RU_BANK:
                if getattr(self, key) is None:
                    raise _refuse(key, None, f"is required with {given[0]} (the bank's details go together)")

    def _complete_gb(self) -> None:
        if self.vat != "none" and self.vat_number is None:
            raise _refuse(
                "vat_number", None, f'is required with vat = "{self.vat}" (only a VAT-registered firm charges it)'
            )
        pair = ("sort_code", "account_number")
        for key, other in (pair, pair[::-1]):
            if getattr(self, key) is not None and getattr(self, other) is None:
                raise _refuse(other, None, f"is required with {key}")
        british = bool(self.sort_code and self.account_number) and (self.iban or "").startswith("GB")
        if british and not check.iban_matches(self.iban or "", self.sort_code or "", self.account_number or ""):
            raise _refuse("iban", self.iban, "does not hold the sort_code and account_number given")

    def check_store(self, *, currency: str | None) -> None:
        """Refused unless the documents' currency is the store's (amounts are never converted)."""
        if self.currency is not None and self.currency != currency:
            shown = f'"{currency}"' if currency else "none (set the store's currency)"
            raise _refuse("currency", self.currency, f'"{self.currency}" is not the store\'s currency: it is {shown}')

    def resolved(self, *, store_language: str, store_currency: str | None) -> Requisites:
        """What the store keeps: the documents' shape, the store's language and currency where none is given."""
        language = self.language or ("ru" if store_language == "ru" else "en")
        values = {
            key: getattr(self, key) or "" for key in (*RU_KEYS, *GB_KEYS, "legal_name", "address", "phone", "bank_name")
        }
        return Requisites(
            country=self.country,
            language=language,
            currency=self.currency or store_currency or "",
            vat_rate=None if self.vat == "none" else int(self.vat[:-1]),
            **values,
        )


def requisites_json(requisites: Requisites | None) -> str | None:
    """The text Store.requisites holds (keys sorted, so that an unchanged load compares equal)."""
    if requisites is None:
        return None
    return json.dumps(asdict(requisites), ensure_ascii=False, sort_keys=True)


_KNOWN = {f.name for f in fields(Requisites)}


def requisites_of(text: str | None) -> Requisites | None:
    """A store's requisites from Store.requisites; None when it has none (keys a later version adds are ignored)."""
    if not text:
        return None
    data = json.loads(text)
    return Requisites(**{k: v for k, v in data.items() if k in _KNOWN})
