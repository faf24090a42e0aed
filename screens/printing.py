"""Printing from a screen (S8), as the order screen (`p`: one order) and the stage board (`p`: the stage's
orders in one file) share it: a choice of the three documents, the desk call in a thread worker, and a toast
naming the file written and its pages, or the reason it was refused (then nothing was written)."""

from __future__ import annotations

from collections.abc import Callable

from textual import work
from textual.message import Message

from orderdesk.api.printing import PrintedFile
from orderdesk.policy.documents import DocKind
from orderdesk.policy.errors import DeskError
from screens.base import DeskScreen
from screens.dialogs.choose import ChooseDialog
from screens.i18n import N_, _, ngettext

DOCUMENTS: tuple[tuple[DocKind, str], ...] = (
    ("waybill", N_("Waybill (ТОРГ-12 / delivery note)")),
    ("invoice", N_("Invoice (счёт на оплату)")),
    ("slip", N_("Payment slip (Sberbank ПД-4)")),
)
WRITTEN = {"waybill": N_("Waybill written ({pages}):"), "invoice": N_("Invoice written ({pages}):"),
           "slip": N_("Payment slip written ({pages}):")}  # fmt: skip
WRITTEN_BATCH = {
    "waybill": N_("Waybills of {orders} written ({pages}):"),
    "invoice": N_("Invoices of {orders} written ({pages}):"),
    "slip": N_("Payment slips of {orders} written ({pages}):"),
}
TOAST_SECONDS = 12  # long enough to read a path off the screen


def document_dialog(title: str) -> ChooseDialog:
    """The three documents by name; returns the kind chosen (the waybill first: the warehouse's)."""
    return ChooseDialog(title, [(kind, _(name)) for kind, name in DOCUMENTS])


def written_line(printed: PrintedFile) -> str:
    """ "Invoice written (1 page):", then the path on a line of its own."""
    pages = ngettext("{n} page", "{n} pages", printed.pages).format(n=printed.pages)
    if len(printed.numbers) == 1:
        return f"{_(WRITTEN[printed.doc]).format(pages=pages)}\n{printed.path}"
    orders = ngettext("{n} order", "{n} orders", len(printed.numbers)).format(n=len(printed.numbers))
    return f"{_(WRITTEN_BATCH[printed.doc]).format(orders=orders, pages=pages)}\n{printed.path}"


class Printer(DeskScreen):
    """A screen that prints: `print_with(call)` runs the desk call in a worker and tells what came of it;
    after a print the screen reads its data again (the order's history has the print)."""

    class Printed(Message):
        def __init__(self, line: str, *, refused: bool = False) -> None:
            super().__init__()
            self.line = line
            self.refused = refused

    @work(thread=True, exit_on_error=False, group="print")
    def print_with(self, call: Callable[[], PrintedFile]) -> None:
        try:
            printed = call()
        except DeskError as exc:
            self.post_message(self.Printed(str(exc), refused=True))
            return
        self.post_message(self.Printed(written_line(printed)))

    def on_printer_printed(self, message: Printed) -> None:
        if message.refused:
            # markup off: a reason names config keys in brackets ([stores.requisites]), a path may hold them
            self.notify(message.line, title=_("Not printed"), severity="warning", timeout=TOAST_SECONDS, markup=False)
            return
        self.notify(message.line, timeout=TOAST_SECONDS, markup=False)
        self.refresh_data()
