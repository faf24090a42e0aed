"""Printing from the desk (S8): the document of one order, or a stage's batch in one file, written into the
folder the setting `documents.folder` names ("" = the folder the desk was started in).

As `orderdesk orders print` does it: read and check in a read transaction, lay the PDF out outside any (a
batch of 500 waybills takes seconds, and SQLite's write lock would stop every other desk meanwhile), then a
short write transaction that records the print and writes the file: a file that could not be written was
not printed, and its audit rows go with the rollback."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session

from orderdesk.clock import Clock
from orderdesk.config.settings import read_settings
from orderdesk.files.documents import render, write_pdf
from orderdesk.policy.documents import DocKind
from orderdesk.policy.errors import DeskError, InvalidInput
from orderdesk.usecases.print_documents import prepare_print, record_print
from storage.db import read_session, write_session


@dataclass(frozen=True)
class PrintedFile:
    """A document written: which, of which orders (in the file's order), where, and how many pages."""

    doc: DocKind
    numbers: tuple[str, ...]
    path: Path  # absolute
    pages: int


def print_into_folder(
    engine: Engine, clock: Clock, *, actor: str, doc: DocKind, numbers: Sequence[str] = (), store: str | None = None,
    status: str | None = None,
) -> PrintedFile:  # fmt: skip
    """The desk's print: the document of `numbers`, or of the orders of `store` in the stage `status` he may
    see, under its default name in the documents folder; a refusal (not his to see, a document that cannot
    be made, the folder missing) raises DeskError with the reason, and nothing is written."""

    def into_folder(session: Session, name: str) -> Path:
        return documents_folder(read_settings(session).documents.folder) / name

    return print_file(engine, clock, actor=actor, doc=doc, numbers=numbers, store=store, status=status,
                      target=into_folder)  # fmt: skip


def print_file(
    engine: Engine, clock: Clock, *, actor: str, doc: DocKind, numbers: Sequence[str] = (), store: str | None = None,
    status: str | None = None, target: Callable[[Session, str], Path],
) -> PrintedFile:  # fmt: skip
    """Read and check (a read transaction), lay out (none), record and write (a short write transaction):
    the desk's and `orderdesk orders print`'s way. `target(session, default_name)` says where the file goes."""
    with read_session(engine) as session:
        job = prepare_print(session=session, actor=actor, clock=clock, doc=doc, numbers=numbers, store=store,
                            status=status)  # fmt: skip
        path = target(session, job.default_name)
    try:
        rendered = render(job.doc, job.sheets)
    except ValueError as exc:  # what only the layout finds (a line longer than a page): a refusal naming the order
        what = (
            f"order {job.numbers[0]}" if len(job.numbers) == 1 else f"{len(job.numbers)} orders of {store} in {status}"
        )
        raise InvalidInput(f"{what}: the {job.doc} cannot be laid out: {exc}") from None
    with write_session(engine) as session:
        record_print(session=session, actor=actor, clock=clock, job=job)
        try:  # inside the transaction: a file that could not be written was not printed
            written = write_pdf(path, rendered)
        except OSError as exc:
            raise DeskError(f"{path}: not written ({exc.strerror or exc})") from exc
    return PrintedFile(doc=job.doc, numbers=job.numbers, path=written, pages=rendered.pages)


def documents_folder(setting: str) -> Path:
    """The setting as a folder that exists: "" is the desk's working directory, a relative one is taken from
    there, "~" is his home."""
    folder = (Path(setting).expanduser() if setting.strip() else Path.cwd()).resolve()
    if not folder.is_dir():
        why = "is not a folder" if folder.exists() else "does not exist"
        raise InvalidInput(f"the documents folder {folder} {why} (setting documents.folder)")
    return folder
