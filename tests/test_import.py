"""`orderdesk orders import FILE`: orders from JSON and CSV, all or nothing (DESIGN §3, §4)."""

from __future__ import annotations

import copy
import csv
import io
import json
import random
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

import orderdesk.cli.main as cli_module
from orderdesk.usecases.import_orders import BATCH
from tests.conftest import query, snapshot_of

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"
DELETE = object()


def item(**changes: Any) -> dict[str, Any]:
    return {"sku": "RK-2", "name": "Rake", "qty": 2, "price": "12.50", "discount": "0", **changes}


def order(number: str = "T-1", **changes: Any) -> dict[str, Any]:
    """A home-store order worth 2 × 12.50 + 5.00 courier = 30.00, for a customer not in the demo."""
    data: dict[str, Any] = {
        "number": number,
        "store": "home",
        "channel": "site",
        "type": "regular",
        "created_at": "2026-11-20T22:14:00Z",
        "customer": {"name": "Test Person", "phone": "+44 7700 900001", "email": "test.person@example.com",
                     "city": "York"},
        "items": [item()],
        "payment_method": "card",
        "delivery": {"method": "courier", "cost": "5.00"},
        "discount": "0.00",
        "manager": None,
        "status": None,
    }  # fmt: skip
    for key, value in changes.items():
        if value is DELETE:
            data.pop(key)
        else:
            data[key] = value
    return data


def write_json(tmp_path: Path, orders: Any, name: str = "orders.json") -> Path:
    path = tmp_path / name
    path.write_text(orders if isinstance(orders, str) else json.dumps(orders, ensure_ascii=False), encoding="utf-8")
    return path


def import_json(cli, db: str, path: Path) -> dict[str, Any]:
    result = cli("orders", "import", str(path), "--json", db=db)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def show(cli, db: str, number: str) -> dict[str, Any]:
    result = cli("orders", "show", number, "--json", db=db)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def customer_count(db: str) -> int:
    return query(db, "SELECT count(*) FROM customer")[0][0]  # type: ignore[return-value]


