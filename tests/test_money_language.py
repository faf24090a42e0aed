"""Money with its store's currency (A3) and the desk in the employee's language (U10)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from textual.pilot import Pilot
from textual.widgets import Static

import screens.i18n as i18n
from orderdesk.api.desk import Desk
from orderdesk.clock import FixedClock
from orderdesk.policy.money import Money, money_text, sums_by_currency
from screens.app import OrderDeskApp
from screens.inbox import InboxScreen
from tests.conftest import NOW, execute, ok, query, refused, snapshot_of
from tests.pilot import drive, signed_in, until

SCREENS = Path(__file__).parent.parent / "screens"
PO = SCREENS / "locale" / "ru" / "LC_MESSAGES" / "desk.po"
NNBSP = "\u202f"


@pytest.fixture(autouse=True)
def _english_after() -> Iterator[None]:
    """The language is the process's (one desk per process): the next test starts in English."""
    yield
    i18n.use_language("en")


@pytest.fixture
def desk(demo_db: str, engine_of) -> Desk:  # type: ignore[no-untyped-def]
    return Desk(engine_of(demo_db), FixedClock(NOW))


# ----------------------------------------------------------------------------------- money_text


@pytest.mark.parametrize(
    ("money", "text"),
    [
        (Money(123450, "GBP"), "£1,234.50"),
        (Money(123450, "USD"), "$1,234.50"),
        (Money(500, "EUR"), "€5.00"),
        (Money(123450, "RUB"), f"1{NNBSP}234,50{NNBSP}₽"),
        (Money(123456789, "RUB"), f"1{NNBSP}234{NNBSP}567,89{NNBSP}₽"),
        (Money(-995, "RUB"), f"-9,95{NNBSP}₽"),
        (Money(-123450, "GBP"), "-£1,234.50"),
        (Money(123450, "XYZ"), "1,234.50 XYZ"),
        (Money(123450), "1,234.50"),
    ],
)
def test_money_text_writes_the_currency_as_people_of_it_read_it(money: Money, text: str) -> None:
    assert money_text(money) == text


def test_sums_by_currency_never_adds_pounds_to_roubles() -> None:
    sums = sums_by_currency([Money(100, "RUB"), Money(250, "GBP"), Money(5, "RUB"), Money(7)])
    assert sums == (Money(250, "GBP"), Money(105, "RUB"), Money(7))


# ----------------------------------------------------------------------------------- currency of a store


def test_the_demo_stores_carry_their_currency_and_every_amount_of_an_order_says_it(demo_db, cli) -> None:
    assert dict(query(demo_db, "SELECT code, currency FROM store")) == {"home": "GBP", "dom": "RUB", "print": "RUB"}
    orders = json.loads(ok(cli("orders", "list", "--json", "--limit", "0", db=demo_db)).stdout)
    assert {o["store"]: o["currency"] for o in orders} == {"home": "GBP", "dom": "RUB", "print": "RUB"}
    number = next(o["number"] for o in orders if o["store"] == "dom")
    shown = json.loads(ok(cli("orders", "show", number, "--json", db=demo_db)).stdout)
    assert shown["currency"] == "RUB" and shown["items"]
    assert shown["total"].replace(".", "").isdigit()  # JSON keeps the plain decimal


def test_an_unknown_currency_is_refused_naming_the_store_and_the_key(demo_db, cli, tmp_path) -> None:
    before = snapshot_of(demo_db)
    bad = tmp_path / "bad.toml"
    bad.write_text('[[stores]]\ncode = "home"\nname = "Home & Garden"\ncurrency = "GBX"\n', encoding="utf-8")
    refused(cli("load", str(bad), db=demo_db), "stores[0]", 'store "home"', "currency", '"GBX"', "ISO 4217")
    assert snapshot_of(demo_db) == before
    lower = tmp_path / "lower.toml"
    lower.write_text('[[stores]]\ncode = "home"\nname = "Home & Garden"\ncurrency = "eur"\n', encoding="utf-8")
    ok(cli("load", str(lower), db=demo_db))
    assert query(demo_db, "SELECT currency FROM store WHERE code = 'home'") == [("EUR",)]


def test_stats_sums_each_currency_apart(demo_db, cli) -> None:
    data = json.loads(ok(cli("stats", "--json", db=demo_db)).stdout)
    orders = json.loads(ok(cli("orders", "list", "--json", "--limit", "0", "--unassigned", db=demo_db)).stdout)
    open_ = [o for o in orders if o["number"] in _open_numbers(demo_db)]
    expected: dict[str, int] = {}
    for o in open_:
        expected[o["currency"]] = expected.get(o["currency"], 0) + round(float(o["total"]) * 100)
    undistributed = data["undistributed"]
    assert "sum" not in undistributed  # no one figure over £ and ₽
    assert {s["currency"]: s["sum"] for s in undistributed["sums"]} == {
        c: f"{m // 100}.{m % 100:02d}" for c, m in expected.items()
    }
    assert set(expected) == {"GBP", "RUB"}
    assert {s["store"]: s["currency"] for s in undistributed["stores"]} == {"home": "GBP", "dom": "RUB", "print": "RUB"}
    # a manager of every store (the night shift) has a sum per currency
    loads = {m["login"]: m for m in data["managers"]}
    nikolai = {s["currency"] for s in loads["nikolai"]["sums"]}
    assert nikolai == {"GBP", "RUB"}, loads["nikolai"]
    assert [s["currency"] for s in loads["anna"]["sums"]] == ["GBP"]
    people = ok(cli("stats", db=demo_db)).stdout
    assert "GBP" in people and "RUB" in people


