"""store.currency and store.language, employee.language (A3: money with its currency; U10: the desk's language)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("store", schema=None) as batch_op:
        batch_op.add_column(sa.Column("currency", sa.String(length=3), nullable=True))
        batch_op.add_column(sa.Column("language", sa.String(length=8), nullable=False, server_default="en"))
    with op.batch_alter_table("employee", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("employee", schema=None) as batch_op:
        batch_op.drop_column("language")
    with op.batch_alter_table("store", schema=None) as batch_op:
        batch_op.drop_column("language")
        batch_op.drop_column("currency")
