"""`orderdesk rules list|show|add|remove|move|enable|disable`: the task rules (seed 001, DESIGN T1–T7).

`rules add` checks a rule as `orderdesk load` checks the `[[rules]]` of a file, with the same messages.
`app` is the `rules` group (registered by `orderdesk.cli.main`); other modules add commands to it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from orderdesk.cli.core import JsonOption, commit, console, print_json, reading, user_errors

if TYPE_CHECKING:
    from orderdesk.policy.rules import TaskRule
    from orderdesk.usecases.rule_defs import RuleNames

app = typer.Typer(
    help="Task rules (seed 001): list, show, add, remove, move, enable, disable, and the log of every run.",
    no_args_is_help=True,
)

NameArg = Annotated[str, typer.Argument(metavar="NAME", help="The rule's name.", show_default=False)]
RATIOS = {"name": 6, "event": 5, "orders": 4, "employee": 4, "task": 3}
EVENT_WORDS = {"order_created": "created", "status_changed": "status", "overdue": "overdue"}


def _say(change: Any) -> None:
    typer.echo(change.summary + ("" if change.changed else " (unchanged)"))


# ------------------------------------------------------------------------------ reading


@app.command("list")
def rules_list(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """The rules in the order they are tried: position (priority) first, then name."""
    from orderdesk.usecases.rule_defs import list_rules, rule_json, rule_names

    with reading(ctx) as session:
        rules = list_rules(session=session)
        names = rule_names(session=session)
    if as_json:
        print_json([rule_json(r) for r in rules])
        return
    if not rules:
        typer.echo("no task rules yet (add them with `orderdesk rules add` or [[rules]] in a config file)")
        return
    rows = [
        [str(r.priority), r.name + ("" if r.enabled else " (off)") + (" ↓" if r.continues else ""),
         event_text(r, names), conditions_text(r, short=True), employee_text(r), timing_text(r)]
        for r in rules
    ]  # fmt: skip
    console().print(_table(["#", "name", "event", "orders", "employee", "task"], rows))
    typer.echo("↓ = continue: the next matching rules fire too; (off) = disabled")


@app.command("show")
def rules_show(ctx: typer.Context, name: NameArg, as_json: JsonOption = False) -> None:
    """One rule, every field."""
    from orderdesk.usecases.rule_defs import rule_json, rule_names, show_rule

    with reading(ctx) as session:
        rule = show_rule(session=session, name=name)
        names = rule_names(session=session)
    if as_json:
        print_json(rule_json(rule))
        return
    lines = [
        f"rule      {rule.name}",
        f"position  {rule.priority}" + ("  (continue: the next matching rules fire too)" if rule.continues else ""),
        f"enabled   {'yes' if rule.enabled else 'no'}",
        f"event     {event_text(rule, names, long=True)}",
        f"orders    {conditions_text(rule, names) or 'every order'}",
        f"employee  {rule.assignee.describe()} (nobody: the store's supervisor)",
        f"title     {rule.title}",
        f"text      {rule.text or '—'}",
        f"task      {timing_text(rule, long=True)}, priority {rule.task_priority}, project {rule.project}",
    ]
    console().print("\n".join(lines), highlight=False, markup=False, soft_wrap=True)


def event_text(rule: TaskRule, names: RuleNames, *, long: bool = False) -> str:
    def status(code: str) -> str:
        name = names.status(code, rule.when.store) if long else None
        return f"{code} ({name})" if name and name != code else code

    word = rule.event if long else EVENT_WORDS.get(rule.event, rule.event)
    if rule.event == "status_changed":
        into = f" → {status(rule.to_status)}" if rule.to_status else (" (any)" if not rule.from_statuses else "")
        out = f" from {', '.join(status(s) for s in rule.from_statuses)}" if rule.from_statuses else ""
        return word + into + out
    if rule.event == "overdue" and rule.to_status:
        return f"{word} in {status(rule.to_status)}"
    return word


def _table(columns: list[str], rows: list[list[str]]) -> Any:
    """Rules as a table that fits 80 columns: nothing cut off, long cells folded onto more lines."""
    from rich import box
    from rich.table import Table

    t = Table(box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False, show_edge=False, expand=True)
    for column in columns:
        # the event's status codes are the longest words: that column gets the most room
        t.add_column(column, justify="right" if column == "#" else "left", overflow="fold", no_wrap=column == "#",
                     ratio=RATIOS.get(column))  # fmt: skip
    for row in rows:
        t.add_row(*row)
    return t


def employee_text(rule: TaskRule) -> str:
    a = rule.assignee
    if a.login is not None:
        return a.login
    parts = [a.role or "", f"group {a.group}" if a.group else "", f"in {a.city}" if a.city else ""]
    return " ".join(p for p in parts if p) or "anyone"


def _amount(minor: int, short: bool) -> str:
    from orderdesk.policy.money import format_money

    text = format_money(minor)
    return text.removesuffix(".00") if short else text


def conditions_text(rule: TaskRule, names: RuleNames | None = None, *, short: bool = False) -> str:
    w = rule.when
    parts = []
    if w.amount_from is not None and w.amount_to is not None:
        parts.append(f"{_amount(w.amount_from, short)} – {_amount(w.amount_to, short)}")
    elif w.amount_from is not None:
        parts.append(f"≥ {_amount(w.amount_from, short)}")
    elif w.amount_to is not None:
        parts.append(f"≤ {_amount(w.amount_to, short)}")
    if w.store:
        name = names.stores.get(w.store) if names else None
        parts.append(f"store {w.store}" + (f" ({name})" if name else ""))
    for key, label in (("city", "city"), ("customer", "customer"), ("channel", "channel"), ("type", "type"),
                       ("payment_method", "payment"), ("delivery_method", "delivery")):  # fmt: skip
        value = getattr(w, key)
        if value is not None:
            parts.append(f"{label} {value}")
    return ", ".join(parts)


def timing_text(rule: TaskRule, *, long: bool = False) -> str:
    from orderdesk.usecases.admin_edits import span

    parts = [f"after {span(rule.delay)}" if rule.delay else ("at once" if long else "")]
    due = "due in" if long else "due"
    parts.append(f"{due} {span(rule.due_in)}" if rule.due_in else ("no due time" if long else ""))
    if not long and rule.task_priority != "normal":
        parts.append(rule.task_priority)
    return ", ".join(p for p in parts if p)


# ------------------------------------------------------------------------------ changing


def _option(help: str, *names: str) -> Any:
    return typer.Option(*names, help=help, show_default=False)


@app.command("add")
def rules_add(
    ctx: typer.Context,
    name: Annotated[str, _option("The rule's name (unique).", "--name")],
    event: Annotated[str, _option("order_created | status_changed | overdue.", "--event")],
    title: Annotated[str, _option("The task's title; variables #ORDER_ID#, #NAME#, #PHONE#, ….", "--title")],
    text: Annotated[str | None, _option("The task's text (same variables).", "--text")] = None,
    to: Annotated[str | None, _option("status_changed: into this status; overdue: in this stage.", "--to")] = None,
    from_: Annotated[list[str] | None, _option("status_changed: out of this status (repeatable).", "--from")] = None,
    priority: Annotated[int | None, _option("Its position: 1 is tried before 10 (default 100).", "--priority")] = None,
    continue_: Annotated[bool, typer.Option("--continue", help="Let the next matching rules fire too.")] = False,
    disabled: Annotated[bool, typer.Option("--disabled", help="Add it switched off.")] = False,
    amount_from: Annotated[str | None, _option("Orders of at least this total.", "--amount-from")] = None,
    amount_to: Annotated[str | None, _option("Orders of at most this total.", "--amount-to")] = None,
    city: Annotated[str | None, _option("The customer's city.", "--city")] = None,
    customer: Annotated[str | None, _option("The customer's phone, e-mail or exact name.", "--customer")] = None,
    store: Annotated[str | None, _option("Store code.", "--store")] = None,
    channel: Annotated[str | None, _option("Channel code.", "--channel")] = None,
    order_type: Annotated[str | None, _option("Order type code.", "--type")] = None,
    payment_method: Annotated[str | None, _option("Payment method code.", "--payment-method")] = None,
    delivery_method: Annotated[str | None, _option("Delivery method code.", "--delivery-method")] = None,
    login: Annotated[str | None, _option("The task goes to this employee.", "--login")] = None,
    role: Annotated[str | None, _option("…or to any employee with this role.", "--role")] = None,
    group: Annotated[str | None, _option("…in this group.", "--group")] = None,
    employee_city: Annotated[str | None, _option("…in this city.", "--employee-city")] = None,
    due_in: Annotated[str | None, _option('Time to do it, e.g. "1h"; none by default.', "--due-in")] = None,
    delay: Annotated[str | None, _option('Make the task this long after the event, e.g. "5d".', "--delay")] = None,
    task_priority: Annotated[str | None, _option("low | normal | high (default normal).", "--task-priority")] = None,
    project: Annotated[str | None, _option('The task\'s project (default "default").', "--project")] = None,
) -> None:
    """Add a rule; checked as the [[rules]] of a config file are."""
    from orderdesk.config.rules import parse_rule, task_rule_of
    from orderdesk.usecases.rule_defs import add_rule

    given = {
        "name": name, "event": event, "title": title, "text": text, "to": to, "from": from_ or None,
        "priority": priority, "continue": continue_ or None, "enabled": False if disabled else None,
        "due_in": due_in, "delay": delay, "task_priority": task_priority, "project": project,
        "when": {"amount_from": amount_from, "amount_to": amount_to, "city": city, "customer": customer,
                 "store": store, "channel": channel, "type": order_type, "payment_method": payment_method,
                 "delivery_method": delivery_method},
        "assignee": {"login": login, "role": role, "group": group, "city": employee_city},
    }  # fmt: skip
    data = _given({k: _given(v) if isinstance(v, dict) else v for k, v in given.items()})
    with user_errors():
        rule = task_rule_of(parse_rule(data, where=f'rule "{name.strip()}"'))
    _say(commit(ctx, add_rule, rule=rule))


def _given(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


@app.command("remove")
def rules_remove(ctx: typer.Context, name: NameArg) -> None:
    """Remove a rule; its tasks stay, its delayed tasks still waiting are dropped."""
    from orderdesk.usecases.rule_defs import remove_rule

    _say(commit(ctx, remove_rule, name=name))


@app.command("move")
def rules_move(
    ctx: typer.Context,
    name: NameArg,
    position: Annotated[int, typer.Argument(help="Its new position (priority): 1 is tried first.", show_default=False)],
) -> None:
    """Set a rule's position (priority); rules at the same position are tried by name."""
    from orderdesk.usecases.rule_defs import move_rule

    _say(commit(ctx, move_rule, name=name, position=position))


@app.command("enable")
def rules_enable(ctx: typer.Context, name: NameArg) -> None:
    """Switch a rule on."""
    from orderdesk.usecases.rule_defs import set_enabled

    _say(commit(ctx, set_enabled, name=name, enabled=True))


@app.command("disable")
def rules_disable(ctx: typer.Context, name: NameArg) -> None:
    """Switch a rule off: events no longer try it (the tasks it made stay)."""
    from orderdesk.usecases.rule_defs import set_enabled

    _say(commit(ctx, set_enabled, name=name, enabled=False))
