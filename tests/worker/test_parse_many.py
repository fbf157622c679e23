"""``hub.ingest.parse_many`` on a chunk of new orders: every order stored, and routing asked once for all of
them (one routing request per chunk, not one publish per order)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from celery import Celery
from sqlalchemy import select

from hub.db.models import OrderRecord
from hub.db.session import Database
from hub.runtime import Runtime
from hub.settings import load_settings
from hub.worker.app import create_celery
from hub.worker.queues import ROUTE
from tests.worker.test_poison import order_event, store


@pytest.fixture
def worker(database_url: str, tmp_path: Path) -> Iterator[tuple[Celery, Database]]:
    settings = load_settings(
        data_dir=tmp_path, database_url=database_url, broker_url=f"sqla+sqlite:///{tmp_path / 'b.sqlite3'}"
    )
    runtime = Runtime(settings)
    yield create_celery(settings, runtime), runtime.database
    runtime.close()


def test_a_chunk_of_new_orders_is_routed_with_one_request(worker: tuple[Celery, Database]) -> None:
    celery, database = worker
    ids = [store(database, "standard", None, order_event(f"CHUNK-{n}"), f"chunk-{n}") for n in range(3)]
    ids.append(store(database, "standard", None, b"{}", "not-an-order"))
    assert celery.tasks["hub.ingest.parse_many"](ids) == 4
    with database.session() as session:
        stored = set(session.scalars(select(OrderRecord.id)))
    assert len(stored) == 3
    with celery.connection_for_write() as connection:
        queue = connection.SimpleQueue(ROUTE)
        message = queue.get(timeout=5)
        assert message.headers["task"] == "hub.route.order"
        args, _kwargs, _embed = message.decode()
        assert set(args[0]) == stored and len(args[0]) == 3
        message.ack()
        with pytest.raises(queue.Empty):
            queue.get(timeout=0.5)
        queue.close()
