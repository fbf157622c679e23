"""``orderhub fulfillment ship``: the confirmation to the order's channel is published as the command
commits, not left for the delivery sweep."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from hub.db.models import Delivery
from hub.settings import load_settings
from hub.worker.queues import DELIVER_CHANNEL
from tests.cli.hub_runner import Hub
from tests.delivery.shipment_setup import routed_order
from tests.stacks import next_task


def test_shipping_by_hand_publishes_the_channel_confirmation_at_once(
    hub: Hub, database_url: str, tmp_path: Path
) -> None:
    order = routed_order(hub.database, number="2101")
    shipped = hub("fulfillment", "ship", order.pa, "--carrier", "UPS", "--tracking", "1Z7")
    assert f"fulfillment order {order.pa} is shipped" in shipped and "delivery sweep" not in shipped
    with hub.database.session() as session:
        confirmations = list(session.scalars(select(Delivery.id).where(Delivery.operation == "channel.shipment")))
    assert len(confirmations) == 1

    settings = load_settings(data_dir=tmp_path, database_url=database_url)  # the command's own broker
    assert next_task(settings, DELIVER_CHANNEL) == ("hub.deliver.channel.send", [confirmations])
