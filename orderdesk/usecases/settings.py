"""Changing desk settings from the command line (`orderdesk settings set KEY VALUE`).

One function, one transaction: the value is checked as `load` checks the [settings] of a file (the
workload limit's statuses must exist), the rows are written, and the audit row (rule "admin") says
which keys went from what to what, with secrets hidden.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from orderdesk.clock import Clock
from orderdesk.config.schema import DeskConfig, parse_config
from orderdesk.config.settings import SECRET_KEYS, flatten, hidden, write_settings
from orderdesk.policy.errors import InvalidInput
from orderdesk.usecases import audit
from orderdesk.usecases.load_config import _References

_KEY = re.compile(r"[a-z][a-z_]*(\.[a-z][a-z_]*)*")


@dataclass(frozen=True)
class SettingChange:
    """`changed`: {flat key: (before, after)}, secrets hidden; `secret`: the value given sets a secret."""

    changed: dict[str, tuple[Any, Any]]
    secret: bool


def parse_setting(key: str, value: str) -> DeskConfig:
    """KEY = VALUE as a line of [settings]; a VALUE that is no TOML ("none", "90d") is taken as a string."""
    if not _KEY.fullmatch(key):  # pasted into the line below, `a = true\nb` would set two keys
        raise InvalidInput(f'"{key}" is not a setting (a key is words joined by dots, e.g. distribution.mode)')
    if "\n" in value or "\r" in value:  # pasted into the line below, it would set more than this key
        raise InvalidInput(f"{key}: the value must be one line")
    try:
        parsed = tomllib.loads(f"v = {value}")
        literal = value if set(parsed) == {"v"} else json.dumps(value)
    except tomllib.TOMLDecodeError:
        literal = json.dumps(value)
    config = parse_config(f"[settings]\n{key} = {literal}\n", source="setting")
    if config.settings is None or not config.settings.model_fields_set:
        raise InvalidInput(f'"{key}" is not a setting')
    return config


def set_setting(*, session: Session, clock: Clock, key: str, value: str) -> SettingChange:
    config = parse_setting(key, value)
    assert config.settings is not None  # parse_setting refuses a line that sets nothing
    _References(session, config).check("setting")
    given = flatten(config.settings.model_dump(exclude_unset=True))
    changed = write_settings(session, config.settings)
    before = hidden({k: old for k, (old, _) in changed.items()})
    after = hidden({k: new for k, (_, new) in changed.items()})
    if changed:
        audit.record(
            session=session, at=clock.now(), rule="admin", action="setting.changed", before=before, after=after
        )
    return SettingChange(changed={k: (before[k], after[k]) for k in changed}, secret=bool(SECRET_KEYS & given.keys()))
