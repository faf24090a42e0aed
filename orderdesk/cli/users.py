"""`orderdesk users list|add|login|logout|set-status|unlock`: employees, their presence at the desk, locked logins."""

from __future__ import annotations

from typing import Annotated

import typer

from orderdesk.cli.core import (
    JsonOption,
    Required,
    commit,
    fail,
    print_json,
    print_pass,
    print_table,
    query,
    state,
    users_app,
    writing,
)


@users_app.command("list")
def users_list(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Employees with their roles, groups and presence."""
    from orderdesk.usecases.accounts import list_employees

    employees = query(ctx, list_employees)
    if as_json:
        print_json(employees)
        return
    rows = [
        [e["login"], e["name"], ", ".join(e["roles"]), ", ".join(e["groups"]), e["city"],
         "yes" if e["active"] else "no", e["presence"]]
        for e in employees
    ]  # fmt: skip
    print_table(None, ["login", "name", "roles", "groups", "city", "active", "presence"], rows)


@users_app.command("add")
def users_add(
    ctx: typer.Context,
    login: Required,
    name: Annotated[str, typer.Option(help="Full name.", show_default=False)],
    role: Annotated[list[str], typer.Option("--role", help="A role (repeat for several).", show_default=False)],
    password: Annotated[
        str | None, typer.Option(envvar="ORDERDESK_PASSWORD", help="Asked for at a terminal if not given.")
    ] = None,
    group: Annotated[list[str] | None, typer.Option("--group", help="A user group (repeatable).")] = None,
    city: Annotated[str | None, typer.Option()] = None,
    email: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Add an employee."""
    from orderdesk.usecases.accounts import add_employee

    password = password or _asked_password()
    commit(ctx, add_employee, login=login, name=name, roles=role, password=password, groups=group or [],
           city=city, email=email)  # fmt: skip
    typer.echo(f"added {login}")


def _asked_password() -> str:
    """Typed twice at a terminal, or two lines on a pipe; nothing to read is one line, not a prompt that
    can only fail (ORDERDESK_PASSWORD= set empty in a script)."""
    import sys

    if sys.stdin.isatty():
        return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))
    first, again = sys.stdin.readline().rstrip("\r\n"), sys.stdin.readline().rstrip("\r\n")
    if not first:
        fail("password: none given (--password, ORDERDESK_PASSWORD, or run it at a terminal to type it)")
    if again and again != first:
        fail("password: the two lines differ")
    return first


@users_app.command("login")
def users_login(ctx: typer.Context, login: Required) -> None:
    """Log an employee in (as a desk does); the login lasts while heartbeats come (session_timeout)."""
    from orderdesk.usecases.assignment import distribute_pending
    from orderdesk.usecases.presence import log_in
    from orderdesk.views.lookup import get_employee

    clock = state(ctx).clock
    with writing(ctx) as session:
        log_in(session=session, actor=login, clock=clock, host="cli")
        free = get_employee(session, login).presence == "free"
        # back at the desk and free: waiting orders can go to him now (D4), in the same transaction
        result = distribute_pending(session=session, clock=clock) if free else None
    typer.echo(f"{login} logged in" + (" (free)" if free else ""))
    if result is not None:
        print_pass(result, as_json=False)


@users_app.command("logout")
def users_logout(ctx: typer.Context, login: Required) -> None:
    """Log an employee out of every desk; he goes offline."""
    from orderdesk.usecases.presence import log_out

    commit(ctx, log_out, actor=login)
    typer.echo(f"{login} logged out")


@users_app.command("set-status")
def users_set_status(
    ctx: typer.Context,
    login: Required,
    status: Annotated[str, typer.Argument(help="free, busy, break or offline", show_default=False)],
    as_json: JsonOption = False,
) -> None:
    """Set an employee's presence; turning free hands him waiting orders at once (D4)."""
    from orderdesk.usecases.assignment import distribute_pending
    from orderdesk.usecases.presence import set_presence

    clock = state(ctx).clock
    with writing(ctx) as session:
        set_presence(session=session, actor=login, clock=clock, presence=status)
        result = distribute_pending(session=session, clock=clock) if status == "free" else None
    if result is None:
        if as_json:
            print_json({"login": login, "presence": status})
        else:
            typer.echo(f"{login} is {status}")
        return
    if not as_json:
        typer.echo(f"{login} is free")
    print_pass(result, as_json)


@users_app.command("unlock")
def users_unlock(ctx: typer.Context, login: Required) -> None:
    """Lift the lock that failed sign-ins put on a login (settings signin.*), and forget its failures."""
    from orderdesk.usecases.accounts import unlock_login

    if commit(ctx, unlock_login, login=login):
        typer.echo(f"{login} unlocked")
    else:
        typer.echo(f"{login} is not locked and has no failed sign-ins to forget")
