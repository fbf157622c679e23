"""Publishing inbox ids to the ``ingest`` queue after the request that stored them has committed.

The web request only inserts and commits; a background thread per process gathers the ids that arrive
together, publishes one ``hub.ingest.parse_many`` task per chunk of them (with publisher confirms on RabbitMQ),
and marks the rows ``enqueued_at`` in one UPDATE per batch. Under load a confirmed publish carries dozens of
messages instead of one, which is what lets the receiver outrun an endpoint that publishes per request.
A crash between commit and publish loses nothing: the ``hub.ingest.sweep`` task publishes rows left unmarked.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Iterable

from celery import Celery
from sqlalchemy import update

from hub.db.models import InboxMessage
from hub.db.models.base import utcnow
from hub.db.session import Database

log = logging.getLogger(__name__)

PARSE_MANY_TASK = "hub.ingest.parse_many"
BATCH = 500
CHUNK = 50  # ids per task message: few publishes, yet a backlog still spreads over every worker
# After the first id arrives, wait this long for more, so one UPDATE (one commit) marks a whole batch;
# it delays the hand-over to the broker, never the answer to the channel.
LINGER_SECONDS = 0.01


def publish(celery: Celery, database: Database, inbox_ids: Iterable[int]) -> list[int]:
    """Publish parse tasks for the ids (in chunks), then mark them enqueued; returns the ids published."""
    ids = list(inbox_ids)
    sent: list[int] = []
    with celery.producer_or_acquire() as producer:
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            celery.send_task(PARSE_MANY_TASK, args=[chunk], producer=producer)
            sent.extend(chunk)
    if sent:
        with database.session() as session:
            session.execute(update(InboxMessage).where(InboxMessage.id.in_(sent)).values(enqueued_at=utcnow()))
    return sent


class Relay:
    """One per process; ``submit`` never blocks the request on the broker."""

    def __init__(self, celery: Celery, database: Database) -> None:
        self.celery = celery
        self.database = database
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
        while True:
            batch = [self.pending.get()]
            deadline = time.monotonic() + LINGER_SECONDS
            while len(batch) < BATCH:
                try:
                    batch.append(self.pending.get(timeout=max(0.0, deadline - time.monotonic())))
                except queue.Empty:
                    break
            try:
                publish(self.celery, self.database, batch)
            except Exception:  # the sweeper republishes whatever stayed unmarked  # noqa: BLE001
                log.exception("could not publish %d inbox message(s); the sweeper will retry", len(batch))
