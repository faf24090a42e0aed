"""What every `orderdesk` command shares: the Typer apps, the options, the state, sessions, errors, output.

The commands live in the modules of `orderdesk.cli`, one group each, which `orderdesk.cli.main` loads;
this module is imported by all of them and imports none of them.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar, get_args

import typer
from typer._click import exceptions as click_errors
from typer.core import TyperGroup

from orderdesk.clock import Clock, SystemClock
from orderdesk.policy.errors import DeskError
from orderdesk.policy.text import escaped

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlmodel import Session

T = TypeVar("T")

MAX_INT = 2**31 - 1  # every integer a command takes (ids, positions, counts) fits a 32-bit INTEGER column


class DeskGroup(TyperGroup):
    """The root command: whatever is refused is one line on stderr, a mistake in the arguments too."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        for arg in args:
            if "\x00" in arg:  # no shell can pass one; no database column can hold one
                fail(f'argument "{arg}": contains a NUL character')
        return super().parse_args(ctx, args)

    def main(self, *args: Any, standalone_mode: bool = True, **extra: Any) -> Any:
        _bound_integers(self)
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **extra)
        try:
            result = super().main(*args, standalone_mode=False, **extra)
        except click_errors.NoArgsIsHelpError as exc:  # a group named alone: its help
            exc.show()
            sys.exit(exc.exit_code)
        except click_errors.UsageError as exc:
            where = exc.ctx.command_path if exc.ctx is not None else "orderdesk"
            typer.echo(escaped(f"{where}: {exc.format_message()} (see {where} --help)"), err=True)
            sys.exit(exc.exit_code)
        except click_errors.ClickException as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except click_errors.Abort:
            typer.echo("orderdesk: aborted", err=True)
            sys.exit(1)
        sys.exit(result if isinstance(result, int) else 0)


def _bound_integers(command: Any) -> None:
    """Every integer parameter of every command refuses what its column cannot hold, naming itself
    (PostgreSQL would say "integer out of range" after the fact, and SQLite's driver overflow)."""
    if getattr(command, "_integers_bound", False):
        return
    for param in command.params:
        described = getattr(param, "type_descriptor", None)
        if described is None or int not in (described.annotation, *get_args(described.annotation)):
            continue
        info = described.parameter_info
        info.max = MAX_INT if info.max is None else min(info.max, MAX_INT)
        info.min = -MAX_INT - 1 if info.min is None else info.min
        param.min, param.max = info.min, info.max
    command._integers_bound = True
    for sub in getattr(command, "commands", {}).values():
        _bound_integers(sub)


