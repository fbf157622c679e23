"""The delivery sweep racing a worker: a worker may claim a delivery the moment the sweep publishes it, before
the sweep's next statement runs. Whatever the worker did with it must stand; in particular a delivery it put
back for a retry must not be marked as just published (the sweep would then leave it alone for a minute, or
ten with a backlog), and on PostgreSQL the sweep must not hold the row locked while a worker claims it (the
claim skips locked rows, and the delivery again waits for the republish window).

Found by the fault tests with real processes, where a delivery released by ``orderhub connector resume`` now
and then waited a minute for no reason; reproduced here deterministically, with the worker run inside the
sweep's publish."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

import hub.worker.tasks.deliver as deliver_tasks
from hub.db.models import Delivery
from hub.db.models.base import utcnow
from hub.delivery.engine import deliver
from hub.delivery.sweep import GRACE, due_for_publishing
from hub.runtime import Runtime
from hub.settings import load_settings
from hub.worker.app import create_celery
from tests.delivery.conftest import CONFIG, add_account, add_location, delivery, route, store_order
from tests.delivery.fake3pl import Fake3plServer, fake3pl_installed  # noqa: F401 (a fixture)


@pytest.fixture
def runtime(database_url: str, tmp_path: Path) -> Iterator[Runtime]:
    settings = load_settings(
        data_dir=tmp_path, database_url=database_url, broker_url=f"sqla+sqlite:///{tmp_path / 'broker.sqlite3'}"
    )
    running = Runtime(settings)
    yield running
    running.close()


@pytest.mark.usefixtures("fake3pl_installed")
def test_a_delivery_a_worker_puts_back_while_the_sweep_publishes_it_is_published_again_when_due(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = runtime.database
    celery = create_celery(runtime.settings, runtime)
    with Fake3plServer() as fake:
        add_location(database, "wh-east", add_account(database, fake.origin), LAMP=10)
        (delivery_id,) = route(database, store_order(database, "1001")).deliveries  # planned, never published
        with database.session() as session:  # due for a while: the sweep publishes it
            session.execute(update(Delivery).values(next_attempt_at=utcnow() - GRACE * 2))
        fake.fail_next(503)
        publish = deliver_tasks.send_by_queue

        def publish_and_a_worker_takes_it_at_once(app, queues):  # type: ignore[no-untyped-def]
            published = publish(app, queues)
            deliver(database, list(queues), CONFIG)  # the 3PL answers 503: back to pending, to retry
            return published

        monkeypatch.setattr(deliver_tasks, "send_by_queue", publish_and_a_worker_takes_it_at_once)
        celery.tasks[deliver_tasks.SWEEP_TASK].apply().get()

    row = delivery(database, delivery_id)
    assert (row.status, row.attempts, fake.received) == ("pending", 1, [])
    retry_time = row.next_attempt_at + GRACE + timedelta(seconds=1)
    with database.session() as session:  # once the retry is due, the next sweep publishes it
        due = due_for_publishing(session, retry_time, CONFIG.breaker, lambda queue: False)
    assert delivery_id in due, row.published_at
