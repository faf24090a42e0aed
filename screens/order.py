"""One order whole (U5): the customer, where it is and how long it has, its items and totals, links and
contractor, its tasks (screens/widgets/order_tasks.py), and its history; every S6 action a key away,
through the desk, the forms in screens/dialogs; `p` writes its waybill, invoice or slip (screens/printing.py).

Read in one desk call in a thread worker; after each action the screen reads again and a toast says
what happened (or why not: then nothing changed)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Static

from orderdesk.policy.errors import DeskError, NotAllowed, NotFound
from orderdesk.policy.money import Money, format_money, money_text
from orderdesk.views.order_detail import AssignmentTrace, OrderDetail
from screens.dialogs import order_forms, parsing
from screens.dialogs.choose import ChooseDialog
from screens.dialogs.explain import ExplainDialog
from screens.dialogs.form import FormDialog, FormField
from screens.i18n import N_, _
from screens.printing import Printer, document_dialog
from screens.queue import UNDO_SECONDS
from screens.widgets.order_tasks import OrderTasks
from screens.widgets.table import Table


def local_time(at: datetime | None, zone: str) -> str:
    """A time in the store's zone, as a person reads it: "24 Nov 21:00"."""
    if at is None:
        return "—"
    return at.astimezone(ZoneInfo(zone)).strftime("%d %b %Y %H:%M")


