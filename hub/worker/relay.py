"""Publishing inbox ids to the ``ingest`` queue after the request that stored them has committed.

The web request only inserts and commits; a background thread per process gathers the ids that arrive
together and publishes one ``hub.ingest.parse_many`` task per chunk of them (with publisher confirms on
RabbitMQ). It writes nothing to the database: under load a confirmed publish carries dozens of deliveries,
and the hot path costs one INSERT per webhook, which is what lets the receiver outrun an endpoint that
publishes per request. A crash between commit and publish loses nothing: ``hub.ingest.sweep`` finds rows
still waiting while the ingest queue is empty, publishes them and marks them ``enqueued_at``.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Iterable
from typing import Any

from celery import Celery
from sqlalchemy import update

from hub.db.models import InboxMessage
from hub.db.models.base import utcnow
from hub.db.session import Database

log = logging.getLogger(__name__)

PARSE_MANY_TASK = "hub.ingest.parse_many"
BATCH = 500
CHUNK = 50  # ids per task message: few publishes, yet a backlog still spreads over every worker
# After the first id arrives, wait this long for more, so one confirmed publish carries a whole batch;
# it delays the hand-over to the broker, never the answer to the channel.
LINGER_SECONDS = 0.02


def send_parse_tasks(celery: Celery, inbox_ids: Iterable[int], producer: Any = None) -> list[int]:
    """Publish parse tasks for the ids, ``CHUNK`` ids per task message; returns the ids published."""
    ids = list(inbox_ids)
    with celery.producer_or_acquire(producer) as chosen:
        for start in range(0, len(ids), CHUNK):
            celery.send_task(PARSE_MANY_TASK, args=[ids[start : start + CHUNK]], producer=chosen)
    return ids


def publish_and_mark(celery: Celery, database: Database, inbox_ids: Iterable[int]) -> list[int]:
    """For the sweeper: publish, then record when, so a message is republished at most once per window."""
    sent = send_parse_tasks(celery, inbox_ids)
    if sent:
        with database.session() as session:
            session.execute(update(InboxMessage).where(InboxMessage.id.in_(sent)).values(enqueued_at=utcnow()))
    return sent


def queue_depth(celery: Celery, queue: str) -> int:
    """Messages waiting in ``queue`` (not counting ones a worker holds)."""
    with celery.connection_for_write() as connection:
        return int(connection.default_channel.queue_declare(queue=queue, passive=True).message_count)


class Relay:
    """One per process; ``submit`` never blocks the request on the broker."""

    def __init__(self, celery: Celery) -> None:
        self.celery = celery
        self.pending: queue.Queue[int] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, inbox_id: int) -> None:
        self._ensure_thread()
        self.pending.put(inbox_id)

    def _ensure_thread(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="orderhub-relay", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        producer = None
        while True:
            batch = [self.pending.get()]
            deadline = time.monotonic() + LINGER_SECONDS
            while len(batch) < BATCH:
                try:
                    batch.append(self.pending.get(timeout=max(0.0, deadline - time.monotonic())))
                except queue.Empty:
                    break
            try:
                if producer is None:  # one producer (and connection) for the thread's life, not one per batch
                    producer = self.celery.producer_pool.acquire(block=True)
                send_parse_tasks(self.celery, batch, producer)
            except Exception:  # the sweeper publishes what stays waiting  # noqa: BLE001
                log.exception("could not publish %d inbox message(s); the sweeper will retry", len(batch))
                if producer is not None:
                    producer.release()
                    producer = None
