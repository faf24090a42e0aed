"""The desk's words in the employee's language (U10): `_("text")` around every string a person reads.

The catalogs are gettext `.mo` files compiled from `screens/locale/*/LC_MESSAGES/desk.po` at install;
until a language is chosen at sign-in, and for a language without a catalog, the words are English.

Strings made when a module is imported (a class's VIEW_TITLE, its Bindings' descriptions) are English
then: mark them with `N_("...")` (for the catalog) and translate them where they are shown, `_(title)`,
or with `translate_bindings(self)` in the screen's `__init__` (built after sign-in, in his language).
`make messages` extracts `_`, `N_` and `ngettext` into screens/locale/desk.pot and updates the .po files.
"""

from __future__ import annotations

import dataclasses
import gettext
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

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


def N_(text: str) -> str:
    """Marks a string for the catalog where it is made before a language is chosen; `_()` it when shown."""
    return text


def language() -> str:
    """The language the desk speaks now ("en" when no catalog was found)."""
    info = _current.info()
    return info.get("language", "en") or "en"


def translate_bindings(node: Any) -> None:
    """This screen's (or the app's) key descriptions in the current language, for the footer and help."""
    originals: dict[int, str] = node.__dict__.setdefault("_i18n_descriptions", {})
    for key, bindings in node._bindings.key_to_bindings.items():
        changed = []
        for binding in bindings:
            english = originals.setdefault(id(binding), binding.description)
            again = dataclasses.replace(binding, description=_(english) if english else english)
            originals[id(again)] = english
            changed.append(again)
        node._bindings.key_to_bindings[key] = changed


MONTHS = (N_("Jan"), N_("Feb"), N_("Mar"), N_("Apr"), N_("May"), N_("Jun"), N_("Jul"), N_("Aug"), N_("Sep"),
          N_("Oct"), N_("Nov"), N_("Dec"))  # fmt: skip


def day_time(at: datetime | None, zone: str) -> str:
    """A time in a store's zone as a person reads it in his language: "24 Nov 21:00", "24 ноя 21:00"."""
    if at is None:
        return "—"
    local = at.astimezone(ZoneInfo(zone))
    return f"{local.day:02d} {_(MONTHS[local.month - 1])} {local:%H:%M}"
