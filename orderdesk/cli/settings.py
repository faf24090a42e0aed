"""`orderdesk settings show|set`: the desk's settings (the keys of [settings] in the configuration file)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from orderdesk.cli.core import JsonOption, fail, print_json, query, settings_app, user_errors, writing


@settings_app.command("show")
def settings_show(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """The desk's settings, defaults included."""
    from orderdesk.config.settings import flatten, hidden, read_settings

    values = hidden(flatten(query(ctx, read_settings).model_dump()))
    if as_json:
        print_json(values)
        return
    for key, value in values.items():
        typer.echo(f"{key} = {json.dumps(value, ensure_ascii=False)}")


@settings_app.command("set")
def settings_set(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help='e.g. "distribution.mode"', show_default=False)],
    value: Annotated[str, typer.Argument(help='e.g. "none", "true", "90d", \'{ statuses = ["new"], max = 5 }\'', show_default=False)],
) -> None:
    """Change one setting (the same keys as [settings] in the configuration file)."""
    import tomllib

    from orderdesk.config.schema import parse_config
    from orderdesk.config.settings import HIDDEN, write_settings

    try:
        tomllib.loads(f"v = {value}")
        literal = value
    except tomllib.TOMLDecodeError:
        literal = json.dumps(value)
    with user_errors():
        config = parse_config(f"[settings]\n{key} = {literal}\n", source="setting")
    if config.settings is None or not config.settings.model_fields_set:
        fail(f'"{key}" is not a setting')
    with writing(ctx) as session:
        from orderdesk.usecases.load_config import _References

        _References(session, config).check("setting")  # the workload limit's statuses exist, as `load` checks
        changed = write_settings(session, config.settings)
    shown = HIDDEN if key == "smtp.password" else value
    typer.echo(f"{key} = {shown}" + ("" if changed else " (unchanged)"))
