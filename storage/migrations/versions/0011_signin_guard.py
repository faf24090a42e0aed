"""the sign-in guard: each login's recent failed sign-ins and the lock they bring (signin.* settings)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from storage.models import UTCDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "signin_guard",
        sa.Column("login", sa.String(64), primary_key=True),
        sa.Column("failures", sa.JSON(), nullable=False, server_default=sa.text("'[]'")),
        sa.Column("locked_until", UTCDateTime(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("signin_guard")
