"""`orderdesk load FILE.toml`: what a good file writes, and how a bad one is refused (DESIGN §3, §4)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from orderdesk.policy.passwords import verify_password
from storage.db import make_engine
from tests.conftest import query, snapshot_of

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"
DEMO_TOML = SAMPLE / "demo.toml"


def settings_of(db: str) -> dict[str, object]:
    """The `setting` table as {key: value}, values decoded from their JSON column."""
    from sqlalchemy import select

    from storage.models import Setting

    engine = make_engine(db)
    try:
        with engine.connect() as connection:
            return dict(connection.execute(select(Setting.key, Setting.value)).all())
    finally:
        engine.dispose()


def without_audit(snapshot: dict[str, list[tuple[object, ...]]]) -> dict[str, list[tuple[object, ...]]]:
    return {name: rows for name, rows in snapshot.items() if name != "audit_event"}


def write(tmp_path: Path, text: str, name: str = "desk.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def load_json(cli, db: str, path: Path) -> dict[str, dict[str, int]]:
    result = cli("load", str(path), "--json", db=db)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def home_stages_toml(*, rename: tuple[str, str] | None = None, drop: str | None = None) -> str:
    """The [[stages]] blocks of the demo's "home" store, as they are in demo.toml."""
    text = DEMO_TOML.read_text(encoding="utf-8")
    section = text[text.index("# --- Home & Garden") : text.index("# --- Дом и сад")]
    blocks = ["[[stages]]" + b for b in section.split("[[stages]]")[1:]]
    assert len(blocks) == 10
    if drop:
        blocks = [b for b in blocks if f'code = "{drop}"' not in b]
    out = "\n".join(blocks)
    if rename:
        old, new = rename
        assert f'name = "{old}"' in out
        out = out.replace(f'name = "{old}"', f'name = "{new}"')
    return out


# ----------------------------------------------------------------------------------- good files


def test_demo_file_fills_an_empty_database_and_loading_it_again_changes_nothing(empty_db, cli):
    first = load_json(cli, empty_db, DEMO_TOML)
    assert first["stores"] == {"created": 3}
    assert first["employees"] == {"created": 16}
    assert first["groups"] == {"created": 7}
    assert first["stages"] == {"created": 30}
    assert first["customers"] == {"created": 20}
    assert first["automoves"]["created"] == 7

    users = cli("users", "list", "--json", db=empty_db)
    assert users.exit_code == 0, users.stderr
    by_login = {u["login"]: u for u in json.loads(users.stdout)}
    assert len(by_login) == 16
    assert by_login["anna"]["roles"] == ["manager"] and by_login["anna"]["groups"] == ["home-web"]
    assert by_login["grisha"]["groups"] == ["print-production", "warehouse"]
    assert by_login["kirill"]["active"] is False and by_login["vera"]["active"] is True

    home = query(
        empty_db,
        "SELECT stage.code, stage.time_limit, stage.kind FROM stage JOIN store ON store.id = stage.store_id "
        "WHERE store.code = 'home' ORDER BY stage.position",
    )
    assert [code for code, _, _ in home][:3] == ["new", "callback", "picking"]
    assert home[0] == ("new", 3600, "open") and home[-1] == ("cancelled", None, "cancelled")
    assert query(empty_db, "SELECT timezone FROM store WHERE code = 'dom'") == [("Europe/Moscow",)]

    # passwords are hashed on load, never stored as given
    hashes = [h for (h,) in query(empty_db, "SELECT password_hash FROM employee")]
    assert len(hashes) == 16 and all(h and h != "demo" and "demo" not in h for h in hashes)
    assert len(set(hashes)) == 16  # salted
    assert all(verify_password("demo", h) for h in hashes[:2])

    before = snapshot_of(empty_db)
    second = load_json(cli, empty_db, DEMO_TOML)
    for section, counts in second.items():
        assert counts.get("created", 0) == counts.get("updated", 0) == counts.get("deactivated", 0) == 0, section
    assert second["employees"] == {"unchanged": 16}
    assert without_audit(snapshot_of(empty_db)) == without_audit(before)


