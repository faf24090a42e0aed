"""The desk's words in the employee's language (U10): `_("text")` around every string a person reads.

The catalogs are gettext `.mo` files compiled from `screens/locale/*/LC_MESSAGES/desk.po` at install;
until a language is chosen at sign-in, and for a language without a catalog, the words are English.
"""

from __future__ import annotations

import gettext
from pathlib import Path

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "desk"

_current: gettext.NullTranslations = gettext.NullTranslations()


def use_language(language: str | None) -> None:
    """From now on the desk speaks this language ("en", "ru"); English where no catalog has it."""
    global _current
    _current = gettext.translation(DOMAIN, LOCALE_DIR, languages=[language or "en"], fallback=True)


def _(text: str) -> str:
    return _current.gettext(text)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _current.ngettext(singular, plural, n)