@pytest.fixture
def assert_refused(cli):
    """Exit 1, one line on stderr naming the file and every needle, no traceback, database unchanged."""

    def check(db: str, path: Path, needles: list[str]) -> str:
        before = snapshot_of(db)
        result = cli("orders", "import", str(path), db=db)
        assert result.exit_code == 1, (result.stdout, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert "Traceback" not in result.stderr
        line = lines[0]
        assert str(path) in line
        for needle in needles:
            assert needle in line, (needle, line)
        assert len(line) < 600
        assert snapshot_of(db) == before
        return line

    return check


# ----------------------------------------------------------------------------------- good files


def test_json_import_computes_totals_and_reports_as_json(demo_db, cli, tmp_path):
    second = order(
        "T-2",
        items=[item(qty=2, price="12.50", discount="1.00"), item(sku="GL-1", name="Gloves", qty=1, price="3.99")],
        delivery={"method": "courier"},  # no cost: the method's price (5.00) applies
        discount="2.00",
        total="30.99",  # 25.00 − 1.00 + 3.99 − 2.00 + 5.00
    )
    path = write_json(tmp_path, [order("T-1"), second])
    before = customer_count(demo_db)
    result = import_json(cli, demo_db, path)
    assert result == {"imported": 2, "skipped": [], "customers_created": 1, "total": "60.99"}
    assert customer_count(demo_db) == before + 1

    first = show(cli, demo_db, "T-1")
    assert first["total"] == "30.00" and first["delivery"] == {"method": "courier", "cost": "5.00"}
    assert first["items"] == [{"sku": "RK-2", "name": "Rake", "qty": 2, "price": "12.50", "discount": "0.00"}]
    assert first["created_at"] == "2026-11-20T22:14:00Z" and first["manager"] is None
    two = show(cli, demo_db, "T-2")
    assert two["total"] == "30.99" and two["discount"] == "2.00" and two["delivery"]["cost"] == "5.00"
    assert [i["discount"] for i in two["items"]] == ["1.00", "0.00"]


def test_people_get_a_line_of_text(demo_db, cli, tmp_path):
    result = cli("orders", "import", str(write_json(tmp_path, [order("T-1"), order("T-2")])), db=demo_db)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == "imported 2 orders (1 new customers)"


def test_json_numbers_for_money_are_read_as_exact_decimals(demo_db, cli, tmp_path):
    # parse_float=Decimal: 0.1 is one tenth, not 0.1000000000000000055…, so 3 × 0.1 = 0.30 exactly
    text = json.dumps([order("T-1", items=[item(qty=3, price="PRICE")], delivery={"method": "pickup"}, total="0.30")])
    path = write_json(tmp_path, text.replace('"PRICE"', "0.1"))
    assert import_json(cli, demo_db, path)["total"] == "0.30"
    assert show(cli, demo_db, "T-1")["items"][0]["price"] == "0.10"


def test_csv_sample_imports_into_the_demo(demo_db, cli):
    # Emily Wilson already ordered in the demo (H-1057); her responsible manager is whoever got that order
    responsible = show(cli, demo_db, "H-1057")["customer"]["manager"]
    assert responsible not in (None, "emily")
    result = import_json(cli, demo_db, SAMPLE / "orders.csv")
    assert result["imported"] == 10 and result["skipped"] == []
    h1 = show(cli, demo_db, "H-5001")
    assert h1["total"] == "476.79" and len(h1["items"]) == 3
    assert h1["status"] == "new" and h1["customer"]["name"] == "Isla Green"
    assert [i["sku"] for i in h1["items"]] == ["PH-13", "PS-3", "TP-30"]
    assert show(cli, demo_db, "H-5002")["status"] == "completed"
    assert show(cli, demo_db, "D-5001")["status"] == "ozhidanie_oplaty"
    assert show(cli, demo_db, "D-5002")["total"] == "8755.00"
    # customers of the demo are found by phone, not created again
    for phone_key in ("441174960004", "79000000007", "79000000009"):
        assert query(demo_db, "SELECT count(*) FROM customer WHERE phone_key = :k", k=phone_key) == [(1,)]
    # an order's manager does not replace a customer's responsible manager
    h3 = show(cli, demo_db, "H-5003")
    assert (h3["manager"], h3["customer"]["manager"]) == ("emily", responsible)
    assert show(cli, demo_db, "D-5003")["customer"]["manager"] == "vera"


LAB = """
[[stores]]
code = "lab"
name = "Lab"
timezone = "UTC"

[[stores]]
code = "bare"
name = "Card only"

[[stages]]
store = "lab"
code = "pay"
name = "Awaiting payment"
time_limit = "3d"
payment_methods = ["card", "online", "bank_transfer"]

[[stages]]
store = "lab"
code = "ship"
name = "Courier"
time_limit = "4h"
delivery_methods = ["courier"]

[[stages]]
store = "lab"
code = "old"
name = "Retired stage"
time_limit = "1h"
active = false

[[stages]]
store = "lab"
code = "hold"
name = "On hold"
time_limit = "30m"
kind = "side"

[[stages]]
store = "lab"
code = "prep"
name = "Preparing"
time_limit = "1d"

[[stages]]
store = "lab"
code = "done"
name = "Done"
kind = "final"

[[stages]]
store = "bare"
code = "paid"
name = "Paid by card"
time_limit = "1h"
payment_methods = ["card"]
"""


@pytest.fixture
def lab_db(demo_db, cli, tmp_path):
    """The demo plus a store whose first stage depends on payment and delivery, and one that takes only cards."""
    path = tmp_path / "lab.toml"
    path.write_text(LAB, encoding="utf-8")
    result = cli("load", str(path), db=demo_db)
    assert result.exit_code == 0, result.stderr
    return demo_db


def test_an_order_without_status_starts_in_its_first_applicable_stage(lab_db, cli, tmp_path):
    created = "2026-11-25T06:00:00Z"
    cases = {
        # number: (store, payment, delivery, expected stage, its due time)
        "L-1": ("lab", "card", "courier", "pay", "2026-11-28T06:00:00Z"),
        "L-2": ("lab", "cash", "courier", "ship", "2026-11-25T10:00:00Z"),
        "L-3": ("lab", "cash", "pickup", "prep", "2026-11-26T06:00:00Z"),  # skips inactive "old", side "hold"
        "L-4": ("lab", None, None, "prep", "2026-11-26T06:00:00Z"),
        "L-5": ("home", "card", "pickup", "new", "2026-11-25T07:00:00Z"),
        "L-6": ("home", "cash", "courier", "new", "2026-11-25T07:00:00Z"),
    }
    orders = []
    for number, (store, payment, delivery, _, _) in cases.items():
        o = order(number, store=store, payment_method=payment, created_at=created)
        o["delivery"] = {"method": delivery} if delivery else None
        orders.append(o)
    assert import_json(cli, lab_db, write_json(tmp_path, orders))["imported"] == 6
    for number, (_, _, _, stage, due) in cases.items():
        shown = show(cli, lab_db, number)
        assert (shown["status"], shown["stage_due_at"]) == (stage, due), number
    assert show(cli, lab_db, "L-3")["overdue"] is False
    assert show(cli, lab_db, "L-5")["overdue"] is True  # its hour ran out at 07:00, before NOW (09:00)


def test_an_order_with_a_status_is_due_from_when_it_entered_it(lab_db, cli, tmp_path):
    orders = [
        order("S-1", status="callback", status_entered_at="2026-11-25T08:30:00Z"),  # 2h
        order("S-2", status="picking"),  # 1d from created_at 2026-11-20T22:14Z: long overdue
        order("S-3", status="completed", status_entered_at="2026-11-22T10:00:00Z"),  # final: no limit
        order("S-4", store="lab", status="hold", status_entered_at="2026-11-25T08:45:00+03:00"),  # 30m, zone
    ]
    assert import_json(cli, lab_db, write_json(tmp_path, orders))["imported"] == 4
    s1, s2, s3, s4 = (show(cli, lab_db, n) for n in ("S-1", "S-2", "S-3", "S-4"))
    assert (s1["status"], s1["stage_due_at"], s1["overdue"]) == ("callback", "2026-11-25T10:30:00Z", False)
    assert s1["status_entered_at"] == "2026-11-25T08:30:00Z"
    assert (s2["stage_due_at"], s2["overdue"]) == ("2026-11-21T22:14:00Z", True)
    assert (s3["status"], s3["stage_due_at"], s3["overdue"]) == ("completed", None, False)
    assert (s4["status"], s4["stage_due_at"]) == ("hold", "2026-11-25T06:15:00Z")


def test_the_home_order_past_its_first_hour_is_overdue(lab_db, cli, tmp_path):
    o = order("L-9", created_at="2026-11-25T07:30:00Z")
    import_json(cli, lab_db, write_json(tmp_path, [o]))
    shown = show(cli, lab_db, "L-9")
    assert shown["stage_due_at"] == "2026-11-25T08:30:00Z" and shown["overdue"] is True


def test_customers_are_matched_by_phone_or_email_however_written(demo_db, cli, tmp_path):
    before = customer_count(demo_db)
    orders = [
        # Alexander Sidorov is "+7 900 000-00-01" in the demo; another name and e-mail do not matter
        order("C-1", customer={"name": "A. Sidorov", "phone": "79000000001", "email": "elsewhere@example.com"}),
        # Oliver Bennett by e-mail in other case, no phone
        order("C-2", customer={"name": "Oliver", "email": "  OLIVER.Bennett@EXAMPLE.com "}),
        # one new customer, written two ways in the same file
        order("C-3", customer={"name": "Nina New", "phone": "+44 7700 900123"}),
        order("C-4", customer={"name": "Nina New", "phone": "447700900123"}),
    ]
    assert import_json(cli, demo_db, write_json(tmp_path, orders))["customers_created"] == 1
    assert customer_count(demo_db) == before + 1
    c1, c2, c3, c4 = (show(cli, demo_db, n)["customer"] for n in ("C-1", "C-2", "C-3", "C-4"))
    assert (c1["name"], c1["phone"], c1["manager"]) == ("Alexander Sidorov", "+7 900 000-00-01", "anna")
    assert (c2["name"], c2["manager"]) == ("Oliver Bennett", "emily")
    assert c3 == c4 and c3["name"] == "Nina New"
    assert query(demo_db, "SELECT count(*) FROM customer WHERE phone_key = '79000000001'") == [(1,)]


def test_an_order_manager_binds_a_customer_without_one_but_replaces_nobody(demo_db, cli, tmp_path):
    orders = [
        order("B-1", manager="tom", customer={"name": "Nina New", "phone": "+44 7700 900555"}),
        order("B-2", manager="emily", customer={"name": "Nina New", "phone": "+44 7700 900555"}),
        order("B-3", manager="emily", customer={"name": "Alexander Sidorov", "phone": "+7 900 000-00-01"}),
        order("B-4", customer={"name": "Paul Given", "phone": "+44 7700 900556", "manager": "helen"}),
    ]
    import_json(cli, demo_db, write_json(tmp_path, orders))
    b1, b2, b3, b4 = (show(cli, demo_db, n) for n in ("B-1", "B-2", "B-3", "B-4"))
    assert (b1["manager"], b1["customer"]["manager"]) == ("tom", "tom")
    assert (b2["manager"], b2["customer"]["manager"]) == ("emily", "tom")  # the first binding stays
    assert (b3["manager"], b3["customer"]["manager"]) == ("emily", "anna")  # anna stays responsible
    assert (b4["manager"], b4["customer"]["manager"]) == (None, "helen")
    responsible = query(
        demo_db,
        "SELECT employee.login FROM customer JOIN employee ON employee.id = customer.manager_id "
        "WHERE customer.phone_key = '447700900555'",
    )
    assert responsible == [("tom",)]


def test_importing_the_same_file_again_skips_every_order(demo_db, cli, tmp_path):
    path = write_json(tmp_path, [order("R-1"), order("R-2")])
    import_json(cli, demo_db, path)
    before = snapshot_of(demo_db)
    again = cli("orders", "import", str(path), db=demo_db)
    assert again.exit_code == 0, again.stderr
    assert "imported 0 orders" in again.stdout and "skipped 2 that already exist: R-1, R-2" in again.stdout
    assert import_json(cli, demo_db, path) == {"imported": 0, "skipped": ["R-1", "R-2"], "customers_created": 0,
                                                "total": "0.00"}  # fmt: skip
    assert snapshot_of(demo_db) == before


def test_the_demo_orders_are_all_skipped_in_the_demo_database(demo_db, cli):
    before = snapshot_of(demo_db)
    result = import_json(cli, demo_db, SAMPLE / "orders.json")
    assert result["imported"] == 0 and len(result["skipped"]) == 300
    assert snapshot_of(demo_db) == before


def test_a_file_with_new_and_known_orders_imports_the_new_ones_only(demo_db, cli, tmp_path):
    import_json(cli, demo_db, write_json(tmp_path, [order("R-1")], "first.json"))
    result = import_json(cli, demo_db, write_json(tmp_path, [order("R-1"), order("R-2")], "second.json"))
    assert result["imported"] == 1 and result["skipped"] == ["R-1"]
    assert query(demo_db, "SELECT count(*) FROM orders WHERE number IN ('R-1', 'R-2')") == [(2,)]


def test_the_audit_log_has_the_import(demo_db, cli, tmp_path):
    import_json(cli, demo_db, write_json(tmp_path, [order("A-1", manager="tom")]))
    result = cli("audit", "--order", "A-1", "--json", db=demo_db)
    assert result.exit_code == 0, result.stderr
    events = json.loads(result.stdout)
    assert [e["action"] for e in events] == ["order.imported"]
    assert events[0]["order"] == "A-1" and events[0]["rule"] == "import"
    assert events[0]["after"]["total"] == "30.00" and events[0]["after"]["status"] == "new"


# ----------------------------------------------------------------------------------- bad JSON orders


def with_item(**changes: Any) -> dict[str, Any]:
    return order("T-2", items=[item(), item(sku="XX-9", **changes)])


def raw_price(text: str) -> str:
    o = with_item(price="PRICE")
    return json.dumps([order("T-1"), o, order("T-3")]).replace('"PRICE"', text)


BAD_ORDERS: dict[str, tuple[Any, list[str]]] = {
    "total_disagrees": (order("T-2", total="31.00"), ["total", "31.00", "30.00"]),
    "unknown_store": (order("T-2", store="mars"), ["store", '"mars"']),
    "unknown_channel": (order("T-2", channel="fax"), ["channel", '"fax"']),
    "unknown_type": (order("T-2", type="odd"), ["type", '"odd"']),
    "unknown_payment": (order("T-2", payment_method="gold"), ["payment_method", '"gold"']),
    "unknown_delivery": (order("T-2", delivery={"method": "drone"}), ["delivery.method", '"drone"']),
    "status_of_another_store": (order("T-2", status="postupil"), ["status", '"postupil"', "home"]),
    "unknown_manager": (order("T-2", manager="ghost"), ["manager", '"ghost"']),
    "unknown_customer_manager": (
        order("T-2", customer={"name": "X", "phone": "+44 7700 900777", "manager": "ghost"}),
        ["customer.manager", '"ghost"'],
    ),
    "qty_zero": (with_item(qty=0), ["items[1].qty"]),
    "qty_negative": (with_item(qty=-3), ["items[1].qty", "-3"]),
    "qty_words": (with_item(qty="two"), ["items[1].qty", "'two'"]),
    "qty_absurd": (with_item(qty=10**30), ["items[1].qty"]),
    "price_three_decimals": (with_item(price="12.505"), ["items[1].price", "decimal places"]),
    "price_absurd": (with_item(price="1e30"), ["items[1].price"]),
    "price_words": (with_item(price="cheap"), ["items[1].price", '"cheap"']),
    "item_discount_over_value": (with_item(discount="99.00"), ["items[1].discount", "99.00"]),
    "discounts_over_value": (order("T-2", discount="100.00"), ["discount"]),
    "created_at_without_zone": (order("T-2", created_at="2026-11-20T22:14:00"), ["created_at", "time zone"]),
    "created_at_words": (order("T-2", created_at="yesterday"), ["created_at"]),
    "created_at_year_9999": (order("T-2", created_at="9999-12-31T23:30:00Z"), ["created_at"]),
    "entered_at_year_1": (
        order("T-2", status="callback", status_entered_at="0001-01-01T00:10:00+01:00"),
        ["status_entered_at"],
    ),
    "items_missing": (order("T-2", items=DELETE), ["items", "required"]),
    "items_empty": (order("T-2", items=[]), ["items"]),
    "item_not_an_object": (order("T-2", items=["rake"]), ["items[0]"]),
    "customer_unreachable": (order("T-2", customer={"name": "No Contact", "city": "York"}), ["customer", "phone"]),
    "customer_missing": (order("T-2", customer=DELETE), ["customer", "required"]),
    "unknown_key": (order("T-2", colour="red"), ["colour", "unknown key"]),
    "payment_status_unknown": (order("T-2", payment_status="maybe"), ["payment_status", "'maybe'"]),
}


@pytest.mark.parametrize("case", sorted(BAD_ORDERS))
def test_a_bad_order_refuses_the_whole_file(demo_db, tmp_path, assert_refused, case):
    bad, needles = BAD_ORDERS[case]
    path = write_json(tmp_path, [order("T-1"), bad, order("T-3")])
    assert_refused(demo_db, path, ["row 2", "(T-2)", *needles])


@pytest.mark.parametrize(
    ("text", "accepted"), [("12.5", True), ("12", True), ("12.505", False), ("1e2", True), ("NaN", False)]
)
def test_a_price_written_as_a_json_number(demo_db, cli, tmp_path, assert_refused, text, accepted):
    path = write_json(tmp_path, raw_price(text))
    if accepted:
        result = import_json(cli, demo_db, path)
        assert result["imported"] == 3
        price = show(cli, demo_db, "T-2")["items"][1]["price"]
        assert price == {"12.5": "12.50", "12": "12.00", "1e2": "100.00"}[text]
    else:
        assert_refused(demo_db, path, ["row 2", "items[1].price"])


def test_a_store_without_a_stage_for_the_order_refuses_it(lab_db, tmp_path, assert_refused):
    path = write_json(tmp_path, [order("T-1", store="bare"), order("T-2", store="bare", payment_method="cash")])
    assert_refused(lab_db, path, ["row 2", "(T-2)", "bare", "no stage"])


def test_a_number_twice_in_the_file(demo_db, tmp_path, assert_refused):
    path = write_json(tmp_path, [order("T-1"), order("T-2"), order("T-1")])
    assert_refused(demo_db, path, ["row 3", "T-1", "row 1"])


def test_row_five_of_six_bad_imports_nothing(demo_db, cli, tmp_path, assert_refused):
    orders = [order(f"M-{n}") for n in range(1, 7)]
    orders[4]["channel"] = "carrier-pigeon"
    assert_refused(demo_db, write_json(tmp_path, orders), ["row 5", "(M-5)", "channel", '"carrier-pigeon"'])
    assert query(demo_db, "SELECT count(*) FROM orders WHERE number LIKE 'M-%'") == [(0,)]


@pytest.mark.parametrize(
    ("content", "needles"),
    [
        ("", ["empty"]),
        ("  \n ", ["empty"]),
        ("[]", ["no orders"]),
        ('{"number": "T-1"}', ["list"]),
        ('"orders"', ["list"]),
        ('[{"number": "T-1", ', ["not valid JSON", "line 1"]),
        ('[{"number": "T-1"}, 5]', ["row 1"]),
        ('["T-1"]', ["row 1", "order"]),
        ("[" * 50_000 + "]" * 50_000, ["JSON"]),
    ],
    ids=["empty", "whitespace", "empty-list", "object", "string", "invalid", "number-only", "strings", "deep"],
)
def test_a_json_file_that_is_not_a_list_of_orders(demo_db, tmp_path, assert_refused, content, needles):
    assert_refused(demo_db, write_json(tmp_path, content), needles)


def test_not_utf8_json(demo_db, tmp_path, assert_refused):
    path = tmp_path / "cp1251.json"
    text = json.dumps([order("T-1", customer={"name": "Дом", "phone": "+7 900 111-22-33"})], ensure_ascii=False)
    path.write_bytes(text.encode("cp1251"))
    assert_refused(demo_db, path, ["UTF-8"])


@pytest.mark.parametrize("suffix", [".json", ".csv"])
def test_ten_megabytes_of_garbage(demo_db, tmp_path, assert_refused, suffix):
    path = tmp_path / f"garbage{suffix}"
    path.write_bytes(random.Random(7).randbytes(10 * 1024 * 1024))
    assert_refused(demo_db, path, [])


def test_unknown_extension_missing_file_and_directory(demo_db, tmp_path, assert_refused):
    sheet = tmp_path / "orders.xlsx"
    sheet.write_bytes(b"PK\x03\x04 not really a spreadsheet")
    assert_refused(demo_db, sheet, ["'.xlsx'", ".json", ".csv"])
    assert_refused(demo_db, tmp_path / "nowhere.json", ["no such file"])
    folder = tmp_path / "folder.json"
    folder.mkdir()
    assert_refused(demo_db, folder, ["directory"])


# ----------------------------------------------------------------------------------- CSV

HEADER = [
    "number", "store", "channel", "type", "created_at", "status", "manager", "customer_name", "customer_phone",
    "customer_email", "payment_method", "delivery_method", "delivery_cost", "discount", "total",
    "sku", "item_name", "qty", "price", "item_discount",
]  # fmt: skip


def csv_row(number: str = "T-1", **changes: str) -> dict[str, str]:
    row = {
        "number": number, "store": "home", "channel": "site", "type": "regular", "created_at": "2026-11-20T22:14:00Z",
        "status": "", "manager": "", "customer_name": "Test Person", "customer_phone": "+44 7700 900001",
        "customer_email": "test.person@example.com", "payment_method": "card", "delivery_method": "courier",
        "delivery_cost": "5.00", "discount": "0.00", "total": "", "sku": "RK-2", "item_name": "Rake", "qty": "2",
        "price": "12.50", "item_discount": "0",
    }  # fmt: skip
    row.update(changes)
    return row


def write_csv(tmp_path: Path, rows: list[dict[str, str]], header: list[str] = HEADER, name: str = "o.csv") -> Path:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(h, "") for h in header])
    path = tmp_path / name
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def test_csv_rows_of_one_order_make_one_order(demo_db, cli, tmp_path):
    rows = [csv_row("T-1"), csv_row("T-1", sku="GL-1", item_name="Gloves", qty="1", price="3.99"), csv_row("T-2")]
    result = import_json(cli, demo_db, write_csv(tmp_path, rows))
    assert result["imported"] == 2 and result["customers_created"] == 1
    one = show(cli, demo_db, "T-1")
    assert one["total"] == "33.99" and [i["sku"] for i in one["items"]] == ["RK-2", "GL-1"]


