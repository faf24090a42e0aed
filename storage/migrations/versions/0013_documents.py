"""store.requisites (a store's legal and bank details, JSON text) and customer.address, for printed documents
(issue 16). No new table, so no change-notify trigger to add.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("store", schema=None) as batch_op:
        batch_op.add_column(sa.Column("requisites", sa.Text(), nullable=True))
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.add_column(sa.Column("address", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("customer", schema=None) as batch_op:
        batch_op.drop_column("address")
    with op.batch_alter_table("store", schema=None) as batch_op:
        batch_op.drop_column("requisites")
