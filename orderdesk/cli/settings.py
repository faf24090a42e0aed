"""`orderdesk settings show|set`: the desk's settings (the keys of [settings] in the configuration file)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from orderdesk.cli.core import JsonOption, commit, print_json, query, settings_app, user_errors


@settings_app.command("show")
def settings_show(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """The desk's settings, defaults included."""
    from orderdesk.config.settings import HIDDEN, flatten, hidden, read_settings
    from orderdesk.usecases.mail_secret import STORED_KEY, STORED_WARNING, stored_password

    values = hidden(flatten(query(ctx, read_settings).model_dump()))
    if query(ctx, stored_password):  # an older version's row: still read, last, until removed
        values[STORED_KEY] = HIDDEN
        typer.echo(f"orderdesk: warning: {STORED_WARNING}", err=True)
    if as_json:
        print_json(values)
        return
    for key, value in values.items():
        typer.echo(f"{key} = {json.dumps(value, ensure_ascii=False)}")


@settings_app.command("set")
def settings_set(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help='e.g. "distribution.mode"', show_default=False)],
    value: Annotated[
        str, typer.Argument(help='e.g. "none", "true", "90d", \'{ statuses = ["new"], max = 5 }\'', show_default=False)
    ],
) -> None:
    """Change one setting (the same keys as [settings] in the configuration file)."""
    from orderdesk.config.settings import HIDDEN
    from orderdesk.usecases.mail_secret import clear_stored_password, clears_stored_password
    from orderdesk.usecases.settings import parse_setting, set_setting

    if clears_stored_password(key, value):  # the one value smtp.password still takes: none
        removed = commit(ctx, clear_stored_password)
        typer.echo(f"{key} removed from the database" if removed else f"{key} is not stored (unchanged)")
        return
    with user_errors():
        parse_setting(key, value)  # a mistyped key or value is told before the database is opened
    change = commit(ctx, set_setting, key=key, value=value)
    typer.echo(f"{key} = {HIDDEN if change.secret else value}" + ("" if change.changed else " (unchanged)"))
