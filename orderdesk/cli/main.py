"""`orderdesk`: the admin command line, and the composition root that starts the TUI.

Thin: parse, call a use case, print (Rich tables for people, `--json` for scripts). Heavy modules
(Textual, APScheduler, Alembic) are imported only by the commands that need them, because admins
and scripts call this many times a minute.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from orderdesk.cli.core import (  # noqa: F401  (State: tests build theirs from here)
    AsOption,
    JsonOption,
    State,
    app,
    console,
    default_db,
    fail,
    orders_app,
    parsed,
    print_json,
    reading,
    ready_engine,
    settings_app,
    state,
    table,
    user_errors,
    users_app,
    writing,
)

if TYPE_CHECKING:
    from sqlmodel import Session


@app.callback(invoke_without_command=True)
def main_callback(
    ctx: typer.Context,
    db: Annotated[
        Optional[str],
        typer.Option("--db", envvar="ORDERDESK_DB", help="Database: a file path or a SQLAlchemy URL."),
    ] = None,
) -> None:
    if ctx.obj is None:
        ctx.obj = State()
    ctx.obj.db = db or ctx.obj.db or default_db()
    if ctx.invoked_subcommand is None:
        run_tui(ctx)


def run_tui(ctx: typer.Context) -> None:
    """The terminal desk, with the scheduler thread beside it (setting scheduler.in_desk): whichever
    desk holds the lease does the timed work for all of them."""
    engine = ready_engine(ctx)
    import logging

    from orderdesk.api.desk import Desk
    from orderdesk.api.jobs import scheduler_settings
    from screens.app import OrderDeskApp

    clock = state(ctx).clock
    desk_app = OrderDeskApp(desk=Desk(engine, clock))
    runner = None
    with user_errors():
        in_desk = scheduler_settings(engine).in_desk
    if in_desk:
        from scheduler.runner import DeskScheduler

        # no log lines over the screen: a failed job is told as a notification instead
        for name in ("orderdesk.scheduler", "apscheduler"):
            logging.getLogger(name).addHandler(logging.NullHandler())
            logging.getLogger(name).propagate = False

        def told(job: str, result: dict[str, Any]) -> None:
            if not result.get("ok") and desk_app.is_running:
                message = f"scheduler job {job} failed: {result['error']}"
                desk_app.call_from_thread(desk_app.notify, message, severity="error", timeout=10)

        runner = DeskScheduler(engine, clock, on_round=told)
        runner.start()
    try:
        desk_app.run()
    finally:
        if runner is not None:
            runner.shutdown()


# ----------------------------------------------------------------------------------- set-up


@app.command()
def init(
    ctx: typer.Context,
    sample: Annotated[bool, typer.Option("--sample", help="Also load sample_data/ (demo stores, staff, orders).")] = False,
) -> None:
    """Create the database schema, or upgrade it to the current version."""
    st = state(ctx)
    from storage.db import database_url
    from storage.migrate import upgrade

    url = database_url(st.db)
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    with user_errors():
        from storage.migrate import current_revision

        before = current_revision(st.engine)
        upgrade(st.engine)
    typer.echo(f"schema ready in {st.db}", err=True)
    if before is not None and before < "0004":
        # timed moves are found by `move_due_at`, which older databases do not have yet
        from sqlmodel import select

        from orderdesk.usecases.pipeline import recompute_due
        from storage.models import Store

        with writing(ctx) as session:
            changed = sum(recompute_due(session, store_id=store_id, now=st.clock.now())
                          for store_id in session.exec(select(Store.id)))  # fmt: skip
        typer.echo(f"due times of {changed} waiting orders counted for the scheduler", err=True)
    if sample:
        from orderdesk.config.schema import read_config
        from orderdesk.files.orders_file import read_orders
        from orderdesk.files.sample import sample_files, shift_to
        from orderdesk.usecases.import_orders import import_orders
        from orderdesk.usecases.load_config import apply_config

        with user_errors():
            config_path, orders_path = sample_files()
            config = read_config(config_path)
            rows = shift_to(read_orders(orders_path), st.clock.now())
        with writing(ctx) as session:
            apply_config(session=session, config=config, clock=st.clock, source=str(config_path))
            result = import_orders(session=session, rows=rows, clock=st.clock, source=str(orders_path))
        typer.echo(f"sample data loaded: {len(result.imported)} orders", err=True)


@app.command()
def load(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="Configuration file (TOML).", show_default=False)],
    as_json: JsonOption = False,
) -> None:
    """Load stores, groups, employees, customers, pipelines, timed moves and settings (idempotent)."""
    from orderdesk.config.schema import read_config
    from orderdesk.usecases.load_config import apply_config

    with user_errors():
        config = read_config(file)
    with writing(ctx) as session:
        summary = apply_config(session=session, config=config, clock=state(ctx).clock, source=str(file))
    if as_json:
        print_json({section: dict(counts) for section, counts in summary.items()})
        return
    rows = [
        [section, c["created"], c["updated"], c["unchanged"], c["deactivated"]] for section, c in summary.items()
    ]
    console().print(table(f"loaded {file}", ["section", "created", "updated", "unchanged", "deactivated"], rows))


# ----------------------------------------------------------------------------------- orders


@orders_app.command("import")
def orders_import(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="Orders as JSON (a list) or CSV (a row per item).", show_default=False)],
    as_json: JsonOption = False,
) -> None:
    """Import orders, all or nothing; numbers that already exist are skipped and reported."""
    from orderdesk.files.orders_file import read_orders
    from orderdesk.usecases.import_orders import import_orders

    with user_errors():
        rows = read_orders(file)
    with progress_bar(enabled=not as_json and sys.stderr.isatty(), label="importing") as advance:
        with writing(ctx) as session:
            result = import_orders(session=session, rows=rows, clock=state(ctx).clock, source=str(file), progress=advance)
    if as_json:
        print_json(result.as_dict())
        return
    typer.echo(f"imported {len(result.imported)} orders ({result.customers_created} new customers)")
    if result.skipped:
        shown = ", ".join(result.skipped[:10]) + (", …" if len(result.skipped) > 10 else "")
        typer.echo(f"skipped {len(result.skipped)} that already exist: {shown}")


@contextmanager
def progress_bar(*, enabled: bool, label: str) -> Iterator[Callable[[int, int], None] | None]:
    if not enabled:
        yield None
        return
    from rich.progress import Progress

    with Progress(console=console().__class__(stderr=True), transient=True) as progress:
        task = progress.add_task(label, total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        yield advance


@orders_app.command("list")
def orders_list(
    ctx: typer.Context,
    status: Annotated[Optional[str], typer.Option(help="Only orders in this status (stage code).")] = None,
    manager: Annotated[Optional[str], typer.Option(help="Only this manager's orders (login).")] = None,
    unassigned: Annotated[bool, typer.Option("--unassigned", help="Only orders with no manager.")] = False,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only orders past their stage's time limit.")] = False,
    store: Annotated[Optional[str], typer.Option(help="Only this store's orders (code).")] = None,
    limit: Annotated[int, typer.Option(help="At most this many, newest first; 0 = all.", min=0)] = 500,
    as_json: JsonOption = False,
) -> None:
    """Orders, newest first."""
    from orderdesk.views.lookup import get_employee, store_id
    from orderdesk.views.orders import list_orders
    from storage.queries import OrderFilter

    now = state(ctx).clock.now()
    with reading(ctx) as session:
        flt = OrderFilter(
            status=status,
            manager_id=get_employee(session, manager).id if manager else None,
            unassigned=unassigned,
            overdue_at=now if overdue else None,
            store_id=store_id(session, store) if store else None,
        )
        page = list_orders(session=session, now=now, flt=flt, limit=limit or None, with_items=as_json)
    if as_json:
        print_json(page.rows)
    else:
        rows = [
            [o["number"], o["store"], o["status"] + (" (late)" if o["overdue"] else ""), o["customer"]["name"],
             o["manager"] or "—", o["total"], o["created_at"]]
            for o in page.rows
        ]  # fmt: skip
        console().print(table(None, ["number", "store", "status", "customer", "manager", "total", "created"], rows))
    if page.total > len(page.rows):
        typer.echo(f"showing {len(page.rows)} of {page.total}; use --limit 0 for all", err=True)


@orders_app.command("show")
def orders_show(
    ctx: typer.Context,
    number: Annotated[str, typer.Argument(help="Order number.", show_default=False)],
    as_json: JsonOption = False,
) -> None:
    """One order with its items, customer, manager, stage and due time."""
    from orderdesk.views.orders import show_order

    with reading(ctx) as session:
        order = show_order(session=session, number=number, now=state(ctx).clock.now())
    if as_json:
        print_json(order)
        return
    c = order["customer"]
    lines = [
        f"order {order['number']}  store {order['store']}  channel {order['channel']}  type {order['type']}",
        f"status   {order['status']} ({order['stage']})" + ("  LATE" if order["overdue"] else ""),
        f"due      {order['stage_due_at'] or '—'}",
        f"payment  {order['payment_method'] or '—'}, {order['payment_status']}",
        f"delivery {order['delivery']['method'] or '—'}, {order['delivery']['cost']}",
        f"customer {c['name']}  {c['phone'] or ''}  {c['email'] or ''}  {c['city'] or ''}".rstrip(),
        f"manager  {order['manager'] or '— (unassigned)'}   contractor {order['contractor'] or '—'}",
        f"created  {order['created_at']}",
    ]
    out = console()
    out.print("\n".join(lines), highlight=False, markup=False)
    rows = [[i["sku"], i["name"], i["qty"], i["price"], i["discount"]] for i in order["items"]]
    out.print(table(None, ["sku", "name", "qty", "price", "discount"], rows))
    out.print(f"discount {order['discount']}   total {order['total']}", highlight=False)


# ----------------------------------------------------------------------------------- users


@users_app.command("list")
def users_list(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Employees with their roles, groups and presence."""
    from orderdesk.usecases.accounts import list_employees

    with reading(ctx) as session:
        employees = list_employees(session=session)
    if as_json:
        print_json(employees)
        return
    rows = [
        [e["login"], e["name"], ", ".join(e["roles"]), ", ".join(e["groups"]), e["city"],
         "yes" if e["active"] else "no", e["presence"]]
        for e in employees
    ]  # fmt: skip
    console().print(table(None, ["login", "name", "roles", "groups", "city", "active", "presence"], rows))


