"""A shipment recorded by hand through the API: its confirmation to the order's channel is handed to the
workers when the call commits, not left for the delivery sweep."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from hub.db.models import Delivery
from hub.worker.queues import DELIVER_CHANNEL
from tests.api.conftest import Api
from tests.delivery.shipment_setup import routed_order
from tests.stacks import next_task


def test_shipping_by_hand_publishes_the_channel_confirmation_at_once(
    api: Api, make_settings: Any, database_url: str
) -> None:
    token = api.token("operate", "desk-3")
    order = routed_order(api.database, number="5301")
    ship = {"fulfillment_order_id": order.pa, "carrier": "UPS", "tracking_numbers": ["1Z5"], "lines": {"SHADE": 2}}
    shipped = api.post(f"/orders/{order.order_id}/ship", token, ship)
    assert shipped.status_code == 200, shipped.get_data(as_text=True)
    with api.database.session() as session:
        confirmations = list(session.scalars(select(Delivery.id).where(Delivery.operation == "channel.shipment")))
    assert len(confirmations) == 1 and shipped.get_json()["deliveries"] == confirmations
    assert api.post(f"/orders/{order.order_id}/ship", token, ship).get_json()["deliveries"] == []  # told once

    settings = make_settings(database_url=database_url)  # the app's own broker
    assert next_task(settings, DELIVER_CHANNEL) == ("hub.deliver.channel.send", [confirmations])
