"""`orderdesk pipeline …` and `orderdesk automoves …` (S1, S2, S4, U7): what an admin changes, what
he is told, what is refused, and what happens to the orders already waiting in the stages."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import NOW, execute, ok, query, snapshot_of

DEMO_TOML = Path(__file__).resolve().parent.parent / "sample_data" / "demo.toml"


def stages_json(cli, db, store="home"):
    return json.loads(ok(cli("pipeline", "list", store, "--json", db=db)).stdout)


def utc(value) -> datetime | None:
    if value is None:
        return None
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


def orders_in(db, store, status):
    """{number: (entered, stage_due, overdue, move_due, notice_due)} of the store's orders in a status."""
    rows = query(
        db,
        "SELECT o.number, o.status_entered_at, o.stage_due_at, o.overdue, o.move_due_at, o.notice_due_at "
        "FROM orders o JOIN store s ON s.id = o.store_id WHERE s.code = :store AND o.status = :status",
        store=store,
        status=status,
    )
    return {r[0]: (utc(r[1]), utc(r[2]), bool(r[3]), utc(r[4]), utc(r[5])) for r in rows}


def some_late_in_new(db):
    """Two of home's orders in "new" entered it long ago (two weeks, two days) and are flagged past its
    1h limit, as the overdue sweep leaves them (the demo's orders in "new" all came in lately)."""
    numbers = [n for (n,) in query(db, "SELECT o.number FROM orders o JOIN store s ON s.id = o.store_id "
                                       "WHERE s.code = 'home' AND o.status = 'new' ORDER BY o.number")]  # fmt: skip
    assert len(numbers) >= 3
    for number, ago in zip(numbers, (timedelta(weeks=2), timedelta(days=2)), strict=False):
        entered = (NOW - ago).replace(tzinfo=None)
        execute(db, "UPDATE orders SET status_entered_at = :entered, stage_due_at = :due, overdue = TRUE "
                    "WHERE number = :number", number=number, entered=entered.strftime("%Y-%m-%d %H:%M:%S.%f"),
                due=(entered + timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S.%f"))  # fmt: skip


def due_columns(db):
    return query(db, "SELECT number, stage_due_at, overdue, move_due_at, notice_due_at FROM orders ORDER BY number")


def admin_audit(cli, db):
    events = json.loads(ok(cli("audit", "--json", "--limit", "0", db=db)).stdout)
    return [e for e in events if e["rule"] == "admin"]


# ------------------------------------------------------------------------------ the pipeline


def test_add_rename_reorder_and_deactivate_show_in_pipeline_list(demo_db, cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")  # the table's width, as on an admin's wide terminal
    some_late_in_new(demo_db)
    before = stages_json(cli, demo_db)
    assert [s["code"] for s in before][:3] == ["new", "callback", "picking"]
    new = before[0]
    assert new["time_limit"] == "1h" and new["open"] > 0 and new["overdue"] > 0

    out = ok(cli("pipeline", "add", "home", "packing", "--name", "Packing", "--limit", "1h 30m",
                 "--owner", "role:warehouse", "--delivery", "courier", "--after", "picking", db=demo_db))  # fmt: skip
    assert out.stdout.strip() == 'added stage home/packing "Packing" at position 4 of 11'
    out = ok(cli("pipeline", "rename", "home", "packing", "Packing and labelling", db=demo_db))
    assert out.stdout.strip() == 'renamed home/packing: "Packing" → "Packing and labelling"'
    out = ok(cli("pipeline", "move", "home", "callback", "--position", "3", db=demo_db))
    assert out.stdout.strip() == "moved home/callback from position 2 to 3"
    callback_orders = orders_in(demo_db, "home", "callback")
    out = ok(cli("pipeline", "deactivate", "home", "callback", db=demo_db))
    assert out.stdout.strip().startswith("deactivated home/callback")

    after = stages_json(cli, demo_db)
    assert [s["code"] for s in after][:5] == ["new", "picking", "callback", "packing", "courier_call"]
    assert [s["position"] for s in after] == list(range(1, 12))
    packing = next(s for s in after if s["code"] == "packing")
    assert packing["name"] == "Packing and labelling"
    assert packing["time_limit"] == "1h 30m" and packing["owner"] == "role:warehouse"
    assert packing["delivery_methods"] == ["courier"] and packing["payment_methods"] == []
    assert packing["active"] and packing["open"] == 0
    callback = next(s for s in after if s["code"] == "callback")
    assert not callback["active"] and callback["open"] == len(callback_orders) > 0
    # the orders in the deactivated stage were not touched
    assert orders_in(demo_db, "home", "callback") == callback_orders

    # people read the table: durations as "1h 30m", the new name, the inactive stage
    table = ok(cli("pipeline", "list", "home", db=demo_db)).stdout
    row = next(line for line in table.splitlines() if " packing " in line)
    assert "Packing and labelling" in row and "1h 30m" in row and "role:warehouse" in row and "courier" in row
    assert " no " in next(line for line in table.splitlines() if " callback " in line)

    # activating it again puts it back
    ok(cli("pipeline", "activate", "home", "callback", db=demo_db))
    assert next(s for s in stages_json(cli, demo_db) if s["code"] == "callback")["active"]


def test_a_deactivated_stage_is_skipped_by_advance_and_its_orders_can_still_leave_it(demo_db, cli):
    from sqlmodel import Session, select

    from orderdesk.policy.workflow import next_stage
    from orderdesk.views.lookup import pipeline_of
    from storage.db import make_engine
    from storage.models import Store

    ok(cli("pipeline", "deactivate", "home", "picking", db=demo_db))
    engine = make_engine(demo_db)
    try:
        with Session(engine) as session:
            home = session.exec(select(Store.id).where(Store.code == "home")).one()
            stages = pipeline_of(session, home)
    finally:
        engine.dispose()
    cash = {"payment_method": "cash", "delivery_method": "pickup"}
    assert next_stage(stages, "callback", **cash).code == "cash_desk"  # picking is skipped
    assert next_stage(stages, "picking", **cash).code == "cash_desk"  # and can be left


def test_owner_and_limit_are_set_and_shown(demo_db, cli):
    out = ok(cli("pipeline", "owner", "home", "picking", "anna,boris", db=demo_db))
    assert out.stdout.strip() == "home/picking: owner role:warehouse → anna,boris"
    out = ok(cli("pipeline", "limit", "home", "picking", "none", db=demo_db))
    assert out.stdout.startswith("home/picking: time limit 1d → none")
    picking = next(s for s in stages_json(cli, demo_db) if s["code"] == "picking")
    assert picking["owner"] == ["anna", "boris"] and picking["time_limit"] is None
    # nothing to do is said so, and written nowhere
    before = snapshot_of(demo_db)
    out = ok(cli("pipeline", "owner", "home", "picking", "anna,boris", db=demo_db))
    assert "(unchanged)" in out.stdout
    assert snapshot_of(demo_db) == before


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["pipeline", "add", "nowhere", "x", "--name", "X"], 'unknown store "nowhere"'),
        (["pipeline", "add", "home", "picking", "--name", "Again"], 'store home already has a stage "picking"'),
        (["pipeline", "add", "home", "x", "--name", "X", "--payment", "barter"], 'unknown payment method "barter"'),
        (["pipeline", "add", "home", "x", "--name", "X", "--delivery", "drone"], 'unknown delivery method "drone"'),
        (["pipeline", "add", "home", "x", "--name", "X", "--owner", "anna,nobody"], 'no employee with login "nobody"'),
        (["pipeline", "add", "home", "x", "--name", "X", "--limit", "soon"], 'limit: "soon" is not a duration'),
        (["pipeline", "add", "home", "x", "--name", "X", "--kind", "later"], 'kind: "later" is not a stage kind'),
        (["pipeline", "add", "home", "x", "--name", "X", "--after", "nope"], 'store home has no stage "nope"'),
        (["pipeline", "add", "home", "x", "--name", "X", "--position", "40"], "position: 40 is out of range"),
        (["pipeline", "rename", "home", "nope", "X"], 'store home has no stage "nope"'),
        (["pipeline", "limit", "home", "new", "2 fortnights"], 'limit: "2 fortnights" is not a duration'),
        (["pipeline", "limit", "home", "completed", "1d"], "completed is a final stage"),
        (["pipeline", "owner", "home", "new", "role:"], "owner: "),
        (["automoves", "add", "home", "--from", "new", "--after", "2w", "--to", "cancelled",
          "--notice-role", "admin", "--notice-before", "3w"], "notice before: 3w must be shorter than after (2w)"),
        (["automoves", "add", "home", "--from", "nope", "--after", "2w", "--to", "cancelled"],
         'from: store home has no status "nope"'),
        (["automoves", "add", "home", "--from", "new", "--after", "whenever", "--to", "cancelled"],
         'after: "whenever" is not a duration'),
        (["automoves", "add", "print", "--from", "sent", "--after", "1w", "--to", "cancelled"],
         "print already moves sent by timed move #"),
        (["automoves", "remove", "home", "1"], "store home has no timed move #1"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_naming_it_and_changes_nothing(demo_db, cli, args, named):
    before = snapshot_of(demo_db)
    result = cli(*args, db=demo_db)
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and named in lines[0], result.stderr
    assert snapshot_of(demo_db) == before


def test_the_last_active_open_stage_cannot_be_deactivated(empty_db, cli, tmp_path):
    path = tmp_path / "one.toml"
    path.write_text(
        '[[stores]]\ncode = "s"\nname = "S"\n\n'
        '[[stages]]\nstore = "s"\ncode = "new"\nname = "New"\n\n'
        '[[stages]]\nstore = "s"\ncode = "done"\nname = "Done"\nkind = "final"\n',
        encoding="utf-8",
    )
    ok(cli("load", str(path), db=empty_db))
    result = cli("pipeline", "deactivate", "s", "new", db=empty_db)
    assert result.exit_code == 1 and "last active open stage" in result.stderr
    assert [s["active"] for s in stages_json(cli, empty_db, "s")] == [True, True]


def test_a_new_open_stage_goes_before_the_final_ones_by_default(demo_db, cli):
    ok(cli("pipeline", "add", "home", "gift_wrap", "--name", "Gift wrap", db=demo_db))
    codes = [s["code"] for s in stages_json(cli, demo_db)]
    assert codes[-3:] == ["gift_wrap", "completed", "cancelled"]


# ------------------------------------------------------------------------------ due times of waiting orders


def test_a_new_limit_moves_the_due_time_of_orders_already_in_the_stage_and_clears_overdue(demo_db, cli):
    some_late_in_new(demo_db)
    # as the overdue sweep leaves them: the orders in "new" past its 1h limit are flagged (the demo's
    # freshest orders came in less than an hour ago and are not)
    execute(demo_db, "UPDATE orders SET overdue = TRUE WHERE status IN ('new', 'postupil') AND stage_due_at <= :now",
            now=NOW.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f"))  # fmt: skip
    waiting = orders_in(demo_db, "home", "new")
    assert waiting and all(overdue == (due <= NOW) for _, due, overdue, _, _ in waiting.values())
    assert any(overdue for _, _, overdue, _, _ in waiting.values())
    others = orders_in(demo_db, "home", "callback") | orders_in(demo_db, "dom", "postupil")

    out = ok(cli("pipeline", "limit", "home", "new", "1w", db=demo_db))
    assert f"due times of {len(waiting)} open orders recomputed" in out.stdout

    after = orders_in(demo_db, "home", "new")
    cleared = still = 0
    for _number, (entered, due, overdue, _, _) in after.items():
        assert due == entered + timedelta(weeks=1)
        assert overdue == (due <= NOW)
        cleared += not overdue
        still += overdue
    assert cleared and still  # some entered less than a week ago, some longer
    # other stages, and the same code in another store, are untouched
    assert orders_in(demo_db, "home", "callback") | orders_in(demo_db, "dom", "postupil") == others
    listed = next(s for s in stages_json(cli, demo_db) if s["code"] == "new")
    assert listed["time_limit"] == "1w" and listed["overdue"] == still

    # no limit at all: nobody in the stage is due or late any more
    ok(cli("pipeline", "limit", "home", "new", "none", db=demo_db))
    assert all(due is None and not overdue for _, due, overdue, _, _ in orders_in(demo_db, "home", "new").values())


def test_adding_and_removing_a_timed_move_schedules_and_unschedules_orders_already_waiting(demo_db, cli):
    waiting = orders_in(demo_db, "home", "callback")
    assert waiting and all(move is None for *_, move, _ in waiting.values())
    rest = due_columns(demo_db)

    out = ok(cli("automoves", "add", "home", "--from", "callback", "--after", "2w", "--to", "cancelled",
                 "--notice-role", "admin", "--notice-before", "1w", db=demo_db))  # fmt: skip
    assert out.stdout.startswith("added timed move #")
    assert f"{len(waiting)} open orders already waiting" in out.stdout
    for entered, _, _, move, notice in orders_in(demo_db, "home", "callback").values():
        assert move == entered + timedelta(weeks=2)
        assert notice == entered + timedelta(weeks=1)
    changed = {a[0] for a, b in zip(rest, due_columns(demo_db), strict=False) if a != b}
    assert changed == set(waiting)

    moves = json.loads(ok(cli("automoves", "list", "home", "--json", db=demo_db)).stdout)
    assert [(m["from"], m["after"], m["to"], m["notice"]["before"]) for m in moves] == [
        (["callback"], "2w", "cancelled", "1w")
    ]
    table = ok(cli("automoves", "list", db=demo_db)).stdout
    assert str(moves[0]["id"]) in table and "16w" in table and "admin 1w before" in table

    out = ok(cli("automoves", "remove", "home", str(moves[0]["id"]), db=demo_db))
    assert out.stdout.startswith(f"removed timed move #{moves[0]['id']} of home")
    assert due_columns(demo_db) == rest
    assert json.loads(ok(cli("automoves", "list", "home", "--json", db=demo_db)).stdout) == []


def test_removing_a_timed_move_leaves_the_other_rules_orders_alone(demo_db, cli):
    moves = json.loads(ok(cli("automoves", "list", "print", "--json", db=demo_db)).stdout)
    placed = next(m for m in moves if m["from"] == ["placed"])
    printed_before = orders_in(demo_db, "print", "printed")
    assert printed_before and all(move is not None for *_, move, _ in printed_before.values())
    ok(cli("automoves", "remove", "print", str(placed["id"]), db=demo_db))
    assert all(move is None and notice is None for *_, move, notice in orders_in(demo_db, "print", "placed").values())
    assert orders_in(demo_db, "print", "printed") == printed_before


def test_loading_a_changed_config_recomputes_the_orders_already_waiting(demo_db, cli, tmp_path):
    text = DEMO_TOML.read_text(encoding="utf-8")
    limit = 'code = "new"\nname = "Received"\ntime_limit = "1h"'
    placed_rule = 'from = ["placed"]\nafter = "2w"'
    assert text.count(limit) == 1 and text.count(placed_rule) == 1
    changed = text.replace(limit, limit.replace('"1h"', '"2h"')).replace(placed_rule, placed_rule.replace("2w", "3w"))
    path = tmp_path / "changed.toml"
    path.write_text(changed, encoding="utf-8")

    summary = json.loads(ok(cli("load", str(path), "--json", db=demo_db)).stdout)
    new, placed = orders_in(demo_db, "home", "new"), orders_in(demo_db, "print", "placed")
    assert summary["orders"] == {"updated": len(new) + len(placed)}
    assert all(due == entered + timedelta(hours=2) for entered, due, *_ in new.values())
    assert all(move == entered + timedelta(weeks=3) for entered, _, _, move, _ in placed.values())
    # loading it again finds nothing to recount
    assert "orders" not in json.loads(ok(cli("load", str(path), "--json", db=demo_db)).stdout)

    # a file that drops the rule unschedules the orders waiting for it
    dropped = changed.replace(
        "[[automoves]]                     # every two weeks along placed → in_print → printed → sent\n"
        'store = "print"\nfrom = ["placed"]\nafter = "3w"\nto = "in_print"\n',
        "",
    )
    assert dropped != changed
    path.write_text(dropped, encoding="utf-8")
    ok(cli("load", str(path), db=demo_db))
    assert all(move is None for *_, move, _ in orders_in(demo_db, "print", "placed").values())


# ------------------------------------------------------------------------------ audit


def test_every_change_is_in_the_audit_log_with_before_and_after(demo_db, cli):
    steps = [
        ("pipeline", "add", "home", "packing", "--name", "Packing", "--limit", "2h"),
        ("pipeline", "rename", "home", "packing", "Packed"),
        ("pipeline", "move", "home", "packing", "--after", "new"),
        ("pipeline", "deactivate", "home", "packing"),
        ("pipeline", "activate", "home", "packing"),
        ("pipeline", "limit", "home", "packing", "3h"),
        ("pipeline", "owner", "home", "packing", "role:warehouse"),
        ("automoves", "add", "home", "--from", "packing", "--after", "1d", "--to", "cancelled"),
    ]
    for step in steps:
        ok(cli(*step, db=demo_db))
    (move_id,) = [m["id"] for m in json.loads(ok(cli("automoves", "list", "home", "--json", db=demo_db)).stdout)]
    ok(cli("automoves", "remove", "home", str(move_id), db=demo_db))

    events = list(reversed(admin_audit(cli, demo_db)))
    assert [e["action"] for e in events] == [
        "stage.added", "stage.renamed", "stage.moved", "stage.deactivated", "stage.activated", "stage.limit",
        "stage.owner", "automove.added", "automove.removed",
    ]  # fmt: skip
    assert all(e["order"] is None and e["actor"] is None for e in events)
    by_action = {e["action"]: e for e in events}
    assert by_action["stage.added"]["after"]["stage"] == "packing" and by_action["stage.added"]["before"] is None
    assert (by_action["stage.renamed"]["before"]["name"], by_action["stage.renamed"]["after"]["name"]) == (
        "Packing",
        "Packed",
    )
    assert (by_action["stage.moved"]["before"]["position"], by_action["stage.moved"]["after"]["position"]) == (9, 2)
    assert (by_action["stage.limit"]["before"]["time_limit"], by_action["stage.limit"]["after"]["time_limit"]) == (
        "2h",
        "3h",
    )
    assert by_action["stage.owner"]["after"]["owner"] == "role:warehouse"
    assert by_action["automove.added"]["after"]["from"] == ["packing"]
    assert by_action["automove.removed"]["before"]["id"] == move_id
    # a refused change leaves no trace
    assert cli("pipeline", "rename", "home", "nope", "X", db=demo_db).exit_code == 1
    assert len(admin_audit(cli, demo_db)) == len(events)


def test_move_needs_exactly_one_place_a_usage_error(demo_db, cli):
    before = snapshot_of(demo_db)
    for args in ([], ["--position", "2", "--after", "picking"]):
        result = cli("pipeline", "move", "home", "new", *args, db=demo_db)
        assert result.exit_code == 2 and "--position" in result.stderr
    assert snapshot_of(demo_db) == before
