"""The commands scripts call most start without the heavy modules: the desk, the scheduler, Alembic,
the PDF documents, and (where they read no configuration) pydantic's config schema and fields."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("textual", "screens", "apscheduler", "scheduler", "alembic", "reportlab", "segno", "orderdesk.files")
CONFIG = ("orderdesk.config",)  # the config file's schema, settings and fields (pydantic models and validators)

RUN = """
import json, sys
from orderdesk.cli.main import main
code = None
try:
    main()
except SystemExit as exc:
    code = exc.code
loaded = sorted(m for m in HEAVY if m in sys.modules or any(k.startswith(m + ".") for k in sys.modules))
print(json.dumps({"code": code, "heavy": loaded}), file=sys.stderr)
"""


def _loaded(db: str, command: list[str], heavy: tuple[str, ...]) -> dict[str, object]:
    code = f"HEAVY = {heavy!r}\nimport sys\nsys.argv = ['orderdesk', '--db', {db!r}, *{command!r}]\n" + RUN
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(done.stderr.strip().splitlines()[-1])


@pytest.mark.parametrize(
    "command",
    [
        ["orders", "show", "D-1001", "--json"],
        ["orders", "show", "D-1001"],
        ["stats"],
        ["stats", "--json"],
        ["orders", "list", "--limit", "5", "--json"],
        ["tasks", "list", "--json"],
        ["audit", "--limit", "5", "--json"],
    ],
)
def test_read_commands_load_no_desk_scheduler_alembic_documents_or_config(demo_db, command):
    assert _loaded(demo_db, command, HEAVY + CONFIG) == {"code": 0, "heavy": []}


def test_settings_show_loads_no_desk_scheduler_alembic_or_documents(demo_db):
    assert _loaded(demo_db, ["settings", "show"], HEAVY) == {"code": 0, "heavy": []}


def test_a_script_names_one_command_and_typer_builds_only_that_one():
    """`orderdesk stats` builds the Click command of `stats` alone (Typer builds every command it holds
    before parsing); no command, --help or a mistake get the whole app, so they read as before."""
    from orderdesk.cli.main import app, narrowed_to

    assert [c.callback.__name__ for c in narrowed_to(["--db", "x.db", "stats", "--json"]).registered_commands] == [
        "stats"
    ]
    orders = narrowed_to(["--db=x.db", "orders", "show", "D-1"])
    assert (orders.registered_commands, [g.name for g in orders.registered_groups]) == ([], ["orders"])
    for args in ([], ["--help"], ["--db", "x.db"], ["nosuch"], ["--db", "x.db", "--help", "stats"]):
        assert narrowed_to(args) is app
    assert len(app.registered_commands) > 1  # the whole app is left as it was
