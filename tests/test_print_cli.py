"""Printing order documents from the command line (S8, issue 16): `orderdesk orders print`.

What a person or a script notices: the file written (where, under which name, a PDF holding each order
printed), what the command says (the path and the pages; --json), the audit row of each order printed and
the line it makes in the order's history, who may print what (A1: a manager's batch holds only what he may
see), and each refusal: one line naming what is missing, exit 1, no file, the database unchanged.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader
from sqlmodel import Session, select

from orderdesk.views.documents import order_sheet, stage_sheets
from orderdesk.views.lookup import get_employee
from orderdesk.views.order_detail import order_detail
from storage.db import read_session, shared_engine
from storage.models import Order
from tests.conftest import NOW, PG_URL, as_json, execute, ok, query, refused, snapshot_of

PICKING = "komplektatsiya"  # a stage of "dom" where the demo has orders of irina, of boris and unassigned ones


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The current directory, where a document goes when no -o is given."""
    folder = tmp_path / "here"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


def pdf_text(path: Path) -> list[str]:
    """The text of each page."""
    return [page.extract_text() for page in PdfReader(io.BytesIO(path.read_bytes())).pages]


def printed_rows(db: str) -> list[tuple[object, ...]]:
    """(order number, actor login, doc, channel) of each "order.printed" audit row, in the order written."""
    rows = query(
        db,
        "SELECT o.number, e.login, a.after, a.channel FROM audit_event a JOIN orders o ON o.id = a.order_id "
        "JOIN employee e ON e.id = a.actor_id WHERE a.action = 'order.printed' ORDER BY a.id",
    )
    return [(number, login, as_json(after)["doc"], channel) for number, login, after, channel in rows]


def stage_numbers(db: str, store: str, status: str, *, manager: str | None = None) -> list[str]:
    """The orders of a stage oldest first; with `manager`, those a manager sees (his and the unassigned)."""
    sql = ("SELECT o.number FROM orders o JOIN store s ON s.id = o.store_id LEFT JOIN employee e ON e.id = o.manager_id "
           "WHERE s.code = :store AND o.status = :status")  # fmt: skip
    if manager is not None:
        sql += " AND (e.login = :manager OR (o.manager_id IS NULL AND o.is_open = true))"
    rows = query(db, sql + " ORDER BY o.created_at, o.id", store=store, status=status, manager=manager)
    return [str(number) for (number,) in rows]


# ----------------------------------------------------------------------------------- one order


def test_prints_an_orders_invoice_into_the_current_directory_under_its_default_name(cli, demo_db, here):
    result = ok(cli("orders", "print", "D-1001", "--doc", "invoice", "--as", "olga", db=demo_db))
    path = here / "D-1001-invoice.pdf"
    assert result.stdout.strip() == f"{path}: invoice of D-1001, 1 page"
    text = "\n".join(pdf_text(path))
    assert "D-1001" in text and "Чайник электрический 1,7 л" in text  # one of its items, its Cyrillic as stored
    assert printed_rows(demo_db) == [("D-1001", "olga", "invoice", "cli")]


def test_json_names_the_file_the_document_the_orders_and_the_pages(cli, demo_db, tmp_path):
    out = tmp_path / "Накладная D-1001.pdf"
    result = ok(cli("orders", "print", "D-1001", "--doc", "waybill", "-o", str(out), "--json", "--as", "olga",
                    db=demo_db))  # fmt: skip
    data = json.loads(result.stdout)
    assert data == {"file": str(out), "doc": "waybill", "orders": ["D-1001"], "pages": len(pdf_text(out))}
    assert data["pages"] >= 1 and out.read_bytes().startswith(b"%PDF")


def test_o_naming_a_folder_writes_the_default_name_in_it(cli, demo_db, tmp_path):
    ok(cli("orders", "print", "H-1001", "--doc", "invoice", "-o", str(tmp_path), "--as", "james", db=demo_db))
    assert "H-1001" in "\n".join(pdf_text(tmp_path / "H-1001-invoice.pdf"))


