"""The PostgreSQL databases tests get (tests/databases.py): made ahead and dropped behind, yet each one an
untouched copy of the migrated template, never seen by another test."""

from __future__ import annotations

from sqlalchemy import Engine, func, select, text

from hub.db import migrate
from hub.db.models import Location
from hub.db.session import Database
from tests.databases import Copies, url_of


def _names(admin: Engine) -> set[str]:
    with admin.connect() as connection:
        return set(connection.execute(text("SELECT datname FROM pg_database")).scalars())


def test_each_copy_starts_from_the_template_and_is_dropped_once_given_back(
    services: dict[str, str], postgres_admin: Engine, postgres_template: str
) -> None:
    server = services["HUB_TEST_POSTGRES_URL"]
    copies = Copies(postgres_admin, postgres_template)
    try:
        first = copies.take()
        database = Database(url_of(server, first))
        with database.session() as session:
            session.add(Location(id="WH1", name="Written by an earlier test", kind="warehouse", can_ship=True))
        database.dispose()
        copies.give_back(first)

        second = copies.take()
        assert second != first
        database = Database(url_of(server, second))
        with database.session() as session:
            assert session.scalar(select(func.count()).select_from(Location)) == 0
        assert migrate.current_revision(database) == migrate.head_revision()
        database.dispose()
        copies.give_back(second)
    finally:
        copies.close()
    assert not {first, second} & _names(postgres_admin)
    assert postgres_template in _names(postgres_admin)
