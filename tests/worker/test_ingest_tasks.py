"""The sweeper: messages stored but never handed over are published; ones that keep failing to apply are
eventually marked failed with the reason, never dropped silently."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from hub.db.models import InboxMessage
from hub.db.models.base import utcnow
from hub.runtime import Runtime
from hub.settings import load_settings
from hub.worker.app import create_celery
from hub.worker.tasks.ingest import MAX_ATTEMPTS


def _message(key: str, *, age: timedelta, attempts: int = 0, enqueued_ago: timedelta | None = None) -> InboxMessage:
    now = utcnow()
    return InboxMessage(
        source="webhook",
        channel="standard",
        account="a",
        topic="order.created",
        dedupe_key=key,
        body=b"{}",
        headers={},
        received_at=now - age,
        attempts=attempts,
        enqueued_at=None if enqueued_ago is None else now - enqueued_ago,
        error="order 'X' has not been received yet",
    )


def test_sweep_publishes_forgotten_messages_and_gives_up_on_hopeless_ones(database_url: str, tmp_path: Path) -> None:
    settings = load_settings(
        data_dir=tmp_path, database_url=database_url, broker_url=f"sqla+sqlite:///{tmp_path / 'b.sqlite3'}"
    )
    runtime = Runtime(settings)
    celery = create_celery(settings, runtime)
    with runtime.database.session() as session:
        session.add_all(
            [
                _message("never-published", age=timedelta(minutes=2)),
                _message("just-arrived", age=timedelta(seconds=1)),  # the relay is still on it
                _message("in-the-queue", age=timedelta(minutes=2), enqueued_ago=timedelta(minutes=1)),
                _message("lost-by-broker", age=timedelta(hours=1), enqueued_ago=timedelta(minutes=30)),
                _message("hopeless", age=timedelta(hours=2), attempts=MAX_ATTEMPTS),
            ]
        )
    published = celery.tasks["hub.ingest.sweep"]()  # runs here, publishes to the real embedded broker
    assert published == 2
    with runtime.database.session() as session:
        rows = {m.dedupe_key: m for m in session.scalars(select(InboxMessage))}
        assert rows["never-published"].enqueued_at is not None and rows["lost-by-broker"].enqueued_at is not None
        assert rows["just-arrived"].enqueued_at is None
        assert rows["hopeless"].status == "failed"
        assert rows["hopeless"].error.startswith(f"gave up after {MAX_ATTEMPTS} attempts: order 'X'")
    with celery.connection_for_write() as connection:
        queue = connection.SimpleQueue("ingest")
        message = queue.get(timeout=5)
        assert message.headers["task"] == "hub.ingest.parse_many"
        message.ack()
        queue.close()
    runtime.close()


def test_while_the_ingest_queue_has_a_backlog_only_long_lost_messages_are_republished(
    database_url: str, tmp_path: Path
) -> None:
    settings = load_settings(
        data_dir=tmp_path, database_url=database_url, broker_url=f"sqla+sqlite:///{tmp_path / 'b.sqlite3'}"
    )
    runtime = Runtime(settings)
    celery = create_celery(settings, runtime)
    celery.send_task("hub.ingest.parse_many", args=[[999999]])  # a backlog the relay published
    with runtime.database.session() as session:
        session.add_all(
            [
                _message("maybe-in-the-backlog", age=timedelta(minutes=2)),
                _message("long-lost", age=timedelta(minutes=20)),
            ]
        )
    assert celery.tasks["hub.ingest.sweep"]() == 1
    with runtime.database.session() as session:
        rows = {m.dedupe_key: m for m in session.scalars(select(InboxMessage))}
        assert rows["maybe-in-the-backlog"].enqueued_at is None
        assert rows["long-lost"].enqueued_at is not None
    runtime.close()
