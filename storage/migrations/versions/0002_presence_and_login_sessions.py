"""presence and login sessions

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.models

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("employee", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("presence", sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default="offline")
        )
        batch_op.add_column(sa.Column("last_assigned_at", storage.models.UTCDateTime(), nullable=True))
    op.create_table(
        "login_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("started_at", storage.models.UTCDateTime(), nullable=False),
        sa.Column("heartbeat_at", storage.models.UTCDateTime(), nullable=False),
        sa.Column("host", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.ForeignKeyConstraint(["employee_id"], ["employee.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("login_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_session_employee_id"), ["employee_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("login_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_session_employee_id"))
    op.drop_table("login_session")
    with op.batch_alter_table("employee", schema=None) as batch_op:
        batch_op.drop_column("last_assigned_at")
        batch_op.drop_column("presence")
