"""What the delivery engine tests share: a hub with locations fulfilled by the fake 3PL (or the operator),
stored orders, routing, and running the engine over whatever is pending."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from hub.canonical import Order
from hub.db.models import Delivery, DeliveryStatus
from hub.db.models.base import utcnow
from hub.db.session import Database
from hub.delivery.accounts import save_account
from hub.delivery.breaker import BreakerSettings
from hub.delivery.config import EngineConfig
from hub.delivery.engine import Report, deliver
from hub.delivery.retry import RetryPolicy
from hub.inventory import adjust, parse_location, save_location
from hub.oms.route import Routed, route_order
from hub.orders.store import add_order
from tests.delivery.fake3pl import Fake3plServer, fake3pl_installed  # noqa: F401 (a fixture)
from tests.routing.builders import order_data

CONFIG = EngineConfig(
    chunk=50,
    lease=timedelta(minutes=10),
    retry=RetryPolicy(base_seconds=30, cap_seconds=3600, max_attempts=4),
    breaker=BreakerSettings(threshold=3, open_seconds=60, max_open_seconds=600, probe_timeout_seconds=600),
)


@pytest.fixture
def fake() -> Iterator[Fake3plServer]:
    with Fake3plServer() as server:
        yield server


def add_account(database: Database, origin: str, connector: str = "fake3pl", account: str = "main") -> str:
    with database.session() as session:
        save_account(session, connector, account, {"base_url": origin}, {"api_key": "env:FAKE3PL_API_KEY"})
    return f"{connector}:{account}"


def add_location(database: Database, location_id: str, fulfilled_by: str | None, **stock: int) -> None:
    with database.session() as session:
        spec: dict[str, Any] = {
            "id": location_id,
            "name": location_id,
            "kind": "warehouse",
            "capabilities": ["ship"],
            "coordinates": {"latitude": 40.7, "longitude": -74.0},
        }
        if fulfilled_by:
            spec["fulfilled_by"] = fulfilled_by
        save_location(session, parse_location(spec))
        for sku, units in stock.items():
            adjust(session, sku, location_id, units, source="test")


def store_order(database: Database, number: str = "1001", lines: dict[str, int] | None = None, **fields: Any) -> str:
    short = {
        "channel_order_id": number,
        "number": f"#{number}",
        "lines": [
            {"line_id": str(n), "sku": sku, "quantity": quantity}
            for n, (sku, quantity) in enumerate((lines or {"LAMP": 2}).items(), 1)
        ],
        "ship_to": {"country": "US", "region": "NY", "postal_code": "10001"},
        **fields,
    }
    with database.session() as session:
        stored = add_order(session, Order.model_validate(order_data(short)), account="main")
    assert stored.id is not None
    return stored.id


def route(database: Database, order_id: str) -> Routed:
    return route_order(database, order_id, source="test")


def pending_ids(database: Database) -> list[int]:
    with database.session() as session:
        query = select(Delivery.id).where(Delivery.status == DeliveryStatus.PENDING).order_by(Delivery.id)
        return list(session.scalars(query))


def make_due(database: Database, ids: list[int] | None = None) -> None:
    """Move waiting deliveries' retry time to the past (what time passing would do)."""
    with database.session() as session:
        query = update(Delivery).where(Delivery.status == DeliveryStatus.PENDING)
        if ids is not None:
            query = query.where(Delivery.id.in_(ids))
        session.execute(query.values(next_attempt_at=utcnow() - timedelta(seconds=1)))


def run(database: Database, config: EngineConfig = CONFIG) -> Report:
    """Deliver everything pending and due, as the workers would."""
    return deliver(database, pending_ids(database), config)


def delivery(database: Database, delivery_id: int) -> Delivery:
    with database.session() as session:
        row = session.get(Delivery, delivery_id)
        assert row is not None
        session.expunge(row)
        return row
