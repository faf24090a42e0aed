"""One order as its screen shows it (U5): the order whole, with the names people read (store, channel,
methods, managers), its history in words, and what he may do to it (the statuses he may set, S5; the
store's contractors; the delivery methods), its tasks, read together in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from orderdesk.policy.durations import format_duration
from orderdesk.policy.money import Money, order_total
from orderdesk.policy.workflow import settable_stages
from orderdesk.views.audit import AuditEntry, audit_entries
from orderdesk.views.lookup import order_by_number, pipeline_of
from orderdesk.views.orders import ShownOrder, order_shown
from orderdesk.views.tasks import TaskLine, tasks_of_order
from storage.models import Channel, Customer, DeliveryMethod, Employee, EmployeeGroup, GroupStore, PaymentMethod, Store


@dataclass(frozen=True)
class Choice:
    """Something to pick in a form: its code and the name a person reads."""

    code: str
    name: str


@dataclass(frozen=True)
class DeliveryChoice(Choice):
    price: Money


@dataclass(frozen=True)
class HistoryLine:
    """One audit row in words: who (an employee's name) or which rule, when, what changed."""

    at: datetime
    who: str
    what: str


@dataclass(frozen=True)
class OrderDetail:
    order: ShownOrder
    store_name: str
    channel_name: str
    manager_name: str | None  # the order's manager
    responsible_name: str | None  # the customer's responsible manager (B1)
    contractor_name: str | None
    payment_method_name: str | None
    delivery_method_name: str | None
    time_left: str | None  # "2h 30m left", "1d 4h over", None without a limit
    history: tuple[HistoryLine, ...]  # newest first
    statuses: tuple[Choice, ...]  # the stages he may move it to (S5), in pipeline order
    contractors: tuple[Choice, ...]  # the store's contractors
    deliveries: tuple[DeliveryChoice, ...]
    tasks: tuple[TaskLine, ...] = ()  # its tasks (T6): open ones first by due time, then the closed ones

    def value(self) -> int:
        """What the order is worth before its own discount: what an order discount may not exceed."""
        return order_total(_lines(self.order), discount=0, delivery_cost=self.order.delivery_cost.minor)

    def total_with_delivery(self, cost: int) -> int:
        """The total the order would have with this delivery cost (the form shows it before he confirms)."""
        return order_total(_lines(self.order), discount=self.order.discount.minor, delivery_cost=cost)


@dataclass(frozen=True)
class _Line:
    qty: int
    price: int
    discount: int


def _lines(order: ShownOrder) -> list[_Line]:
    return [_Line(i.qty, i.price.minor, i.discount.minor) for i in order.items]


def order_detail(*, session: Session, number: str, now: datetime, viewer: Employee) -> OrderDetail:
    """NotFound, or NotAllowed when it is not his to see (A1)."""
    shown = order_shown(session=session, number=number, now=now, viewer=viewer)
    order = order_by_number(session, number)
    names = dict(session.exec(select(Employee.login, Employee.name)).all())
    ids = dict(session.exec(select(Employee.id, Employee.name)).all())
    store_name = session.exec(select(Store.name).where(Store.id == order.store_id)).one()
    channel_name = session.exec(select(Channel.name).where(Channel.id == order.channel_id)).one()
    responsible = session.exec(select(Customer.manager_id).where(Customer.id == order.customer_id)).one()
    stages = pipeline_of(session, order.store_id)
    return OrderDetail(
        order=shown,
        store_name=store_name,
        channel_name=channel_name,
        manager_name=ids.get(order.manager_id) if order.manager_id else None,
        responsible_name=ids.get(responsible) if responsible else None,
        contractor_name=ids.get(order.contractor_id) if order.contractor_id else None,
        payment_method_name=_name(session, PaymentMethod, order.payment_method_id),
        delivery_method_name=_name(session, DeliveryMethod, order.delivery_method_id),
        time_left=time_left(shown.stage_due_at, now) if order.is_open else None,
        history=tuple(
            history_line(e, names, {st.code: st.name for st in stages})
            for e in audit_entries(session=session, order_number=number, limit=200)
        ),
        statuses=tuple(Choice(s.code, s.name) for s in settable_stages(stages, order.status, viewer.statuses)),
        contractors=_contractors(session, order.store_id),
        deliveries=tuple(
            DeliveryChoice(code=d.code, name=d.name, price=Money(d.price))
            for d in session.exec(select(DeliveryMethod).order_by(DeliveryMethod.id))  # type: ignore[arg-type]
        ),
        tasks=tuple(tasks_of_order(session, order.id, now=now)) if order.id is not None else (),
    )


def _name(session: Session, table: Any, row_id: int | None) -> str | None:
    if row_id is None:
        return None
    return session.exec(select(table.name).where(table.id == row_id)).first()


def _contractors(session: Session, store_id: int) -> tuple[Choice, ...]:
    member = aliased(EmployeeGroup)
    rows = session.exec(
        select(Employee.login, Employee.name)
        .join(member, member.employee_id == Employee.id)
        .join(GroupStore, GroupStore.group_id == member.group_id)
        .where(GroupStore.store_id == store_id, Employee.active)
        .distinct()
        .order_by(Employee.name)
    ).all()
    people = session.exec(select(Employee.login, Employee.roles).where(Employee.active)).all()
    contractors = {login for login, roles in people if "contractor" in roles}
    return tuple(Choice(login, name) for login, name in rows if login in contractors)


def time_left(due: datetime | None, now: datetime) -> str | None:
    """ "2h 30m left" or "1d 4h over" (to the minute), None without a limit."""
    if due is None:
        return None
    seconds = int((due - now).total_seconds())
    rounded = max(abs(seconds) // 60 * 60, 60)
    return f"{_coarse(rounded)} left" if seconds >= 0 else f"{_coarse(rounded)} over"


def _coarse(seconds: int) -> str:
    """The two largest units: "3w 2d", "5h 10m"."""
    return " ".join(format_duration(seconds).split()[:2])


# ----------------------------------------------------------------------------------- history in words

_FIELDS = {
    "status": "status",
    "payment_status": "payment",
    "discount": "discount",
    "total": "total",
    "contractor": "contractor",
    "manager": "manager",
    "overdue": "late",
}


def history_line(entry: AuditEntry, names: dict[str, str], stage_names: dict[str, str]) -> HistoryLine:
    who = names.get(entry.actor, entry.actor) if entry.actor else entry.rule or "the desk"
    if entry.actor and entry.channel == "cli":
        who += " (cli)"  # the operator acting as him (--as), not his desk: `orderdesk audit` names the OS user
    return HistoryLine(at=entry.at, who=who, what=describe_change(entry, names, stage_names))


def describe_change(entry: AuditEntry, names: dict[str, str], stage_names: dict[str, str]) -> str:
    """An audit row's before → after as a sentence: "status Placed → Call"; items, delivery and links
    named as a person says them."""
    before, after = entry.before or {}, entry.after or {}
    action = entry.action
    if action == "order.items":
        if before.get("item") is None and after.get("item"):
            i = after["item"]
            what = f"added {i['sku']} {i['name']} × {i['qty']} at {i['price']}"
        elif after.get("item") is None and before.get("item"):
            what = f"removed {before['item']['sku']}"
        else:
            b, a = before.get("item") or {}, after.get("item") or {}
            changes = ", ".join(f"{k} {b.get(k)} → {a[k]}" for k in a if k != "sku")
            what = f"{a.get('sku')}: {changes}"
        return _with_total(what, before, after)
    if action == "order.delivery":
        b, a = before.get("delivery") or {}, after.get("delivery") or {}
        what = f"delivery {b.get('method') or '—'} {b.get('cost')} → {a.get('method')} {a.get('cost')}"
        return _with_total(what, before, after)
    if action == "order.discount" and "item" in after:
        what = f"discount on {after['item']['sku']} {before['item']['discount']} → {after['item']['discount']}"
        return _with_total(what, before, after)
    if action == "order.link":
        return f"linked to {after.get('linked')}"
    if action == "order.unlink":
        return f"unlinked from {before.get('linked')}"
    if action == "order.assigned":
        manager = after.get("manager")
        return f"given to {names.get(manager, manager) if manager else '—'}" + (
            f" ({after['via']})" if after.get("via") else ""
        )
    if action == "order.imported":
        status = after.get("status")
        return f"imported in {stage_names.get(status, status)}, total {after.get('total')}"
    if action == "order.overdue":
        return "flagged late" if after.get("overdue") else "no longer late"
    if action.startswith("task."):
        return _task_change(action, before, after, names)
    if action == "order.printed":  # S8
        doc = after.get("doc")
        return f"printed the {_DOCUMENTS.get(doc, doc)}"
    parts = []
    for key in after:
        if key not in _FIELDS or before.get(key) == after.get(key):
            continue
        old, new = before.get(key), after.get(key)
        if key in ("contractor", "manager"):
            old, new = names.get(old, old) if old else None, names.get(new, new) if new else None
        elif key == "status":
            old, new = stage_names.get(old, old) if old else None, stage_names.get(new, new)
        parts.append(f"{_FIELDS[key]} {_word(old)} → {_word(new)}")
    return "; ".join(parts) or action.removeprefix("order.")


_DOCUMENTS = {"waybill": "waybill", "invoice": "invoice", "slip": "payment slip"}


def _task_change(action: str, before: dict[str, Any], after: dict[str, Any], names: dict[str, str]) -> str:
    """The audit rows of the order's tasks (T6), as a person says them."""
    task = after.get("task", before.get("task"))

    def name(login: str | None) -> str:
        return names.get(login, login) if login else "nobody"

    if action == "task.created":
        return f'task {task} "{after.get("title")}" for {name(after.get("assignee"))}'
    if action == "task.reassigned":
        return f"task {task} given to {name(after.get('assignee'))} (was {name(before.get('assignee'))})"
    if action == "task.cancelled":
        return f"task {task} cancelled" + (f" ({after['why']})" if after.get("why") else "")
    done = {"task.done": "done", "task.reopened": "reopened", "task.overdue": "past its due time"}
    return f"task {task} {done.get(action, action.removeprefix('task.'))}"


def _with_total(what: str, before: dict[str, Any], after: dict[str, Any]) -> str:
    if "total" in after and before.get("total") != after.get("total"):
        return f"{what}; total {before.get('total')} → {after['total']}"
    return what


def _word(value: Any) -> str:
    if value is None:
        return "—"
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return str(value)


# ----------------------------------------------------------------------------------- explain (D6)


@dataclass(frozen=True)
class TraceRow:
    login: str
    chosen: bool
    reason: str


@dataclass(frozen=True)
class AssignmentTrace:
    """Why the order went to its manager (or where it would go now), and every candidate considered."""

    headline: str
    rows: tuple[TraceRow, ...]
    more: tuple[tuple[str, int], ...]  # reasons of candidates not listed one by one, with their count
    note: str

    @classmethod
    def of(cls, data: dict[str, Any], *, timezone: str = "UTC") -> AssignmentTrace:
        """From what `usecases.explain.explain` returns; its time said in the store's zone."""
        ways = {"responsible": "as the customer's responsible manager", "carousel": "by the carousel",
                "claim": "claimed by him", "assign": "assigned by hand", "created": "created by him",
                "saved": "on save"}  # fmt: skip
        if data["recorded"]:
            how = ways.get(data.get("via") or "", data.get("via") or "")
            at = datetime.fromisoformat(data["at"]).astimezone(ZoneInfo(timezone)).strftime("%d %b %Y %H:%M")
            headline = f"went to {data['manager']} {how} on {at}"
        elif data.get("manager"):
            headline = f"is {data['manager']}'s; {data.get('note') or ''}"
        else:
            goes = data.get("would_go_to")
            headline = "is waiting; " + (f"it would go to {goes} now" if goes else data.get("note") or "")
        return cls(
            headline=f"{data['order']} {headline}".strip(),
            rows=tuple(
                TraceRow(login=c["login"], chosen=bool(c["chosen"]), reason=c["reason"])
                for c in data.get("candidates") or ()
            ),
            more=tuple((reason, count) for reason, count in (data.get("more") or {}).items()),
            note=(data.get("note") or "") if data["recorded"] else "",
        )
