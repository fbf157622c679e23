"""``orderhub fulfillment``: the operator of a location lists, ships and cancels fulfillment orders by hand."""

from __future__ import annotations

import json

from sqlalchemy import select

from hub.db.models import Delivery
from hub.lifecycle.commands import AcceptFulfillmentOrder, SendFulfillmentOrder
from hub.oms.stock_effects import execute_with_stock
from tests.cli.hub_runner import Hub
from tests.delivery.shipment_setup import STOCK, Routed, fo_state, order_view, routed_order


def _send(hub: Hub, order: Routed, fo_id: str, *, accept: bool = False) -> None:
    with hub.database.session() as session:
        execute_with_stock(session, order.order_id, SendFulfillmentOrder(id=fo_id), source="test")
        if accept:
            execute_with_stock(session, order.order_id, AcceptFulfillmentOrder(id=fo_id), source="test")


def test_list_and_ship_by_hand(hub: Hub) -> None:
    order = routed_order(hub.database, lamps=3, shades=2)
    listed = [json.loads(line) for line in hub("fulfillment", "list", "--json").splitlines()]
    assert {(row["id"], row["location"], row["state"]) for row in listed} == {
        (order.nj, "wh-nj", "created"),
        (order.pa, "wh-pa", "created"),
    }
    text = hub("fulfillment", "list", "--location", "wh-pa")
    assert order.pa in text and order.nj not in text and "to ship: SHADE x2" in text

    shipped = hub("fulfillment", "ship", order.pa, "--carrier", "UPS", "--tracking", "1Z1", "--line", "SHADE=1")
    assert f"fulfillment order {order.pa} is partially_shipped" in shipped
    again = hub("fulfillment", "ship", order.pa, "--carrier", "UPS", "--tracking", "1Z1", "--line", "SHADE=1")
    assert "was recorded before" in again and "nothing changed" in again
    assert fo_state(hub.database, order.pa) == ("partially_shipped", {"2": 1})

    before = order_view(hub.database, order.order_id)
    code, err = hub.fails("fulfillment", "ship", order.pa, "--carrier", "UPS", "--tracking", "1Z2", "--line", "SHADE=5")
    assert code == 2 and "ships 5 units of SKU SHADE but fulfillment order" in err and "has only 1 left" in err
    code, err = hub.fails("fulfillment", "ship", order.pa, "--carrier", "UPS", "--tracking", "1Z2", "--line", "LAMP=1")
    assert code == 2 and "SKU LAMP, which fulfillment order" in err
    code, err = hub.fails("fulfillment", "ship", order.pa, "--carrier", "UPS", "--tracking", "1Z2", "--line", "SHADE=x")
    assert code == 2 and "--line 'SHADE=x' is not SKU=QTY" in err
    code, err = hub.fails("fulfillment", "ship", "ful_nope", "--carrier", "UPS", "--tracking", "1Z2")
    assert code == 2 and "no fulfillment order 'ful_nope'" in err
    assert order_view(hub.database, order.order_id) == before

    rest = hub("fulfillment", "ship", order.pa, "--carrier", "FedEx", "--tracking", "7712", "--service", "Home")
    assert f"fulfillment order {order.pa} is shipped" in rest
    view = order_view(hub.database, order.order_id)
    assert view["shipped"] == {"1": 0, "2": 2} and view["on_hand"]["SHADE"] == STOCK - 2
    assert view["shipments"] == [(f"{order.pa}:1Z1", ("1Z1",)), (f"{order.pa}:7712", ("7712",))]
    assert order.pa not in hub("fulfillment", "list")  # open ones only, by default
    assert order.pa in hub("fulfillment", "list", "--state", "shipped")
    code, err = hub.fails("fulfillment", "cancel", order.pa)
    assert code == 2 and f"fulfillment order {order.pa} is shipped: only an open one can be cancelled" in err


def test_cancel_here_or_at_the_partner(hub: Hub) -> None:
    order = routed_order(hub.database, number="2001")
    # not sent yet: cancelled in the hub at once, its units back on the order lines, nothing asked of the partner
    assert f"fulfillment order {order.nj} is cancelled" in hub("fulfillment", "cancel", order.nj, "--reason", "x")
    with hub.database.session() as session:
        deliveries = {(d.operation, d.subject_id): d.status for d in session.scalars(select(Delivery))}
    assert ("fulfillment_order.cancel", order.nj) not in deliveries

    # held by the operator (self): cancelled in the hub at once
    _send(hub, order, order.pa, accept=True)
    assert f"fulfillment order {order.pa} is cancelled" in hub("fulfillment", "cancel", order.pa)

    # held by a partner: a cancel delivery asks it; the fulfillment order waits for its answer
    other = routed_order(hub.database, number="2002")
    _send(hub, other, other.nj)
    asked = hub("fulfillment", "cancel", other.nj, "--reason", "customer changed their mind")
    assert f"asked edi:ACME to cancel {other.nj}" in asked
    assert fo_state(hub.database, other.nj)[0] == "sent"
    with hub.database.session() as session:
        cancel = session.scalars(select(Delivery).where(Delivery.operation == "fulfillment_order.cancel")).one()
        assert (cancel.subject_id, cancel.destination, cancel.status) == (other.nj, "edi:ACME", "pending")
        assert cancel.payload["reason"] == "customer changed their mind"
