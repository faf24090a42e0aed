"""Desk settings: defaults from `config.Settings`, overridden by rows of the `setting` table.

Rows are flat keys ("distribution.max_age") so that a config file that names one setting changes
only that one.
"""

from __future__ import annotations

from typing import Any, get_args

from pydantic import BaseModel
from sqlmodel import Session, select

from orderdesk.config.fields import Duration
from orderdesk.config.schema import Settings
from storage import config_cache
from storage.models import Setting


def _duration_keys(model: type[BaseModel], prefix: str = "") -> tuple[str, ...]:
    """The flat keys of the settings that are durations (stored as seconds, read as "90s")."""
    check = get_args(Duration)[1]
    keys: list[str] = []
    for name, info in model.model_fields.items():
        if isinstance(info.annotation, type) and issubclass(info.annotation, BaseModel):
            keys += _duration_keys(info.annotation, f"{prefix}{name}.")
        elif check in info.metadata:
            keys.append(f"{prefix}{name}")
    return tuple(keys)


DURATION_KEYS = _duration_keys(Settings)
SECRET_KEYS = frozenset({"smtp.password"})  # an older version's row (usecases/mail_secret.py): never shown
HIDDEN = "********"


def hidden(flat: dict[str, Any]) -> dict[str, Any]:
    """Flat settings with each secret that is set replaced by HIDDEN (an unset one stays as it is)."""
    return {key: HIDDEN if key in SECRET_KEYS and value else value for key, value in flat.items()}


def flatten(values: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in values.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and key != "workload_limit":
            flat.update(flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def unflatten(flat: dict[str, Any]) -> dict[str, Any]:
    nested: dict[str, Any] = {}
    for key, value in flat.items():
        *parents, leaf = key.split(".")
        target = nested
        for parent in parents:
            target = target.setdefault(parent, {})
        target[leaf] = value
    return nested


def read_settings(session: Session) -> Settings:
    """The settings as the database has them: read once per configuration generation in this
    process (`storage.config_cache`), so the same object is given to every caller until a
    configuration command changes them. Never change it."""
    return config_cache.cached(session, "settings", _read_settings)


def _read_settings(session: Session) -> Settings:
    stored = {row.key: row.value for row in session.exec(select(Setting))}
    merged = flatten(Settings().model_dump())
    merged.update({k: v for k, v in stored.items() if k in merged})
    for key in DURATION_KEYS:  # kept as seconds; the model reads them as the strings a person writes
        merged[key] = f"{merged[key]}s"
    return Settings.model_validate(unflatten(merged))


def write_settings(session: Session, given: Settings) -> dict[str, tuple[Any, Any]]:
    """Store the settings the file names; return what changed as {key: (before, after)}. Moves the
    configuration generation on when one changed (every process reads the settings again)."""
    stored = {row.key: row for row in session.exec(select(Setting))}
    current = flatten(read_settings(session).model_dump())
    config_cache.config_changing(session)
    changed: dict[str, tuple[Any, Any]] = {}
    for key, value in flatten(given.model_dump(exclude_unset=True)).items():
        if current.get(key) == value and key in stored:
            continue
        if current.get(key) != value:
            changed[key] = (current.get(key), value)
        row = stored.get(key)
        if row is None:
            session.add(Setting(key=key, value=value))
        else:
            row.value = value
            session.add(row)
    if changed:
        config_cache.config_changed(session)
    return changed
