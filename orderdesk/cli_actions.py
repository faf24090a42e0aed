"""`orderdesk` commands: actions (registered on the apps of `orderdesk.cli_core` when `orderdesk.cli` loads this)."""

from __future__ import annotations
