"""The two ways to run the hub: embedded (SQLite + SQL broker, no server) and production (PostgreSQL + RabbitMQ)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest
from celery import Celery

from hub.db import migrate
from hub.runtime import Runtime
from hub.settings import Settings, load_settings
from hub.worker.app import create_celery


def stack_urls(
    request: pytest.FixtureRequest, kind: str, tmp_path: Path, migrated: bool = False
) -> Iterator[dict[str, str]]:
    """HUB_* variables for a hub of ``kind``; its database is empty, or (``migrated``) a copy of the session's
    migrated template, for tests whose subject is not the hub's first migration."""
    if kind == "embedded":
        database = tmp_path / "orderhub.sqlite3"
        if migrated:
            shutil.copyfile(request.getfixturevalue("sqlite_template"), database)
        yield {
            "HUB_DATABASE_URL": f"sqlite:///{database}",
            "HUB_BROKER_URL": f"sqla+sqlite:///{tmp_path / 'broker.sqlite3'}",
            "HUB_DATA_DIR": str(tmp_path),
        }
        return
    from tests.conftest import fresh_postgres

    services = request.getfixturevalue("services")
    for database_url in fresh_postgres(request, migrated=migrated):
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


class StackHub(NamedTuple):
    runtime: Runtime
    celery: Celery


def hub_on(stack: dict[str, str]) -> StackHub:
    """This process's side of a hub on ``stack`` (HUB_* variables): its runtime, with the database migrated to
    head, and a Celery app whose queues were emptied, so a worker started next sees only this test's messages.
    The caller closes the runtime."""
    settings = load_settings(
        data_dir=stack["HUB_DATA_DIR"], database_url=stack["HUB_DATABASE_URL"], broker_url=stack["HUB_BROKER_URL"]
    )
    runtime = Runtime(settings)
    migrate.upgrade(runtime.database)  # at head already when the stack's database is a template copy: one query
    celery = create_celery(settings, runtime)
    purge_queues(celery)
    return StackHub(runtime, celery)


def production_celery(settings_factory, urls: dict[str, str]) -> Celery:  # type: ignore[no-untyped-def]
    return create_celery(settings_factory(database_url=urls["HUB_DATABASE_URL"], broker_url=urls["HUB_BROKER_URL"]))


def take_task(celery: Celery, queue: str) -> tuple[str, list[object]]:
    """The next task message waiting on ``queue`` of this app's broker, taken off it: (task name, its args)."""
    with celery.connection_for_write() as connection:
        waiting = connection.SimpleQueue(celery.amqp.queues[queue])  # as declared (RabbitMQ: its dead letters)
        try:
            message = waiting.get(timeout=5)
            args, _kwargs, _embed = message.decode()
            message.ack()
        finally:
            waiting.close()
    return message.headers["task"], args


def next_task(settings: Settings, queue: str) -> tuple[str, list[object]]:
    """``take_task`` on the broker ``settings`` name, through an app and runtime of its own, closed after."""
    runtime = Runtime(settings)
    try:
        return take_task(create_celery(settings, runtime), queue)
    finally:
        runtime.close()
