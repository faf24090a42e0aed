"""`orderdesk` commands: actions (registered on the apps of `orderdesk.cli.core` when `orderdesk.cli.main` loads this).

`orders advance|move|pay|item-add|item-set|item-remove|delivery|discount|link|unlink|contractor`:
each calls one use case of `orderdesk.usecases.order_moves`, `order_edits` or `order_links` and prints
one line saying what happened, or with `--json` the order as it is now.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import typer

from orderdesk.cli.core import (
    AsOption,
    JsonOption,
    NumberArg,
    orders_app,
    parsed,
    print_json,
    state,
    writing,
)

if TYPE_CHECKING:
    from sqlmodel import Session

    from orderdesk.clock import Clock
    from orderdesk.usecases.acting import Done


def _act(ctx: typer.Context, as_json: bool, run: Callable[[Session, Clock], Done]) -> None:
    """Run one action in one transaction; print what it did once it is committed."""
    from orderdesk.usecases.acting import describe
    from orderdesk.views.orders import order_shown

    clock = state(ctx).clock
    with writing(ctx) as session:
        done = run(session, clock)
        shown = order_shown(session=session, number=done.order.number, now=clock.now()) if as_json else None
        line = describe(session=session, done=done)
    if shown is not None:
        print_json(shown.to_json())
    else:
        typer.echo(line)


def _money(value: str | None, option: str) -> int | None:
    from orderdesk.policy.money import parse_money

    return parsed(value, parse_money, option)  # type: ignore[no-any-return]


# ----------------------------------------------------------------------------------- status


@orders_app.command("advance")
def orders_advance(ctx: typer.Context, number: NumberArg, login: AsOption, as_json: JsonOption = False) -> None:
    """Move an order to the next stage that applies to its payment and delivery methods (S2)."""
    from orderdesk.usecases.order_moves import advance

    _act(ctx, as_json, lambda s, c: advance(session=s, actor=login, clock=c, number=number))


@orders_app.command("move")
def orders_move(
    ctx: typer.Context,
    number: NumberArg,
    status: Annotated[str, typer.Argument(help="The status (stage code) to move it to.", show_default=False)],
    login: AsOption,
    as_json: JsonOption = False,
) -> None:
    """Move an order to any status of its store, side and closed ones included."""
    from orderdesk.usecases.order_moves import move_to

    _act(ctx, as_json, lambda s, c: move_to(session=s, actor=login, clock=c, number=number, status=status))


@orders_app.command("pay")
def orders_pay(
    ctx: typer.Context,
    number: NumberArg,
    login: AsOption,
    status: Annotated[str, typer.Option(help="paid, unpaid or refunded.")] = "paid",
    as_json: JsonOption = False,
) -> None:
    """Mark an order paid (or unpaid, or refunded): its payment status, apart from its stage."""
    from orderdesk.usecases.order_edits import set_payment

    _act(ctx, as_json, lambda s, c: set_payment(session=s, actor=login, clock=c, number=number, status=status))


# ----------------------------------------------------------------------------------- items


@orders_app.command("item-add")
def orders_item_add(
    ctx: typer.Context,
    number: NumberArg,
    login: AsOption,
    sku: Annotated[str, typer.Option(help="Article code.", show_default=False)],
    name: Annotated[str, typer.Option(help="Item name.", show_default=False)],
    qty: Annotated[int, typer.Option(help="Quantity.", show_default=False)],
    price: Annotated[str, typer.Option(help='Unit price, e.g. "12.50".', show_default=False)],
    discount: Annotated[str, typer.Option(help="Discount on the line.")] = "0",
    as_json: JsonOption = False,
) -> None:
    """Add an item to an open order; the total is recalculated."""
    from orderdesk.usecases.order_edits import add_item

    minor_price, minor_discount = _money(price, "--price"), _money(discount, "--discount")
    _act(ctx, as_json, lambda s, c: add_item(
        session=s, actor=login, clock=c, number=number, sku=sku, name=name, qty=qty,
        price=minor_price, discount=minor_discount,  # type: ignore[arg-type]
    ))  # fmt: skip


@orders_app.command("item-set")
def orders_item_set(
    ctx: typer.Context,
    number: NumberArg,
    sku: Annotated[str, typer.Argument(help="The item's article code.", show_default=False)],
    login: AsOption,
    qty: Annotated[int | None, typer.Option(help="New quantity.")] = None,
    price: Annotated[str | None, typer.Option(help="New unit price.")] = None,
    discount: Annotated[str | None, typer.Option(help="New discount on the line.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Change an item's quantity, price or discount; the total is recalculated."""
    from orderdesk.usecases.order_edits import change_item

    minor_price, minor_discount = _money(price, "--price"), _money(discount, "--discount")
    _act(ctx, as_json, lambda s, c: change_item(
        session=s, actor=login, clock=c, number=number, sku=sku, qty=qty, price=minor_price, discount=minor_discount,
    ))  # fmt: skip