BAD_CSV: dict[str, tuple[list[dict[str, str]], list[str]]] = {
    "second_row_disagrees_on_store": (
        [csv_row("T-1"), csv_row("T-2"), csv_row("T-2", store="dom", sku="GL-1")],
        ["row 4", "column store", "(T-2)", "'dom'", "'home'", "row 3"],
    ),
    "bad_qty": (
        [csv_row("T-1"), csv_row("T-2"), csv_row("T-2", sku="GL-1", qty="two")],
        ["row 4", "column qty", "(T-2)", "'two'"],
    ),
    "zero_qty": ([csv_row("T-1"), csv_row("T-2", qty="0")], ["row 3", "column qty"]),
    "price_three_decimals": (
        [csv_row("T-1"), csv_row("T-2"), csv_row("T-2", sku="GL-1", price="3.999")],
        ["row 4", "column price", '"3.999"'],
    ),
    "item_discount_over_value": (
        [csv_row("T-1"), csv_row("T-2", item_discount="30.00")],
        ["row 3", "column item_discount"],
    ),
    "total_disagrees": ([csv_row("T-1"), csv_row("T-2", total="1.00")], ["row 3", "column total", "1.00", "30.00"]),
    "unknown_store": ([csv_row("T-1"), csv_row("T-2", store="mars")], ["row 3", "column store", '"mars"']),
    "unknown_manager": ([csv_row("T-1"), csv_row("T-2", manager="ghost")], ["row 3", "column manager", '"ghost"']),
    "empty_customer_name": ([csv_row("T-1"), csv_row("T-2", customer_name="")], ["row 3", "column customer_name"]),
    "created_at_without_zone": (
        [csv_row("T-1"), csv_row("T-2", created_at="2026-11-20 22:14")],
        ["row 3", "column created_at", "time zone"],
    ),
    "no_phone_or_email": (
        [csv_row("T-1"), csv_row("T-2", customer_phone="", customer_email="")],
        ["row 3", "(T-2)", "phone or an email"],
    ),
    "empty_number": ([csv_row("T-1"), csv_row("")], ["row 3", "column number"]),
}


