"""An order written through the canonical model, stored, read back and validated is identical, on every backend."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from hub.canonical import Order
from hub.canonical.schema import validate_document
from hub.db.models import OrderLineRecord, OrderRecord
from hub.db.session import Database
from hub.orders.store import OrderNotFound, add_order, find_record, get_order, record_event, replace_order, timeline

EXAMPLE = Path(__file__).resolve().parents[1] / "canonical" / "examples" / "order.v1.json"


@pytest.fixture
def order_json() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(EXAMPLE.read_text())
    data.pop("id", None)
    return data


def test_round_trip_is_identical_and_valid(database: Database, order_json: dict[str, Any]) -> None:
    order = Order.model_validate(order_json)
    with database.session() as session:
        stored = add_order(session, order, account="main")
    assert stored.id and stored.id.startswith("ord_")

    with database.session() as session:  # a new session: nothing comes from the identity map
        loaded = get_order(session, stored.id)
    dumped = loaded.model_dump(mode="json")
    assert loaded == stored == order.model_copy(update={"id": stored.id})
    assert dumped == order.model_dump(mode="json") | {"id": stored.id}
    validate_document("order.v1", dumped)
    # the text form survives too: amounts keep their scale, datetimes their offset
    assert json.loads(loaded.model_dump_json()) == json.loads(stored.model_dump_json())


def test_line_rows_project_the_document(database: Database, order_json: dict[str, Any]) -> None:
    order = Order.model_validate(order_json)
    with database.session() as session:
        stored = add_order(session, order, account="main")
    with database.session() as session:
        record = session.get(OrderRecord, stored.id)
        assert record is not None
        rows = session.scalars(select(OrderLineRecord).where(OrderLineRecord.order_id == stored.id)).all()
        assert [(row.line_id, row.sku, row.quantity) for row in sorted(rows, key=lambda r: r.position)] == [
            (line.line_id, line.sku, line.quantity) for line in order.lines
        ]
        assert record.total == order.totals.total.amount and record.currency == order.currency
        assert find_record(session, order.channel, "main", order.channel_order_id) is record
        assert find_record(session, order.channel, "other-account", order.channel_order_id) is None


def test_replace_keeps_identity_and_rewrites_lines(database: Database, order_json: dict[str, Any]) -> None:
    original = Order.model_validate(order_json)
    with database.session() as session:
        stored = add_order(session, original, account="main")
        record_event(session, stored.id or "", "order.received", source="test")
    changed = original.model_copy(update={"lines": original.lines[:1], "notes": "leave at the door"})
    with database.session() as session:
        record = find_record(session, original.channel, "main", original.channel_order_id)
        assert record is not None
        replace_order(session, record, changed)
        record_event(session, record.id, "order.updated", source="test", data={"lines": 1})
    with database.session() as session:
        again = get_order(session, stored.id or "")
        assert again.id == stored.id and len(again.lines) == 1 and again.notes == "leave at the door"
        assert [event.type for event in timeline(session, stored.id or "")] == ["order.received", "order.updated"]
        count = session.scalars(select(OrderLineRecord).where(OrderLineRecord.order_id == stored.id)).all()
        assert len(count) == 1


def test_missing_order_is_a_clear_error(database: Database) -> None:
    with database.session() as session, pytest.raises(OrderNotFound, match="no order 'ord_nope'"):
        get_order(session, "ord_nope")


def test_instants_keep_their_meaning_on_every_backend(database: Database, order_json: dict[str, Any]) -> None:
    """09:30 at UTC-5 is 14:30 UTC on SQLite too (which would otherwise drop the offset)."""
    order = Order.model_validate(order_json | {"updated_at": "2026-11-20T09:30:00-05:00"})
    with database.session() as session:
        stored = add_order(session, order, account="main")
    with database.session() as session:
        record = session.get(OrderRecord, stored.id)
        assert record is not None
        assert record.channel_updated_at == datetime(2026, 11, 20, 14, 30, tzinfo=UTC)
        assert record.channel_updated_at.utcoffset() == timedelta(0)