def test_a_partial_file_adds_an_employee_to_groups_already_in_the_database(demo_db, cli, tmp_path):
    path = write(
        tmp_path,
        '[[employees]]\nlogin = "zoe"\nname = "Zoe Hart"\nroles = ["manager"]\n'
        'groups = ["home-web", "warehouse"]\npassword = "s3cret"\n',
    )
    before = snapshot_of(demo_db)
    summary = load_json(cli, demo_db, path)
    assert summary == {"employees": {"created": 1}}
    zoe = [u for u in json.loads(cli("users", "list", "--json", db=demo_db).stdout) if u["login"] == "zoe"]
    assert zoe and zoe[0]["groups"] == ["home-web", "warehouse"] and zoe[0]["roles"] == ["manager"]
    (stored,) = query(demo_db, "SELECT password_hash FROM employee WHERE login = 'zoe'")[0]
    assert stored != "s3cret" and verify_password("s3cret", stored)
    after = snapshot_of(demo_db)
    # nothing but the new employee, her group links, the audit entry and the configuration's generation
    changed = {name for name in before if before[name] != after[name]}
    assert changed == {"employee", "employee_group", "audit_event", "config_generation"}
    assert len(after["employee"]) == len(before["employee"]) + 1


def test_a_new_group_next_to_an_unchanged_one_is_counted_as_created_only(demo_db, cli, tmp_path):
    path = write(
        tmp_path,
        '[[groups]]\ncode = "home-web"\nname = "Home, web orders"\nprocess_orders = true\n'
        'stores = ["home"]\nchannels = ["site", "app"]\n\n'
        '[[groups]]\ncode = "night"\nname = "Night shift"\nprocess_orders = true\nstores = ["home", "dom"]\n',
    )
    assert load_json(cli, demo_db, path) == {"groups": {"unchanged": 1, "created": 1}}
    stores = query(
        demo_db,
        "SELECT store.code FROM group_store JOIN user_group ON user_group.id = group_store.group_id "
        "JOIN store ON store.id = group_store.store_id WHERE user_group.code = 'night' ORDER BY store.code",
    )
    assert stores == [("dom",), ("home",)]


def test_a_renamed_stage_is_updated_in_place(demo_db, cli, tmp_path):
    path = write(tmp_path, home_stages_toml(rename=("Received", "Order received")))
    summary = load_json(cli, demo_db, path)
    assert summary == {"stages": {"updated": 1, "unchanged": 9}}
    rows = query(
        demo_db,
        "SELECT stage.id, stage.name, stage.active FROM stage JOIN store ON store.id = stage.store_id "
        "WHERE store.code = 'home' AND stage.code = 'new'",
    )
    assert len(rows) == 1 and rows[0][1:] == ("Order received", 1)
    # the orders in that stage show the new name
    listed = json.loads(cli("orders", "list", "--status", "new", "--json", "--limit", "1", db=demo_db).stdout)
    assert listed
    shown = json.loads(cli("orders", "show", listed[0]["number"], "--json", db=demo_db).stdout)
    assert shown["status"] == "new" and shown["stage"] == "Order received"


def test_a_stage_left_out_of_the_file_is_deactivated_not_deleted(demo_db, cli, tmp_path):
    in_callback = json.loads(cli("orders", "list", "--status", "callback", "--json", "--limit", "0", db=demo_db).stdout)
    stage_rows = len(query(demo_db, "SELECT id FROM stage"))
    path = write(tmp_path, home_stages_toml(drop="callback"))
    summary = load_json(cli, demo_db, path)
    assert summary["stages"]["deactivated"] == 1
    assert summary["stages"].get("created", 0) == 0
    assert len(query(demo_db, "SELECT id FROM stage")) == stage_rows
    rows = query(
        demo_db,
        "SELECT stage.active, stage.position FROM stage JOIN store ON store.id = stage.store_id "
        "WHERE store.code = 'home' AND stage.code = 'callback'",
    )
    assert rows == [(0, 10)]  # kept, inactive, after the stages the file lists
    active = query(
        demo_db,
        "SELECT stage.code FROM stage JOIN store ON store.id = stage.store_id "
        "WHERE store.code = 'home' AND stage.active ORDER BY stage.position",
    )
    assert [c for (c,) in active][:3] == ["new", "picking", "courier_call"]
    # orders still in the stage keep it
    still = json.loads(cli("orders", "list", "--status", "callback", "--json", "--limit", "0", db=demo_db).stdout)
    assert [o["number"] for o in still] == [o["number"] for o in in_callback]
    # loading the same file again deactivates nothing more
    assert load_json(cli, demo_db, path)["stages"] == {"unchanged": 9}


