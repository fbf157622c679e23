"""A supplier's 856 that ships a drop-ship fulfillment order: processing the message names the confirmation to
the order's channel, which the parse task publishes once it commits, instead of the delivery sweep later."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from hub.channels.process import process_message
from hub.db.models import Delivery
from hub.db.session import Database
from hub.edi.transports.poll import poll_partner
from tests.delivery.test_purchase_orders import add_supplier, drop_shipped, fo_state, receive, sent_po
from tests.fakes.x12_supplier import FakeX12Supplier


@pytest.fixture
def sup1(database: Database, tmp_path: Path) -> FakeX12Supplier:
    return add_supplier(database, tmp_path, "sup1")


def test_an_856_that_ships_names_the_channel_confirmation_to_publish(database: Database, sup1: FakeX12Supplier) -> None:
    _order_id, fo_id = drop_shipped(database)
    po = sent_po(database, sup1)
    sup1.answer(po)
    receive(database, "sup1")
    sup1.ship([(po, [{"1": 2}])], trackings=["1ZSUP0000000000009"])
    (inbox_id,) = poll_partner(database, "sup1").stored
    outcome = process_message(database, inbox_id)
    assert outcome.status == "processed", outcome.detail
    assert fo_state(database, fo_id) == "shipped"
    with database.session() as session:
        confirmations = list(session.scalars(select(Delivery.id).where(Delivery.operation == "channel.shipment")))
    assert len(confirmations) == 1 and list(outcome.deliveries) == confirmations
    assert process_message(database, inbox_id, replay=True).deliveries == ()  # recorded before: told once