@orders_app.command("item-remove")
def orders_item_remove(
    ctx: typer.Context,
    number: NumberArg,
    sku: Annotated[str, typer.Argument(help="The item's article code.", show_default=False)],
    login: AsOption,
    as_json: JsonOption = False,
) -> None:
    """Remove an item (not the last one); the total is recalculated."""
    from orderdesk.usecases.order_edits import remove_item

    _act(ctx, as_json, lambda s, c: remove_item(session=s, actor=login, clock=c, number=number, sku=sku))


# ----------------------------------------------------------------------------------- delivery, discount


@orders_app.command("delivery")
def orders_delivery(
    ctx: typer.Context,
    number: NumberArg,
    method: Annotated[str, typer.Argument(help="Delivery method code.", show_default=False)],
    login: AsOption,
    cost: Annotated[str | None, typer.Option(help="Delivery cost (default: the method's price).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Change the delivery method (and cost); the total is recalculated."""
    from orderdesk.usecases.order_edits import set_delivery

    minor_cost = _money(cost, "--cost")
    _act(ctx, as_json, lambda s, c: set_delivery(
        session=s, actor=login, clock=c, number=number, method=method, cost=minor_cost,
    ))  # fmt: skip


@orders_app.command("discount")
def orders_discount(
    ctx: typer.Context,
    number: NumberArg,
    amount: Annotated[str, typer.Argument(help='The discount, e.g. "5.00" (0 removes it).', show_default=False)],
    login: AsOption,
    item: Annotated[str | None, typer.Option("--item", help="On this item (article code), not the order.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Set the discount on an order or on one of its items; the total is recalculated."""
    from orderdesk.usecases.order_edits import set_discount

    minor = _money(amount, "AMOUNT")
    _act(ctx, as_json, lambda s, c: set_discount(
        session=s, actor=login, clock=c, number=number, amount=minor, sku=item,  # type: ignore[arg-type]
    ))  # fmt: skip


# ----------------------------------------------------------------------------------- links, contractor


@orders_app.command("link")
def orders_link(
    ctx: typer.Context,
    number: NumberArg,
    other: Annotated[str, typer.Argument(help="The order to link it to.", show_default=False)],
    login: AsOption,
    as_json: JsonOption = False,
) -> None:
    """Link two orders (the link reads both ways)."""
    from orderdesk.usecases.order_links import link

    _act(ctx, as_json, lambda s, c: link(session=s, actor=login, clock=c, number=number, other=other))


@orders_app.command("unlink")
def orders_unlink(
    ctx: typer.Context,
    number: NumberArg,
    other: Annotated[str, typer.Argument(help="The linked order.", show_default=False)],
    login: AsOption,
    as_json: JsonOption = False,
) -> None:
    """Remove the link between two orders."""
    from orderdesk.usecases.order_links import unlink

    _act(ctx, as_json, lambda s, c: unlink(session=s, actor=login, clock=c, number=number, other=other))


@orders_app.command("contractor")
def orders_contractor(
    ctx: typer.Context,
    number: NumberArg,
    login: AsOption,
    contractor: Annotated[str | None, typer.Argument(help="The contractor (login).", show_default=False)] = None,
    none: Annotated[bool, typer.Option("--none", help="Take the order away from its contractor.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Give an order to a contractor, who then sees it (A1), or with --none to no one."""
    from orderdesk.usecases.order_links import set_contractor

    if contractor is not None and none:
        raise typer.BadParameter("give the contractor's LOGIN or --none, not both")
    if contractor is None and not none:
        raise typer.BadParameter("give the contractor's LOGIN or --none")
    _act(ctx, as_json, lambda s, c: set_contractor(
        session=s, actor=login, clock=c, number=number, contractor=contractor,
    ))  # fmt: skip
