"""`orderdesk orders list|show|explain|claim|assign|save|create|print`: reading orders, giving them managers,
and printing their documents.

The actions on one order (advance, pay, items...) are in `orderdesk.cli.actions`; `orders import` is in
`orderdesk.cli.main` with the other commands that load data.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer

from orderdesk.cli.core import (
    AsOption,
    JsonOption,
    LimitOption,
    NumberArg,
    Required,
    commit,
    console,
    fail,
    orders_app,
    print_json,
    print_table,
    query,
    reading,
    ready_engine,
    state,
    table,
    user_errors,
    writing,
)


@orders_app.command("list")
def orders_list(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option(help="Only orders in this status (stage code).")] = None,
    manager: Annotated[str | None, typer.Option(help="Only this manager's orders (login).")] = None,
    unassigned: Annotated[bool, typer.Option("--unassigned", help="Only orders with no manager.")] = False,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only orders past their stage's time limit.")] = False,
    store: Annotated[str | None, typer.Option(help="Only this store's orders (code).")] = None,
    limit: LimitOption = 500,
    as_json: JsonOption = False,
) -> None:
    """Orders, newest first."""
    from orderdesk.policy.money import format_money
    from orderdesk.policy.timestamps import iso
    from orderdesk.views.lookup import get_employee, store_id
    from orderdesk.views.orders import order_page
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
        page = order_page(session=session, now=now, flt=flt, limit=limit or None, with_items=as_json)
    if as_json:
        print_json(page.to_json())
    else:
        rows = [
            [o.number, o.store, o.status + (" (late)" if o.overdue else ""), o.customer.name, o.manager or "—",
             format_money(o.total), iso(o.created_at)]
            for o in page.rows
        ]  # fmt: skip
        print_table(None, ["number", "store", "status", "customer", "manager", "total", "created"], rows)
    if page.total > len(page.rows):
        typer.echo(f"showing {len(page.rows)} of {page.total}; use --limit 0 for all", err=True)


@orders_app.command("show")
def orders_show(
    ctx: typer.Context,
    number: NumberArg,
    as_json: JsonOption = False,
) -> None:
    """One order with its items, customer, manager, stage and due time."""
    from orderdesk.policy.money import format_money
    from orderdesk.policy.timestamps import iso
    from orderdesk.views.orders import order_shown

    order = query(ctx, order_shown, number=number, now=state(ctx).clock.now())
    if as_json:
        print_json(order.to_json())
        return
    c = order.customer
    lines = [
        f"order {order.number}  store {order.store}  channel {order.channel}  type {order.type}",
        f"status   {order.status} ({order.stage})" + ("  LATE" if order.overdue else ""),
        f"due      {iso(order.stage_due_at) or '—'}",
        f"payment  {order.payment_method or '—'}, {order.payment_status}",
        f"delivery {order.delivery_method or '—'}, {format_money(order.delivery_cost)}",
        f"customer {c.name}  {c.phone or ''}  {c.email or ''}  {c.city or ''}".rstrip(),
        f"manager  {order.manager or '— (unassigned)'}   contractor {order.contractor or '—'}",
        f"created  {iso(order.created_at)}",
    ]
    out = console()
    out.print("\n".join(lines), highlight=False, markup=False)
    rows = [[i.sku, i.name, i.qty, format_money(i.price), format_money(i.discount)] for i in order.items]
    out.print(table(None, ["sku", "name", "qty", "price", "discount"], rows))
    out.print(f"discount {format_money(order.discount)}   total {format_money(order.total)}", highlight=False)


@orders_app.command("explain")
def orders_explain(
    ctx: typer.Context,
    number: Required,
    as_json: JsonOption = False,
) -> None:
    """Why an order went to its manager: each candidate and why he was or was not chosen (D6)."""
    from orderdesk.usecases.explain import explain

    data = query(ctx, explain, clock=state(ctx).clock, number=number)
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
def orders_claim(ctx: typer.Context, number: Required, login: AsOption) -> None:
    """Take an unassigned order (a manager)."""
    from orderdesk.usecases.assignment import claim

    commit(ctx, claim, actor=login, number=number)
    typer.echo(f"{number} is now {login}'s")


@orders_app.command("assign")
def orders_assign(
    ctx: typer.Context,
    number: Required,
    to: Annotated[str, typer.Option("--to", help="The manager who gets it (login).", show_default=False)],
    login: AsOption,
) -> None:
    """Give an order to a manager, or move it to another (a supervisor or admin)."""
    from orderdesk.usecases.assignment import assign

    commit(ctx, assign, actor=login, number=number, to=to)
    typer.echo(f"{number} is now {to}'s")


@orders_app.command("save")
def orders_save(ctx: typer.Context, number: Required, login: AsOption) -> None:
    """Save an order as an employee: seed 002's rules pick its manager if it has none."""
    from orderdesk.usecases.assignment import save_order
    from orderdesk.views.orders import order_shown

    clock = state(ctx).clock
    with writing(ctx) as session:
        save_order(session=session, actor=login, clock=clock, number=number)
        manager = order_shown(session=session, number=number, now=clock.now()).manager
    typer.echo(f"{number} saved; its manager is {manager or '— (none yet)'}")


