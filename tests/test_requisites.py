"""Store requisites (issue 16): check digits of real Russian and British numbers, `[stores.requisites]` refused by
`orderdesk load` with a line naming the key (the database unchanged), what the store keeps, and the customer's
address from the config file and from imported orders."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orderdesk.config.requisites import requisites_of
from orderdesk.policy import requisites as check
from orderdesk.policy.documents import Requisites
from tests.conftest import query, refused, snapshot_of

DEMO_TOML = Path(__file__).resolve().parent.parent / "sample_data" / "demo.toml"
# appended to every refused file: had the file been taken, the load would have written this channel
NEW_CHANNEL = '\n[[channels]]\ncode = "fair"\nname = "Garden fair"\n'


# --- the check digits, on numbers that exist ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "inn",
    [
        "7707083893",  # ПАО Сбербанк
        "7736207543",  # ООО «Яндекс»
        "7736050003",  # ПАО «Газпром»
        "500100732259",  # a person's ИНН (12 digits, two check digits)
    ],
)
def test_real_inns_pass(inn: str) -> None:
    assert check.inn_problem(inn) is None


@pytest.mark.parametrize(
    ("inn", "words"),
    [
        ("7707083894", "fails its check digit"),
        ("500100732258", "fails its check digit"),  # the second check digit
        ("500100732149", "fails its check digit"),  # the first check digit
        ("770708389", "has 9 digits"),
        ("77070838931", "has 11 digits"),
        ("77070838A3", "not a number of digits"),
    ],
)
def test_wrong_inns_are_refused(inn: str, words: str) -> None:
    assert words in (check.inn_problem(inn) or "")


def test_ogrn_and_ogrnip() -> None:
    assert check.ogrn_problem("1027700132195") is None  # Сбербанк
    assert check.ogrn_problem("304500116000157") is None  # an ОГРНИП (15 digits, mod 13)
    assert "fails its check digit" in (check.ogrn_problem("1027700132196") or "")
    assert "fails its check digit" in (check.ogrn_problem("304500116000158") or "")
    assert "has 14 digits" in (check.ogrn_problem("30450011600015") or "")


@pytest.mark.parametrize(
    ("bik", "corr"),
    [
        ("044525225", "30101810400000000225"),  # ПАО Сбербанк
        ("044525974", "30101810145250000974"),  # АО «ТБанк»
        ("044525593", "30101810200000000593"),  # АО «Альфа-Банк»
        ("044525187", "30101810700000000187"),  # Банк ВТБ
    ],
)
def test_real_banks_correspondent_accounts_pass(bik: str, corr: str) -> None:
    assert check.bik_problem(bik) is None
    assert check.corr_account_problem(corr, bik) is None


def test_a_correspondent_account_of_another_bank_is_refused() -> None:
    assert "does not match the БИК 044525974" in (check.corr_account_problem("30101810400000000225", "044525974") or "")


def test_every_single_wrong_digit_of_an_account_is_caught() -> None:
    account, bik = "40702810938000012345", "044525225"
    assert check.account_problem(account, bik) is None
    for position in range(20):
        for digit in "0123456789":
            if digit != account[position]:
                typo = account[:position] + digit + account[position + 1 :]
                assert "does not match the БИК" in (check.account_problem(typo, bik) or ""), typo


def test_kpp_bik_shapes() -> None:
    assert check.kpp_problem("773601001") is None
    assert check.kpp_problem("7736AB001") is None  # the 5th and 6th may be letters
    assert "has 8 characters" in (check.kpp_problem("77360100") or "")
    assert "not a Russian БИК" in (check.bik_problem("144525225") or "")
    assert "has 8 digits" in (check.bik_problem("04452522") or "")


def test_british_numbers() -> None:
    assert check.vat_number_problem("GB999999973") is None  # HMRC's own example
    assert check.vat_number_problem("GB 284 5670 28") is None  # the demo's: the 55-mod-97 scheme
    assert "fails its check digit" in (check.vat_number_problem("GB999999974") or "")
    assert check.iban_problem("GB29 NWBK 6016 1331 9268 19") is None  # ISO 13616's example
    assert check.iban_problem("GB82 WEST 1234 5698 7654 32") is None
    assert "fails its check digit" in (check.iban_problem("GB28 NWBK 6016 1331 9268 19") or "")
    assert check.iban_matches("GB29NWBK60161331926819", "60-16-13", "31926819")
    assert check.sort_code_problem("601613") is not None
    assert check.company_number_problem("SC123456") is None
    assert check.company_number_problem("1234567") is not None
    assert "has 7 digits" in (check.account_number_problem("3192681") or "")


# --- what `orderdesk load` keeps ---------------------------------------------------------------------------------


def stored(db: str, store: str) -> Requisites | None:
    [(text,)] = query(db, "SELECT requisites FROM store WHERE code = :code", code=store)
    return requisites_of(text)  # type: ignore[arg-type]


def test_the_sample_stores_keep_their_requisites(demo_db: str) -> None:
    dom, printer, home = stored(demo_db, "dom"), stored(demo_db, "print"), stored(demo_db, "home")
    assert dom is not None and printer is not None and home is not None
    assert (dom.country, dom.legal_name, dom.inn, dom.kpp, dom.bik) == (
        "RU",
        "ООО «Дом и сад»",
        "7705123452",
        "770501001",
        "044525225",
    )
    assert (dom.vat_rate, dom.language, dom.currency) == (22, "ru", "RUB")  # language and currency: the store's
    assert (printer.vat_rate, printer.kpp, len(printer.inn), len(printer.ogrn)) == (None, "", 12, 15)  # ИП, без НДС
    assert (home.country, home.vat_rate, home.currency, home.language) == ("GB", 20, "GBP", "en")
    assert (home.sort_code, home.account_number, home.vat_number) == ("20-32-53", "73104816", "GB 284 5670 28")


def test_loading_the_sample_again_changes_no_store(cli, demo_db: str) -> None:
    result = cli("load", str(DEMO_TOML), "--json", db=demo_db)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["stores"] == {"unchanged": 3}


def test_a_store_listed_without_requisites_has_none_after_the_load(cli, demo_db: str, tmp_path: Path) -> None:
    path = tmp_path / "dom.toml"
    path.write_text('[[stores]]\ncode = "dom"\nname = "Дом и сад"\ntimezone = "Europe/Moscow"\ncurrency = "RUB"\n'
                    'language = "ru"\n', encoding="utf-8")  # fmt: skip
    result = cli("load", str(path), db=demo_db)
    assert result.exit_code == 0, result.stderr
    assert stored(demo_db, "dom") is None
    assert stored(demo_db, "print") is not None  # a store the file does not list keeps its own


def test_changed_requisites_are_written(cli, demo_db: str, tmp_path: Path) -> None:
    path = tmp_path / "demo.toml"
    path.write_text(DEMO_TOML.read_text(encoding="utf-8").replace('vat = "22%"', 'vat = "10%"'), encoding="utf-8")
    result = cli("load", str(path), "--json", db=demo_db)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["stores"] == {"updated": 1, "unchanged": 2}
    assert stored(demo_db, "dom").vat_rate == 10  # type: ignore[union-attr]


# --- refused, naming the key, the database unchanged -------------------------------------------------------------

DOM = "stores[1].requisites"
HOME = "stores[0].requisites"
PRINT = "stores[2].requisites"


@pytest.mark.parametrize(
    ("old", "new", "key", "words"),
    [
        ('inn = "7705123452"', 'inn = "7705123453"', f"{DOM}.inn", '"7705123453" fails its check digit'),
        ('account = "40702810238000047311"', 'account = "4070281023800004731"', f"{DOM}.account", "has 19 digits"),
        (  # an account of the Т-Банк client, under Сбербанк's БИК
            'account = "40702810238000047311"',
            'account = "40802810000000123456"',
            f"{DOM}.account",
            "does not match the БИК 044525225",
        ),
        (
            'corr_account = "30101810400000000225"',
            'corr_account = "30101810145250000974"',
            f"{DOM}.corr_account",
            "does not match the БИК",
        ),
        ('kpp = "770501001"', 'kpp = "77050100"', f"{DOM}.kpp", "has 8 characters"),
        ('ogrn = "1127746123450"', 'ogrn = "1127746123451"', f"{DOM}.ogrn", "fails its check digit"),
        ('bik = "044525225"', 'bik = "04452522"', f"{DOM}.bik", "has 8 digits"),
        ('vat = "22%"', 'vat = "18%"', f"{DOM}.vat", "no VAT rate of RU"),
        ('vat = "22%"', 'vat = "twenty"', f"{DOM}.vat", "not a VAT rate"),
        ('inn = "7705123452"', 'inn = "7705123452"\ncurrency = "EUR"', f"{DOM}.currency", "not the store's currency"),
        ('inn = "7705123452"', 'inn = "7705123452"\nsort_code = "20-32-53"', f"{DOM}.sort_code", "RU store"),
        ('inn = "7705123452"', 'inn_ = "7705123452"', f"{DOM}.inn_", "unknown key"),
        ('corr_account = "30101810400000000225"', "", f"{DOM}.corr_account", "is required with bank_name"),
        ('ogrn = "321774600123451"', 'ogrn = "1127746123450"', f"{PRINT}.ogrn", "ОГРНИП of 15 digits"),
        ('inn = "772456789082"', 'inn = "772456789082"\nkpp = "770501001"', f"{PRINT}.kpp", "has no КПП"),
        ('vat_number = "GB 284 5670 28"', 'vat_number = "GB 284 5670 29"', f"{HOME}.vat_number", "check digit"),
        (
            'iban = "GB06 BUKB 2032 5373 1048 16"',
            'iban = "GB07 BUKB 2032 5373 1048 16"',
            f"{HOME}.iban",
            "fails its check digit",
        ),
        ('account_number = "73104816"', 'account_number = "7310481"', f"{HOME}.account_number", "has 7 digits"),
        ('sort_code = "20-32-53"', 'sort_code = "203253"', f"{HOME}.sort_code", "not a sort code"),
        ('country = "GB"', 'country = "FR"', f"{HOME}.country", "not one of"),
        ('inn = "7705123452"', "inn = 7705123452", f"{DOM}.inn", "write it in quotes"),
        ('vat = "22%"', "vat = 22", f"{DOM}.vat", 'write the rate as "22%"'),
        ('legal_name = "ООО «Дом и сад»"', 'legal_name = "ООО\u202e «Дом и сад»"', f"{DOM}.legal_name", "U+202E"),
        ('address = "115280, г. Москва', 'address = "115280,\\nг. Москва', f"{DOM}.address", "control"),
    ],
)
def test_bad_requisites_are_refused_naming_the_key(
    cli, demo_db: str, tmp_path: Path, old: str, new: str, key: str, words: str
) -> None:
    text = DEMO_TOML.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path = tmp_path / "demo.toml"
    path.write_text(text.replace(old, new) + NEW_CHANNEL, encoding="utf-8")
    before = snapshot_of(demo_db)
    line = refused(cli("load", str(path), db=demo_db), f"{path}: {key}: ", words)
    assert snapshot_of(demo_db) == before, line


def test_numbers_written_with_spaces_are_kept_as_digits(cli, demo_db: str, tmp_path: Path) -> None:
    text = DEMO_TOML.read_text(encoding="utf-8").replace('"40702810238000047311"', '"4070 2810 2380 0004 7311"')
    path = tmp_path / "demo.toml"
    path.write_text(text, encoding="utf-8")
    result = cli("load", str(path), "--json", db=demo_db)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["stores"] == {"unchanged": 3}
    assert stored(demo_db, "dom").account == "40702810238000047311"  # type: ignore[union-attr]


def test_requisites_need_the_store_to_have_a_currency(cli, empty_db: str, tmp_path: Path) -> None:
    path = tmp_path / "one.toml"
    path.write_text('[[stores]]\ncode = "s"\nname = "S"\n\n[stores.requisites]\ncountry = "RU"\nlegal_name = "ООО «С»"\n'
                    'address = "Москва"\ninn = "7707083893"\nvat = "none"\n', encoding="utf-8")  # fmt: skip
    refused(cli("load", str(path), db=empty_db), "stores[0].requisites: ", "no currency")
    assert query(empty_db, "SELECT count(*) FROM store") == [(0,)]


# --- the customer's address --------------------------------------------------------------------------------------


def address_of(db: str, phone: str) -> object:
    [(address,)] = query(db, "SELECT address FROM customer WHERE phone = :phone", phone=phone)
    return address


def test_config_customers_keep_their_address(demo_db: str) -> None:
    assert address_of(demo_db, "+7 900 000-00-07") == "115114, г. Москва, Дербеневская наб., д. 7, стр. 2, офис 305"
    assert address_of(demo_db, "+44 20 7946 0001") == "14 Elmwood Road, London SE24 9NU"


def test_imported_customers_bring_their_address(cli, demo_db: str, tmp_path: Path) -> None:
    customer = {"name": "Test Person", "phone": "+44 7700 900001", "city": "York", "address": "3 Minster Yard, York"}
    orders = [
        {"number": "T-1", "store": "home", "channel": "site", "type": "regular", "created_at": "2026-11-20T22:14:00Z",
         "customer": customer, "items": [{"sku": "RK-2", "name": "Rake", "qty": 1, "price": "12.50"}],
         "payment_method": "card", "delivery": {"method": "courier", "cost": "5.00"}}
    ]  # fmt: skip
    (tmp_path / "orders.json").write_text(json.dumps(orders), encoding="utf-8")
    (tmp_path / "orders.csv").write_text(
        "number,store,channel,created_at,customer_name,customer_phone,customer_address,sku,item_name,qty,price\n"
        'T-2,dom,site,2026-11-20T22:14:00Z,Тест Тестов,+7 999 000-11-22,"г. Тверь, ул. Мира, д. 5",'
        "KH-5,Контейнеры,1,790.00\n",
        encoding="utf-8",
    )
    for name in ("orders.json", "orders.csv"):
        result = cli("orders", "import", str(tmp_path / name), db=demo_db)
        assert result.exit_code == 0, result.stderr
    assert address_of(demo_db, "+44 7700 900001") == "3 Minster Yard, York"
    assert address_of(demo_db, "+7 999 000-11-22") == "г. Тверь, ул. Мира, д. 5"


def test_the_sample_orders_give_some_new_customers_an_address(demo_db: str) -> None:
    [(with_address, without)] = query(
        demo_db,
        "SELECT sum(CASE WHEN address IS NULL THEN 0 ELSE 1 END), sum(CASE WHEN address IS NULL THEN 1 ELSE 0 END)"
        " FROM customer",
    )
    assert with_address > 20 and without > 0  # type: ignore[operator]  # beyond the 16 of the config file
