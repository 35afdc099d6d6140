"""Alembic environment: migrate the connection our code hands over in `config.attributes`."""

from __future__ import annotations

from alembic import context

from meltano.core.db.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    version_table=context.config.attributes.get("version_table", "alembic_version"),
)
with context.begin_transaction():
    context.run_migrations()
