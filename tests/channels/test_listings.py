"""A stored body that is a listing of several orders (Walmart getAllOrders, as a poll or a forwarder stores it)
becomes one order per entry in the worker, each received once; an empty listing changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from hub.channels.intake import store_message
from hub.channels.process import process_message
from hub.db.models import ChannelAccount, OrderEvent, OrderRecord
from hub.db.session import Database

CASES = Path(__file__).resolve().parents[2] / "mappings" / "walmart" / "responses.cases"


@pytest.fixture
def database(database_url: str) -> Database:
    db = Database(database_url)
    with db.session() as session:
        session.add(ChannelAccount(channel="walmart", account="seller1", settings={"base_url": "http://127.0.0.1:9"}))
    return db


def _stored(database: Database, name: str) -> int:
    with database.session() as session:
        inbox_id, _ = store_message(
            session,
            source="poll",
            channel="walmart",
            account="seller1",
            topic=None,
            dedupe_key=name,
            body=(CASES / f"{name}.in.json").read_bytes(),
        )
    return inbox_id


def test_a_listing_of_two_orders_becomes_two_orders(database: Database) -> None:
    outcome = process_message(database, _stored(database, "get_all_orders_two"))
    assert outcome.status == "processed", outcome.detail
    assert len(outcome.created) == 2  # both are routed
    with database.session() as session:
        assert len(session.scalars(select(OrderRecord)).all()) == 2
        received = session.scalars(select(OrderEvent.order_id).where(OrderEvent.type == "order.received")).all()
    assert sorted(received) == sorted(outcome.created)


def test_an_empty_listing_stores_no_order(database: Database) -> None:
    outcome = process_message(database, _stored(database, "get_all_orders_empty"))
    assert outcome.status in ("processed", "ignored"), outcome.detail
    with database.session() as session:
        assert session.scalars(select(OrderRecord)).all() == []
