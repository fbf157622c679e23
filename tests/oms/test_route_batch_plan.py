"""A routed batch plans the submit deliveries of the fulfillment orders it has just created from what it
holds in memory: the same deliveries and requests as reading them back, without the query."""

from __future__ import annotations

from sqlalchemy import select

from hub.canonical import Order
from hub.db.models import Delivery, FulfillmentOrderRecord, OrderRecord
from hub.db.session import Database
from hub.delivery.outbox import fulfillment_request, submit_key
from hub.inventory import get_location, save_location
from hub.oms.route_batch import route_orders
from tests.oms.test_route import _locations, _order
from tests.oms.test_route_batch import NOW
from tests.sql_statements import statements


def test_a_batch_plans_the_fulfillment_orders_it_made_without_reading_them_back(database: Database) -> None:
    _locations(database, wh_nj=3, wh_pa=10)
    with database.session() as session:  # only New Jersey has someone to send its fulfillment orders to
        save_location(session, get_location(session, "wh-nj").model_copy(update={"fulfilled_by": "self"}))
    orders = [_order(database, quantity=2, number=str(n)) for n in range(4)]
    orders.append(_order(database, quantity=1, number="9", test=True))  # held: nothing is sent for it
    with database.session() as session:
        before = {oid: Order.model_validate(session.get(OrderRecord, oid).document) for oid in orders}  # type: ignore[union-attr]
    with statements() as sent:
        result = route_orders(database, orders, now=NOW)
    assert result.failed == {}
    assert not [s for s in sent if s.lstrip().upper().startswith("SELECT") and "fulfillment_orders" in s]
    with database.session() as session:
        made = session.scalars(select(FulfillmentOrderRecord).where(FulfillmentOrderRecord.order_id.in_(orders)))
        sent = [fo for fo in made if fo.location_id == "wh-nj" and fo.order_id != orders[-1]]
        deliveries = {
            d.idempotency_key: d for d in session.scalars(select(Delivery).where(Delivery.order_id.in_(orders)))
        }
        assert sent and sorted(deliveries) == sorted(submit_key(fo.id) for fo in sent)
        for fo in sent:
            delivery = deliveries[submit_key(fo.id)]
            assert (delivery.destination, delivery.order_id, delivery.subject_id) == ("self", fo.order_id, fo.id)
            assert delivery.payload == fulfillment_request(fo, before[fo.order_id])
            assert delivery.id in result.routed[fo.order_id].deliveries
            assert result.queues[delivery.id] == delivery.queue
