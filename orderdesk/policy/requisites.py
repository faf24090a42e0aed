"""Check digits and shapes of a store's legal and bank details (issue 16): Russian ИНН, КПП, ОГРН/ОГРНИП, БИК,
расчётный and корреспондентский счёт; British company number, VAT number, sort code, account number, IBAN.

Each `*_problem` function returns why the value is not one (a phrase to follow the key: '"7707083894" fails its
check digit'), or None when it is. Values are expected as the file gives them, spaces already stripped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_INN10 = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_ACCOUNT_WEIGHTS = (7, 1, 3)
_KPP = re.compile(r"\d{4}[\dA-Z]{2}\d{3}")
_COMPANY_NUMBER = re.compile(r"(\d{8}|(SC|NI|OC|SO|NC|R0|IP|SP|LP|SL)\d{6})")
_SORT_CODE = re.compile(r"\d{2}-\d{2}-\d{2}")
_IBAN_LENGTHS = {"GB": 22, "RU": 33, "DE": 22, "FR": 27, "IE": 22, "NL": 18}


def _digits(value: str, lengths: Sequence[int], what: str) -> str | None:
    if not value.isascii() or not value.isdigit():
        return f'"{value}" is not a number of digits ({what})'
    if len(value) not in lengths:
        wanted = " or ".join(str(n) for n in lengths)
        return f'"{value}" has {len(value)} digits; {what} has {wanted}'
    return None


def _weighted(digits: str, weights: Sequence[int]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=False))


def _check(value: str) -> str:
    return f'"{value}" fails its check digit'


def inn_problem(value: str) -> str | None:
    """ИНН: 10 digits (an organisation: one check digit) or 12 (a person or an ИП: two)."""
    problem = _digits(value, (10, 12), "an ИНН")
    if problem:
        return problem
    if len(value) == 10:
        ok = _weighted(value, _INN10) % 11 % 10 == int(value[9])
    else:
        ok = _weighted(value, _INN12_11) % 11 % 10 == int(value[10]) and _weighted(value, _INN12_12) % 11 % 10 == int(
            value[11]
        )
    return None if ok else _check(value)


def kpp_problem(value: str) -> str | None:
    """КПП: 9 characters, the 5th and 6th may be capital Latin letters (NNNNPPNNN); it has no check digit."""
    if len(value) != 9:
        return f'"{value}" has {len(value)} characters; a КПП has 9'
    if not _KPP.fullmatch(value):
        return f'"{value}" is not a КПП (9 digits; the 5th and 6th may be capital Latin letters)'
    return None


def ogrn_problem(value: str) -> str | None:
    """ОГРН (13 digits, an organisation): the first 12 mod 11, mod 10, is the last; ОГРНИП (15, an individual
    entrepreneur): the first 14 mod 13, mod 10."""
    problem = _digits(value, (13, 15), "an ОГРН (13) or ОГРНИП (15)")
    if problem:
        return problem
    body, last = int(value[:-1]), int(value[-1])
    ok = body % (11 if len(value) == 13 else 13) % 10 == last
    return None if ok else _check(value)


def bik_problem(value: str) -> str | None:
    """БИК: 9 digits, the first two "04" (Russia)."""
    problem = _digits(value, (9,), "a БИК")
    if problem:
        return problem
    if not value.startswith("04"):
        return f'"{value}" is not a Russian БИК (they begin with 04)'
    return None


def _account_key_ok(prefix: str, account: str) -> bool:
    digits = prefix + account
    weights = _ACCOUNT_WEIGHTS * 8
    return _weighted(digits, weights) % 10 == 0


def account_problem(value: str, bik: str) -> str | None:
    """Расчётный счёт: 20 digits whose control key (the 9th) matches the bank: the БИК's last three digits and the
    account, weighted 7, 1, 3, …, add up to a multiple of 10."""
    problem = _digits(value, (20,), "an account")
    if problem:
        return problem
    if not _account_key_ok(bik[-3:], value):
        return f'"{value}" does not match the БИК {bik} (its control key, the 9th digit, is wrong for that bank)'
    return None


def corr_account_problem(value: str, bik: str) -> str | None:
    """Корреспондентский счёт: 20 digits, "301…" ending in the БИК's last three; its key is taken with "0" and the
    БИК's 5th and 6th digits before it."""
    problem = _digits(value, (20,), "a correspondent account")
    if problem:
        return problem
    if not value.startswith("301"):
        return f'"{value}" is not a correspondent account (they begin with 301)'
    if value[-3:] != bik[-3:] or not _account_key_ok("0" + bik[4:6], value):
        return f"\"{value}\" does not match the БИК {bik} (a bank's correspondent account ends in its БИК's last three)"
    return None


def company_number_problem(value: str) -> str | None:
    """A Companies House number: 8 digits, or two letters (SC, NI, OC, …) and 6 digits."""
    if not _COMPANY_NUMBER.fullmatch(value):
        return f'"{value}" is not a company number (8 digits, or SC/NI/OC… and 6 digits, e.g. "01234567")'
    return None


def vat_number_problem(value: str) -> str | None:
    """A UK VAT number "GB" + 9 digits: the first 7 weighted 8…2 plus the last two are 0 mod 97 (the old scheme) or
    55 mod 97 (the numbers issued since 2010)."""
    compact = value.replace(" ", "")
    body = compact.removeprefix("GB")
    if compact == body or not body.isascii() or not body.isdigit() or len(body) != 9:
        return f'"{value}" is not a UK VAT number ("GB" and 9 digits, e.g. "GB 123 4567 82")'
    total = _weighted(body[:7], range(8, 1, -1)) + int(body[7:])
    if total % 97 not in (0, 42):  # 42: (total + 55) % 97 == 0
        return _check(value)
    return None


def sort_code_problem(value: str) -> str | None:
    if not _SORT_CODE.fullmatch(value):
        return f'"{value}" is not a sort code (NN-NN-NN, e.g. "20-00-00")'
    return None


def account_number_problem(value: str) -> str | None:
    """A British bank account number: 8 digits."""
    return _digits(value, (8,), "an account number")


def iban_problem(value: str) -> str | None:
    """An IBAN (ISO 13616): country, two check digits, the account; moved four to the end, letters as 10–35, it
    is 1 mod 97."""
    compact = value.replace(" ", "")
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{1,30}", compact):
        return f'"{value}" is not an IBAN (e.g. "GB29 NWBK 6016 1331 9268 19")'
    length = _IBAN_LENGTHS.get(compact[:2])
    if length is not None and len(compact) != length:
        return f'"{value}" has {len(compact)} characters; an IBAN of {compact[:2]} has {length}'
    moved = compact[4:] + compact[:4]
    number = int("".join(str(int(c, 36)) for c in moved))
    return None if number % 97 == 1 else _check(value)


def iban_matches(iban: str, sort_code: str, account_number: str) -> bool:
    """A British IBAN holds the sort code and the account number as its last 14 digits."""
    compact = iban.replace(" ", "")
    return compact[-14:] == sort_code.replace("-", "") + account_number