def test_the_print_is_a_line_of_the_orders_history(cli, demo_db, here):
    ok(cli("orders", "print", "D-1001", "--doc", "slip", "--as", "olga", db=demo_db))
    ok(cli("orders", "print", "D-1001", "--doc", "invoice", "--as", "olga", db=demo_db))
    with read_session(shared_engine(demo_db)) as session:
        olga = get_employee(session, "olga")
        history = order_detail(session=session, number="D-1001", now=NOW, viewer=olga).history
    assert [(line.who, line.what) for line in history[:2]] == [
        (f"{olga.name} (cli)", "printed the invoice"),
        (f"{olga.name} (cli)", "printed the payment slip"),
    ]


def test_a_manager_may_not_print_an_order_he_may_not_see(cli, demo_db, here):
    before = snapshot_of(demo_db)
    refused(cli("orders", "print", "D-1001", "--doc", "invoice", "--as", "anna", db=demo_db), "D-1001", "not")
    assert snapshot_of(demo_db) == before
    assert list(here.iterdir()) == []


# ----------------------------------------------------------------------------------- a stage's batch


def test_a_stages_batch_is_one_file_of_its_orders_oldest_first_each_audited(cli, demo_db, here):
    expected = stage_numbers(demo_db, "dom", PICKING)
    assert len(expected) >= 3
    result = ok(cli("orders", "print", "--doc", "waybill", "--store", "dom", "--status", PICKING, "--json",
                    "--as", "sergey", db=demo_db))  # fmt: skip
    data = json.loads(result.stdout)
    day = NOW.date().isoformat()  # 12:00 in Moscow
    assert data["file"] == str(here / f"dom-{PICKING}-waybill-{day}.pdf")
    assert data["orders"] == expected
    pages = pdf_text(Path(data["file"]))
    assert data["pages"] == len(pages) >= len(expected)  # each order on its own pages
    firsts = [next(i for i, text in enumerate(pages) if number in text) for number in expected]
    assert firsts == sorted(firsts) and len(set(firsts)) == len(expected)  # in that order, none sharing a page
    assert printed_rows(demo_db) == [(number, "sergey", "waybill", "cli") for number in expected]


def test_a_managers_batch_holds_only_the_orders_he_may_see(cli, demo_db, here):
    everyone = stage_numbers(demo_db, "dom", PICKING)
    irinas = stage_numbers(demo_db, "dom", PICKING, manager="irina")
    assert 0 < len(irinas) < len(everyone)  # boris's are in that stage too
    result = ok(cli("orders", "print", "--doc", "waybill", "--store", "dom", "--status", PICKING, "--as", "irina",
                    db=demo_db))  # fmt: skip
    assert result.stdout.strip().endswith(
        f"waybill of {len(irinas)} orders, {len(pdf_text(next(here.iterdir())))} pages"
    )
    assert [number for number, *_ in printed_rows(demo_db)] == irinas


def test_the_read_models_sheets(demo_db):
    """What the documents are made of: the order's lines and sums as stored, the store's day, its currency."""
    with Session(shared_engine(demo_db)) as session:
        sergey = get_employee(session, "sergey")
        sheet = order_sheet(session=session, number="D-1001", now=NOW, viewer=sergey)
        order = session.exec(select(Order).where(Order.number == "D-1001")).one()
        batch = stage_sheets(session=session, store="dom", status=PICKING, now=NOW, viewer=sergey)
    assert (sheet.store_code, sheet.currency, sheet.customer_name) == ("dom", "RUB", "ООО «Ромашка»")
    assert sheet.customer_address == "115114, г. Москва, Дербеневская наб., д. 7, стр. 2, офис 305"  # as configured
    assert sheet.requisites is not None
    assert (sheet.requisites.legal_name, sheet.requisites.inn, sheet.requisites.vat_rate) == (
        "ООО «Дом и сад»", "7705123452", 22
    )  # fmt: skip
    assert [(line.sku, line.qty, line.price, line.discount) for line in sheet.lines] == [
        ("NN-5", 1, 279000, 13950), ("CH-17", 1, 229000, 0)
    ]  # fmt: skip
    assert sheet.items_total - sheet.discount + sheet.delivery_cost == sheet.total == order.total
    assert sheet.delivery_name is not None and sheet.manager_name is not None
    assert sheet.printed_on == NOW.date()
    assert sheet.placed_on == order.created_at.astimezone(ZoneInfo("Europe/Moscow")).date()
    assert [s.number for s in batch] == stage_numbers(demo_db, "dom", PICKING)


