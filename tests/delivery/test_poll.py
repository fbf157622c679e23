"""Polling a partner: messages it leaves are stored in the inbox before they are acknowledged, and shipments
a status poll reports ship the fulfillment order (once, however often it is polled)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hub.db.models import Delivery, FulfillmentOrderRecord, InboxMessage, ShipmentRecord
from hub.db.session import Database
from hub.delivery.poll import poll_destination, pollable_destinations
from tests.delivery.conftest import add_account, add_location, route, run, store_order
from tests.delivery.fake3pl import Fake3plServer

pytestmark = pytest.mark.usefixtures("fake3pl_installed")


def test_messages_are_stored_in_the_inbox_then_acknowledged(database: Database, fake: Fake3plServer) -> None:
    destination = add_account(database, fake.origin, connector="fakepoll")
    fake.messages = [{"key": "conf-1.csv", "body": "a,b\n"}, {"key": "conf-2.csv", "body": "c,d\n"}]
    with database.session() as session:
        assert pollable_destinations(session) == [destination]
    report = poll_destination(database, destination)
    assert report.error is None and len(report.stored) == 2
    assert fake.messages == []  # acknowledged once stored
    with database.session() as session:
        stored = session.execute(select(InboxMessage.channel, InboxMessage.account, InboxMessage.dedupe_key)).all()
    assert sorted(stored) == [
        ("connector:fakepoll", "main", "conf-1.csv"),
        ("connector:fakepoll", "main", "conf-2.csv"),
    ]
    fake.messages = [{"key": "conf-1.csv", "body": "a,b\n"}]  # fetched again (an acknowledgment was lost)
    assert poll_destination(database, destination).stored == []  # recognised, not stored twice
    assert fake.messages == []


def test_shipments_a_status_poll_reports_ship_the_fulfillment_order_once(
    database: Database, fake: Fake3plServer
) -> None:
    destination = add_account(database, fake.origin, connector="fakepoll")
    add_location(database, "wh-east", destination, LAMP=5)
    order_id = store_order(database)
    (fo_id,) = route(database, order_id).fulfillment_orders
    run(database)
    shipment = {
        "order_id": order_id,
        "carrier": {"name": "UPS"},
        "tracking_numbers": ["1Z999"],
        "items": [{"sku": "LAMP", "quantity": 2}],
    }
    fake.statuses["3PL-1001"] = {"shipments": [{"key": "shp-77", "shipment": shipment}]}
    for _ in range(2):
        report = poll_destination(database, destination)
        assert report.error is None
    with database.session() as session:
        fo = session.get(FulfillmentOrderRecord, fo_id)
        assert fo is not None and fo.state == "shipped"
        rows = session.scalars(select(ShipmentRecord)).all()
        assert [(row.source, row.key, row.tracking_numbers) for row in rows] == [(destination, "shp-77", ["1Z999"])]
    assert fake.requests[-1]["path"] != "/status"  # a shipped fulfillment order is not asked after


def test_a_shipment_a_poll_records_hands_its_channel_confirmation_over_for_publishing_at_once(
    database: Database, fake: Fake3plServer
) -> None:
    """The poll task publishes what the report names once the poll's transaction committed, so the channel
    hears of the shipment then, not at the next delivery sweep."""
    destination = add_account(database, fake.origin, connector="fakepoll")
    add_location(database, "wh-east", destination, LAMP=5)
    order_id = store_order(database)
    route(database, order_id)
    run(database)
    shipment = {"order_id": order_id, "tracking_numbers": ["1Z1"], "items": [{"sku": "LAMP", "quantity": 2}]}
    fake.statuses["3PL-1001"] = {"shipments": [{"key": "shp-78", "shipment": shipment}]}
    first, again = poll_destination(database, destination), poll_destination(database, destination)
    with database.session() as session:
        confirmations = session.scalars(select(Delivery.id).where(Delivery.operation == "channel.shipment")).all()
    assert len(confirmations) == 1
    assert first.after.deliveries == confirmations
    assert again.after.deliveries == []  # recorded before: nothing new to publish
