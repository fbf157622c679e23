"""Orders, deliveries and messages for the API tests, stored the way intake and routing store them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update

from hub.canonical import Order
from hub.db.models import Delivery, DeliveryStatus, InboxMessage
from hub.db.session import Database
from hub.orders.store import add_order
from tests.routing.builders import order_data


def stored_order(database: Database, number: str, **fields: Any) -> str:
    """An order stored but not routed: LAMP x2 (line 1), from shopify/main, with ``fields`` set."""
    short = {
        "channel_order_id": number,
        "number": f"#{number}",
        "lines": [{"line_id": "1", "sku": "LAMP", "quantity": 2}],
        "ship_to": {"country": "US", "region": "NY", "postal_code": "10001"},
        **fields,
    }
    with database.session() as session:
        stored = add_order(session, Order.model_validate(order_data(short)), account="main")
    assert stored.id is not None
    return stored.id


def make_dead(database: Database, delivery_id: int, error: str = "HTTP 422: refused") -> None:
    with database.session() as session:
        session.execute(
            update(Delivery).where(Delivery.id == delivery_id).values(status=DeliveryStatus.DEAD, last_error=error)
        )


def failed_message(database: Database, body: bytes = b'{"id": 1, "broken":') -> int:
    with database.session() as session:
        row = InboxMessage(
            source="webhook", channel="shopify", account="main", topic="orders/create", headers={"X-Test": "1"},
            body=body, status="failed", error="ValueError: not JSON", attempts=1,
        )  # fmt: skip
        session.add(row)
        session.flush()
        return row.id
