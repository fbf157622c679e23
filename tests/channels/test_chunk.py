"""A chunk of inbox messages applied in one transaction: each message isolated (a poison one fails alone),
the same answers as one by one for duplicates and out-of-order versions, and a statement count per chunk
that does not grow with the number of new orders in it."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, select

import hub.channels.chunk
from hub.channels.chunk import process_chunk
from hub.db.models import InboxMessage, OrderEvent, OrderLineRecord, OrderRecord
from hub.db.models.base import utcnow
from hub.db.session import Database

EXAMPLE = Path(__file__).resolve().parents[1] / "canonical" / "examples" / "order.v1.json"


def order_event(channel_order_id: str, **changes: Any) -> bytes:
    """A ``standard`` event carrying an ``order.v1`` document, with ``changes`` made to it."""
    order = json.loads(EXAMPLE.read_text())
    order.pop("id", None)
    order.update(channel_order_id=channel_order_id, **changes)
    return json.dumps({"type": "order.created", "data": order}).encode()


def huge_quantity(channel_order_id: str) -> bytes:
    """A valid document whose second line asks for more units than the database's quantity column holds."""
    order = json.loads(order_event(channel_order_id))
    order["data"]["lines"][1]["quantity"] = 2**64
    return json.dumps(order).encode()


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    db = Database(database_url)
    yield db
    db.dispose()


def store(database: Database, *bodies: tuple[str, bytes]) -> list[int]:
    with database.session() as session:
        messages = [
            InboxMessage(
                source="webhook",
                channel="standard",
                account="a",
                topic=None,
                dedupe_key=key,
                body=body,
                headers={},
                received_at=utcnow(),
                enqueued_at=utcnow(),
            )
            for key, body in bodies
        ]
        session.add_all(messages)
        session.flush()
        return [message.id for message in messages]


def messages(database: Database) -> dict[str, InboxMessage]:
    with database.session() as session:
        return {m.dedupe_key or "": m for m in session.scalars(select(InboxMessage))}


def test_a_poison_message_fails_alone_and_its_neighbours_are_applied(database: Database) -> None:
    ids = store(
        database,
        ("first", order_event("GOOD-1")),
        ("refused-by-the-database", huge_quantity("POISON-1")),
        ("unreadable", b'{"type": "order.created", "data": ' + b"[" * 1000 + b"]" * 1000 + b"}"),
        ("last", order_event("GOOD-2")),
    )
    result = process_chunk(database, ids)
    found = messages(database)
    assert [found[key].status for key in ("first", "last")] == ["processed", "processed"]
    for key in ("refused-by-the-database", "unreadable"):
        assert found[key].status == "failed" and found[key].attempts == 1, key
        assert found[key].error
    assert found["refused-by-the-database"].error.startswith("could not be processed: ")
    with database.session() as session:
        orders = {o.channel_order_id: o for o in session.scalars(select(OrderRecord))}
        assert sorted(orders) == ["GOOD-1", "GOOD-2"]
        assert len(session.scalars(select(OrderLineRecord)).all()) == 6
        events = session.scalars(select(OrderEvent).order_by(OrderEvent.id)).all()
        assert [(e.type, e.inbox_message_id) for e in events] == [
            ("order.received", ids[0]),
            ("order.received", ids[3]),
        ]
    # the two new orders go to routing; the failed ones are answered as failed
    assert sorted(o for oid in ids for o in result.outcomes[oid].created) == sorted(o.id for o in orders.values())
    assert [result.outcomes[oid].status for oid in ids] == ["processed", "failed", "failed", "processed"]


def test_duplicates_and_an_out_of_order_version_in_one_chunk_answer_as_one_by_one(database: Database) -> None:
    first = {"updated_at": "2024-11-29T14:05:02-05:00"}
    later = {"updated_at": "2024-11-29T16:00:00-05:00", "number": "#1042-B"}
    older = {"updated_at": "2024-11-29T15:00:00-05:00", "number": "#1042-A"}
    ids = store(
        database,
        ("create", order_event("DUP-1", **first)),
        ("again", order_event("DUP-1", **first)),  # the same version delivered twice
        ("update", order_event("DUP-1", **later)),
        ("late", order_event("DUP-1", **older)),  # arrives after a newer version: must not win
        ("other", order_event("DUP-2", **first)),
    )
    result = process_chunk(database, ids)
    details = [result.outcomes[inbox_id].detail.split(" order ")[0] for inbox_id in ids]
    assert details == ["created", "unchanged", "updated", "stale", "created"]
    with database.session() as session:
        orders = {o.channel_order_id: o for o in session.scalars(select(OrderRecord))}
        assert sorted(orders) == ["DUP-1", "DUP-2"]
        assert orders["DUP-1"].number == "#1042-B" and orders["DUP-1"].document["number"] == "#1042-B"
        timeline = session.scalars(
            select(OrderEvent.type).where(OrderEvent.order_id == orders["DUP-1"].id).order_by(OrderEvent.id)
        ).all()
        assert timeline == ["order.received", "order.updated"]
    assert result.outcomes[ids[0]].created == (orders["DUP-1"].id,)
    assert all(result.outcomes[inbox_id].created == () for inbox_id in ids[1:4])
    # the same chunk again changes nothing: every message is already done
    again = process_chunk(database, ids)
    assert {outcome.detail for outcome in again.outcomes.values()} == {"already done"}


class Statements:
    def __init__(self, database: Database) -> None:
        self.count = 0
        event.listen(database.engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args: object) -> None:
        self.count += 1


STATEMENTS_PER_CHUNK = 12  # claim (2), look-up, savepoint (2), orders, lines, events, statuses: one each


@pytest.mark.parametrize("size", [5, 40])
def test_statements_for_a_chunk_of_new_orders_do_not_grow_with_its_size(database: Database, size: int) -> None:
    ids = store(database, *((f"m{n}", order_event(f"BULK-{n}")) for n in range(size)))
    statements = Statements(database)
    result = process_chunk(database, ids)
    assert {outcome.status for outcome in result.outcomes.values()} == {"processed"}
    with database.session() as session:
        assert len(session.scalars(select(OrderRecord.id)).all()) == size
        assert len(session.scalars(select(OrderEvent.id)).all()) == size
    assert statements.count <= STATEMENTS_PER_CHUNK, f"{statements.count} statements for {size} new orders"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_locked_database_leaves_the_whole_chunk_received_for_a_retry(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = store(database, ("one", order_event("BUSY-1")), ("two", order_event("BUSY-2")))
    path = database.engine.url.database
    assert path is not None
    holder = sqlite3.connect(path, timeout=1)
    real = hub.channels.chunk.normalized_or_error

    def normalize_then_lock(channel: str, topic: str | None, body: bytes) -> Any:
        if not holder.in_transaction:  # another writer takes the database once the attempts are counted
            holder.execute("BEGIN EXCLUSIVE")
        return real(channel, topic, body)

    monkeypatch.setattr(hub.channels.chunk, "normalized_or_error", normalize_then_lock)
    try:
        result = process_chunk(database, ids)
    finally:
        holder.rollback()
        holder.close()
    assert sorted(result.retry) == ids and not result.outcomes
    found = messages(database)
    assert {m.status for m in found.values()} == {"received"}  # nothing was wrong with them
    monkeypatch.setattr(hub.channels.chunk, "normalized_or_error", real)
    assert {o.status for o in process_chunk(database, ids).outcomes.values()} == {"processed"}
    with database.session() as session:
        assert len(session.scalars(select(OrderRecord.id)).all()) == 2
