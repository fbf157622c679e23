"""Fixtures shared by the whole suite.

Storage and broker fixtures are parametrised over every backend the hub supports, so one test body runs on
SQLite and PostgreSQL (``database_url``) and on the embedded broker and RabbitMQ (``broker_url``).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from hub.db import migrate
from hub.db.session import Database
from hub.settings import Settings, load_settings
from tests.databases import Copies, admin_engine, drop, new_name, url_of
from tests.services import ServiceError, Services

_services = Services()


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No HUB_* setting of the developer's shell leaks into a test."""
    for key in list(os.environ):
        if key.startswith("HUB_") and not key.startswith("HUB_TEST_"):
            monkeypatch.delenv(key)


@pytest.fixture(scope="session")
def services() -> Iterator[dict[str, str]]:
    try:
        urls = _services.get()
    except ServiceError as exc:
        pytest.fail(str(exc), pytrace=False)
    yield urls
    _services.stop()


@pytest.fixture(scope="session")
def postgres_admin(services: dict[str, str]) -> Iterator[Engine]:
    """One connection pool to the server's maintenance database, where test databases are made and dropped."""
    admin = admin_engine(services["HUB_TEST_POSTGRES_URL"])
    yield admin
    admin.dispose()


@pytest.fixture(scope="session")
def postgres_template(services: dict[str, str], postgres_admin: Engine) -> Iterator[str]:
    """A database migrated to head once per session; each test copies it (CREATE DATABASE ... TEMPLATE)."""
    name = f"orderhub_template_{uuid.uuid4().hex[:8]}"
    with postgres_admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    database = Database(url_of(services["HUB_TEST_POSTGRES_URL"], name))
    migrate.upgrade(database)
    database.dispose()
    yield name
    drop(postgres_admin, name)


@pytest.fixture(scope="session")
def postgres_copies(postgres_admin: Engine, postgres_template: str) -> Iterator[Copies]:
    copies = Copies(postgres_admin, postgres_template)
    yield copies
    copies.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "orderhub.sqlite3"
    database = Database(f"sqlite:///{path}")
    migrate.upgrade(database)
    database.dispose()
    return path


def fresh_postgres(request: pytest.FixtureRequest, migrated: bool = True) -> Iterator[str]:
    """A database of the test's own: a copy of the migrated template, or (``migrated=False``) an empty one."""
    server = request.getfixturevalue("services")["HUB_TEST_POSTGRES_URL"]
    if migrated:
        copies: Copies = request.getfixturevalue("postgres_copies")
        name = copies.take()
        try:
            yield url_of(server, name)
        finally:
            copies.give_back(name)
        return
    admin: Engine = request.getfixturevalue("postgres_admin")
    name = new_name()
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url_of(server, name)
    finally:
        drop(admin, name)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database on each backend."""
    if request.param == "sqlite":
        path = tmp_path / "orderhub.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
    else:
        yield from fresh_postgres(request)


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no tables at all, on each backend (for migration tests)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    else:
        yield from fresh_postgres(request, migrated=False)


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    db = Database(database_url)
    yield db
    db.dispose()


@pytest.fixture(params=["embedded", "rabbitmq"])
def broker_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "embedded":
        return f"sqla+sqlite:///{tmp_path / 'broker.sqlite3'}"
    return str(request.getfixturevalue("services")["HUB_TEST_RABBITMQ_URL"])


@pytest.fixture(params=["embedded", "production"])
def stack(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    """HUB_* variables for a whole hub: embedded (SQLite, SQL broker) or production (PostgreSQL, RabbitMQ).
    The database is empty: processes started with it run their own migrations, as a user would."""
    from tests.stacks import stack_urls

    yield from stack_urls(request, request.param, tmp_path)


@pytest.fixture(params=["embedded", "production"])
def migrated_stack(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    """As ``stack``, with the database a copy of the session's migrated template (no migration to run): for
    tests whose subject is not the hub's first migration."""
    from tests.stacks import stack_urls

    yield from stack_urls(request, request.param, tmp_path, migrated=True)


@pytest.fixture
def make_settings(tmp_path: Path):  # type: ignore[no-untyped-def]
    def build(**overrides: object) -> Settings:
        overrides.setdefault("data_dir", tmp_path / "data")
        return load_settings(**overrides)

    return build