app = typer.Typer(
    name="orderdesk",
    cls=DeskGroup,
    help="The order desk: run with no command to open the terminal desk; the commands administer it.",
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
orders_app = typer.Typer(help="Orders: import, list, show, create, claim, assign, explain, print.",
                         no_args_is_help=True)  # fmt: skip
users_app = typer.Typer(help="Employees: list, add, log in and out, presence, unlock.", no_args_is_help=True)
settings_app = typer.Typer(help="Desk settings: show and set.", no_args_is_help=True)
app.add_typer(orders_app, name="orders")
app.add_typer(users_app, name="users")
app.add_typer(settings_app, name="settings")

JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON on stdout.")]
AsOption = Annotated[str, typer.Option("--as", help="The employee who does it (login).", show_default=False)]
LimitOption = Annotated[int, typer.Option(help="At most this many, newest first; 0 = all.", min=0)]
NumberArg = Annotated[str, typer.Argument(help="Order number.", show_default=False)]
Required = Annotated[str, typer.Argument(show_default=False)]  # an order number or a login, no help of its own


def default_db() -> str:
    from platformdirs import user_data_dir

    return str(Path(user_data_dir("orderdesk")) / "orderdesk.db")


@dataclass
class State:
    """What every command shares; tests pass their own with a fixed clock."""

    clock: Clock = field(default_factory=SystemClock)
    db: str = ""
    _engine: Engine | None = None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            from sqlalchemy.exc import ArgumentError, NoSuchModuleError

            from orderdesk.usecases.audit import CLI, Door, through
            from storage.db import database_url, shared_engine

            url = database_url(self.db)
            if url.split("://", 1)[0].split("+", 1)[0] not in ("sqlite", "postgresql"):
                fail(f"--db {self.db}: not a database orderdesk uses ({DB_FORMS})")
            try:
                # the operator's door: audited as the CLI with this OS user and host, whoever --as names
                self._engine = through(engine=shared_engine(self.db), door=Door.of_this_process(CLI))
            except (ArgumentError, NoSuchModuleError) as exc:
                fail(f"--db {self.db}: {str(exc).splitlines()[0]} ({DB_FORMS})")
        return self._engine


DB_FORMS = "a SQLite file path, sqlite:///PATH, or postgresql+psycopg://USER@HOST/DATABASE"


def fail(message: str) -> NoReturn:
    """One line on stderr, exit 1; what it quotes of the input is shown, never obeyed (a line break,
    a right-to-left override)."""
    typer.echo(f"orderdesk: {escaped(message)}", err=True)
    raise typer.Exit(1)


@contextmanager
def user_errors() -> Iterator[None]:
    """A user's mistake is one line on stderr and exit code 1, never a traceback."""
    from sqlalchemy.exc import DBAPIError

    from storage.db import number_out_of_range

    try:
        yield
    except DeskError as exc:
        fail(str(exc))
    except DBAPIError as exc:  # the database refused: locked, unreachable, a value it cannot store
        if number_out_of_range(exc):
            fail("a number given is too large")
        fail(f"database error: {str(exc.orig).strip().splitlines()[0]}")
    except OverflowError:  # an id or number the database cannot even hold
        fail("a number given is too large")


def parsed(text: str | None, parse: Callable[[str], Any], what: str) -> Any:
    """An option's text through `parse`; its ValueError is one line naming the option, exit 1."""
    if text is None:
        return None
    try:
        return parse(text)
    except ValueError as exc:
        fail(f"{what}: {exc}")


def state(ctx: typer.Context) -> State:
    return ctx.find_root().obj  # type: ignore[no-any-return]


def ready_engine(ctx: typer.Context) -> Engine:
    """The engine of a database that has the current schema, or a one-line error saying what to do."""
    st = state(ctx)
    from storage.db import database_url
    from storage.migrate import current_revision, latest_revision

    url = database_url(st.db)
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        fail(f"no database at {st.db}; create it with `orderdesk --db {st.db} init`")
    with user_errors():
        revision = current_revision(st.engine)
    if revision is None:
        fail(f"{st.db} is not an orderdesk database yet; run `orderdesk --db {st.db} init`")
    if revision != latest_revision():
        fail(f"{st.db} has an older schema ({revision}); run `orderdesk --db {st.db} init` to upgrade it")
    return st.engine


@contextmanager
def writing(ctx: typer.Context) -> Iterator[Session]:
    from storage.db import write_session

    with user_errors(), write_session(ready_engine(ctx)) as session:
        yield session


@contextmanager
def reading(ctx: typer.Context) -> Iterator[Session]:
    from storage.db import read_session

    with user_errors(), read_session(ready_engine(ctx)) as session:
        yield session


def commit(ctx: typer.Context, use_case: Callable[..., T], **arguments: Any) -> T:
    """One use case in one transaction, with the command's clock; committed before it returns."""
    with writing(ctx) as session:
        return use_case(session=session, clock=state(ctx).clock, **arguments)


def query(ctx: typer.Context, view: Callable[..., T], **arguments: Any) -> T:
    """One read model in a read-only session."""
    with reading(ctx) as session:
        return view(session=session, **arguments)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def console() -> Any:
    from rich.console import Console

    return Console()


def table(title: str | None, columns: list[str], rows: list[list[Any]]) -> Any:
    from rich.table import Table

    t = Table(title=title, title_justify="left", header_style="bold")
    for column in columns:
        t.add_column(column, justify="right" if column in ("total", "count", "sum", "open", "qty", "price") else "left")
    for row in rows:
        t.add_row(*["" if v is None else str(v) for v in row])
    return t


def print_table(title: str | None, columns: list[str], rows: list[list[Any]]) -> None:
    console().print(table(title, columns, rows))


def print_pass(result: Any, as_json: bool) -> None:
    """What a distribution pass did: each order and its new manager, and how many still wait (D4)."""
    if as_json:
        print_json(result.as_dict())
        return
    for number, login in result.assigned:
        typer.echo(f"{number} → {login}")
    typer.echo(f"assigned {len(result.assigned)}; {result.left} still waiting for a free manager")
