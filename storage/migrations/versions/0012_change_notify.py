"""PostgreSQL: every committed write to a table tells the desks watching this database

A statement-level trigger on each table calls pg_notify('orderdesk_changed'); PostgreSQL delivers it
at commit, to the sessions that LISTEN on this database only, once per transaction (the same
notification twice in a transaction is delivered once). storage.db.ChangeWatcher listens. SQLite
needs none of it (PRAGMA data_version). A migration that creates a table adds the trigger with
`storage.db.notify_changes_sql(name)`.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""

from alembic import op

from storage.db import CHANGE_FUNCTION_SQL, notify_changes_sql

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def _tables() -> list[str]:
    rows = op.get_bind().exec_driver_sql(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
        "AND table_type = 'BASE TABLE' AND table_name <> 'alembic_version' ORDER BY table_name"
    )
    return [name for (name,) in rows]


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(CHANGE_FUNCTION_SQL)
    for table in _tables():
        op.execute(notify_changes_sql(table))


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in _tables():
        op.execute(f'DROP TRIGGER IF EXISTS orderdesk_changed ON "{table}"')
    op.execute("DROP FUNCTION IF EXISTS orderdesk_changed()")
