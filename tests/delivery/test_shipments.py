"""``record_shipment``: every shipment moves the fulfillment order, the order lines and the stock, once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from hub.db.models import OrderEvent
from hub.db.session import Database
from hub.delivery.shipments import RecordedShipment, ShipmentRejected, record_shipment
from hub.lifecycle.commands import AcceptFulfillmentOrder, SendFulfillmentOrder
from hub.oms.stock_effects import execute_with_stock
from hub.sdk import ShipmentNotice
from tests.delivery.shipment_setup import STOCK, Routed, fo_state, notice, order_view, routed_order


def record(database: Database, source: str, shipment_notice: ShipmentNotice) -> RecordedShipment:
    with database.session() as session:
        return record_shipment(session, source=source, notice=shipment_notice, actor="test")


def lamps(database: Database, order: Routed, key: str, units: int) -> RecordedShipment:
    """A person ships ``units`` LAMP of the order's wh-nj fulfillment order."""
    items = [{"sku": "LAMP", "quantity": units}]
    return record(database, "cli", notice(key, order.order_id, items, fulfillment_order_id=order.nj))


def test_a_full_shipment_ships_the_fulfillment_order_and_its_stock(database: Database) -> None:
    order = routed_order(database)
    recorded = record(database, "cli", notice("s1", order.order_id, fulfillment_order_id=order.pa))
    assert (recorded.created, recorded.fulfillment_order_id, recorded.state) == (True, order.pa, "shipped")
    assert fo_state(database, order.pa) == ("shipped", {"2": 2})
    view = order_view(database, order.order_id)
    assert view["status"] == "partially_shipped" and view["shipped"] == {"1": 0, "2": 2}
    assert view["on_hand"] == {"LAMP": STOCK, "SHADE": STOCK - 2}
    assert view["shipments"] == [("s1", ("1ZS1",))]
    assert view["events"][-2:] == ["shipment.recorded", "order.partially_shipped"]
    with database.session() as session:
        event = session.scalars(select(OrderEvent).where(OrderEvent.type == "shipment.recorded")).one()
        assert event.data["carrier"] == "UPS" and event.data["service"] == "Ground"
        assert event.data["tracking_url"] == "https://www.ups.com/track?tracknum=1ZS1"
        assert event.data["units"] == {"2": 2} and event.data["shipped_at"].startswith("2026-03-03T10:00")

    items = [{"sku": "LAMP", "quantity": 3}]
    last = record(database, "cli", notice("s2", order.order_id, items, fulfillment_order_id=order.nj))
    assert last.order_status == "shipped"
    view = order_view(database, order.order_id)
    assert view["status"] == "shipped" and view["on_hand"] == {"LAMP": STOCK - 3, "SHADE": STOCK - 2}
    assert view["events"][-2:] == ["shipment.recorded", "order.shipped"]


def test_the_partners_own_tracking_link_is_kept(database: Database) -> None:
    order = routed_order(database)
    report = notice("t1", order.order_id, [{"sku": "LAMP", "quantity": 1}], fulfillment_order_id=order.nj)
    linked = ShipmentNotice(report.key, report.shipment, report.fulfillment_order_id, tracking_url="https://t.test/1")
    record(database, "shipbob:main", linked)
    with database.session() as session:
        event = session.scalars(select(OrderEvent).where(OrderEvent.type == "order.partially_shipped")).one()
        assert event.data["tracking_url"] == "https://t.test/1" and event.data["tracking_numbers"] == ["1ZT1"]


def test_a_partial_shipment_then_the_rest(database: Database) -> None:
    order = routed_order(database, lamps=3)
    by_line = [{"line_id": "1", "quantity": 1}]
    first = record(database, "cli", notice("p1", order.order_id, by_line, fulfillment_order_id=order.nj))
    assert first.state == "partially_shipped"
    assert fo_state(database, order.nj) == ("partially_shipped", {"1": 1})
    rest = lamps(database, order, "p2", 2)
    assert rest.state == "shipped"
    view = order_view(database, order.order_id)
    assert view["shipped"] == {"1": 3, "2": 0} and view["on_hand"]["LAMP"] == STOCK - 3
    assert view["shipments"] == [("p1", ("1ZP1",)), ("p2", ("1ZP2",))]
    assert view["events"].count("order.partially_shipped") == 2


def test_an_over_shipment_is_refused_and_changes_nothing(database: Database) -> None:
    order = routed_order(database, lamps=3)
    before = order_view(database, order.order_id)
    over = notice("o1", order.order_id, [{"sku": "LAMP", "quantity": 5}], fulfillment_order_id=order.nj)
    with pytest.raises(ShipmentRejected, match="ships 5 units of SKU LAMP but fulfillment order .* has only 3 left"):
        record(database, "cli", over)
    assert order_view(database, order.order_id) == before
    assert fo_state(database, order.nj) == ("created", {"1": 0})
    # the rest of a partly shipped order: one more than is left is refused too
    lamps(database, order, "o2", 2)
    with pytest.raises(ShipmentRejected, match="has only 1 left"):
        lamps(database, order, "o3", 2)
    lamps(database, order, "o4", 1)
    with pytest.raises(ShipmentRejected, match="nothing is left to ship"):
        lamps(database, order, "o5", 1)
    assert order_view(database, order.order_id)["on_hand"]["LAMP"] == STOCK - 3