def test_settings_with_one_key_change_only_that_key(demo_db, cli, tmp_path):
    before = settings_of(demo_db)
    assert before["session_timeout"] == 120
    summary = load_json(cli, demo_db, write(tmp_path, '[settings]\nsession_timeout = "5m"\n'))
    assert summary == {"settings": {"updated": 1}}
    after = settings_of(demo_db)
    assert after["session_timeout"] == 300
    assert {k: v for k, v in after.items() if k != "session_timeout"} == {
        k: v for k, v in before.items() if k != "session_timeout"
    }

    nested = write(tmp_path, '[settings.distribution]\nmax_age = "30d"\n', "nested.toml")
    assert load_json(cli, demo_db, nested) == {"settings": {"updated": 1}}
    again = settings_of(demo_db)
    assert again["distribution.max_age"] == 30 * 86400
    assert {k: v for k, v in again.items() if k != "distribution.max_age"} == {
        k: v for k, v in after.items() if k != "distribution.max_age"
    }


# ----------------------------------------------------------------------------------- bad files

# A valid new store first, so a refused file proves that nothing before the mistake was written.
GOOD_START = '[[stores]]\ncode = "garden"\nname = "Garden centre"\ntimezone = "Europe/Paris"\n\n'
STAGE = '[[stages]]\nstore = "garden"\ncode = "s{n}"\nname = "Stage {n}"\ntime_limit = "1h"\n\n'
THREE_STAGES = "".join(STAGE.format(n=n) for n in range(3))

