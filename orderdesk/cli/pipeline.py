"""`orderdesk` commands: pipeline and automoves (registered on the apps of `orderdesk.cli.core` when
`orderdesk.cli.main` loads this)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from orderdesk.cli.core import (
    JsonOption,
    app,
    commit,
    print_json,
    print_table,
    query,
    state,
    user_errors,
)

pipeline_app = typer.Typer(
    help="A store's pipeline of stages: list, add, rename, move, deactivate, activate, limit, owner.",
    no_args_is_help=True,
)
automoves_app = typer.Typer(help="Timed status moves (seed 004): list, add, remove.", no_args_is_help=True)
app.add_typer(pipeline_app, name="pipeline")
app.add_typer(automoves_app, name="automoves")

StoreArg = Annotated[str, typer.Argument(help="Store code.", show_default=False)]
StageArg = Annotated[str, typer.Argument(help="Stage code (the order status).", show_default=False)]
PositionOption = Annotated[int | None, typer.Option("--position", help="Position in the pipeline (1 = first).", min=1)]
AfterOption = Annotated[str | None, typer.Option("--after", help="Put it right after this stage.", show_default=False)]


def _one_place(position: int | None, after: str | None, *, required: bool) -> None:
    if position is not None and after is not None:
        raise typer.BadParameter("give --position or --after, not both")
    if required and position is None and after is None:
        raise typer.BadParameter("give --position N or --after CODE")


def _say(change: Any) -> None:
    typer.echo(change.summary + ("" if change.changed else " (unchanged)"))


def _limit(text: str | None, field: str) -> int | None:
    from orderdesk.usecases.admin_edits import parse_limit

    with user_errors():
        return parse_limit(text, field=field)


def _only_for(stage: dict[str, Any]) -> str:
    """The payment and delivery methods a stage is limited to; "" = every order."""
    return " / ".join(
        ", ".join(methods) for methods in (stage["payment_methods"], stage["delivery_methods"]) if methods
    )


def _owner_shown(owner: str | list[str]) -> str:
    return ", ".join(owner) if isinstance(owner, list) else owner


# ------------------------------------------------------------------------------ pipeline


@pipeline_app.command("list")
def pipeline_list(ctx: typer.Context, store: StoreArg, as_json: JsonOption = False) -> None:
    """The store's stages in order, with the open orders waiting in each and how many are overdue."""
    from orderdesk.usecases.stages import list_stages

    stages = query(ctx, list_stages, store=store, clock=state(ctx).clock)
    if as_json:
        print_json(stages)
        return
    rows = [
        [s["position"], s["code"], s["name"], s["kind"], s["time_limit"] or "—", _owner_shown(s["owner"]),
         _only_for(s), "yes" if s["active"] else "no", s["open"], s["overdue"]]
        for s in stages
    ]  # fmt: skip
    columns = ["#", "code", "name", "kind", "limit", "owner", "only for", "active", "open", "overdue"]
    print_table(f"pipeline of {store}", columns, rows)


@pipeline_app.command("add")
def pipeline_add(
    ctx: typer.Context,
    store: StoreArg,
    code: StageArg,
    name: Annotated[str, typer.Option(help="The stage's name as people see it.", show_default=False)],
    limit: Annotated[str | None, typer.Option(help='Time limit, e.g. "1h", "1h 30m", "2d"; none by default.')] = None,
    owner: Annotated[str, typer.Option(help='"manager", "role:NAME" or logins separated by commas.')] = "manager",
    kind: Annotated[str, typer.Option(help="open | side | final | cancelled.")] = "open",
    payment: Annotated[
        list[str] | None, typer.Option("--payment", help="Only for this payment method (repeatable).")
    ] = None,
    delivery: Annotated[
        list[str] | None, typer.Option("--delivery", help="Only for this delivery method (repeatable).")
    ] = None,
    after: AfterOption = None,
    position: PositionOption = None,
) -> None:
    """Add a stage; by default after the last open stage (before the final and cancelled ones)."""
    from orderdesk.usecases.stages import add_stage

    _one_place(position, after, required=False)
    seconds = _limit(limit, "limit")
    _say(commit(
        ctx, add_stage, store=store, code=code, name=name, time_limit=seconds, owner=owner, kind=kind,
        payment_methods=payment or [], delivery_methods=delivery or [], position=position, after=after,
    ))  # fmt: skip


@pipeline_app.command("rename")
def pipeline_rename(
    ctx: typer.Context, store: StoreArg, code: StageArg, name: Annotated[str, typer.Argument(show_default=False)]
) -> None:
    """Give a stage a new name (its code, the orders' status, stays)."""
    from orderdesk.usecases.stages import rename_stage

    _say(commit(ctx, rename_stage, store=store, code=code, name=name))


