"""The commands scripts call most start without the heavy modules: the desk, the scheduler, Alembic."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("textual", "screens", "apscheduler", "scheduler", "alembic")

RUN = """
import json, sys
from orderdesk.cli.main import main
code = None
try:
    main()
except SystemExit as exc:
    code = exc.code
print(json.dumps({"code": code, "heavy": sorted(m for m in HEAVY if m in sys.modules)}), file=sys.stderr)
"""


@pytest.mark.parametrize("command", [["orders", "show", "D-1001", "--json"], ["stats"], ["settings", "show"]])
def test_read_commands_load_no_desk_scheduler_or_alembic(demo_db, command):
    code = f"HEAVY = {HEAVY!r}\nimport sys\nsys.argv = ['orderdesk', '--db', {demo_db!r}, *{command!r}]\n" + RUN
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    result = json.loads(done.stderr.strip().splitlines()[-1])
    assert result == {"code": 0, "heavy": []}
