"""Alembic environment: migrations run inside schedops (Database.migrate) on a connection it passes in."""

from __future__ import annotations

from alembic import context

from core.storage.tables import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through core.storage.database.Database.migrate()")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
