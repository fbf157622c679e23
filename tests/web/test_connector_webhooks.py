"""``/webhooks/connectors/<connector>/<account>[/<token>]`` over real HTTP, then what the worker's parse task
does with the stored message: a fake ShipStation ships a fulfillment order the hub sent it and calls back."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
import requests
from gunicorn.config import Config as GunicornConfig
from sqlalchemy import select
from werkzeug.serving import make_server

from connectors.shipstation import ShipStation
from connectors.shipstation.config import Config
from hub.canonical import FulfillmentRequest, Order
from hub.channels.process import Outcome, process_message
from hub.db.models import FulfillmentOrderRecord, InboxMessage, Location, OrderRecord, ShipmentRecord
from hub.db.session import Database
from hub.delivery.accounts import save_account
from hub.delivery.notifications import record_report
from hub.delivery.outbox import fulfillment_request
from hub.sdk import FulfillmentRef, FulfillmentStatus, TransientError
from hub.sdk.testing import sample_fulfillment_request
from hub.web import connector_webhooks
from hub.web.access_log import RedactingLogger, redact_path
from hub.web.app import create_app
from tests.delivery.shipment_setup import Routed, fo_state, routed_order
from tests.fakes.shipstation import FakeShipStation

TOKEN = "whk-9d2e7a4c1b6f8035"
SOURCE = "shipstation:main"


@dataclass
class Hub:
    url: str
    database: Database
    fake: FakeShipStation

    def webhook(self, token: str | None = TOKEN, account: str = "main") -> str:
        return f"{self.url}/webhooks/connectors/shipstation/{account}" + (f"/{token}" if token else "")

    def process(self, inbox_id: int, **kwargs: Any) -> Outcome:
        """What the worker's hub.ingest.parse task does with the message."""
        return process_message(self.database, inbox_id, **kwargs)

    def message(self, inbox_id: int) -> InboxMessage:
        with self.database.session() as session:
            message = session.get(InboxMessage, inbox_id)
            assert message is not None
            return message

    def messages(self) -> list[InboxMessage]:
        with self.database.session() as session:
            return list(session.scalars(select(InboxMessage).order_by(InboxMessage.id)))

    def send(self, order: Routed) -> FulfillmentRequest:
        """What the delivery engine does for the wh-nj fulfillment order: submit it to ShipStation."""
        with self.database.session() as session:
            fo = session.get(FulfillmentOrderRecord, order.nj)
            record = session.get(OrderRecord, order.order_id)
            assert fo is not None and record is not None
            request = FulfillmentRequest.model_validate(fulfillment_request(fo, Order.model_validate(record.document)))
        config = Config.model_validate(self.fake.settings())
        ShipStation(config, requests.Session()).submit_fulfillment(request, f"fo:{order.nj}:submit")
        return request