@pytest.mark.parametrize("case", sorted(BAD_CSV))
def test_a_bad_csv_row_is_named_by_row_and_column(demo_db, tmp_path, assert_refused, case):
    rows, needles = BAD_CSV[case]
    assert_refused(demo_db, write_csv(tmp_path, rows), needles)


def test_csv_with_an_unknown_or_missing_column(demo_db, tmp_path, assert_refused):
    extra = write_csv(tmp_path, [csv_row("T-1")], HEADER + ["colour"], "extra.csv")
    assert_refused(demo_db, extra, ["row 1", '"colour"'])
    missing = write_csv(tmp_path, [csv_row("T-1")], [h for h in HEADER if h != "qty"], "missing.csv")
    assert_refused(demo_db, missing, ["row 1", '"qty"'])


def test_csv_row_with_the_wrong_number_of_fields(demo_db, tmp_path, assert_refused):
    path = write_csv(tmp_path, [csv_row("T-1"), csv_row("T-2")])
    path.write_text(path.read_text(encoding="utf-8") + "T-3,home,site\n", encoding="utf-8")
    assert_refused(demo_db, path, ["row 4", "3 fields", str(len(HEADER))])


def test_csv_header_only(demo_db, tmp_path, assert_refused):
    assert_refused(demo_db, write_csv(tmp_path, []), ["no orders"])