def test_a_sku_the_fulfillment_order_does_not_hold_is_refused(database: Database) -> None:
    order = routed_order(database)
    wrong = notice("w1", order.order_id, [{"sku": "SHADE", "quantity": 1}], fulfillment_order_id=order.nj)
    with pytest.raises(ShipmentRejected, match="SKU SHADE, which fulfillment order .* does not have to ship"):
        record(database, "cli", wrong)
    assert fo_state(database, order.nj) == ("created", {"1": 0})


def test_an_unknown_fulfillment_order_or_order_is_refused(database: Database) -> None:
    order = routed_order(database)
    with pytest.raises(ShipmentRejected, match="fulfillment order 'ful_nope', which the hub does not have"):
        record(database, "cli", notice("u1", order.order_id, fulfillment_order_id="ful_nope"))
    with pytest.raises(ShipmentRejected, match="order 'ord_nope', which the hub does not have"):
        record(database, "edi:ACME", notice("u2", "ord_nope", [{"sku": "LAMP", "quantity": 1}]))
    with pytest.raises(ShipmentRejected, match="'X-9', which is no fulfillment order the hub sent to shipstation:main"):
        record(database, "shipstation:main", notice("u3", order.order_id, external_id="X-9"))
    assert order_view(database, order.order_id)["shipments"] == []


def test_the_same_report_twice_is_recorded_once(database: Database) -> None:
    order = routed_order(database)
    report = notice("d1", order.order_id, [{"sku": "LAMP", "quantity": 1}], fulfillment_order_id=order.nj)
    first = record(database, "shipstation:main", report)
    again = record(database, "shipstation:main", report)
    assert first.created and not again.created
    assert again.shipment_id == first.shipment_id and again.state == "partially_shipped"
    view = order_view(database, order.order_id)
    assert view["shipped"]["1"] == 1 and view["on_hand"]["LAMP"] == STOCK - 1
    assert view["events"].count("shipment.recorded") == 1
    # the same key from another reporter is another shipment
    assert record(database, "csv-3pl:east", report).created


def test_a_report_naming_only_the_order_finds_the_partners_fulfillment_order(database: Database) -> None:
    order = routed_order(database, lamps=3)
    by_po = notice("e1", order.order_id, [{"line_id": "1", "sku": "LAMP", "quantity": 3}])
    recorded = record(database, "edi:ACME", by_po)
    assert (recorded.fulfillment_order_id, recorded.state) == (order.nj, "shipped")
    # SHADE is not at a location edi:ACME fulfils
    with pytest.raises(ShipmentRejected, match="no open fulfillment order at a location fulfilled by edi:ACME"):
        record(database, "edi:ACME", notice("e2", order.order_id, [{"sku": "SHADE", "quantity": 1}]))


def test_a_report_by_the_partners_own_id(database: Database) -> None:
    order = routed_order(database)
    with database.session() as session:
        execute_with_stock(session, order.order_id, SendFulfillmentOrder(id=order.nj), source="test")
        accept = AcceptFulfillmentOrder(id=order.nj, external_id="3PL-77")
        execute_with_stock(session, order.order_id, accept, source="test")
    recorded = record(database, "edi:ACME", notice("x1", order.order_id, external_id="3PL-77"))
    assert recorded.fulfillment_order_id == order.nj and recorded.state == "shipped"  # no items: every open unit


def test_a_shipment_of_a_fulfillment_order_still_created_sends_and_accepts_it_first(database: Database) -> None:
    order = routed_order(database)
    lamps(database, order, "c1", 1)
    events = order_view(database, order.order_id)["events"]
    sent = events.index("fulfillment_order.sent")
    moves = ["fulfillment_order.sent", "fulfillment_order.accepted", "fulfillment_order.shipped"]
    assert events[sent : sent + 3] == moves


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_copies_of_a_report_at_the_same_time_ship_once(database: Database) -> None:
    """A webhook retried while the first delivery is still being recorded: the copies wait for the first and
    find it recorded, instead of shipping again or being refused as an over-shipment."""
    order = routed_order(database, lamps=3)
    same = notice("r1", order.order_id, [{"sku": "LAMP", "quantity": 2}], fulfillment_order_id=order.nj)
    start = threading.Barrier(3)

    def report(shipment_notice: ShipmentNotice) -> str:
        start.wait()
        try:
            return "created" if record(database, "shipbob:main", shipment_notice).created else "repeat"
        except ShipmentRejected as refused:
            return f"refused: {refused}"

    with ThreadPoolExecutor(max_workers=3) as pool:
        outcomes = list(pool.map(report, [same, same, same]))
    assert sorted(outcomes) == ["created", "repeat", "repeat"]
    view = order_view(database, order.order_id)
    assert view["shipped"]["1"] == 2 and view["on_hand"]["LAMP"] == STOCK - 2
    assert len(view["shipments"]) == 1 and view["events"].count("shipment.recorded") == 1
