"""the pool's per-store count and sum, and its count, read from one covering index: open orders by
manager (the pool is manager_id IS NULL), store and total

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_orders_open_store",
        "orders",
        ["manager_id", "store_id", "total"],
        unique=False,
        sqlite_where=sa.text("is_open = 1"),
        postgresql_where=sa.text("is_open"),
    )


def downgrade() -> None:
    op.drop_index("ix_orders_open_store", table_name="orders")