@orders_app.command("create")
def orders_create(
    ctx: typer.Context,
    login: AsOption,
    store: Annotated[str, typer.Option(help="Store code.", show_default=False)],
    customer: Annotated[str, typer.Option(help="Customer's name.", show_default=False)],
    item: Annotated[list[str], typer.Option(help='An item "SKU:name:qty:price" (repeatable).', show_default=False)],
    phone: Annotated[str | None, typer.Option()] = None,
    email: Annotated[str | None, typer.Option()] = None,
    city: Annotated[str | None, typer.Option()] = None,
    channel: Annotated[str, typer.Option(help="Channel code.")] = "phone",
    order_type: Annotated[str, typer.Option("--type", help="Order type code.")] = "regular",
    payment: Annotated[str | None, typer.Option(help="Payment method code.")] = None,
    delivery: Annotated[str | None, typer.Option(help="Delivery method code.")] = None,
    number: Annotated[str | None, typer.Option(help="Order number (default: the next free one).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Create an order as an employee: a manager becomes its manager, else it is distributed (B1, D4)."""
    from pydantic import ValidationError

    from orderdesk.config.fields import first_error
    from orderdesk.files.orders_file import OrderIn
    from orderdesk.policy.money import format_money
    from orderdesk.usecases.create_order import create_order, next_number
    from orderdesk.views.orders import order_shown

    now = state(ctx).clock.now()
    items = parse_items(item)
    with writing(ctx) as session:
        data = {
            "number": number or next_number(session=session, store=store), "store": store, "channel": channel,
            "type": order_type,
            "created_at": now, "customer": {"name": customer, "phone": phone, "email": email, "city": city},
            "items": items, "payment_method": payment, "delivery": {"method": delivery} if delivery else None,
        }  # fmt: skip
        try:
            order_in = OrderIn.model_validate(data)
        except ValidationError as exc:
            fail(first_error(exc))
        created = create_order(session=session, actor=login, clock=state(ctx).clock, order=order_in)
        shown = order_shown(session=session, number=created.number, now=now)
    if as_json:
        print_json(shown.to_json())
    else:
        typer.echo(f"created {shown.number} ({format_money(shown.total)}); manager: {shown.manager or '— (waiting)'}")


def parse_items(texts: list[str]) -> list[dict[str, str]]:
    """`--item "SKU:name:qty:price"` options as the order file's items (checked with the rest of the order)."""
    items = []
    for i, text in enumerate(texts):
        parts = text.split(":")
        if len(parts) != 4:
            fail(f'--item {i + 1}: "{text}" is not SKU:name:qty:price')
        items.append({"sku": parts[0], "name": parts[1], "qty": parts[2], "price": parts[3]})
    return items


# ----------------------------------------------------------------------------------- documents (S8)


class DocChoice(str, Enum):  # noqa: UP042 (a StrEnum would print differently in Typer's help)
    waybill = "waybill"
    invoice = "invoice"
    slip = "slip"


@orders_app.command("print")
def orders_print(
    ctx: typer.Context,
    login: AsOption,
    doc: Annotated[
        DocChoice, typer.Option("--doc", help="The document: waybill, invoice or slip (ПД-4).", show_default=False)
    ],  # fmt: skip
    number: Annotated[str | None, typer.Argument(help="Order number (or --store and --status).")] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--output",
            help="The PDF file to write (a folder: the default name in it).",
            show_default="NUMBER-DOC.pdf, or STORE-STATUS-DOC-DAY.pdf for a stage",
        ),
    ] = None,  # fmt: skip
    store: Annotated[str | None, typer.Option(help="A stage's batch: the store (code).")] = None,
    status: Annotated[str | None, typer.Option(help="A stage's batch: the status (stage code).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Write an order's waybill, invoice or payment slip as PDF, or a stage's batch in one file (each order on
    its own pages). Printing is audited."""
    from orderdesk.api.printing import print_file

    if number is not None and (store is not None or status is not None):
        fail("give an order number, or --store and --status for a stage's batch, not both")
    if number is None and (store is None or status is None):
        missing = "--status" if store is not None else "--store" if status is not None else "an order number"
        fail(f"{missing} missing: give an order number, or --store and --status for a stage's batch")
    if out is not None and not out.is_dir() and not out.parent.is_dir():
        fail(f"-o {out}: the folder {out.parent} does not exist")

    def where(_session: object, name: str) -> Path:
        return out / name if out is not None and out.is_dir() else out or Path(name)

    with user_errors():  # read and checked without the write lock, laid out outside any transaction
        printed = print_file(ready_engine(ctx), state(ctx).clock, actor=login, doc=doc.value,
                             numbers=(number,) if number is not None else (), store=store, status=status,
                             target=where)  # fmt: skip
    path, pages = printed.path, printed.pages
    if as_json:
        print_json({"file": str(path), "doc": printed.doc, "orders": list(printed.numbers), "pages": pages})
        return
    what = printed.numbers[0] if len(printed.numbers) == 1 else f"{len(printed.numbers)} orders"
    typer.echo(f"{path}: {printed.doc} of {what}, {pages} page{'s' if pages != 1 else ''}")