@pytest.fixture
def hub(make_settings, database_url: str, tmp_path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Hub]:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TEST_SS_KEY", FakeShipStation.api_key)
    monkeypatch.setenv("TEST_SS_SECRET", FakeShipStation.api_secret)
    monkeypatch.setenv("TEST_SS_WEBHOOK", TOKEN)
    settings = make_settings(database_url=database_url, broker_url=f"sqla+sqlite:///{tmp_path / 'broker.sqlite3'}")
    server = make_server("127.0.0.1", 0, create_app(settings), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    database = Database(database_url)
    with FakeShipStation() as fake:
        with database.session() as session:
            secrets = {"api_key": "env:TEST_SS_KEY", "api_secret": "env:TEST_SS_SECRET"}
            secrets["webhook_secret"] = "env:TEST_SS_WEBHOOK"
            save_account(session, "shipstation", "main", {"base_url": fake.base_url}, secrets)
        yield Hub(f"http://127.0.0.1:{server.server_port}", database, fake)
    server.shutdown()
    database.dispose()
    connector_webhooks._connectors.clear()


def shipped_to_shipstation(hub: Hub) -> Routed:
    """An order routed over two locations; ShipStation fulfils wh-nj and has its fulfillment order."""
    order = routed_order(hub.database)
    with hub.database.session() as session:
        session.get(Location, "wh-nj").fulfilled_by = SOURCE  # type: ignore[union-attr]
    hub.send(order)
    return order


def test_a_ship_notify_ships_the_fulfillment_order(hub: Hub) -> None:
    order = shipped_to_shipstation(hub)
    shipment = hub.fake.ship(order.nj, tracking_number="1Z999AA10123456784")
    answer = hub.fake.notify(hub.webhook(), shipment)
    assert answer.status_code == 200 and answer.json()["status"] == "accepted"
    inbox_id = answer.json()["id"]
    stored = hub.message(inbox_id)
    assert (stored.channel, stored.account, stored.status) == ("connector:shipstation", "main", "received")
    assert TOKEN not in str(stored.headers) and TOKEN.encode() not in stored.body

    outcome = hub.process(inbox_id)
    assert outcome.status == "processed", outcome.detail
    assert fo_state(hub.database, order.nj) == ("shipped", {"1": 3})
    with hub.database.session() as session:
        row = session.scalars(select(ShipmentRecord).where(ShipmentRecord.source == SOURCE)).one()
        assert row.key == str(shipment["shipmentId"]) and row.tracking_numbers == ["1Z999AA10123456784"]
        assert row.carrier == "ups" and row.units == {"1": 3}

    again = hub.fake.notify(hub.webhook(), shipment)  # ShipStation retries the same notification
    assert again.json() == {"status": "duplicate", "id": inbox_id}
    assert hub.process(inbox_id, replay=True).status == "processed"  # read again: recorded once
    with hub.database.session() as session:
        assert len(session.scalars(select(ShipmentRecord)).all()) == 1


def test_a_wrong_token_is_refused_and_kept_for_replay(hub: Hub) -> None:
    order = shipped_to_shipstation(hub)
    shipment = hub.fake.ship(order.nj)
    for token, header in ((TOKEN + "x", {}), (None, {}), (None, {"X-Orderhub-Token": "not-it"})):
        refused = hub.fake.notify(hub.webhook(token), shipment, headers=header)
        assert refused.status_code == 401, refused.text
        assert "webhook token is" in refused.json()["error"]["message"]
    (kept,) = hub.messages()  # the same body refused three times is kept once
    assert kept.status == "failed" and "refused at the door" in (kept.error or "")
    assert "not-it" not in str(kept.headers)
    assert fo_state(hub.database, order.nj)[0] == "created"

    by_header = hub.fake.notify(hub.webhook(None), shipment, headers={"X-Orderhub-Token": TOKEN})
    assert by_header.status_code == 200 and by_header.json()["status"] == "accepted"
    assert hub.process(kept.id, replay=True).status == "processed"  # the operator vouches for it
    assert fo_state(hub.database, order.nj) == ("shipped", {"1": 3})
    assert hub.process(by_header.json()["id"]).status == "processed"  # the genuine copy: already recorded


def test_unknown_connector_account_or_one_without_webhooks_is_404(hub: Hub) -> None:
    for url in (
        f"{hub.url}/webhooks/connectors/nosuch/main/{TOKEN}",
        hub.webhook(account="other"),
        f"{hub.url}/webhooks/connectors/csv-3pl/main/{TOKEN}",
    ):
        answer = requests.post(url, json={"resource_url": "x", "resource_type": "SHIP_NOTIFY"}, timeout=10)
        assert answer.status_code == 404, url
        assert answer.json()["error"]["code"] in ("unknown_connector", "unknown_account", "no_webhooks")
    assert hub.messages() == []


def test_an_account_whose_secret_cannot_be_read_is_503(hub: Hub, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TEST_SS_WEBHOOK")
    answer = hub.fake.notify(hub.webhook(), resource_url=f"{hub.fake.base_url}/shipments?batchId=1")
    assert answer.status_code == 503 and answer.json()["error"]["code"] == "account_misconfigured"
    assert TOKEN not in answer.text and hub.messages() == []


def test_shipments_that_do_not_fit_fail_the_message_with_the_reason(hub: Hub) -> None:
    order = shipped_to_shipstation(hub)
    hub.fake.order_by_key(order.nj)["items"][0]["quantity"] = 5  # type: ignore[index]
    over = hub.process(hub.fake.notify(hub.webhook(), hub.fake.ship(order.nj)).json()["id"])
    assert over.status == "failed" and "ships 5 units" in over.detail and "only 3 left" in over.detail

    ShipStation(Config.model_validate(hub.fake.settings()), requests.Session()).submit_fulfillment(
        sample_fulfillment_request("ful_nobody"), "fo:ful_nobody:submit"
    )
    unknown = hub.process(hub.fake.notify(hub.webhook(), hub.fake.ship("ful_nobody")).json()["id"])
    assert unknown.status == "failed" and "ful_nobody" in unknown.detail
    assert fo_state(hub.database, order.nj) == ("created", {"1": 0})

    outside = "http://198.51.100.7/shipments?batchId=1"
    refused = hub.process(hub.fake.notify(hub.webhook(), resource_url=outside).json()["id"])
    assert refused.status == "failed" and "not under this account's base_url" in refused.detail


def test_a_read_back_that_fails_for_now_is_retried(hub: Hub) -> None:
    order = shipped_to_shipstation(hub)
    inbox_id = hub.fake.notify(hub.webhook(), hub.fake.ship(order.nj)).json()["id"]
    hub.fake.fail_next(503)
    with pytest.raises(TransientError):
        hub.process(inbox_id)
    waiting = hub.message(inbox_id)
    assert waiting.status == "received" and "will be retried" in (waiting.error or "")
    assert hub.process(inbox_id).status == "processed"
    assert fo_state(hub.database, order.nj)[0] == "shipped"


def test_other_notifications_are_ignored(hub: Hub) -> None:
    body_url = f"{hub.fake.base_url}/orders?importBatch=7"
    answer = hub.fake.notify(hub.webhook(), resource_url=body_url, resource_type="ORDER_NOTIFY")
    outcome = hub.process(answer.json()["id"])
    assert outcome.status == "ignored" and "ORDER_NOTIFY" in outcome.detail
    assert hub.fake.requests == []


def test_the_access_log_does_not_show_the_webhook_token() -> None:
    config = GunicornConfig()
    config.set("logger_class", RedactingLogger)
    logger = config.logger_class(config)
    path = f"/webhooks/connectors/shipstation/main/{TOKEN}"
    environ = {
        "REQUEST_METHOD": "POST",
        "RAW_URI": f"{path}?x=1",
        "PATH_INFO": path,
        "QUERY_STRING": "x=1",
        "SERVER_PROTOCOL": "HTTP/1.1",
    }
    response = SimpleNamespace(status="200 OK", sent=20, headers=[])
    atoms = logger.atoms(response, SimpleNamespace(headers=[]), environ, timedelta(milliseconds=3))
    assert atoms["r"] == "POST /webhooks/connectors/shipstation/main/***?x=1 HTTP/1.1"
    assert atoms["U"] == "/webhooks/connectors/shipstation/main/***"
    assert redact_path("POST /webhooks/shopify/main HTTP/1.1") == "POST /webhooks/shopify/main HTTP/1.1"


def test_a_poll_records_the_same_shipments_through_the_same_path(hub: Hub) -> None:
    order = shipped_to_shipstation(hub)
    hub.fake.ship(order.nj, items={"1": 1}, tracking_number="1ZPOLL0001")
    ss = ShipStation(Config.model_validate(hub.fake.settings()), requests.Session())
    statuses = ss.fetch_status([FulfillmentRef(order.nj, None, "#1001")])
    for expected in ((1, 0), (0, 1)):  # the second poll finds it recorded
        with hub.database.session() as session:
            recorded = record_report(session, SOURCE, (), statuses, actor=SOURCE)
        assert (len(recorded.shipments), recorded.repeated) == expected and not recorded.problems
    assert fo_state(hub.database, order.nj) == ("partially_shipped", {"1": 1})


def test_a_partner_refusal_rejects_the_fulfillment_order_and_routes_again(hub: Hub) -> None:
    order = shipped_to_shipstation(hub)
    refused = FulfillmentStatus(ref=FulfillmentRef(order.nj), rejected="SKU LAMP is not stocked here")
    with hub.database.session() as session:
        recorded = record_report(session, SOURCE, (), [refused], actor=SOURCE)
    assert recorded.after.routes == {order.order_id} and not recorded.problems
    assert fo_state(hub.database, order.nj)[0] == "rejected"
    with hub.database.session() as session:
        again = record_report(session, SOURCE, (), [refused], actor=SOURCE)  # reported twice: nothing more
    assert again.after.routes == set() and not again.problems
