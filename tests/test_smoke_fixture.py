from tests.conftest import snapshot_of


def test_demo_db_has_orders(demo_db, cli):
    result = cli("orders", "list", "--json", "--limit", "0", db=demo_db)
    assert result.exit_code == 0, result.stderr
    assert len(snapshot_of(demo_db)["orders"]) == 300
