"""Every table comes from migrations, on SQLite and PostgreSQL alike, and the models never drift from them."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError

from hub.db import migrate
from hub.db.models import Base
from hub.db.session import Database


def test_upgrade_creates_every_table_and_downgrade_removes_them(empty_database_url: str) -> None:
    database = Database(empty_database_url)
    try:
        assert migrate.current_revision(database) is None
        migrate.upgrade(database)
        assert migrate.current_revision(database) == migrate.head_revision()
        tables = set(inspect(database.engine).get_table_names())
        assert tables == set(Base.metadata.tables) | {"alembic_version"}

        migrate.downgrade(database, "base")
        assert set(inspect(database.engine).get_table_names()) <= {"alembic_version"}
        migrate.upgrade(database)  # and back again: migrations are repeatable
        assert migrate.current_revision(database) == migrate.head_revision()
    finally:
        database.dispose()


def test_models_match_the_migrations(database: Database) -> None:
    with database.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == [], "models and migrations differ: write a migration for the model change"


def test_order_timeline_is_append_only(database: Database) -> None:
    with database.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO orders (id, channel, account, channel_order_id, status, payment_status, currency,"
                " total, test, placed_at, channel_updated_at, schema_version, document, created_at, updated_at,"
                " revision) VALUES ('o1', 'shopify', 'main', '1001', 'received', 'paid', 'USD', 10, false,"
                " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 'order.v1', '{}', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO order_events (order_id, type, occurred_at, source, data)"
                " VALUES ('o1', 'order.received', CURRENT_TIMESTAMP, 'test', '{}')"
            )
        )
    for statement in ("UPDATE order_events SET type = 'forged'", "DELETE FROM order_events"):
        with pytest.raises(DBAPIError, match="append-only"), database.engine.begin() as connection:
            connection.execute(text(statement))
    with database.engine.connect() as connection:
        assert connection.execute(text("SELECT type FROM order_events")).scalars().all() == ["order.received"]
