"""Replaying an inbox message from the API or the console hands what it left to do to the workers as the call
commits (the order it created to routing, the channel confirmation of the shipment it recorded), instead of
leaving it for the sweeps."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from celery import Celery
from sqlalchemy import select, update

from hub.db.models import Delivery, InboxMessage, InboxStatus, OrderRecord
from hub.db.session import Database
from hub.runtime import Runtime
from hub.web.app import create_app
from hub.worker.app import create_celery
from hub.worker.queues import DELIVER_CHANNEL, ROUTE
from tests.api.conftest import Api
from tests.console.conftest import Console
from tests.processes import free_port
from tests.stacks import hub_on, take_task
from tests.web.test_connector_webhooks import Hub, hub, shipped_to_shipstation  # noqa: F401 (a fixture)

EXAMPLE = Path(__file__).resolve().parents[1] / "canonical" / "examples" / "order.v1.json"


class Replaying(NamedTuple):
    api: Api
    console: Console
    celery: Celery


@pytest.fixture
def replaying(migrated_stack: dict[str, str]) -> Iterator[Replaying]:
    """The API and console of a hub on each stack (embedded; PostgreSQL + RabbitMQ), and its broker."""
    runtime, celery = hub_on(migrated_stack)
    app = create_app(runtime.settings)
    client = app.test_client()
    yield Replaying(Api(client, runtime.database), Console(client, runtime.database), celery)
    runtime.close()


def failed_order_message(database: Database, channel_order_id: str) -> int:
    """A standard-channel order that failed (its mapping has since been fixed): replaying it creates the order."""
    order = json.loads(EXAMPLE.read_text())
    order.pop("id", None)
    order["channel_order_id"] = channel_order_id
    with database.session() as session:
        row = InboxMessage(
            source="webhook", channel="standard", account="s1", topic="order.created", headers={},
            body=json.dumps({"type": "order.created", "data": order}).encode(), status=InboxStatus.FAILED,
            error="MappingError: lines[0].sku: missing", attempts=1,
        )  # fmt: skip
        session.add(row)
        session.flush()
        return row.id


def order_of(database: Database, channel_order_id: str) -> str:
    with database.session() as session:
        return session.scalars(select(OrderRecord.id).where(OrderRecord.channel_order_id == channel_order_id)).one()


def test_an_order_replayed_through_the_api_is_put_up_for_routing_at_once(replaying: Replaying) -> None:
    api = replaying.api
    inbox_id = failed_order_message(api.database, "REPLAY-1")
    replayed = api.post(f"/inbox/{inbox_id}/replay", api.token("operate"))
    assert replayed.status_code == 200, replayed.get_data(as_text=True)
    assert replayed.get_json()["status"] == "processed"
    assert take_task(replaying.celery, ROUTE) == ("hub.route.order", [order_of(api.database, "REPLAY-1")])


def test_an_order_replayed_from_the_console_is_put_up_for_routing_at_once(replaying: Replaying) -> None:
    console = replaying.console
    console.as_role("operator")
    inbox_id = failed_order_message(console.database, "REPLAY-2")
    assert console.post("/console/inbox/replay", {"only": str(inbox_id)}).status_code == 302
    assert take_task(replaying.celery, ROUTE) == ("hub.route.order", [order_of(console.database, "REPLAY-2")])


def test_a_replayed_shipment_webhook_hands_the_channel_confirmation_to_the_workers(
    hub: Hub,  # noqa: F811 (the imported fixture: ShipStation's webhooks on this test's database)
    make_settings: Any,
    database_url: str,
    tmp_path: Path,
) -> None:
    order = shipped_to_shipstation(hub)
    answer = hub.fake.notify(hub.webhook(), hub.fake.ship(order.nj, tracking_number="1Z999AA10123456784"))
    inbox_id = int(answer.json()["id"])
    with hub.database.session() as session:  # its parse task gave up (ShipStation kept answering 503, say)
        failed = {"status": InboxStatus.FAILED, "error": "TransientError: HTTP 503", "attempts": 9}
        session.execute(update(InboxMessage).where(InboxMessage.id == inbox_id).values(**failed))

    settings = make_settings(database_url=database_url, broker_url=f"sqla+sqlite:///{tmp_path / 'api.sqlite3'}")
    runtime = Runtime(settings)
    try:
        api = Api(create_app(settings).test_client(), runtime.database)
        replayed = api.post(f"/inbox/{inbox_id}/replay", api.token("operate"))
        assert replayed.get_json()["status"] == "processed", replayed.get_data(as_text=True)
        with hub.database.session() as session:
            confirmations = list(session.scalars(select(Delivery.id).where(Delivery.operation == "channel.shipment")))
        assert len(confirmations) == 1
        sent = ("hub.deliver.channel.send", [confirmations])
        assert take_task(create_celery(settings, runtime), DELIVER_CHANNEL) == sent
    finally:
        runtime.close()


def test_with_no_broker_answering_a_replay_still_answers_and_leaves_the_order_to_the_sweep(
    make_settings: Any, database: Database, database_url: str
) -> None:
    settings = make_settings(database_url=database_url, broker_url=f"amqp://guest:guest@127.0.0.1:{free_port()}//")
    api = Api(create_app(settings).test_client(), database)
    inbox_id = failed_order_message(database, "REPLAY-3")
    replayed = api.post(f"/inbox/{inbox_id}/replay", api.token("operate"))
    assert replayed.status_code == 200, replayed.get_data(as_text=True)
    assert replayed.get_json()["status"] == "processed" and order_of(database, "REPLAY-3").startswith("ord_")