@pipeline_app.command("move")
def pipeline_move(
    ctx: typer.Context, store: StoreArg, code: StageArg, position: PositionOption = None, after: AfterOption = None
) -> None:
    """Move a stage to another place in the pipeline."""
    from orderdesk.usecases.stages import move_stage

    _one_place(position, after, required=True)
    _say(commit(ctx, move_stage, store=store, code=code, position=position, after=after))


@pipeline_app.command("deactivate")
def pipeline_deactivate(ctx: typer.Context, store: StoreArg, code: StageArg) -> None:
    """Take a stage out of the pipeline; orders already in it stay and can be advanced out of it."""
    from orderdesk.usecases.stages import deactivate_stage

    _say(commit(ctx, deactivate_stage, store=store, code=code))


@pipeline_app.command("activate")
def pipeline_activate(ctx: typer.Context, store: StoreArg, code: StageArg) -> None:
    """Put a deactivated stage back in the pipeline."""
    from orderdesk.usecases.stages import activate_stage

    _say(commit(ctx, activate_stage, store=store, code=code))


@pipeline_app.command("limit")
def pipeline_limit(
    ctx: typer.Context,
    store: StoreArg,
    code: StageArg,
    duration: Annotated[str, typer.Argument(help='e.g. "1h", "1h 30m", "2d", or "none".', show_default=False)],
) -> None:
    """Set a stage's time limit; orders already in it are due by the new one, counted from when they entered."""
    from orderdesk.usecases.stages import set_limit

    seconds = _limit(duration, "limit")
    _say(commit(ctx, set_limit, store=store, code=code, time_limit=seconds))


@pipeline_app.command("owner")
def pipeline_owner(
    ctx: typer.Context,
    store: StoreArg,
    code: StageArg,
    owner: Annotated[
        str, typer.Argument(help='"manager", "role:NAME" or logins separated by commas.', show_default=False)
    ],
) -> None:
    """Set whose queue a stage's orders appear in."""
    from orderdesk.usecases.stages import set_owner

    _say(commit(ctx, set_owner, store=store, code=code, owner=owner))


# ------------------------------------------------------------------------------ automoves


@automoves_app.command("list")
def automoves_list(
    ctx: typer.Context,
    store: Annotated[str | None, typer.Argument(help="Only this store's.", show_default=False)] = None,
    as_json: JsonOption = False,
) -> None:
    """The timed moves, with the id `automoves remove` takes."""
    from orderdesk.usecases.automoves import list_automoves

    moves = query(ctx, list_automoves, store=store)
    if as_json:
        print_json(moves)
        return
    rows = [
        [m["id"], m["store"], ", ".join(m["from"]), m["after"], m["to"],
         f"{m['notice']['role']} {m['notice']['before']} before" if m["notice"] else "—"]
        for m in moves
    ]  # fmt: skip
    print_table("timed moves", ["id", "store", "from", "after", "to", "notice"], rows)


@automoves_app.command("add")
def automoves_add(
    ctx: typer.Context,
    store: StoreArg,
    from_: Annotated[list[str], typer.Option("--from", help="A status to move from (repeatable).", show_default=False)],
    after: Annotated[str, typer.Option(help='How long after entering it, e.g. "2w".', show_default=False)],
    to: Annotated[str, typer.Option(help="The status to move to.", show_default=False)],
    notice_role: Annotated[str | None, typer.Option(help="Tell employees with this role before the move.")] = None,
    notice_before: Annotated[str | None, typer.Option(help='How long before, e.g. "1w".')] = None,
) -> None:
    """Add a timed move; orders already in those statuses get it counted from when they entered."""
    from orderdesk.usecases.admin_edits import parse_span
    from orderdesk.usecases.automoves import add_automove

    with user_errors():
        seconds = parse_span(after, field="after")
        before = parse_span(notice_before, field="notice before") if notice_before is not None else None
    _say(commit(
        ctx, add_automove, store=store, from_statuses=from_, after=seconds, to=to, notice_role=notice_role,
        notice_before=before,
    ))  # fmt: skip


@automoves_app.command("remove")
def automoves_remove(
    ctx: typer.Context,
    store: StoreArg,
    ident: Annotated[int, typer.Argument(metavar="ID", help="The id `automoves list` shows.", show_default=False)],
) -> None:
    """Remove a timed move; orders waiting for it are no longer moved by it."""
    from orderdesk.usecases.automoves import remove_automove

    _say(commit(ctx, remove_automove, store=store, ident=ident))