@users_app.command("add")
def users_add(
    ctx: typer.Context,
    login: Annotated[str, typer.Argument(show_default=False)],
    name: Annotated[str, typer.Option(help="Full name.", show_default=False)],
    role: Annotated[list[str], typer.Option("--role", help="A role (repeat for several).", show_default=False)],
    password: Annotated[
        str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True, envvar="ORDERDESK_PASSWORD")
    ],
    group: Annotated[Optional[list[str]], typer.Option("--group", help="A user group (repeatable).")] = None,
    city: Annotated[Optional[str], typer.Option()] = None,
    email: Annotated[Optional[str], typer.Option()] = None,
) -> None:
    """Add an employee."""
    from orderdesk.usecases.accounts import add_employee

    with writing(ctx) as session:
        add_employee(
            session=session, clock=state(ctx).clock, login=login, name=name, roles=role,
            password=password, groups=group or [], city=city, email=email,
        )  # fmt: skip
    typer.echo(f"added {login}")


# ----------------------------------------------------------------------------------- reports


@app.command()
def audit(
    ctx: typer.Context,
    order: Annotated[Optional[str], typer.Option(help="Only this order's history (number).")] = None,
    limit: Annotated[int, typer.Option(help="At most this many, newest first; 0 = all.", min=0)] = 200,
    as_json: JsonOption = False,
) -> None:
    """The audit log: who or which rule changed what, when, before → after."""
    from orderdesk.views.audit import audit_log

    with reading(ctx) as session:
        events = audit_log(session=session, order_number=order, limit=limit or None)
    if as_json:
        print_json(events)
        return
    rows = [[e["at"], e["actor"] or f"rule: {e['rule']}", e["order"] or "", e["action"], _change(e)] for e in events]
    console().print(table(None, ["at", "who", "order", "action", "change"], rows))


