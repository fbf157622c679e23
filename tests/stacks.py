"""The two ways to run the hub: embedded (SQLite + SQL broker, no server) and production (PostgreSQL + RabbitMQ)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from celery import Celery

from hub.worker.app import create_celery


def stack_urls(request: pytest.FixtureRequest, kind: str, tmp_path: Path) -> Iterator[dict[str, str]]:
    if kind == "embedded":
        yield {
            "HUB_DATABASE_URL": f"sqlite:///{tmp_path / 'orderhub.sqlite3'}",
            "HUB_BROKER_URL": f"sqla+sqlite:///{tmp_path / 'broker.sqlite3'}",
            "HUB_DATA_DIR": str(tmp_path),
        }
        return
    from tests.conftest import fresh_postgres

    services = request.getfixturevalue("services")
    for database_url in fresh_postgres(request, migrated=False):
        yield {
            "HUB_DATABASE_URL": database_url,
            "HUB_BROKER_URL": services["HUB_TEST_RABBITMQ_URL"],
            "HUB_DATA_DIR": str(tmp_path),
        }


def purge_queues(celery: Celery) -> None:
    """Empty the hub's queues so messages left by an earlier test never reach this test's worker."""
    with celery.connection_for_write() as connection:
        channel = connection.default_channel
        for queue in celery.amqp.queues.values():
            bound = queue(channel)
            bound.declare()
            bound.purge()


def production_celery(settings_factory, urls: dict[str, str]) -> Celery:  # type: ignore[no-untyped-def]
    return create_celery(settings_factory(database_url=urls["HUB_DATABASE_URL"], broker_url=urls["HUB_BROKER_URL"]))
