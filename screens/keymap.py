"""The user's keys (lazygit's and posting's most asked-for feature): a `[keys]` table in the config file
maps binding ids to keys, `"orders.advance" = "A"` or `"ctrl+a,A"`, applied with `App.set_keymap`.

The file is `config.toml` in platformdirs' user config directory for "orderdesk", or in the directory
ORDERDESK_CONFIG_DIR names (the tests use it). A mistake is told in one line and the rest applies.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from textual.binding import Binding, BindingType

from screens.i18n import _

CONFIG_DIR_ENV = "ORDERDESK_CONFIG_DIR"
MODIFIERS = frozenset({"ctrl", "shift", "alt", "meta", "super", "hyper"})
KEY_NAME = re.compile(r"^[a-z][a-z0-9_]*$")  # escape, enter, f5, question_mark, …


def config_file() -> Path:
    given = os.environ.get(CONFIG_DIR_ENV)
    if given:
        return Path(given).expanduser() / "config.toml"
    from platformdirs import user_config_dir

    return Path(user_config_dir("orderdesk")) / "config.toml"


@dataclass(frozen=True)
class UserKeymap:
    keys: dict[str, str]  # binding id → keys, the good entries only
    problems: tuple[str, ...]  # one line each, for a person
    source: Path | None = None


def good_keys(value: object) -> bool:
    """ "A", "ctrl+a", "ctrl+a,A", "f5"; not "", "ctrl+", "ctrl a", 5."""
    if not isinstance(value, str) or not value.strip():
        return False
    for key in value.split(","):
        *modifiers, last = key.strip().split("+")
        if not last or any(m not in MODIFIERS for m in modifiers):
            return False
        if len(last) != 1 and not KEY_NAME.match(last):
            return False
    return True


def read_keymap(path: Path, known: Iterable[str]) -> UserKeymap:
    """The `[keys]` table of `path` (no file, no table: nothing to change)."""
    if not path.exists():
        return UserKeymap({}, (), path)
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8")).get("keys", {})
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return UserKeymap({}, (_("{path}: not read ({why}); the default keys apply").format(path=path, why=exc),), path)
    if not isinstance(table, dict):
        return UserKeymap({}, (_("{path}: [keys] must be a table of binding id = keys").format(path=path),), path)
    ids = set(known)
    keys: dict[str, str] = {}
    problems: list[str] = []
    for binding_id, value in table.items():
        if binding_id not in ids:
            problems.append(
                _('{path}: [keys] "{id}" is no key of the desk (? lists them)').format(path=path, id=binding_id)
            )
        elif not good_keys(value):
            problems.append(
                _('{path}: [keys] "{id}" = {value!r} is not a key like "A", "ctrl+a" or "ctrl+a,A"').format(
                    path=path, id=binding_id, value=value
                )
            )
        else:
            keys[binding_id] = ",".join(k.strip() for k in str(value).split(","))
    return UserKeymap(keys, tuple(problems), path)


def binding_ids(classes: Iterable[type]) -> set[str]:
    """Every binding id of these classes (App and Screen classes, their bases' included)."""
    ids: set[str] = set()
    for cls in classes:
        for klass in cls.__mro__:
            for binding in _bindings(getattr(klass, "BINDINGS", []) if "BINDINGS" in vars(klass) else []):
                if binding.id:
                    ids.add(binding.id)
    return ids


def _bindings(declared: Iterable[BindingType]) -> Iterable[Binding]:
    return Binding.make_bindings(declared)


def all_subclasses(cls: type) -> list[type]:
    found: list[type] = []
    for sub in cls.__subclasses__():
        found += [sub, *all_subclasses(sub)]
    return found
