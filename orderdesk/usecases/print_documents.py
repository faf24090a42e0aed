"""Printing an order's documents (S8): one order's, or a stage's batch in one file (each order on its own
pages). Whoever may see an order may print it (A1); a document that cannot be made is refused in one line
naming what is missing (`policy.documents.document_problem`); every order printed leaves an audit row
"order.printed" with the document, through the door the session's engine carries (the desk, the CLI).

Laying out a batch takes seconds (500 waybills), and a SQLite write transaction holds the desk's write lock
all along: the caller reads and checks in a read-only session (`prepare_print`), renders outside any
(`files.documents.render`), then records in a short write transaction (`record_print`), as
`orderdesk.api.printing.print_file` does for the desk and the command line."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from orderdesk.clock import Clock
from orderdesk.policy.documents import DOC_KINDS, DocKind, OrderSheet, batch_file_name, document_problem, file_name
from orderdesk.policy.errors import InvalidInput, NotFound
from orderdesk.usecases import audit
from orderdesk.views.documents import order_sheet, stage_sheets
from orderdesk.views.lookup import get_employee
from storage.models import Order

PRINTED = "order.printed"


@dataclass(frozen=True)
class PrintJob:
    """What is to be printed, read and checked: the sheets, in the file's order."""

    doc: DocKind
    sheets: tuple[OrderSheet, ...]
    # a stage's batch: its store and status; `day` is the day printed in the store's zone
    store: str | None = None
    status: str | None = None
    day: date | None = None

    @property
    def numbers(self) -> tuple[str, ...]:
        return tuple(sheet.number for sheet in self.sheets)

    @property
    def default_name(self) -> str:
        """The file name to write it to when none is given: "H-1001-invoice.pdf", or for a batch
        "home-packing-waybill-2026-12-01.pdf" (policy.documents)."""
        if self.store is not None and self.status is not None and self.day is not None:
            return batch_file_name(self.doc, self.store, self.status, self.day)
        return file_name(self.doc, self.numbers[0])


def prepare_print(
    *,
    session: Session,
    actor: str,
    clock: Clock,
    doc: DocKind,
    numbers: Sequence[str] = (),
    store: str | None = None,
    status: str | None = None,
) -> PrintJob:
    """The document `doc` of the orders `numbers`, or of the orders of `store` in the stage `status` that the
    actor may see (oldest first): exactly one of the two. Who may print what (NotFound / NotAllowed), then
    whether the document can be made for each order (InvalidInput); a read-only session will do."""
    if doc not in DOC_KINDS:
        raise InvalidInput(f'unknown document "{doc}" (known: {", ".join(DOC_KINDS)})')
    batch = store is not None or status is not None
    if batch == bool(numbers) or (batch and (store is None or status is None)):
        raise InvalidInput("print either orders by number, or a stage's orders by store and status (both)")
    viewer = get_employee(session, actor, active=True)
    now = clock.now()
    if store is not None and status is not None:
        sheets = stage_sheets(session=session, store=store, status=status, now=now, viewer=viewer)
        if not sheets:
            raise NotFound(f'store {store} has no orders in "{status}" that {actor} may see: nothing to print')
    else:
        sheets = [order_sheet(session=session, number=n, now=now, viewer=viewer) for n in dict.fromkeys(numbers)]
    for sheet in sheets:
        problem = document_problem(doc, sheet)
        if problem is not None:
            named = problem.startswith(f"order {sheet.number} ") or not (batch or len(sheets) > 1)
            raise InvalidInput(problem if named else f"order {sheet.number}: {problem}")
    if store is not None and status is not None:
        return PrintJob(doc=doc, sheets=tuple(sheets), store=store, status=status, day=sheets[0].printed_on)
    return PrintJob(doc=doc, sheets=tuple(sheets))


def record_print(*, session: Session, actor: str, clock: Clock, job: PrintJob) -> None:
    """The audit rows of a print `prepare_print` checked: one per order, "order.printed" with the document.
    The actor must still be active and the orders still there; what he was allowed to see was decided when
    the sheets were read, which is what the paper shows."""
    employee = get_employee(session, actor, active=True)
    found: dict[str, int] = {}
    for start in range(0, len(job.sheets), 500):
        chunk = list(job.numbers[start : start + 500])
        found.update(session.exec(select(Order.number, Order.id).where(Order.number.in_(chunk))).all())  # type: ignore[attr-defined, arg-type]
    gone = [number for number in job.numbers if number not in found]
    if gone:
        raise NotFound(f"order {gone[0]} not found")
    audit.record_many(
        session=session, rows=[{"order_id": found[n]} for n in job.numbers], at=clock.now(), actor_id=employee.id,
        action=PRINTED, after={"doc": job.doc},
    )  # fmt: skip
