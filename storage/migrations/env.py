"""Alembic environment: runs on the connection `storage.db` hands over (async engines included)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from storage.models import Base

connection: Connection | None = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through storage.db.upgrade(), which provides a connection")

# Batch mode lets later migrations alter columns on SQLite, which has no ALTER COLUMN.
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
