"""``route_order`` and the waiting queue beyond the scenario files: a race lost at commit time, running twice,
test orders, stock arriving through a count, and orders a lost task never routed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from hub.canonical import Order, PaymentStatus
from hub.channels.apply import apply_order
from hub.db.models import InboxMessage, OrderEvent, OrderRecord, OrderRouting
from hub.db.session import Database
from hub.inventory import adjust, allocate, apply_count, get_level, parse_location, save_location
from hub.lifecycle import IllegalTransition
from hub.lifecycle.commands import SendFulfillmentOrder
from hub.lifecycle.store import load
from hub.oms.route import TEST_ORDER_HOLD, OrderNotStored, decide_and_commit, route_in_session, route_order
from hub.oms.stock_effects import execute_with_stock
from hub.oms.store_snapshot import routing_snapshot
from hub.oms.waiting import due_orders, sweep_waiting
from hub.orders.store import add_order, get_order
from hub.routing import default_rules
from tests.routing.builders import order_data

NOW = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)


def _locations(database: Database, **stock: int) -> None:
    with database.session() as session:
        for location_id, latitude in (("wh-nj", 40.73), ("wh-pa", 39.95)):
            spec = {"id": location_id, "name": location_id, "kind": "warehouse", "capabilities": ["ship"]}
            save_location(session, parse_location({**spec, "coordinates": {"latitude": latitude, "longitude": -74.5}}))
        for location_id, units in stock.items():
            adjust(session, "LAMP", location_id.replace("_", "-"), units, source="test")


def _order(database: Database, quantity: int = 3, number: str = "1001", **fields: object) -> str:
    short = {"channel_order_id": number, "lines": [{"line_id": "1", "sku": "LAMP", "quantity": quantity}], **fields}
    short.setdefault("ship_to", {"country": "US", "region": "NY", "postal_code": "10001"})
    with database.session() as session:
        stored = add_order(session, Order.model_validate(order_data(short)), account="main")
    assert stored.id is not None
    return stored.id


def _committed(database: Database, location_id: str) -> int:
    with database.session() as session:
        return get_level(session, "LAMP", location_id).committed


def test_a_race_lost_at_commit_lowers_the_figure_and_decides_again(database: Database) -> None:
    _locations(database, wh_nj=3, wh_pa=6)
    order_id = _order(database)
    with database.session() as session:
        stale = routing_snapshot(session, {"LAMP"}, NOW)  # says NJ has 3
        allocate(session, "other-order", "1", "LAMP", "wh-nj", 2, source="test")  # another worker got there first
    with database.session() as session:
        from hub.oms.route import ready_lifecycle

        lifecycle = ready_lifecycle(session, order_id, "test")
        order = get_order(session, order_id)
        decision, attempts = decide_and_commit(session, order, stale, default_rules(), NOW, lifecycle, "test")
    assert attempts == 2
    assert [(c.location, c.quantity) for c in decision.commitments()] == [("wh-pa", 3)]
    assert (_committed(database, "wh-nj"), _committed(database, "wh-pa")) == (2, 3)  # nothing of the lost try


def test_routing_twice_routes_only_what_is_still_unallocated(database: Database) -> None:
    _locations(database, wh_nj=3)
    order_id = _order(database)
    first = route_order(database, order_id, now=NOW)
    second = route_order(database, order_id, now=NOW + timedelta(minutes=5))
    assert len(first.fulfillment_orders) == 1 and second.fulfillment_orders == {}
    assert second.decision is not None and second.decision.line("1").already_allocated == 3
    assert second.decision.commitments() == []
    assert _committed(database, "wh-nj") == 3
    with database.session() as session:
        kinds = list(session.scalars(select(OrderEvent.type).where(OrderEvent.order_id == order_id)))
        assert kinds.count("order.routed") == 2 and kinds.count("fulfillment_order.created") == 1
        assert session.get(OrderRouting, order_id).attempts == 2  # type: ignore[union-attr]


def test_a_test_order_is_routed_but_held_so_nothing_is_sent(database: Database) -> None:
    _locations(database, wh_nj=3)
    order_id = _order(database, test=True)
    routed = route_order(database, order_id, now=NOW)
    assert routed.decision is not None and str(routed.decision.outcome) == "routed"
    (fulfillment_order_id,) = routed.fulfillment_orders
    with database.session() as session:
        assert load(session, order_id).hold_reason == TEST_ORDER_HOLD
        assert session.get(OrderRouting, order_id).test is True  # type: ignore[union-attr]
    with pytest.raises(IllegalTransition, match="on hold"), database.session() as session:
        execute_with_stock(session, order_id, SendFulfillmentOrder(id=fulfillment_order_id), source="test")
    assert _committed(database, "wh-nj") == 3


def test_stock_of_an_awaited_sku_makes_the_wait_due_and_other_skus_do_not(database: Database) -> None:
    _locations(database)
    order_id = _order(database, quantity=2)
    routed = route_order(database, order_id, now=NOW)
    assert routed.decision is not None and str(routed.decision.outcome) == "backordered"
    with database.session() as session:
        assert due_orders(session, NOW + timedelta(minutes=1)) == []
        adjust(session, "OTHER-SKU", "wh-pa", 5, source="test")
    with database.session() as session:
        assert due_orders(session, NOW + timedelta(minutes=1)) == []
        apply_count(session, "wh-pa", "LAMP", 4, datetime.now(UTC), source="test")
    with database.session() as session:
        assert due_orders(session, NOW + timedelta(minutes=1)) == [order_id]
    found = sweep_waiting(
        database, NOW + timedelta(minutes=1), route=lambda oid: route_order(database, oid, now=NOW), source="test"
    )
    assert found.due == (order_id,)
    assert _committed(database, "wh-pa") == 2
    with database.session() as session:
        assert session.get(OrderRouting, order_id).waiting is False  # type: ignore[union-attr]


def test_the_sweep_routes_orders_that_were_never_routed(database: Database) -> None:
    _locations(database, wh_pa=5)
    order_id = _order(database)
    routed: list[str] = []
    found = sweep_waiting(database, NOW, route=routed.append, source="test", grace=timedelta(seconds=-5))
    assert found.never_routed == (order_id,) and routed == [order_id]
    found = sweep_waiting(database, NOW, route=routed.append, source="test")  # within the grace: intake's job
    assert found.never_routed == ()


def test_an_unknown_order_is_refused_with_its_id(database: Database) -> None:
    with pytest.raises(OrderNotStored, match="no order 'ord_missing' is stored"), database.session() as session:
        route_in_session(session, "ord_missing", source="test")


def test_a_held_order_is_due_again_as_soon_as_the_channel_changes_it(database: Database) -> None:
    _locations(database, wh_nj=3)
    order_id = _order(database, payment_status="pending")
    routed = route_order(database, order_id, now=NOW)
    assert routed.decision is not None and str(routed.decision.outcome) == "held"
    with database.session() as session:
        assert due_orders(session, NOW + timedelta(minutes=1)) == []
        record = session.get(OrderRecord, order_id)
        assert record is not None
        paid = Order.model_validate(record.document).model_copy(
            update={"payment_status": PaymentStatus.PAID, "updated_at": NOW}
        )
        message = InboxMessage(source="webhook", channel="shopify", account="main", topic="orders/paid", body=b"{}")
        session.add(message)
        session.flush()
        assert apply_order(session, Order.model_validate(paid.model_dump(mode="json")), message).outcome == "updated"
    with database.session() as session:
        assert due_orders(session, NOW + timedelta(minutes=1)) == [order_id]
    routed = route_order(database, order_id, now=NOW + timedelta(minutes=1))
    assert routed.decision is not None and str(routed.decision.outcome) == "routed"
    with database.session() as session:
        assert due_orders(session, NOW + timedelta(minutes=2)) == []
