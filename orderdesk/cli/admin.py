"""`orderdesk audit`, `stats` and `distribute`: what happened, where orders stand, one distribution pass."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from orderdesk.cli.core import JsonOption, LimitOption, app, commit, print_json, print_pass, print_table, query


@app.command()
def audit(
    ctx: typer.Context,
    order: Annotated[str | None, typer.Option(help="Only this order's history (number).")] = None,
    limit: LimitOption = 200,
    as_json: JsonOption = False,
) -> None:
    """The audit log: who or which rule changed what, when, through which door (desk; cli or scheduler
    with the OS user@host that ran it), before → after."""
    from orderdesk.views.audit import audit_entries

    entries = query(ctx, audit_entries, order_number=order, limit=limit or None)
    if as_json:
        print_json([e.to_json() for e in entries])
        return
    rows = [[e["at"], _who(e), entry.via, e["order"] or "", e["action"], _change(e)]
            for entry in entries for e in (entry.to_json(),)]  # fmt: skip
    print_table(None, ["at", "who", "via", "order", "action", "change"], rows)


def _who(event: dict[str, Any]) -> str:
    if event["actor"]:
        return str(event["actor"])
    return f"rule: {event['rule']}" if event["rule"] else "—"  # an administrator's change (settings, load)


def _change(event: dict[str, Any]) -> str:
    before, after = event["before"] or {}, event["after"] or {}
    if before:
        return ", ".join(f"{k}: {before.get(k)} → {after.get(k)}" for k in sorted(set(before) | set(after)))
    return ", ".join(f"{k}: {v}" for k, v in after.items() if not isinstance(v, dict))


@app.command()
def stats(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Undistributed orders (count and sum, per store) and the load per manager."""
    from orderdesk.views.orders import desk_stats

    data = query(ctx, desk_stats).to_json()
    if as_json:
        print_json(data)
        return
    u = data["undistributed"]
    rows = [[s["store"], s["name"], s["count"], s["sum"], s["currency"] or ""] for s in u["stores"]]
    # a total line per currency: amounts of different currencies are never added up (A3)
    rows += [["all", "", _count_in(u["stores"], t["currency"]), t["sum"], t["currency"] or ""] for t in u["sums"]]
    if len(u["sums"]) > 1:
        rows.append(["all", "", u["count"], "", "(every currency)"])
    print_table("undistributed orders", ["store", "name", "count", "sum", "currency"], rows)
    rows = [
        [m["login"], m["name"], m["presence"], m["open"] if i == 0 else "", t["sum"], t["currency"] or ""]
        for m in data["managers"]
        for i, t in enumerate(m["sums"])
    ]
    print_table("open orders per manager", ["login", "name", "presence", "open", "sum", "currency"], rows)


def _count_in(stores: list[dict[str, Any]], currency: str | None) -> int:
    return sum(s["count"] for s in stores if s["currency"] == currency)


@app.command()
def distribute(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """One distribution pass now: pending orders to free managers; prints what moved (D4)."""
    from orderdesk.usecases.assignment import distribute_pending

    print_pass(commit(ctx, distribute_pending), as_json)
