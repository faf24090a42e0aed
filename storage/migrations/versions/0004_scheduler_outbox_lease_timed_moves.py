"""scheduler: outbox, lease, timed moves

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.models

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scheduler_lease",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("holder", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("acquired_at", storage.models.UTCDateTime(), nullable=False),
        sa.Column("expires_at", storage.models.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("created_at", storage.models.UTCDateTime(), nullable=False),
        sa.Column("send_after", storage.models.UTCDateTime(), nullable=False),
        sa.Column("read_at", storage.models.UTCDateTime(), nullable=True),
        sa.Column("email_state", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", storage.models.UTCDateTime(), nullable=True),
        sa.Column("delivered_at", storage.models.UTCDateTime(), nullable=True),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.ForeignKeyConstraint(["employee_id"], ["employee.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key", "employee_id"),
    )
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.create_index("ix_notification_inbox", ["employee_id", "send_after"], unique=False)
        batch_op.create_index(
            "ix_notification_unread",
            ["employee_id", "send_after"],
            unique=False,
            sqlite_where=sa.text("read_at IS NULL"),
            postgresql_where=sa.text("read_at IS NULL"),
        )
        batch_op.create_index(
            "ix_notification_mail_due",
            ["next_attempt_at"],
            unique=False,
            sqlite_where=sa.text("email_state = 'pending'"),
            postgresql_where=sa.text("email_state = 'pending'"),
        )
        batch_op.create_index(batch_op.f("ix_notification_order_id"), ["order_id"], unique=False)

    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("move_due_at", storage.models.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("notice_due_at", storage.models.UTCDateTime(), nullable=True))
        batch_op.create_index(
            "ix_orders_due_unflagged",
            ["stage_due_at"],
            unique=False,
            sqlite_where=sa.text("overdue = 0 AND is_open = 1"),
            postgresql_where=sa.text("NOT overdue AND is_open"),
        )
        batch_op.create_index(
            "ix_orders_move_due",
            ["move_due_at"],
            unique=False,
            sqlite_where=sa.text("move_due_at IS NOT NULL"),
            postgresql_where=sa.text("move_due_at IS NOT NULL"),
        )
        batch_op.create_index(
            "ix_orders_notice_due",
            ["notice_due_at"],
            unique=False,
            sqlite_where=sa.text("notice_due_at IS NOT NULL"),
            postgresql_where=sa.text("notice_due_at IS NOT NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_orders_notice_due",
            sqlite_where=sa.text("notice_due_at IS NOT NULL"),
            postgresql_where=sa.text("notice_due_at IS NOT NULL"),
        )
        batch_op.drop_index(
            "ix_orders_move_due",
            sqlite_where=sa.text("move_due_at IS NOT NULL"),
            postgresql_where=sa.text("move_due_at IS NOT NULL"),
        )
        batch_op.drop_index(
            "ix_orders_due_unflagged",
            sqlite_where=sa.text("overdue = 0 AND is_open = 1"),
            postgresql_where=sa.text("NOT overdue AND is_open"),
        )
        batch_op.drop_column("notice_due_at")
        batch_op.drop_column("move_due_at")

    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notification_order_id"))
        batch_op.drop_index(
            "ix_notification_mail_due",
            sqlite_where=sa.text("email_state = 'pending'"),
            postgresql_where=sa.text("email_state = 'pending'"),
        )
        batch_op.drop_index(
            "ix_notification_unread",
            sqlite_where=sa.text("read_at IS NULL"),
            postgresql_where=sa.text("read_at IS NULL"),
        )
        batch_op.drop_index("ix_notification_inbox")

    op.drop_table("notification")
    op.drop_table("scheduler_lease")
