"""`orderdesk rules log`: every event's run of the task rules (T7), newest first. Registered on the
`rules` app by `orderdesk.cli.main`.

For people one block per event: when, which order, which event, then each rule tried in position order:
whether it matched and fired and why, who was chosen and why, until when a delayed task waits.
JSON: a list of RuleLogLine.to_json().
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from orderdesk.cli.core import JsonOption, LimitOption, print_json, query

if TYPE_CHECKING:
    from orderdesk.views.tasks import RuleLogLine


def rules_log(
    ctx: typer.Context,
    order: Annotated[str | None, typer.Option("--order", help="Only this order's events (number).")] = None,
    limit: LimitOption = 200,
    as_json: JsonOption = False,
) -> None:
    """Which rules each event tried, matched and fired, who got the task and why (UTC)."""
    from orderdesk.views.tasks import rule_log

    lines = query(ctx, rule_log, order=order, limit=limit or 1_000_000)
    if as_json:
        print_json([line.to_json() for line in lines])
        return
    if not lines:
        typer.echo("no rule has run yet" + (f" on order {order}" if order else ""))
        return
    typer.echo("\n\n".join("\n".join(block(line)) for line in lines))


def block(line: RuleLogLine) -> list[str]:
    """One event's lines."""
    head = f"{line.at:%Y-%m-%d %H:%M:%S} UTC  {line.order_number}  {line.event}"
    if line.occurrence not in ("created", line.event):
        head += f"  ({line.occurrence})"
    if not line.trace:
        return [head, "  no enabled rule for this event"]
    return [head, *(text for tried in line.trace for text in _tried(tried))]


def _tried(tried: dict[str, Any]) -> list[str]:
    if tried.get("fired"):
        verdict = "matched, fired"
    elif tried.get("matched"):
        verdict = "matched, not fired"
    else:
        verdict = "not matched"
    reason = tried.get("reason")
    texts = [f"  {tried.get('rule')}: {verdict}" + (f": {reason}" if reason and reason != "fired" else "")]
    if tried.get("chosen") or tried.get("why"):
        why = f" ({tried['why']})" if tried.get("why") else ""
        texts.append(f"    chosen: {tried.get('chosen') or 'nobody'}{why}")
    if tried.get("delayed_until"):
        texts.append(f"    delayed until {_utc(tried['delayed_until'])}")
    if tried.get("task_id"):
        texts.append(f"    task {tried['task_id']}")
    return texts


def _utc(stamp: str) -> str:
    """An ISO time of the trace as people read it."""
    from datetime import datetime

    try:
        return f"{datetime.fromisoformat(stamp):%Y-%m-%d %H:%M} UTC"
    except ValueError:
        return stamp