def test_a_customer_without_an_address_is_addressed_by_his_city(demo_db):
    execute(demo_db, "UPDATE customer SET address = NULL WHERE name = 'ООО «Ромашка»'")
    with Session(shared_engine(demo_db)) as session:
        sheet = order_sheet(session=session, number="D-1001", now=NOW, viewer=get_employee(session, "olga"))
    assert sheet.customer_address == "Moscow"


# ----------------------------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["X-404", "--doc", "invoice"], ["X-404", "not found"]),
        (["--doc", "waybill", "--store", "dom", "--status", "nope"], ["dom", "nope"]),
        (["--doc", "waybill", "--store", "nope", "--status", PICKING], ["nope", "store"]),
        (["--doc", "waybill", "--store", "dom"], ["--status"]),
        (["--doc", "waybill"], ["order number"]),
        (["D-1001", "--doc", "waybill", "--store", "dom", "--status", PICKING], ["not both"]),
        (["D-1001", "--doc", "invoice", "-o", "no/such/folder/x.pdf"], ["no/such/folder", "does not exist"]),
        (["--doc", "waybill", "--store", "print", "--status", "printed", "--as", "anna"], ["nothing to print"]),
    ],
)
def test_refused_in_one_line_naming_what_is_missing(cli, demo_db, here, args, words):
    if "--as" not in args:
        args = [*args, "--as", "olga"]
    before = snapshot_of(demo_db)
    refused(cli("orders", "print", *args, db=demo_db), *words)
    assert snapshot_of(demo_db) == before
    assert list(here.rglob("*.pdf")) == []


def test_a_store_without_requisites_is_refused_naming_them(cli, demo_db, here):
    execute(demo_db, "UPDATE store SET requisites = NULL WHERE code = 'dom'")
    before = snapshot_of(demo_db)
    refused(cli("orders", "print", "D-1001", "--doc", "invoice", "--as", "olga", db=demo_db), "dom", "requisites")
    refused(cli("orders", "print", "--doc", "waybill", "--store", "dom", "--status", PICKING, "--as", "olga",
                db=demo_db), "dom", "requisites")  # fmt: skip
    assert snapshot_of(demo_db) == before
    assert list(here.iterdir()) == []


def test_a_payment_slip_for_a_store_not_in_roubles_is_refused(cli, demo_db, here):
    before = snapshot_of(demo_db)
    refused(cli("orders", "print", "H-1001", "--doc", "slip", "--as", "james", db=demo_db), "home", "GBP")
    assert snapshot_of(demo_db) == before
    assert list(here.iterdir()) == []


def test_a_file_that_cannot_be_written_is_no_print(cli, demo_db, tmp_path):
    (tmp_path / "D-1001-invoice.pdf").mkdir()  # the default name in that folder is taken by a folder
    before = snapshot_of(demo_db)
    refused(cli("orders", "print", "D-1001", "--doc", "invoice", "-o", str(tmp_path), "--as", "olga", db=demo_db),
            "D-1001-invoice.pdf")  # fmt: skip
    assert snapshot_of(demo_db) == before


# ----------------------------------------------------------------------------------- the use case


