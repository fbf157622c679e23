"""Many writers on one SQLite file at once: intake storing webhooks while workers apply messages, lone and in
chunks. Each writer waits its turn for the write lock; none is refused ("database is locked") and nothing is
lost. (A transaction that reads before it writes cannot wait for the lock on SQLite unless it took the lock
when it began: ``hub.db.session``.)"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from hub.channels.chunk import process_chunk
from hub.channels.inbox_writer import InboxWriter
from hub.channels.intake import store_message
from hub.channels.process import process_message
from hub.db.models import ChannelAccount, InboxMessage, OrderRecord
from hub.db.session import Database
from tests.channels.test_standard import event

WORKERS = 6
PER_WORKER = 12


def _store(database: Database, count: int, prefix: str) -> list[int]:
    with database.session() as session:
        return [
            store_message(
                session,
                source="webhook",
                channel="standard",
                account="store1",
                topic="order.created",
                dedupe_key=f"{prefix}-{n}",
                body=event(channel_order_id=f"{prefix}-{n}", number=f"#{prefix}-{n}"),
            )[0]
            for n in range(count)
        ]


def _run_together(jobs: list[Callable[[], None]]) -> list[BaseException]:
    """Run every job in a thread of its own, started together; the exceptions they raised."""
    start, errors = threading.Barrier(len(jobs)), []

    def run(job: Callable[[], None]) -> None:
        start.wait()
        try:
            job()
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return errors


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_concurrent_intake_and_workers_on_sqlite_are_never_refused_and_lose_nothing(database: Database) -> None:
    with database.session() as session:
        session.add(ChannelAccount(channel="standard", account="store1", settings={}))
    lone = [_store(database, PER_WORKER, f"lone{w}") for w in range(WORKERS)]
    chunks = [_store(database, PER_WORKER, f"chunk{w}") for w in range(2)]
    writer = InboxWriter(database.engine)

    def apply_one_by_one(ids: list[int]) -> None:
        for inbox_id in ids:
            assert process_message(database, inbox_id).status == "processed"

    def apply_chunk(ids: list[int]) -> None:
        result = process_chunk(database, ids)
        assert not result.retry, f"left for a retry: {result.retry}"

    def receive(prefix: str) -> None:
        for n in range(PER_WORKER * 2):
            key, body = f"{prefix}-{n}", event(channel_order_id=f"{prefix}-{n}")
            writer.store(source="webhook", channel="standard", account="store1", topic=None, dedupe_key=key, body=body)

    jobs: list[Callable[[], None]] = [lambda ids=ids: apply_one_by_one(ids) for ids in lone]
    jobs += [lambda ids=ids: apply_chunk(ids) for ids in chunks]
    jobs += [lambda p=p: receive(p) for p in ("web1", "web2")]
    try:
        errors = _run_together(jobs)
    finally:
        writer.close()
    assert errors == []
    with database.session() as session:
        applied = (WORKERS + 2) * PER_WORKER
        assert session.scalar(select(func.count()).select_from(OrderRecord)) == applied
        statuses = dict(session.execute(select(InboxMessage.status, func.count()).group_by(InboxMessage.status)).all())
        assert statuses == {"processed": applied, "received": 2 * PER_WORKER * 2}
