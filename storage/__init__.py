"""Persistence: SQLModel tables, engine set-up, migrations and read queries. Imports nothing of ours."""