# ----------------------------------------------------------------------------------- a larger file


def many_orders(count: int) -> list[dict[str, Any]]:
    base = order("G-0")
    orders = []
    for n in range(1, count + 1):
        o = copy.deepcopy(base)
        o["number"] = f"G-{n:05d}"
        o["customer"] = {"name": f"Customer {n % 40}", "phone": f"+44 7700 91{n % 40:04d}"}
        o["created_at"] = f"2026-11-{1 + n % 24:02d}T{n % 24:02d}:00:00Z"
        orders.append(o)
    return orders


@pytest.fixture
def progress_calls(monkeypatch) -> list[tuple[int, int]]:
    """Turn the progress bar on (the test runner's stderr is no terminal) and record what it is told."""
    calls: list[tuple[int, int]] = []
    original = cli_module.progress_bar

    @contextmanager
    def forced(*, enabled: bool, label: str):  # type: ignore[no-untyped-def]
        with original(enabled=True, label=label) as advance:
            assert advance is not None

            def record(done: int, total: int) -> None:
                calls.append((done, total))
                advance(done, total)

            yield record

    monkeypatch.setattr(cli_module, "progress_bar", forced)
    return calls


def test_three_thousand_orders_import_with_a_progress_bar(demo_db, cli, tmp_path, progress_calls):
    count = 3000
    path = write_json(tmp_path, many_orders(count))
    before = customer_count(demo_db)
    result = cli("orders", "import", str(path), db=demo_db)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == f"imported {count} orders (40 new customers)"
    assert progress_calls == [(min(start + BATCH, count), count) for start in range(0, count, BATCH)]
    assert customer_count(demo_db) == before + 40
    assert query(demo_db, "SELECT count(*), sum(total) FROM orders WHERE number LIKE 'G-%'") == [(count, count * 3000)]
    assert query(demo_db, "SELECT count(*) FROM order_item JOIN orders ON orders.id = order_item.order_id "
                          "WHERE orders.number LIKE 'G-%'") == [(count,)]  # fmt: skip