def _change(event: dict[str, Any]) -> str:
    before, after = event["before"] or {}, event["after"] or {}
    if before:
        return ", ".join(f"{k}: {before.get(k)} → {after.get(k)}" for k in sorted(set(before) | set(after)))
    return ", ".join(f"{k}: {v}" for k, v in after.items() if not isinstance(v, dict))


@app.command()
def stats(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Undistributed orders (count and sum, per store) and the load per manager."""
    from orderdesk.views.orders import stats as desk_stats

    with reading(ctx) as session:
        data = desk_stats(session=session)
    if as_json:
        print_json(data)
        return
    u = data["undistributed"]
    out = console()
    rows = [[s["store"], s["name"], s["count"], s["sum"]] for s in u["stores"]]
    rows.append(["all", "", u["count"], u["sum"]])
    out.print(table("undistributed orders", ["store", "name", "count", "sum"], rows))
    rows = [[m["login"], m["name"], m["presence"], m["open"], m["sum"]] for m in data["managers"]]
    out.print(table("open orders per manager", ["login", "name", "presence", "open", "sum"], rows))


# ----------------------------------------------------------------------------------- distribution


def print_pass(result: Any, as_json: bool) -> None:
    if as_json:
        print_json(result.as_dict())
        return
    for number, login in result.assigned:
        typer.echo(f"{number} → {login}")
    typer.echo(f"assigned {len(result.assigned)}; {result.left} still waiting for a free manager")


@app.command()
def distribute(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """One distribution pass now: pending orders to free managers; prints what moved (D4)."""
    from orderdesk.usecases.assignment import distribute_pending

    with writing(ctx) as session:
        result = distribute_pending(session=session, clock=state(ctx).clock)
    print_pass(result, as_json)


@orders_app.command("explain")
def orders_explain(
    ctx: typer.Context,
    number: Annotated[str, typer.Argument(show_default=False)],
    as_json: JsonOption = False,
) -> None:
    """Why an order went to its manager: each candidate and why he was or was not chosen (D6)."""
    from orderdesk.usecases.assignment import explain

    with reading(ctx) as session:
        data = explain(session=session, clock=state(ctx).clock, number=number)
    if as_json:
        print_json(data)
        return
    for line in explanation_lines(data):
        typer.echo(line)


def explanation_lines(data: dict[str, Any]) -> list[str]:
    if data["recorded"]:
        how = {"responsible": "as the customer's responsible manager", "carousel": "by the carousel",
               "claim": "claimed by him", "assign": "assigned by hand", "created": "created by him",
               "saved": "on save (seed 002)"}.get(data["via"] or "", data["via"] or "")  # fmt: skip
        lines = [f"order {data['order']} went to {data['manager']} {how} at {data['at']}"]
    elif data["manager"]:
        lines = [f"order {data['order']} is {data['manager']}'s; {data['note']}"]
    else:
        goes = data.get("would_go_to")
        lines = [f"order {data['order']} is waiting; " + (f"it would go to {goes} now" if goes else data["note"])]
    for c in data["candidates"]:
        lines.append(f"  {'✓' if c['chosen'] else '·'} {c['login']}: {c['reason']}")
    for reason, count in (data.get("more") or {}).items():
        lines.append(f"  · {count} more: {reason}")
    if data["recorded"] and data["note"]:
        lines.append(f"  ({data['note']})")
    return lines


@orders_app.command("claim")
def orders_claim(ctx: typer.Context, number: Annotated[str, typer.Argument(show_default=False)], login: AsOption) -> None:
    """Take an unassigned order (a manager)."""
    from orderdesk.usecases.assignment import claim

    with writing(ctx) as session:
        claim(session=session, clock=state(ctx).clock, login=login, number=number)
    typer.echo(f"{number} is now {login}'s")


@orders_app.command("assign")
def orders_assign(
    ctx: typer.Context,
    number: Annotated[str, typer.Argument(show_default=False)],
    to: Annotated[str, typer.Option("--to", help="The manager who gets it (login).", show_default=False)],
    login: AsOption,
) -> None:
    """Give an order to a manager, or move it to another (a supervisor or admin)."""
    from orderdesk.usecases.assignment import assign

    with writing(ctx) as session:
        assign(session=session, clock=state(ctx).clock, login=login, number=number, to=to)
    typer.echo(f"{number} is now {to}'s")


@orders_app.command("save")
def orders_save(ctx: typer.Context, number: Annotated[str, typer.Argument(show_default=False)], login: AsOption) -> None:
    """Save an order as an employee: seed 002's rules pick its manager if it has none."""
    from orderdesk.usecases.assignment import save_order
    from orderdesk.views.orders import show_order

    clock = state(ctx).clock
    with writing(ctx) as session:
        save_order(session=session, clock=clock, login=login, number=number)
        manager = show_order(session=session, number=number, now=clock.now())["manager"]
    typer.echo(f"{number} saved; its manager is {manager or '— (none yet)'}")


@orders_app.command("create")
def orders_create(
    ctx: typer.Context,
    login: AsOption,
    store: Annotated[str, typer.Option(help="Store code.", show_default=False)],
    customer: Annotated[str, typer.Option(help="Customer's name.", show_default=False)],
    item: Annotated[list[str], typer.Option(help='An item "SKU:name:qty:price" (repeatable).', show_default=False)],
    phone: Annotated[Optional[str], typer.Option()] = None,
    email: Annotated[Optional[str], typer.Option()] = None,
    city: Annotated[Optional[str], typer.Option()] = None,
    channel: Annotated[str, typer.Option(help="Channel code.")] = "phone",
    order_type: Annotated[str, typer.Option("--type", help="Order type code.")] = "regular",
    payment: Annotated[Optional[str], typer.Option(help="Payment method code.")] = None,
    delivery: Annotated[Optional[str], typer.Option(help="Delivery method code.")] = None,
    number: Annotated[Optional[str], typer.Option(help="Order number (default: the next free one).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Create an order as an employee: a manager becomes its manager, else it is distributed (B1, D4)."""
    from pydantic import ValidationError

    from orderdesk.config.fields import first_error
    from orderdesk.files.orders_file import OrderIn
    from orderdesk.usecases.create_order import create_order, next_number
    from orderdesk.views.orders import show_order

    now = state(ctx).clock.now()
    items = []
    for i, text in enumerate(item):
        parts = text.split(":")
        if len(parts) != 4:
            fail(f'--item {i + 1}: "{text}" is not SKU:name:qty:price')
        items.append({"sku": parts[0], "name": parts[1], "qty": parts[2], "price": parts[3]})
    with writing(ctx) as session:
        data = {
            "number": number or next_number(session, store), "store": store, "channel": channel, "type": order_type,
            "created_at": now, "customer": {"name": customer, "phone": phone, "email": email, "city": city},
            "items": items, "payment_method": payment, "delivery": {"method": delivery} if delivery else None,
        }  # fmt: skip
        try:
            order_in = OrderIn.model_validate(data)
        except ValidationError as exc:
            fail(first_error(exc))
        created = create_order(session=session, clock=state(ctx).clock, order=order_in, login=login)
        shown = show_order(session=session, number=created.number, now=now)
    if as_json:
        print_json(shown)
    else:
        typer.echo(f"created {shown['number']} ({shown['total']}); manager: {shown['manager'] or '— (waiting)'}")


# ----------------------------------------------------------------------------------- presence


@users_app.command("login")
def users_login(ctx: typer.Context, login: Annotated[str, typer.Argument(show_default=False)]) -> None:
    """Log an employee in (as a desk does); the login lasts while heartbeats come (session_timeout)."""
    from orderdesk.usecases.assignment import distribute_pending
    from orderdesk.usecases.presence import log_in

    clock = state(ctx).clock
    with writing(ctx) as session:
        log_in(session=session, clock=clock, login=login, host="cli")
        free = get_presence(session, login) == "free"
    typer.echo(f"{login} logged in" + (" (free)" if free else ""))
    if free:  # back at the desk and free: waiting orders can go to him now (D4)
        with writing(ctx) as session:
            print_pass(distribute_pending(session=session, clock=clock), as_json=False)


def get_presence(session: Session, login: str) -> str:
    from orderdesk.views.lookup import get_employee

    return get_employee(session, login).presence


@users_app.command("logout")
def users_logout(ctx: typer.Context, login: Annotated[str, typer.Argument(show_default=False)]) -> None:
    """Log an employee out of every desk; he goes offline."""
    from orderdesk.usecases.presence import log_out

    with writing(ctx) as session:
        log_out(session=session, clock=state(ctx).clock, login=login)
    typer.echo(f"{login} logged out")


@users_app.command("set-status")
def users_set_status(
    ctx: typer.Context,
    login: Annotated[str, typer.Argument(show_default=False)],
    status: Annotated[str, typer.Argument(help="free, busy, break or offline", show_default=False)],
    as_json: JsonOption = False,
) -> None:
    """Set an employee's presence; turning free hands him waiting orders at once (D4)."""
    from orderdesk.usecases.assignment import distribute_pending
    from orderdesk.usecases.presence import set_presence

    clock = state(ctx).clock
    with writing(ctx) as session:
        set_presence(session=session, clock=clock, login=login, presence=status)
    if status != "free":
        if as_json:
            print_json({"login": login, "presence": status})
        else:
            typer.echo(f"{login} is {status}")
        return
    with writing(ctx) as session:
        result = distribute_pending(session=session, clock=clock)
    if not as_json:
        typer.echo(f"{login} is free")
    print_pass(result, as_json)


# ----------------------------------------------------------------------------------- settings


@settings_app.command("show")
def settings_show(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """The desk's settings, defaults included."""
    from orderdesk.config.settings import flatten, read_settings

    with reading(ctx) as session:
        values = flatten(read_settings(session).model_dump())
    if values.get("smtp.password"):
        values["smtp.password"] = "********"  # set, and not shown
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
    from orderdesk.config.settings import write_settings

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
    shown = "********" if key == "smtp.password" else value
    typer.echo(f"{key} = {shown}" + ("" if changed else " (unchanged)"))


# ----------------------------------------------------------------------------------- scheduler

scheduler_app = typer.Typer(help="The scheduler: timed moves, overdue flags, distribution, notifications.",
                            no_args_is_help=True)  # fmt: skip
app.add_typer(scheduler_app, name="scheduler")


def parse_time(text: str, what: str) -> Any:
    from datetime import datetime, timezone

    try:
        at = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        fail(f'{what}: "{text}" is not an ISO time (e.g. 2026-11-25T09:00Z)')
    return at if at.tzinfo else at.replace(tzinfo=timezone.utc)


def print_round(results: dict[str, dict[str, Any]], at: Any) -> None:
    typer.echo(f"tick at {at.isoformat().replace('+00:00', 'Z')}")
    for name, result in results.items():
        if not result.get("ok"):
            typer.echo(f"  {name:<12} FAILED: {result['error']}")
            continue
        detail = ", ".join(f"{k} {len(v) if isinstance(v, list) else v}" for k, v in result.items()
                           if k not in ("ok", "orders"))  # fmt: skip
        typer.echo(f"  {name:<12} {detail or 'nothing due'}")


@app.command()
def tick(
    ctx: typer.Context,
    at: Annotated[Optional[str], typer.Option("--at", help="Run as of this time (ISO; UTC if no zone given).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Run every scheduler job once, as of now or of --at: timed moves and notices, overdue flags,
    distribution, delayed tasks, e-mail. Safe to repeat: what was done is not done again."""
    from orderdesk.api.jobs import run_all
    from orderdesk.clock import FixedClock

    clock = FixedClock(parse_time(at, "--at")) if at else state(ctx).clock
    engine = ready_engine(ctx)
    results = run_all(engine, clock)
    if as_json:
        print_json({"at": clock.now().isoformat().replace("+00:00", "Z"), "jobs": results})
    else:
        print_round(results, clock.now())
    if any(not r.get("ok") for r in results.values()):
        raise typer.Exit(1)


@scheduler_app.command("run")
def scheduler_run(
    ctx: typer.Context,
    holder: Annotated[Optional[str], typer.Option(help="This scheduler's name in the lease (default host:pid).")] = None,
    interval: Annotated[Optional[str], typer.Option(help='Run the jobs this often (default: setting scheduler.interval).')] = None,
    lease: Annotated[Optional[str], typer.Option(help='Lease length (default: setting scheduler.lease).')] = None,
    steps: Annotated[bool, typer.Option("--steps", help="Read the time from stdin, one ISO time a line; run one "
                                        "round for each and print it as a JSON line (scripts, tests).")] = False,
) -> None:
    """The scheduler alone, in the foreground, until Ctrl-C or SIGTERM. Several may run against one
    database: one acts (it holds the lease), the others stand by and take over if it dies."""
    import signal
    import threading

    from orderdesk.clock import FixedClock
    from orderdesk.policy.durations import parse_duration
    from scheduler.runner import DeskScheduler

    engine = ready_engine(ctx)
    options = {"holder": holder, "interval": parsed(interval, parse_duration, "--interval"),
               "lease": parsed(lease, parse_duration, "--lease")}  # fmt: skip
    if steps:
        clock = FixedClock(state(ctx).clock.now())
        runner = DeskScheduler(engine, clock, **options)
        for line in sys.stdin:
            if not line.strip():
                continue
            clock.set(parse_time(line, "stdin"))
            sys.stdout.write(json.dumps(runner.step(), default=str) + "\n")
            sys.stdout.flush()
        return
    import logging

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # not a line per job run
    runner = DeskScheduler(engine, state(ctx).clock, **options)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    runner.start()
    typer.echo(f"scheduler {runner.holder} running every {runner.interval}s "
               f"({'acting' if runner.leader else 'standing by'}); Ctrl-C stops it", err=True)  # fmt: skip
    while not stop.wait(1.0):
        pass
    runner.shutdown()
    typer.echo("scheduler stopped", err=True)


# The commands of the other areas register themselves on the apps above when loaded.
from orderdesk.cli import actions, notifications, pipeline  # noqa: E402,F401


def main() -> None:
    try:
        app(obj=State())
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