BAD_FILES = {
    "roles_not_a_list": (
        '[[employees]]\nlogin = "zoe"\nname = "Zoe"\nroles = "manager"\n',
        ["employees[0].roles", "list"],
    ),
    "bool_as_string": (
        '[[groups]]\ncode = "g"\nname = "G"\nprocess_orders = "yes"\n',
        ["groups[0].process_orders", "'yes'"],
    ),
    "bool_as_number": (
        "[settings.distribution]\nenabled = 1\n",
        ["settings.distribution.enabled"],
    ),
    "limit_as_string": (
        '[settings.distribution]\nworkload_limit = { statuses = ["new"], max = "5" }\n',
        ["settings.distribution.workload_limit.max"],
    ),
    "group_unknown_store": (
        '[[groups]]\ncode = "g"\nname = "G"\nstores = ["garden", "mars"]\n',
        ["groups[0].stores[1]", 'unknown store "mars"'],
    ),
    "employee_unknown_group": (
        '[[employees]]\nlogin = "zoe"\nname = "Zoe"\nroles = ["manager"]\ngroups = ["home-web", "nope"]\n',
        ["employees[0].groups[1]", 'unknown group "nope"'],
    ),
    "customer_unknown_manager": (
        '[[customers]]\nname = "C. Lee"\nphone = "+44 20 7946 0999"\nmanager = "ghost"\n',
        ["customers[0].manager", '"ghost"'],
    ),
    "stage_unknown_payment_method": (
        THREE_STAGES + '[[stages]]\nstore = "garden"\ncode = "pay"\nname = "Pay"\npayment_methods = ["bitcoin"]\n',
        ["stages[3].payment_methods[0]", 'unknown payment method "bitcoin"'],
    ),
    "stage_unknown_owner": (
        '[[stages]]\nstore = "garden"\ncode = "s"\nname = "S"\nowner = ["helen", "ghost"]\n',
        ["stages[0].owner[1]", '"ghost"'],
    ),
    "stage_owner_of_wrong_type": (
        '[[stages]]\nstore = "garden"\ncode = "s"\nname = "S"\nowner = 5\n',
        ["stages[0].owner:", "owner"],
    ),
    "automove_unknown_status": (
        '[[automoves]]\nstore = "print"\nfrom = ["placed"]\nafter = "2w"\nto = "limbo"\n',
        ["automoves[0].to", '"limbo"'],
    ),
    "automove_from_unknown_status": (
        '[[automoves]]\nstore = "print"\nfrom = ["placed", "new"]\nafter = "2w"\nto = "sent"\n',
        ["automoves[0].from[1]", '"new"'],
    ),
    "duplicate_store_code": (
        '[[stores]]\ncode = "garden"\nname = "Again"\n',
        ["stores[1]", "duplicate", '"garden"', "stores[0]"],
    ),
    "duplicate_login": (
        '[[employees]]\nlogin = "zoe"\nname = "Zoe"\nroles = ["manager"]\n\n'
        '[[employees]]\nlogin = "zoe"\nname = "Zoe Two"\nroles = ["admin"]\n',
        ["employees[1]", "duplicate", '"zoe"'],
    ),
    "misspelt_duration": (
        THREE_STAGES + '[[stages]]\nstore = "garden"\ncode = "x"\nname = "X"\ntime_limit = "2 wekes"\n',
        ["stages[3].time_limit", '"2 wekes"', "not a duration"],
    ),
    "bare_number_duration": (
        THREE_STAGES + '[[stages]]\nstore = "garden"\ncode = "x"\nname = "X"\ntime_limit = 3600\n',
        ["stages[3].time_limit", "3600", "not a duration"],
    ),
    "absurd_duration": (
        '[[stages]]\nstore = "garden"\ncode = "x"\nname = "X"\ntime_limit = "99999999999999w"\n',
        ["stages[0].time_limit", "too long"],
    ),
    "misspelt_key": (
        '[[stages]]\nstore = "garden"\ncode = "x"\nname = "X"\ntime_limt = "1h"\n',
        ["stages[0].time_limt", "unknown key"],
    ),
    "misspelt_section": (
        '[[employes]]\nlogin = "zoe"\n',
        ["employes", "unknown key"],
    ),
    "bad_time_zone": (
        '[[stores]]\ncode = "moon"\nname = "Moon"\ntimezone = "Mars/Olympus"\n',
        ["stores[1].timezone", '"Mars/Olympus"', "time zone"],
    ),
    "money_as_float": (
        '[[delivery_methods]]\ncode = "drone"\nname = "Drone"\nprice = 5.0\n',
        ["delivery_methods[0].price", "5.0", "string"],
    ),
    "money_with_three_decimals": (
        '[[delivery_methods]]\ncode = "drone"\nname = "Drone"\nprice = "1.234"\n',
        ["delivery_methods[0].price", '"1.234"', "decimal places"],
    ),
    "money_negative": (
        '[[delivery_methods]]\ncode = "drone"\nname = "Drone"\nprice = "-1.00"\n',
        ["delivery_methods[0].price", "negative"],
    ),
    "money_absurd": (
        '[[delivery_methods]]\ncode = "drone"\nname = "Drone"\nprice = "1e30"\n',
        ["delivery_methods[0].price", "more than"],
    ),
    "notice_longer_than_move": (
        '[[automoves]]\nstore = "print"\nfrom = ["placed"]\nafter = "1w"\nto = "sent"\n'
        'notice = { role = "admin", before = "2w" }\n',
        ["automoves[0]", "notice.before"],
    ),
    "customer_without_contact": (
        '[[customers]]\nname = "Nobody"\ncity = "Leeds"\n',
        ["customers[0]", "phone or an email"],
    ),
}


