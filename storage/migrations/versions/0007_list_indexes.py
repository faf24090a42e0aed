"""indexes of the desk's lists (keyset pages read in index order): every order newest first, and
the open orders by manager (my queue; the pool is manager_id IS NULL) by urgency, age and total

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

OPEN = {"sqlite_where": sa.text("is_open = 1"), "postgresql_where": sa.text("is_open")}
INDEXES = (
    ("ix_orders_created", ["created_at", "id"], {}),
    ("ix_orders_mine_due", ["manager_id", "stage_due_at", "created_at", "id"], OPEN),
    ("ix_orders_mine_created", ["manager_id", "created_at", "id"], OPEN),
    ("ix_orders_mine_total", ["manager_id", "total", "id"], OPEN),
)


def upgrade() -> None:
    for name, columns, where in INDEXES:
        op.create_index(name, "orders", columns, unique=False, **where)


def downgrade() -> None:
    for name, _, _ in reversed(INDEXES):
        op.drop_index(name, table_name="orders")
