"""A routed order split over two locations, for the shipment tests (and the CLI tests that ship by hand).

``wh-nj`` holds only LAMP and ``wh-pa`` only SHADE, so an order of both is routed into one fulfillment order
at each; ``wh-nj`` is fulfilled by the X12 partner ``ACME`` (``edi:ACME``) and ``wh-pa`` by ``self``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from hub.canonical import Order, Shipment
from hub.db.models import FulfillmentOrderRecord, Location, OrderEvent, Partner, ShipmentRecord
from hub.db.session import Database
from hub.inventory import adjust, get_level, parse_location, save_location
from hub.lifecycle.store import load
from hub.oms.route import route_order
from hub.orders.store import add_order
from hub.sdk import ShipmentNotice
from tests.routing.builders import order_data

NOW = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)
STOCK = 10


@dataclass(frozen=True)
class Routed:
    order_id: str
    nj: str  # fulfillment order at wh-nj: LAMP, line 1
    pa: str  # fulfillment order at wh-pa: SHADE, line 2


def add_locations(database: Database) -> None:
    with database.session() as session:
        if session.get(Partner, "ACME") is None:
            session.add(Partner(id="ACME", name="Acme 3PL", kind="3pl", profile={}))
            session.flush()
        for location_id, latitude, sku in (("wh-nj", 40.73, "LAMP"), ("wh-pa", 39.95, "SHADE")):
            if session.get(Location, location_id) is not None:
                continue
            spec = {"id": location_id, "name": location_id, "kind": "warehouse", "capabilities": ["ship"]}
            spec["coordinates"] = {"latitude": latitude, "longitude": -74.5}
            save_location(session, parse_location(spec))
            adjust(session, sku, location_id, STOCK, source="test")
        session.flush()
        session.get(Location, "wh-nj").fulfilled_by = "edi:ACME"  # type: ignore[union-attr]
        session.get(Location, "wh-pa").fulfilled_by = "self"  # type: ignore[union-attr]


def routed_order(
    database: Database, *, lamps: int = 3, shades: int = 2, number: str = "1001", po_number: str | None = None
) -> Routed:
    """A stored order of LAMP x ``lamps`` (line 1) and SHADE x ``shades`` (line 2), routed to both locations."""
    add_locations(database)
    short = {
        "channel_order_id": number,
        "number": f"#{number}",
        "lines": [
            {"line_id": "1", "sku": "LAMP", "quantity": lamps},
            {"line_id": "2", "sku": "SHADE", "quantity": shades},
        ],
        "ship_to": {"country": "US", "region": "NY", "postal_code": "10001"},
        "po_number": po_number,
    }
    with database.session() as session:
        stored = add_order(session, Order.model_validate(order_data(short)), account="main")
    assert stored.id is not None
    routed = route_order(database, stored.id, now=NOW)
    by_location = {location: fo_id for fo_id, location in routed.fulfillment_orders.items()}
    assert set(by_location) == {"wh-nj", "wh-pa"}, routed.fulfillment_orders
    return Routed(stored.id, by_location["wh-nj"], by_location["wh-pa"])


def notice(
    key: str,
    order_id: str,
    items: list[dict[str, Any]] | None = None,
    *,
    fulfillment_order_id: str | None = None,
    external_id: str | None = None,
    **fields: Any,
) -> ShipmentNotice:
    document = {
        "order_id": order_id,
        "shipment_number": key,
        "carrier": {"name": "UPS", "service": "Ground"},
        "tracking_numbers": [f"1Z{key.upper()}"],
        "shipped_at": "2026-03-03T10:00:00Z",
        "items": items or [],
        **fields,
    }
    shipment = Shipment.model_validate(document)
    return ShipmentNotice(key, shipment, fulfillment_order_id=fulfillment_order_id, external_id=external_id)


def fo_state(database: Database, fo_id: str) -> tuple[str, dict[str, int]]:
    with database.session() as session:
        row = session.get(FulfillmentOrderRecord, fo_id)
        assert row is not None
        return row.state, {line.line_id: line.shipped for line in row.lines}


def order_view(database: Database, order_id: str) -> dict[str, Any]:
    """What a user would check: order status, shipped units per line, stock, shipments and timeline types."""
    with database.session() as session:
        lifecycle = load(session, order_id)
        events = list(session.scalars(select(OrderEvent.type).where(OrderEvent.order_id == order_id)))
        shipments = session.scalars(select(ShipmentRecord).where(ShipmentRecord.order_id == order_id)).all()
        return {
            "status": lifecycle.status.value,
            "shipped": {line_id: line.quantities.shipped for line_id, line in lifecycle.lines.items()},
            "on_hand": {
                "LAMP": get_level(session, "LAMP", "wh-nj").on_hand,
                "SHADE": get_level(session, "SHADE", "wh-pa").on_hand,
            },
            "shipments": sorted((s.key, tuple(s.tracking_numbers)) for s in shipments),
            "events": events,
        }