class OrderScreen(Printer):
    VIEW_TITLE = N_("Order")
    CSS_PATH = "order.tcss"
    BINDINGS = [
        Binding("escape", "back", N_("Back"), id="order.back"),
        Binding("a", "advance", N_("Advance"), id="order.advance"),
        Binding("u", "undo", N_("Undo"), id="order.undo", show=False),
        Binding("t", "move", N_("Move"), id="order.move"),
        Binding("m", "mark_paid", N_("Paid"), id="order.mark_paid"),
        Binding("P", "print", N_("Print"), id="order.print"),  # shift: p stays "on a break" everywhere
        Binding("i", "add_item", N_("Item"), id="order.add_item"),
        Binding("enter", "change_item", N_("Change item"), id="order.change_item", show=False),
        Binding("x,delete", "remove_item", N_("Remove item"), id="order.remove_item", show=False),
        Binding("d", "delivery", N_("Delivery"), id="order.delivery"),
        Binding("%", "discount", N_("Discount"), id="order.discount"),
        Binding("D", "item_discount", N_("Item discount"), id="order.item_discount", show=False),
        Binding("l", "link", N_("Link"), id="order.link", show=False),
        Binding("L", "unlink", N_("Unlink"), id="order.unlink", show=False),
        Binding("k", "contractor", N_("Contractor"), id="order.contractor", show=False),
        Binding("e", "explain", N_("Explain"), id="order.explain", show=False),  # 80 columns: room for Print
        Binding("r", "reload", N_("Reload"), id="order.reload", show=False),
    ]

    class Loaded(Message):
        def __init__(self, detail: OrderDetail) -> None:
            super().__init__()
            self.detail = detail

    class Refused(Message):
        """Not his to see, or gone: said in one line, and the screen goes back."""

        def __init__(self, reason: str) -> None:
            super().__init__()
            self.reason = reason

    class Acted(Message):
        def __init__(self, line: str, *, refused: bool = False, undoable: bool = False) -> None:
            super().__init__()
            self.line = line
            self.refused = refused
            self.undoable = undoable  # an advance that `u` may take back for UNDO_SECONDS

    class Explained(Message):
        def __init__(self, trace: AssignmentTrace) -> None:
            super().__init__()
            self.trace = trace

    def __init__(self, number: str) -> None:
        super().__init__()
        self.number = number
        self.detail: OrderDetail | None = None
        self.undoable = False  # his last advance here may still be taken back with `u`

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="order-body"):
            yield Static(_("Loading order {number}…").format(number=self.number), id="order-title")
            with Horizontal(id="order-top"):
                yield Static("", id="order-customer")
                yield Static("", id="order-facts")
            yield Table(id="order-items", cursor_type="row", zebra_stripes=True)
            yield Static("", id="order-totals")
            yield OrderTasks()
            yield Static(_("History"), classes="order-section")
            yield Table(id="order-history", cursor_type="row")

    def on_mount(self) -> None:
        items = self.query_one("#order-items", DataTable)
        items.add_columns(_("SKU"), _("Item"), _("Qty"), _("Price"), _("Discount"), _("Line total"))
        self.query_one("#order-history", DataTable).add_columns(_("When"), _("Who"), _("What"))
        items.focus()
        self.load()

    # ------------------------------------------------------------------ reading

    def refresh_data(self) -> None:
        if self.detail is not None:
            self.load()

    def action_reload(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="order")
    def load(self) -> None:
        try:
            detail = self.desk.order_screen(self.viewer, self.number)
        except (NotAllowed, NotFound) as exc:
            self.post_message(self.Refused(str(exc)))
            return
        self.post_message(self.Loaded(detail))

    def on_order_screen_refused(self, message: Refused) -> None:
        self.notify(message.reason, severity="warning", timeout=8)
        self.dismiss_back()

    def dismiss_back(self) -> None:
        if self.app.screen is self:
            self.app.pop_screen()

    def on_order_screen_loaded(self, message: Loaded) -> None:
        self.detail = d = message.detail
        o = d.order
        zone = o.timezone
        title = Text.assemble((o.number, "bold"), "  ", o.customer.name, "  ", (money_text(o.total), "bold"))
        self.query_one("#order-title", Static).update(title)
        c = o.customer
        customer = "\n".join((
            c.name,
            _("responsible: {name}").format(name=d.responsible_name or "—"),
            c.phone or "—",
            c.email or "—",
            c.city or "—",
        ))  # fmt: skip
        self.query_one("#order-customer", Static).update(customer)
        stage = Text(o.stage or o.status)
        if d.time_left:
            stage.append(" · ")
            stage.append(d.time_left, style="bold red" if o.overdue else "")
        delivery = f"{d.delivery_method_name or '—'} {money_text(o.delivery_cost)}"
        facts = Text("\n").join([
            Text(f"{d.store_name} · {d.channel_name}"),
            stage,
            Text(f"{_(o.payment_status)} · {d.payment_method_name or '—'}",
                 style="green" if o.payment_status == "paid" else ""),
            Text(_("delivery: {delivery}").format(delivery=delivery)),
            Text(_("manager: {m} · contractor: {c}").format(m=d.manager_name or "—", c=d.contractor_name or "—")),
            Text(_("linked: {links}").format(links=", ".join(o.links) or "—")),
        ])  # fmt: skip
        self.query_one("#order-facts", Static).update(facts)
        self.fill_items(d)
        items = Money(d.value() - o.delivery_cost.minor, o.total.currency)
        totals = _("items {items} · discount {discount} · delivery {delivery} · total {total}").format(
            items=money_text(items), discount=money_text(o.discount), delivery=money_text(o.delivery_cost),
            total=money_text(o.total),
        )  # fmt: skip
        self.query_one("#order-totals", Static).update(totals)
        self.query_one(OrderTasks).show(d.tasks)
        history = self.query_one("#order-history", DataTable)
        history.clear()
        for line in d.history:
            history.add_row(local_time(line.at, zone), line.who, line.what)

    def fill_items(self, d: OrderDetail) -> None:
        table = self.query_one("#order-items", DataTable)
        row = table.cursor_row
        table.clear()
        for i in d.order.items:
            table.add_row(
                i.sku, i.name, Text(str(i.qty), justify="right"), Text(money_text(i.price), justify="right"),
                Text(money_text(i.discount), justify="right"),
                Text(money_text(Money(i.qty * i.price.minor - i.discount.minor, i.price.currency)), justify="right"),
            )  # fmt: skip
        if 0 < row < table.row_count:
            table.move_cursor(row=row)

    def selected_item(self) -> Any:
        if self.detail is None or not self.detail.order.items:
            return None
        row = self.query_one("#order-items", DataTable).cursor_row
        items = self.detail.order.items
        return items[row] if 0 <= row < len(items) else None

    # ------------------------------------------------------------------ actions (S6)

    def action_back(self) -> None:
        self.dismiss_back()

    @work(thread=True, exit_on_error=False, group="act")
    def act(self, call: Callable[[], str], *, undoable: bool = False) -> None:
        """One action through the desk; a refusal is told with its reason, and nothing changed."""
        try:
            line = call()
        except DeskError as exc:
            self.post_message(self.Acted(str(exc), refused=True))
            return
        self.post_message(self.Acted(line, undoable=undoable))

    def on_order_screen_acted(self, message: Acted) -> None:
        if message.refused:
            self.notify(message.line, severity="warning", timeout=8)
            return
        self.undoable = message.undoable
        if message.undoable:
            self.notify(_("{line} — u to undo").format(line=message.line), timeout=UNDO_SECONDS)
            self.set_timer(UNDO_SECONDS, self.undo_expired)
        else:
            self.notify(message.line, timeout=5)
        self.load()

    def undo_expired(self) -> None:
        self.undoable = False  # the desk refuses it after UNDO_WINDOW anyway; this only stops offering it

    def action_undo(self) -> None:
        if not self.undoable:
            self.notify(_("Nothing to undo."), severity="warning", timeout=4)
            return
        self.act(lambda: self.desk.undo_move(self.viewer, self.number).line)

    def done(self, line: str | None) -> None:
        """A form returned: it did what the line says (it stayed open on a refusal)."""
        if line:
            self.notify(line, timeout=5)
            self.load()

    def action_advance(self) -> None:
        self.act(lambda: self.desk.advance_with_undo(self.viewer, self.number).line, undoable=True)

    def action_mark_paid(self) -> None:
        self.act(lambda: self.desk.mark_paid(self.viewer, self.number))

    def action_move(self) -> None:
        if self.detail is None:
            return
        choices = [(s.code, s.name) for s in self.detail.statuses]

        def chosen(status: str | None) -> None:
            if status:
                self.act(lambda: self.desk.move(self.viewer, self.number, status))

        self.app.push_screen(
            ChooseDialog(_("Move {number} to").format(number=self.number), choices,
                         empty=_("You may set no other status.")),
            chosen,
        )  # fmt: skip

    def action_add_item(self) -> None:
        self.app.push_screen(
            FormDialog(_("Add an item to {number}").format(number=self.number), order_forms.new_item(),
                       lambda v: self.desk.add_item(self.viewer, self.number, **v)),
            self.done,
        )  # fmt: skip

    def action_change_item(self) -> None:
        item = self.selected_item()
        if item is None:
            return
        self.app.push_screen(
            FormDialog(_("{sku} {name}").format(sku=item.sku, name=item.name), order_forms.item(item),
                       lambda v: self.desk.change_item(self.viewer, self.number, item.sku, **v)),
            self.done,
        )  # fmt: skip

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if event.data_table.id == "order-items":
            self.action_change_item()

    def action_remove_item(self) -> None:
        item = self.selected_item()
        if item is not None:
            self.act(lambda: self.desk.remove_item(self.viewer, self.number, item.sku))

    def action_delivery(self) -> None:
        d = self.detail
        if d is None:
            return
        self.app.push_screen(
            FormDialog(_("Delivery of {number}").format(number=self.number), order_forms.delivery(d),
                       lambda v: self.desk.set_delivery(self.viewer, self.number, v["method"], v["cost"]),
                       preview=order_forms.delivery_preview(d)),
            self.done,
        )  # fmt: skip

    def action_discount(self) -> None:
        d = self.detail
        if d is None:
            return
        at_most = d.value()
        fields = [
            FormField("amount", _("Discount on the order"), format_money(d.order.discount),
                      parse=lambda t: parsing.amount(t, at_most=at_most, what=_("the order's value"))),
        ]  # fmt: skip
        self.app.push_screen(
            FormDialog(_("Discount on {number}").format(number=self.number), fields,
                       lambda v: self.desk.set_discount(self.viewer, self.number, v["amount"])),
            self.done,
        )  # fmt: skip

    def action_item_discount(self) -> None:
        item = self.selected_item()
        if item is None:
            return
        at_most = item.qty * item.price.minor
        fields = [
            FormField("amount", _("Discount on {sku}").format(sku=item.sku), format_money(item.discount),
                      parse=lambda t: parsing.amount(t, at_most=at_most, what=_("the item's value"))),
        ]  # fmt: skip
        self.app.push_screen(
            FormDialog(_("Discount on {sku} {name}").format(sku=item.sku, name=item.name), fields,
                       lambda v: self.desk.set_discount(self.viewer, self.number, v["amount"], item.sku)),
            self.done,
        )  # fmt: skip

    def action_link(self) -> None:
        fields = [FormField("other", _("Order number"), parse=parsing.code)]
        self.app.push_screen(
            FormDialog(_("Link {number} to").format(number=self.number), fields,
                       lambda v: self.desk.link(self.viewer, self.number, v["other"])),
            self.done,
        )  # fmt: skip

    def action_unlink(self) -> None:
        if self.detail is None:
            return

        def chosen(other: str | None) -> None:
            if other:
                self.act(lambda: self.desk.unlink(self.viewer, self.number, other))

        self.app.push_screen(
            ChooseDialog(_("Unlink from {number}").format(number=self.number),
                         [(n, n) for n in self.detail.order.links], empty=_("It is linked to no order.")),
            chosen,
        )  # fmt: skip

    def action_contractor(self) -> None:
        d = self.detail
        if d is None:
            return
        none = "\0"  # "no contractor", which no login is
        choices = [(c.code, c.name) for c in d.contractors] + [(none, _("— no contractor —"))]

        def chosen(login: str | None) -> None:
            if login is not None:
                who = None if login == none else login
                self.act(lambda: self.desk.set_contractor(self.viewer, self.number, who))

        self.app.push_screen(ChooseDialog(_("Contractor of {number}").format(number=self.number), choices), chosen)

    def action_print(self) -> None:
        def chosen(doc: Any) -> None:
            if doc:
                self.print_with(lambda: self.desk.print_order(self.viewer, self.number, doc))

        self.app.push_screen(document_dialog(_("Print {number}").format(number=self.number)), chosen)

    def action_explain(self) -> None:
        self.explaining()

    @work(thread=True, exclusive=True, exit_on_error=False, group="explain")
    def explaining(self) -> None:
        try:
            trace = self.desk.explain(self.viewer, self.number)
        except DeskError as exc:
            self.post_message(self.Acted(str(exc), refused=True))
            return
        self.post_message(self.Explained(trace))

    def on_order_screen_explained(self, message: Explained) -> None:
        self.app.push_screen(ExplainDialog(message.trace))
