"""``orderhub db``: schema migrations."""

from __future__ import annotations

import click

from hub.cli.context import Context
from hub.db import migrate
from hub.db.session import Database


@click.group("db")
def group() -> None:
    """Database schema migrations (Alembic)."""


@group.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Target revision.")
@click.pass_obj
def upgrade(obj: Context, revision: str) -> None:
    """Bring the database schema up to REVISION."""
    database = Database(obj.settings.database_url)
    migrate.upgrade(database, revision)
    click.echo(f"database at revision {migrate.current_revision(database)}")


@group.command("downgrade")
@click.argument("revision")
@click.pass_obj
def downgrade(obj: Context, revision: str) -> None:
    """Take the database schema back to REVISION (``base`` for an empty database)."""
    database = Database(obj.settings.database_url)
    migrate.downgrade(database, revision)
    click.echo(f"database at revision {migrate.current_revision(database) or 'base'}")


@group.command("current")
@click.pass_obj
def current(obj: Context) -> None:
    """Print the schema revision of the database and the newest one this version knows."""
    database = Database(obj.settings.database_url)
    database.ping()
    click.echo(f"current: {migrate.current_revision(database) or 'base'}\nhead: {migrate.head_revision()}")