def test_three_thousand_orders_with_the_last_one_bad_import_nothing(demo_db, tmp_path, assert_refused, progress_calls):
    orders = many_orders(3000)
    orders[-1]["items"][0]["price"] = "12.505"
    assert_refused(demo_db, write_json(tmp_path, orders), ["row 3000", "(G-03000)", "items[0].price"])
    assert progress_calls == []


def test_an_order_imported_into_a_final_stage_has_its_issue_date(demo_db, cli, tmp_path):
    import json as _json

    order = {"number": "H-FINAL", "store": "home", "channel": "site", "type": "regular",
             "created_at": "2026-11-20T10:00:00Z", "status": "completed", "status_entered_at": "2026-11-22T12:00:00Z",
             "customer": {"name": "Ann Final", "phone": "+7 900 123-45-67"},
             "items": [{"sku": "A", "name": "Thing", "qty": 1, "price": "5.00"}]}  # fmt: skip
    path = tmp_path / "final.json"
    path.write_text(_json.dumps([order]), encoding="utf-8")
    assert cli("orders", "import", str(path), db=demo_db).exit_code == 0
    shown = _json.loads(cli("orders", "show", "H-FINAL", "--json", db=demo_db).stdout)
    assert shown["issued_at"] == "2026-11-22T12:00:00Z"