def _open_numbers(db: str) -> set[str]:
    return {n for (n,) in query(db, "SELECT number FROM orders WHERE is_open AND manager_id IS NULL")}


# ----------------------------------------------------------------------------------- language


def test_an_employee_speaks_his_own_language_else_his_stores(desk: Desk) -> None:
    assert desk.sign_in("irina", "demo").language == "ru"  # Дом и сад
    assert desk.sign_in("pavel", "demo").language == "ru"  # Печатный двор, production
    assert desk.sign_in("anna", "demo").language == "en"  # Home & Garden
    assert desk.sign_in("james", "demo").language == "en"  # all stores, the first is Home & Garden
    assert desk.sign_in("olga", "demo").language == "ru"  # all stores too, but her own says Russian


def test_a_language_the_desk_does_not_speak_is_refused(demo_db, cli, tmp_path) -> None:
    before = snapshot_of(demo_db)
    bad = tmp_path / "bad.toml"
    bad.write_text('[[stores]]\ncode = "home"\nname = "Home"\nlanguage = "de"\n', encoding="utf-8")
    refused(cli("load", str(bad), db=demo_db), "stores[0].language", '"de"')
    assert snapshot_of(demo_db) == before


def _inbox_words(app: OrderDeskApp, login: str) -> list[str]:
    seen: list[str] = []

    async def scenario(pilot: Pilot) -> None:
        await signed_in(pilot, login)
        await pilot.press("5")
        await until(pilot, lambda: isinstance(pilot.app.screen, InboxScreen), "the inbox")
        screen = pilot.app.screen
        await until(pilot, lambda: "…" not in str(screen.query_one("#inbox-summary", Static).content), "loaded")
        seen.append(str(screen.query_one("#desk-header").render()))
        seen.append(str(screen.query_one("#inbox-summary", Static).content))
        seen.append(str(screen.query_one("#inbox-text", Static).content))
        seen.append(" ".join(str(c.label) for c in screen.query_one("#inbox").columns.values()))  # type: ignore[attr-defined]
        seen.append(" ".join(b.description for _, b, *_ in screen.active_bindings.values()))

    drive(app, scenario)
    return seen


def test_a_russian_employee_sees_the_desk_in_russian(desk: Desk, demo_db: str) -> None:
    # her inbox empty (the demo's task rules told her of her tasks): the words of an empty inbox
    execute(demo_db, "DELETE FROM notification WHERE employee_id = (SELECT id FROM employee WHERE login = 'irina')")
    header, summary, text, columns, keys = _inbox_words(OrderDeskApp(desk=desk), "irina")
    assert "Входящие" in header
    assert summary.startswith("0 уведомлений") and "непрочитанных: 0" in summary
    assert text == "Здесь пока пусто."
    assert columns.split() == ["Когда", "Что", "Заказ", "Тема"]
    assert "Назад" in keys and "Прочитать все" in keys and "Выйти" in keys


def test_an_english_employee_sees_it_in_english_even_after_a_russian_one(desk: Desk) -> None:
    _inbox_words(OrderDeskApp(desk=desk), "irina")
    header, summary, text, columns, keys = _inbox_words(OrderDeskApp(desk=desk), "anna")
    assert "Inbox" in header
    assert summary.startswith("0 notifications") and "0 unread" in summary
    assert text == "Nothing here yet."
    assert "Back" in keys and "Sign out" in keys


def test_without_a_compiled_catalog_the_desk_is_english(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)  # as if `make install` never compiled the .mo
    i18n.use_language("ru")
    assert i18n._("Inbox") == "Inbox"
    assert i18n.ngettext("{n} order", "{n} orders", 5) == "{n} orders"


def test_the_russian_catalog_is_compiled_and_months_read_russian() -> None:
    i18n.use_language("ru")
    assert i18n._("Inbox") == "Входящие", "run `make install` (pybabel compile) first"
    assert i18n.ngettext("{n} order", "{n} orders", 1) == "{n} заказ"
    assert i18n.ngettext("{n} order", "{n} orders", 3) == "{n} заказа"
    assert i18n.ngettext("{n} order", "{n} orders", 11) == "{n} заказов"
    from datetime import UTC, datetime

    assert i18n.day_time(datetime(2026, 11, 24, 18, 0, tzinfo=UTC), "Europe/Moscow") == "24 ноя 21:00"


def test_every_string_of_the_screens_has_a_russian_translation() -> None:
    """A string wrapped in _(), N_() or ngettext() under screens/ with no Russian in the .po fails here:
    run `make messages`, translate what is new in screens/locale/ru/LC_MESSAGES/desk.po, `make install`."""
    keywords = {"_": None, "N_": None, "ngettext": (1, 2)}
    wanted = {
        message if isinstance(message, str) else message[0]
        for _, _, message, _, _ in extract_from_dir(
            str(SCREENS), method_map=[("**.py", "python")], keywords=keywords, comment_tags=()
        )
    }
    with PO.open("rb") as f:
        catalog = read_po(f, locale="ru")
    translated = set()
    for m in catalog:
        if not m.id or m.fuzzy:
            continue
        strings = [m.string] if isinstance(m.string, str) else list(m.string)
        if all(strings):
            translated.add(m.id if isinstance(m.id, str) else m.id[0])
    assert wanted, "nothing extracted"
    assert sorted(wanted - translated) == []
