"""task rules (seed 001): the rules, the tasks, delayed tasks waiting for their time, and the rule log

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from storage.models import UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "task_rule",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("event", sa.String(), nullable=False),
        sa.Column("to_status", sa.String(), nullable=True),
        sa.Column("from_statuses", sa.JSON(), nullable=False, server_default=sa.text("'[]'")),
        sa.Column("conditions", sa.JSON(), nullable=False),
        sa.Column("assignee", sa.JSON(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("text", sa.String(), nullable=False),
        sa.Column("due_in", sa.Integer(), nullable=True),
        sa.Column("delay", sa.Integer(), nullable=False),
        sa.Column("task_priority", sa.String(), nullable=False),
        sa.Column("project", sa.String(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("continues", sa.Boolean(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "task",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("text", sa.String(), nullable=False),
        sa.Column("order_id", sa.Integer(), sa.ForeignKey("orders.id", ondelete="CASCADE"), nullable=True),
        sa.Column("assignee_id", sa.Integer(), sa.ForeignKey("employee.id"), nullable=True),
        sa.Column("rule_id", sa.Integer(), sa.ForeignKey("task_rule.id", ondelete="SET NULL"), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=True),
        sa.Column("priority", sa.String(), nullable=False),
        sa.Column("project", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("overdue", sa.Boolean(), nullable=False),
        sa.Column("done_at", UTCDateTime(), nullable=True),
        sa.Column("done_by_id", sa.Integer(), sa.ForeignKey("employee.id"), nullable=True),
    )
    op.create_index("ix_task_order_id", "task", ["order_id"])
    op.create_index("ix_task_assignee_status", "task", ["assignee_id", "status", "due_at"])
    op.create_index(
        "ix_task_overdue_due", "task", ["due_at"],
        sqlite_where=sa.text("status = 'open' AND overdue = 0"), postgresql_where=sa.text("status = 'open' AND NOT overdue"),
    )  # fmt: skip
    op.create_table(
        "task_schedule",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("rule_id", sa.Integer(), sa.ForeignKey("task_rule.id", ondelete="CASCADE"), nullable=False),
        sa.Column("order_id", sa.Integer(), sa.ForeignKey("orders.id", ondelete="CASCADE"), nullable=False),
        sa.Column("event", sa.String(), nullable=False),
        sa.Column("occurrence", sa.String(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("task_id", sa.Integer(), sa.ForeignKey("task.id", ondelete="SET NULL"), nullable=True),
        sa.Column("note", sa.String(), nullable=True),
    )
    op.create_index("ix_task_schedule_order_id", "task_schedule", ["order_id"])
    op.create_index(
        "ix_task_schedule_due", "task_schedule", ["due_at"],
        sqlite_where=sa.text("state = 'waiting'"), postgresql_where=sa.text("state = 'waiting'"),
    )  # fmt: skip
    op.create_table(
        "rule_log",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("order_id", sa.Integer(), sa.ForeignKey("orders.id", ondelete="CASCADE"), nullable=False),
        sa.Column("event", sa.String(), nullable=False),
        sa.Column("occurrence", sa.String(), nullable=False),
        sa.Column("trace", sa.JSON(), nullable=False, server_default=sa.text("'[]'")),
        sa.UniqueConstraint("order_id", "occurrence"),
    )
    op.create_index("ix_rule_log_at", "rule_log", ["at"])


def downgrade() -> None:
    for table in ("rule_log", "task_schedule", "task", "task_rule"):
        op.drop_table(table)
