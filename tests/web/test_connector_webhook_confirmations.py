"""A 3PL's webhook that reports a shipment: the confirmation to the channel the order came from is published
once the parse task commits, not left for the delivery sweep."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from hub.db.models import Delivery
from hub.runtime import Runtime
from hub.worker.app import create_celery
from hub.worker.queues import DELIVER_CHANNEL
from tests.stacks import take_task
from tests.web.test_connector_webhooks import Hub, hub, shipped_to_shipstation  # noqa: F401 (a fixture)


@pytest.fixture
def shop(hub: Hub) -> Hub:  # noqa: F811 (the imported fixture)
    """The hub of ``test_connector_webhooks``: web server, fake ShipStation, its account."""
    return hub


def _confirmations(shop: Hub) -> list[int]:
    with shop.database.session() as session:
        return list(session.scalars(select(Delivery.id).where(Delivery.operation == "channel.shipment")))


def _shipped_by_webhook(shop: Hub) -> int:
    order = shipped_to_shipstation(shop)
    answer = shop.fake.notify(shop.webhook(), shop.fake.ship(order.nj, tracking_number="1Z999AA10123456784"))
    assert answer.status_code == 200, answer.text
    return int(answer.json()["id"])


def test_processing_a_webhook_shipment_names_the_channel_confirmation_to_publish(shop: Hub) -> None:
    inbox_id = _shipped_by_webhook(shop)
    first = shop.process(inbox_id)
    assert first.status == "processed", first.detail
    assert list(first.deliveries) == _confirmations(shop) and len(first.deliveries) == 1
    assert shop.process(inbox_id, replay=True).deliveries == ()  # recorded before: nothing new to send


def test_the_parse_task_publishes_the_channel_confirmation_once_committed(
    shop: Hub, make_settings: Any, database_url: str, tmp_path: Path
) -> None:
    inbox_id = _shipped_by_webhook(shop)
    settings = make_settings(database_url=database_url, broker_url=f"sqla+sqlite:///{tmp_path / 'worker.sqlite3'}")
    runtime = Runtime(settings)
    celery = create_celery(settings, runtime)
    try:
        assert celery.tasks["hub.ingest.parse"](inbox_id) == "processed"
        assert take_task(celery, DELIVER_CHANNEL) == ("hub.deliver.channel.send", [_confirmations(shop)])
    finally:
        runtime.close()