def test_print_file_as_the_desk_and_the_command_call_it(demo_db, tmp_path):
    from orderdesk.api.printing import print_file
    from orderdesk.clock import FixedClock

    def into(_session, name):  # type: ignore[no-untyped-def]
        return tmp_path / name

    printed = print_file(shared_engine(demo_db), FixedClock(NOW), actor="sergey", doc="waybill", store="dom",
                         status=PICKING, target=into)  # fmt: skip
    expected = stage_numbers(demo_db, "dom", PICKING)
    assert printed.numbers == tuple(expected) and printed.path.read_bytes().startswith(b"%PDF")
    assert printed.path.name == f"dom-{PICKING}-waybill-{NOW.date().isoformat()}.pdf"
    assert [row[:3] for row in printed_rows(demo_db)] == [(number, "sergey", "waybill") for number in expected]
    one = print_file(shared_engine(demo_db), FixedClock(NOW), actor="sergey", doc="invoice", numbers=["D-1001"],
                     target=into)  # fmt: skip
    assert (one.numbers, one.path.name) == (("D-1001",), "D-1001-invoice.pdf")


@pytest.mark.skipif(bool(PG_URL), reason="SQLite's one write lock; PostgreSQL readers and writers do not wait")
def test_the_desks_writes_are_not_held_up_while_a_batch_is_laid_out(cli, demo_db, here, monkeypatch):
    """Laying out 500 waybills takes seconds: the command does it outside its write transaction."""
    import sqlite3

    import orderdesk.api.printing as printing  # where the command's print lays the PDF out

    real, tried = printing.render, []

    def render_while_another_desk_writes(doc, sheets):  # type: ignore[no-untyped-def]
        other = sqlite3.connect(demo_db, timeout=0.2, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")  # what any desk's write begins with
            other.execute("ROLLBACK")
            tried.append("wrote")
        except sqlite3.OperationalError as exc:
            tried.append(str(exc))
        finally:
            other.close()
        return real(doc, sheets)

    monkeypatch.setattr(printing, "render", render_while_another_desk_writes)
    ok(cli("orders", "print", "--doc", "waybill", "--store", "dom", "--status", PICKING, "--as", "sergey", db=demo_db))
    assert tried == ["wrote"]


def test_requisites_without_the_bank_are_refused_an_invoice_naming_the_key(cli, demo_db, here):
    (text,) = query(demo_db, "SELECT requisites FROM store WHERE code = 'dom'")[0]
    requisites = json.loads(str(text))
    del requisites["bik"]
    execute(demo_db, "UPDATE store SET requisites = :r WHERE code = 'dom'", r=json.dumps(requisites))
    before = snapshot_of(demo_db)
    refused(cli("orders", "print", "D-1001", "--doc", "invoice", "--as", "olga", db=demo_db), "dom", "bik")
    ok(cli("orders", "print", "D-1001", "--doc", "waybill", "--as", "olga", db=demo_db))  # names no bank
    assert snapshot_of(demo_db) != before and [p.name for p in here.iterdir()] == ["D-1001-waybill.pdf"]


def test_an_order_without_items_in_a_batch_is_refused_naming_it(cli, demo_db, here):
    first = stage_numbers(demo_db, "dom", PICKING)[0]
    execute(demo_db, "DELETE FROM order_item WHERE order_id = (SELECT id FROM orders WHERE number = :n)", n=first)
    before = snapshot_of(demo_db)
    line = refused(cli("orders", "print", "--doc", "waybill", "--store", "dom", "--status", PICKING, "--as", "olga",
                       db=demo_db), first, "no items")  # fmt: skip
    assert line.count(first) == 1
    assert snapshot_of(demo_db) == before


def test_an_item_too_long_for_a_page_is_refused_in_one_line_naming_the_order(cli, demo_db, here):
    execute(demo_db, "UPDATE order_item SET name = :name WHERE order_id = (SELECT id FROM orders WHERE number = 'D-1001')",
            name="Очень длинное название " * 2000)  # fmt: skip
    before = snapshot_of(demo_db)
    refused(cli("orders", "print", "D-1001", "--doc", "invoice", "--as", "olga", db=demo_db),
            "order D-1001", "too long to fit on a page")  # fmt: skip
    assert snapshot_of(demo_db) == before
    assert list(here.iterdir()) == []
