"""A chunk of messages published together: one whose processing raises must end failed (its attempt counted)
and never keep the rest of the chunk from being processed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from celery import Celery
from sqlalchemy import select

import hub.channels.process
from hub.db.models import InboxMessage, OrderRecord
from hub.db.models.base import utcnow
from hub.db.session import Database
from hub.runtime import Runtime
from hub.settings import load_settings
from hub.worker.app import create_celery

EXAMPLE = Path(__file__).resolve().parents[1] / "canonical" / "examples" / "order.v1.json"


def order_event(channel_order_id: str) -> bytes:
    """A valid ``standard`` event: an ``order.v1`` document as its data."""
    order = json.loads(EXAMPLE.read_text())
    order.pop("id", None)
    order["channel_order_id"] = channel_order_id
    return json.dumps({"type": "order.created", "data": order}).encode()


@pytest.fixture
def worker(database_url: str, tmp_path: Path) -> Iterator[tuple[Celery, Database]]:
    settings = load_settings(
        data_dir=tmp_path, database_url=database_url, broker_url=f"sqla+sqlite:///{tmp_path / 'b.sqlite3'}"
    )
    runtime = Runtime(settings)
    yield create_celery(settings, runtime), runtime.database
    runtime.close()


def store(database: Database, channel: str, topic: str | None, body: bytes, key: str) -> int:
    with database.session() as session:
        message = InboxMessage(
            source="webhook",
            channel=channel,
            account="a",
            topic=topic,
            dedupe_key=key,
            body=body,
            headers={},
            received_at=utcnow(),
            enqueued_at=utcnow(),
        )
        session.add(message)
        session.flush()
        return message.id


def rows(database: Database) -> dict[str, InboxMessage]:
    with database.session() as session:
        return {m.dedupe_key: m for m in session.scalars(select(InboxMessage))}


POISON = {
    # JSON nested a thousand levels deep: the decoder's recursion limit
    "deep": b'{"type": "order.created", "data": ' + b"[" * 1000 + b"]" * 1000 + b"}",
    # an event type that is a list, or a number too long to turn into text
    "listed-type": json.dumps({"type": ["order.created"], "data": {}}).encode(),
    "huge-type": b'{"type": ' + b"9" * 5000 + b', "data": {}}',
}


def test_poison_messages_fail_with_one_attempt_and_their_neighbours_are_processed(
    worker: tuple[Celery, Database],
) -> None:
    celery, database = worker
    ids = [store(database, "standard", None, body, key) for key, body in POISON.items()]
    ids.append(store(database, "standard", None, order_event("VALID-1"), "valid-order"))
    assert celery.tasks["hub.ingest.parse_many"](ids) == len(ids)
    found = rows(database)
    for key in POISON:
        assert (found[key].status, found[key].attempts) == ("failed", 1), (key, found[key].error)
        assert found[key].error
    assert (found["valid-order"].status, found["valid-order"].attempts) == ("processed", 1)
    with database.session() as session:
        assert len(session.scalars(select(OrderRecord)).all()) == 1


def test_any_exception_ends_the_message_failed_with_its_type_and_the_chunk_goes_on(
    worker: tuple[Celery, Database], monkeypatch: pytest.MonkeyPatch
) -> None:
    celery, database = worker
    real = hub.channels.process.normalize

    def normalize(channel: Any, topic: str | None, body: bytes) -> Any:
        if b"POISON" in body:
            raise OverflowError("int too large to convert")
        return real(channel, topic, body)

    monkeypatch.setattr(hub.channels.process, "normalize", normalize)
    first = store(database, "standard", None, b'{"type": "order.created", "data": "POISON"}', "poison")
    second = store(database, "standard", None, order_event("VALID-2"), "valid-order")
    assert celery.tasks["hub.ingest.parse_many"]([first, second]) == 2
    found = rows(database)
    assert found["poison"].status == "failed" and found["poison"].attempts == 1
    assert found["poison"].error == "could not be processed: OverflowError: int too large to convert"
    assert found["valid-order"].status == "processed"
    # Processing it again counts again, and fails the same way until the hub is fixed.
    assert celery.tasks["hub.ingest.parse"](first) == "failed"
    assert rows(database)["poison"].attempts == 2
