"""`orderdesk settings set`: the change is audited (S7), in the same transaction, secrets hidden."""

from __future__ import annotations

import json

import pytest

from tests.conftest import NOW, query


def setting_events(cli, db: str) -> list[dict]:
    return [e for e in json.loads(cli("audit", "--json", db=db).stdout) if e["action"] == "setting.changed"]


def test_settings_set_writes_an_audit_row_with_before_and_after(demo_db, cli):
    result = cli("settings", "set", "distribution.mode", "none", db=demo_db)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == "distribution.mode = none"
    [event] = setting_events(cli, demo_db)
    assert event["rule"] == "admin" and event["actor"] is None
    assert event["before"] == {"distribution.mode": "equal"} and event["after"] == {"distribution.mode": "none"}
    assert event["at"].startswith(NOW.strftime("%Y-%m-%d"))


def test_setting_a_value_it_already_has_writes_no_audit_row(demo_db, cli):
    assert cli("settings", "set", "distribution.mode", "none", db=demo_db).exit_code == 0
    again = cli("settings", "set", "distribution.mode", "none", db=demo_db)
    assert again.stdout.strip() == "distribution.mode = none (unchanged)"
    assert len(setting_events(cli, demo_db)) == 1


def test_a_refused_setting_changes_nothing_and_audits_nothing(demo_db, cli):
    before = query(demo_db, "SELECT key, value FROM setting ORDER BY key")
    result = cli("settings", "set", "distribution.workload_limit", '{ statuses = ["nowhere"], max = 5 }', db=demo_db)
    assert result.exit_code == 1 and "unknown status" in result.stderr
    assert setting_events(cli, demo_db) == []
    assert query(demo_db, "SELECT key, value FROM setting ORDER BY key") == before


def test_the_smtp_password_is_never_written_in_clear_in_the_audit_log(empty_db, cli):
    """It is no setting any more (issue 17, tests/test_smtp_secret.py): refused, nothing written."""
    assert cli("settings", "set", "smtp.password", '"s3cret"', db=empty_db).exit_code == 1
    assert cli("settings", "set", "smtp.password", "n3wer", db=empty_db).exit_code == 1
    assert setting_events(cli, empty_db) == []
    rows = query(empty_db, "SELECT key, value FROM setting")
    assert not any("s3cret" in str(row) or "n3wer" in str(row) for row in rows)


def test_setting_the_password_inside_a_table_does_not_print_it_either(empty_db, cli):
    result = cli("settings", "set", "smtp", '{ host = "mail.example", password = "s3cret" }', db=empty_db)
    assert result.exit_code == 1 and "ORDERDESK_SMTP_PASSWORD" in result.stderr
    assert "s3cret" not in result.stdout + result.stderr
    assert setting_events(cli, empty_db) == []


def test_the_setting_and_its_audit_row_are_one_transaction(demo_db, clock):
    from orderdesk.usecases.settings import set_setting
    from storage.db import make_engine, write_session

    before = query(demo_db, "SELECT key, value FROM setting ORDER BY key")
    engine = make_engine(demo_db)
    with pytest.raises(RuntimeError), write_session(engine) as session:
        change = set_setting(session=session, clock=clock, key="distribution.mode", value="none")
        assert change.changed == {"distribution.mode": ("equal", "none")}
        raise RuntimeError("the transaction fails after the change")
    engine.dispose()
    assert query(demo_db, "SELECT key, value FROM setting ORDER BY key") == before
    assert query(demo_db, "SELECT count(*) FROM audit_event WHERE action = 'setting.changed'") == [(0,)]
