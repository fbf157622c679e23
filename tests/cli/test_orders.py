"""``orderhub order list`` and ``orderhub order show``: an order with its ledger, fulfillment, shipments,
deliveries and timeline, as text and JSON."""

from __future__ import annotations

import json

import pytest

from hub.delivery.shipments import record_shipment
from tests.cli.hub_runner import Hub
from tests.delivery.shipment_setup import notice, routed_order


def test_show_an_order_from_routing_to_a_shipment(hub: Hub) -> None:
    order = routed_order(hub.database, lamps=3, shades=2, number="3001")
    items = [{"sku": "LAMP", "quantity": 2}]
    with hub.database.session() as session:
        report = notice("945-77", order.order_id, items, fulfillment_order_id=order.nj)
        record_shipment(session, source="edi:ACME", notice=report, actor="test")

    view = hub.json("order", "show", order.order_id)
    assert view["order"]["id"] == order.order_id and view["order"]["status"] == "partially_shipped"
    lines = {line["line_id"]: line for line in view["lines"]}
    assert lines["1"]["state"] == "partially_shipped"
    assert lines["1"]["quantities"] == {"ordered": 3, "allocated": 3, "released": 3, "shipped": 2}
    assert lines["2"]["quantities"] == {"ordered": 2, "allocated": 2}
    fos = {fo["id"]: fo for fo in view["fulfillment_orders"]}
    assert fos[order.nj]["state"] == "partially_shipped" and fos[order.nj]["fulfilled_by"] == "edi:ACME"
    assert fos[order.nj]["lines"] == [{"line_id": "1", "sku": "LAMP", "quantity": 3, "shipped": 2, "cancelled": 0}]
    (shipment,) = view["shipments"]
    assert shipment["tracking_numbers"] == ["1Z945-77"] and shipment["carrier"] == "UPS"
    assert shipment["source"] == "edi:ACME" and shipment["units"] == {"1": 2}
    submits = {d["subject"]: d for d in view["deliveries"] if d["operation"] == "fulfillment_order.submit"}
    assert set(submits) == {f"fulfillment_order:{order.nj}", f"fulfillment_order:{order.pa}"}
    types = [event["type"] for event in view["timeline"]]
    assert "order.routed" in types and "fulfillment_order.created" in types
    assert types[-2:] == ["shipment.recorded", "order.partially_shipped"]

    text = hub("order", "show", "#3001")  # its number finds it too
    assert f"order {order.order_id} #3001" in text and "partially_shipped" in text
    assert "1  LAMP  partially_shipped: ordered 3, allocated 3, released 3, shipped 2" in text
    assert f"{order.nj} at wh-nj by edi:ACME: partially_shipped" in text
    assert "UPS Ground 1Z945-77" in text and "https://www.ups.com/track?tracknum=1Z945-77" in text
    assert "shipment.recorded" in text and "fulfillment_order.submit to edi:ACME: pending" in text


def test_list_filters_and_unknown_orders(hub: Hub) -> None:
    first = routed_order(hub.database, number="4001")
    second = routed_order(hub.database, number="4002")
    with hub.database.session() as session:
        items = [{"sku": "SHADE", "quantity": 2}]
        record_shipment(
            session, source="cli", notice=notice("s", second.order_id, items, fulfillment_order_id=second.pa), actor="t"
        )
    everything = [json.loads(line) for line in hub("order", "list", "--json").splitlines()]
    assert [row["id"] for row in everything] == [second.order_id, first.order_id]  # newest first
    shipped = [
        json.loads(line) for line in hub("order", "list", "--status", "partially_shipped", "--json").splitlines()
    ]
    assert [row["id"] for row in shipped] == [second.order_id]
    assert hub("order", "list", "--channel", "amazon", "--json") == ""
    assert len(hub("order", "list", "--since", "1h").splitlines()) == 2
    assert hub("order", "list", "--since", "2999-01-01", "--json") == ""
    text = hub("order", "list")
    assert f"{first.order_id}  shopify/main #4001  allocated" in text

    code, err = hub.fails("order", "list", "--since", "yesterday")
    assert code == 2 and "--since 'yesterday' is not a date-time" in err
    code, err = hub.fails("order", "show", "ord_nope")
    assert code == 2 and "no order 'ord_nope'" in err


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_order_not_routed_yet_shows_what_was_ordered(hub: Hub) -> None:
    from hub.canonical import Order
    from hub.orders.store import add_order
    from tests.routing.builders import order_data

    short = {"channel_order_id": "5001", "lines": [{"line_id": "1", "sku": "LAMP", "quantity": 4}]}
    with hub.database.session() as session:
        stored = add_order(session, Order.model_validate(order_data(short)), account="main")
    view = hub.json("order", "show", "5001")
    assert view["order"]["id"] == stored.id
    assert view["lines"] == [
        {"line_id": "1", "sku": "LAMP", "name": "LAMP", "state": "pending", "quantities": {"ordered": 4}}
    ]
    assert view["fulfillment_orders"] == [] and view["shipments"] == [] and view["deliveries"] == []
    assert "fulfillment orders: none" in hub("order", "show", stored.id or "")
