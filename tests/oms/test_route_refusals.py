"""A location that refused a fulfillment order is not asked again for the same units: routing the order again
places them at the next candidate under the rules, and once every candidate has refused, the line waits,
with the refusals in the routing trace."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from hub.db.models import OrderEvent
from hub.db.session import Database
from hub.inventory import adjust, get_level, parse_location, save_location
from hub.lifecycle.commands import RejectFulfillmentOrder, SendFulfillmentOrder
from hub.lifecycle.store import load
from hub.oms.route import Routed, route_order
from hub.oms.stock_effects import execute_with_stock
from tests.oms.test_route import _order

NOW = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)
PARTNERS = ("sup-east", "tpl-west")


def _partners(database: Database) -> None:
    with database.session() as session:
        for location_id, kind, priority in (("sup-east", "supplier", 1), ("tpl-west", "3pl", 2)):
            spec = {"id": location_id, "name": location_id, "kind": kind, "capabilities": ["ship"]}
            save_location(session, parse_location({**spec, "priority": priority, "postal_region": "US"}))
            adjust(session, "LAMP", location_id, 5, source="test")


def _reject(database: Database, routed: Routed, reason: str) -> str:
    (fulfillment_order_id, location) = next(iter(routed.fulfillment_orders.items()))
    with database.session() as session:
        execute_with_stock(session, routed.order_id, SendFulfillmentOrder(id=fulfillment_order_id), source="test")
        execute_with_stock(
            session, routed.order_id, RejectFulfillmentOrder(id=fulfillment_order_id, reason=reason), source="test"
        )
    return location


def _last_trace(database: Database, order_id: str) -> dict[str, Any]:
    with database.session() as session:
        events = session.scalars(
            select(OrderEvent).where(OrderEvent.order_id == order_id).order_by(OrderEvent.id.desc())
        ).all()
        routing = next(event for event in events if event.type in ("order.routed", "order.backordered", "order.held"))
        return dict(routing.data["trace"])


def test_a_refused_location_is_skipped_for_those_units_and_the_trace_says_why(database: Database) -> None:
    _partners(database)
    order_id = _order(database, quantity=2)
    first = route_order(database, order_id, now=NOW)
    refused_first = _reject(database, first, "discontinued at this supplier")

    second = route_order(database, order_id, now=NOW + timedelta(minutes=1))
    assert list(second.fulfillment_orders.values()) == [p for p in PARTNERS if p != refused_first]
    candidates = {entry["location"]: entry for entry in _last_trace(database, order_id)["candidates"]}
    assert candidates[refused_first]["dropped_by"] == "refused"
    assert "discontinued at this supplier" in candidates[refused_first]["reason"]
    with database.session() as session:
        assert get_level(session, "LAMP", refused_first).committed == 0

    refused_second = _reject(database, second, "no capacity this week")
    third = route_order(database, order_id, now=NOW + timedelta(minutes=2))
    assert third.fulfillment_orders == {}
    assert third.decision is not None and str(third.decision.outcome) in ("backordered", "held")
    line = third.decision.line("1")
    assert line.allocated == 0 and line.waiting + (line.hold.quantity if line.hold else 0) == 2
    trace = _last_trace(database, order_id)
    dropped = {entry["location"]: entry["reason"] for entry in trace["candidates"] if entry["dropped_by"] == "refused"}
    assert set(dropped) == {refused_first, refused_second}
    assert "no capacity this week" in dropped[refused_second]
    with database.session() as session:
        assert load(session, order_id).lines["1"].quantities.allocated == 0
        assert [get_level(session, "LAMP", p).committed for p in PARTNERS] == [0, 0]
