"""Alembic environment: runs on the engine the hub hands over (see hub.db.migrate)."""

from __future__ import annotations

from alembic import context

from hub.db.models import Base

engine = context.config.attributes["engine"]

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
        compare_type=True,
    )
    context.run_migrations()
