"""Speed at a million orders (issue 18): the configuration's generation number, and the indexes the
desk's and the scripts' lists need so that each answers its first page without a full sort.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from storage.db import notify_changes_sql

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

# (name, table, columns, where): the list indexes, each read in its order by a first page (issue 18;
# bench/list_plans.py prints the plans, tests/test_list_plans.py checks them); `where` is one
# condition for both databases, or (SQLite's, PostgreSQL's). orders(created_at, id) is there since
# 0007 (ix_orders_created), and a manager's or the pool's orders by age since 0007 too.
_OPEN = ("is_open = 1", "is_open")
INDEXES: list[tuple[str, str, list[str], str | tuple[str, str] | None]] = [
    # `orders list --status S`: newest first within a status (status alone had a sort of, say, every
    # cancelled order: 1.4 s at 1,000,000)
    ("ix_orders_status_created", "orders", ["status", "created_at", "id"], None),
    # a contractor's orders (he sees those he is the contractor of, A1): there was no index at all
    ("ix_orders_contractor_created", "orders", ["contractor_id", "created_at", "id"], "contractor_id IS NOT NULL"),
    # the stage board: a store's open orders per status by time left (its first cards), and their
    # count and sum per status read off the same index (it covers total)
    ("ix_orders_board", "orders", ["store_id", "status", "stage_due_at", "id", "total"], _OPEN),
    # the overdue board: open orders by due time, most over first (it sorted every open order)
    ("ix_orders_open_due", "orders", ["stage_due_at", "id"], _OPEN),
    # `tasks list` (open ones of everybody, or with --all every one) and an employee's every task,
    # each by due time
    ("ix_task_status_due", "task", ["status", "due_at", "id"], None),
    ("ix_task_due", "task", ["due_at", "id"], None),
    ("ix_task_assignee_due", "task", ["assignee_id", "due_at", "id"], None),
    # `notifications list`: every notification newest (by due time) first
    ("ix_notification_sent", "notification", ["send_after", "id"], None),
]


def _where(where: str | tuple[str, str] | None) -> dict[str, object]:
    if where is None:
        return {}
    sqlite, postgresql = (where, where) if isinstance(where, str) else where
    return {"sqlite_where": sa.text(sqlite), "postgresql_where": sa.text(postgresql)}


def upgrade() -> None:
    op.create_table(
        "config_generation",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("generation", sa.Integer(), nullable=False, server_default="0"),
    )
    op.execute("INSERT INTO config_generation (id, generation) VALUES (1, 0)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(notify_changes_sql("config_generation"))
    for name, table, columns, where in INDEXES:
        op.create_index(name, table, columns, **_where(where))
    # SQLite plans with the statistics of ANALYZE where there are any (sqlite_stat1): an index that
    # has none beside indexes that have them is costed by guesses, and at 1,000,000 orders those
    # guesses turned the pool's page from its index into a sort. So the new ones are measured too
    # (about 0.4 s at 1,000,000 orders). PostgreSQL's own ANALYZE keeps its statistics.
    bind = op.get_bind()
    if (
        bind.dialect.name == "sqlite"
        and bind.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'").first()
    ):
        for index in INDEXES:
            op.execute(f"ANALYZE {index[0]}")


def downgrade() -> None:
    for name, table, _columns, _where in reversed(INDEXES):
        op.drop_index(name, table_name=table)
    op.drop_table("config_generation")