@pytest.fixture
def assert_refused(cli):
    """Exit 1, one line on stderr naming the file and every needle, no traceback, database unchanged."""

    def check(db: str, path: Path, needles: list[str]) -> str:
        before = snapshot_of(db)
        result = cli("load", str(path), db=db)
        assert result.exit_code == 1, (result.stdout, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        line = lines[0]
        assert "Traceback" not in result.stderr
        assert str(path) in line
        for needle in needles:
            assert needle in line, (needle, line)
        assert result.stdout == ""
        assert snapshot_of(db) == before
        return line

    return check


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_a_bad_file_is_refused_with_one_line_naming_the_key(demo_db, tmp_path, assert_refused, case):
    body, needles = BAD_FILES[case]
    path = write(tmp_path, GOOD_START + body)
    assert_refused(demo_db, path, needles)


def test_the_refused_store_is_not_there_afterwards(demo_db, cli, tmp_path, assert_refused):
    # the good part of a bad file is not written; the same part alone is
    body, needles = BAD_FILES["automove_unknown_status"]
    assert_refused(demo_db, write(tmp_path, GOOD_START + body), needles)
    assert query(demo_db, "SELECT code FROM store WHERE code = 'garden'") == []
    assert load_json(cli, demo_db, write(tmp_path, GOOD_START, "good.toml")) == {"stores": {"created": 1}}


def test_a_bad_file_refused_on_an_empty_database_too(empty_db, tmp_path, assert_refused):
    # references are checked against the file and the database: here the database has nothing
    text = GOOD_START + '[[groups]]\ncode = "g"\nname = "G"\nstores = ["garden"]\nchannels = ["site"]\n'
    assert_refused(empty_db, write(tmp_path, text), ["groups[0].channels[0]", 'unknown channel "site"'])


def test_invalid_toml_names_file_and_line(demo_db, tmp_path, assert_refused):
    path = write(tmp_path, GOOD_START + "[[stages]]\nstore = \n")
    line = assert_refused(demo_db, path, ["not valid TOML", "line 7"])
    assert len(line) < 300


def test_not_utf8_is_refused(demo_db, tmp_path, assert_refused):
    path = tmp_path / "cp1251.toml"
    path.write_bytes('[[stores]]\ncode = "dom2"\nname = "Дом и сад"\n'.encode("cp1251"))
    assert_refused(demo_db, path, ["UTF-8"])


@pytest.mark.parametrize("content", [b"", b"  \n\t\n\n"], ids=["empty", "whitespace"])
def test_empty_file_is_refused(demo_db, tmp_path, assert_refused, content):
    path = tmp_path / "empty.toml"
    path.write_bytes(content)
    assert_refused(demo_db, path, ["empty"])


def test_ten_megabytes_of_garbage_is_refused(demo_db, tmp_path, assert_refused):
    path = tmp_path / "garbage.toml"
    path.write_bytes(random.Random(20261125).randbytes(10 * 1024 * 1024))
    line = assert_refused(demo_db, path, [])
    assert len(line) < 300  # one readable line, not the garbage echoed back


def test_missing_file_and_directory_are_refused(demo_db, tmp_path, assert_refused):
    assert_refused(demo_db, tmp_path / "nowhere.toml", ["no such file"])
    folder = tmp_path / "folder.toml"
    folder.mkdir()
    assert_refused(demo_db, folder, ["directory"])


def test_two_customers_with_one_phone_written_differently_are_refused(empty_db, cli, tmp_path):
    path = tmp_path / "twins.toml"
    path.write_text(
        '[[customers]]\nname = "A"\nphone = "+7 900 000-00-01"\n\n[[customers]]\nname = "B"\nphone = "79000000001"\n'
    )
    before = snapshot_of(empty_db)
    result = cli("load", str(path), db=empty_db)
    assert result.exit_code == 1
    assert "customers[1].phone" in result.stderr and "customers[0]" in result.stderr
    assert snapshot_of(empty_db) == before
