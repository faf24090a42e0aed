"""Printing an order's documents (S8): one order's, or a stage's batch in one file (each order on its own
pages). Whoever may see an order may print it (A1); a document that cannot be made is refused in one line
naming what is missing (`policy.documents.document_problem`); every order printed leaves an audit row
"order.printed" with the document, through the door the session's engine carries (the desk, the CLI)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from orderdesk.clock import Clock
from orderdesk.files.documents import Rendered, render
from orderdesk.policy.documents import DOC_KINDS, DocKind, OrderSheet, batch_file_name, document_problem, file_name
from orderdesk.policy.errors import InvalidInput, NotFound
from orderdesk.usecases import audit
from orderdesk.views.documents import order_sheet, stage_sheets
from orderdesk.views.lookup import get_employee
from storage.models import Order

PRINTED = "order.printed"


@dataclass(frozen=True)
class Printed:
    doc: DocKind
    numbers: tuple[str, ...]  # the orders printed, in the file's order
    rendered: Rendered
    # a stage's batch: its store and status; `day` is the day printed in the store's zone
    store: str | None = None
    status: str | None = None
    day: date | None = None

    @property
    def default_name(self) -> str:
        """The file name to write it to when none is given: "H-1001-invoice.pdf", or for a batch
        "home-packing-waybill-2026-12-01.pdf"."""
        if self.store is not None and self.status is not None and self.day is not None:
            return batch_file_name(self.doc, self.store, self.status, self.day)
        return file_name(self.doc, self.numbers[0])


def print_documents(
    *,
    session: Session,
    actor: str,
    clock: Clock,
    doc: DocKind,
    numbers: Sequence[str] = (),
    store: str | None = None,
    status: str | None = None,
) -> Printed:
    """The document `doc` of the orders `numbers`, or of the orders of `store` in the stage `status` that the
    actor may see (oldest first): exactly one of the two. NotFound / NotAllowed (he may not see one of the
    orders) before anything is read for the page; InvalidInput when a document cannot be made."""
    if doc not in DOC_KINDS:
        raise InvalidInput(f'unknown document "{doc}" (known: {", ".join(DOC_KINDS)})')
    batch = store is not None or status is not None
    if batch == bool(numbers) or (batch and (store is None or status is None)):
        raise InvalidInput("print either orders by number, or a stage's orders by store and status (both)")
    viewer = get_employee(session, actor, active=True)
    now = clock.now()
    if batch:
        assert store is not None and status is not None
        sheets = stage_sheets(session=session, store=store, status=status, now=now, viewer=viewer)
        if not sheets:
            raise NotFound(f'store {store} has no orders in "{status}" that {actor} may see: nothing to print')
    else:
        sheets = [order_sheet(session=session, number=n, now=now, viewer=viewer) for n in dict.fromkeys(numbers)]
    _check_makeable(doc, sheets, batch=batch or len(sheets) > 1)
    rendered = render(doc, sheets)
    ids = _ids(session, sheets)
    audit.record_many(
        session=session, rows=[{"order_id": i} for i in ids], at=now, actor_id=viewer.id, action=PRINTED,
        after={"doc": doc},
    )  # fmt: skip
    return Printed(
        doc=doc,
        numbers=tuple(sheet.number for sheet in sheets),
        rendered=rendered,
        store=store if batch else None,
        status=status if batch else None,
        day=sheets[0].printed_on if batch else None,
    )


def _check_makeable(doc: DocKind, sheets: Sequence[OrderSheet], *, batch: bool) -> None:
    for sheet in sheets:
        problem = document_problem(doc, sheet)
        if problem is not None:
            raise InvalidInput(f"order {sheet.number}: {problem}" if batch else problem)


def _ids(session: Session, sheets: Sequence[OrderSheet]) -> list[int]:
    numbers = [sheet.number for sheet in sheets]
    found: dict[str, int] = {}
    for start in range(0, len(numbers), 500):
        chunk = numbers[start : start + 500]
        found.update(session.exec(select(Order.number, Order.id).where(Order.number.in_(chunk))).all())  # type: ignore[attr-defined, arg-type]
    return [found[n] for n in numbers]
