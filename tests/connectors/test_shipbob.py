"""The ShipBob connector against the fake ShipBob: the SDK contract, then what the hub relies on (one order per
reference_id however often it is sent, cancellation, status polls, signed webhooks)."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from flask import Flask, request
from pydantic import SecretStr
from sqlalchemy import select
from werkzeug.serving import make_server

from connectors.shipbob import ShipBob
from connectors.shipbob.config import Config
from hub.canonical import FulfillmentRequest, Order
from hub.canonical.fulfillment import FulfillmentRequestLine
from hub.channels.process import process_message
from hub.db.models import FulfillmentOrderRecord, InboxMessage, Location, OrderRecord, ShipmentRecord
from hub.db.session import Database
from hub.delivery.accounts import save_account
from hub.delivery.outbox import fulfillment_request as outbox_request
from hub.sdk import (
    ConfigurationError,
    FulfillmentRef,
    InboundNotification,
    NotificationRefused,
    PermanentError,
    TransientError,
)
from hub.sdk.testing import ConnectorContract, ContractPartner, InjectedFailure
from hub.web import connector_webhooks
from hub.web.app import create_app
from tests.connectors.conftest import fulfillment_request
from tests.delivery.shipment_setup import fo_state, routed_order
from tests.fakes.shipbob import FakeShipBob

OTHER_SECRET = "whsec_" + base64.b64encode(b"another-subscription-signing-key").decode()


@pytest.fixture
def shipbob() -> Iterator[FakeShipBob]:
    with FakeShipBob() as fake:
        yield fake


class ShipBobPartner:
    """The fake ShipBob as the contract suite drives it."""

    def __init__(self, fake: FakeShipBob) -> None:
        self.fake = fake

    def settings(self) -> dict[str, Any]:
        return self.fake.settings(timeout=0.5, webhook_secret=self.fake.webhook_secret)

    def fail_next(self, failure: InjectedFailure) -> None:
        if failure.timeout:
            self.fake.hang_next(seconds=1.5)
        elif failure.reset:
            self.fake.reset_next()
        else:
            assert failure.status is not None
            self.fake.fail_next(failure.status, retry_after=failure.retry_after)

    def orders_received(self, request: FulfillmentRequest) -> int:
        return self.fake.orders_with_reference(request.id)


class TestShipBobContract(ConnectorContract):
    connector_class = ShipBob
    secret_settings = ("access_token",)
    invalid_settings = (
        ("base_url", "ftp://api.shipbob.example"),
        ("base_url", "https://user:pw@api.shipbob.com"),
        ("api_version", "1.0"),
        ("api_version", "2024-01"),
        ("api_version", "2026-13"),
        ("channel_id", "main"),
        ("channel_id", 0),
        ("shipping_method", ""),
        ("timeout", 0),
    )

    @pytest.fixture
    def partner(self, shipbob: FakeShipBob) -> ContractPartner:
        return ShipBobPartner(shipbob)


def connector(fake: FakeShipBob, **settings: Any) -> ShipBob:
    config = Config.model_validate(fake.settings(**{"webhook_secret": fake.webhook_secret, **settings}))
    return ShipBob(config, requests.Session())


def with_lines(request: FulfillmentRequest, lines: list[FulfillmentRequestLine]) -> FulfillmentRequest:
    return FulfillmentRequest.model_validate({**request.model_dump(), "lines": [line.model_dump() for line in lines]})


# -- settings ------------------------------------------------------------------------------------------------


def test_the_webhook_secret_is_secret_and_checked_where_its_value_is_known(shipbob: FakeShipBob) -> None:
    config = Config.model_validate(shipbob.settings(webhook_secret=shipbob.webhook_secret))
    assert isinstance(config.webhook_secret, SecretStr)
    assert shipbob.webhook_secret not in repr(config) and shipbob.webhook_secret not in config.model_dump_json()
    unpadded = shipbob.webhook_secret.rstrip("=")
    connector(shipbob, webhook_secret=unpadded).check()
    body = b'{"id": 1, "order_id": 2}'
    for wrong, reason in (
        ("a-plain-password-of-some-length", "starts with whsec_"),
        ("whsec_dG9vc2hvcnQ=", "fewer than 16 bytes"),
        ("whsec_not base64!", "followed by base64"),
    ):
        with pytest.raises(ConfigurationError, match="webhook_secret is not|webhook_secret holds") as refused:
            connector(shipbob, webhook_secret=wrong).check()
        assert reason in str(refused.value) and wrong not in str(refused.value)
        with pytest.raises(NotificationRefused, match=reason) as refused_hook:
            connector(shipbob, webhook_secret=wrong).authenticate(notification(body, shipbob.signed_headers(body)))
        assert wrong not in str(refused_hook.value)


def test_check_names_a_channel_the_token_does_not_have(shipbob: FakeShipBob) -> None:
    connector(shipbob).check()
    with pytest.raises(ConfigurationError, match="channel_id 99 is not one of this token's ShipBob channels") as wrong:
        connector(shipbob, channel_id="99").check()
    assert f"{shipbob.channel_id} (orderhub)" in str(wrong.value)  # the channels it does have are named
    shipbob.channel_scopes = ("orders_read",)
    with pytest.raises(ConfigurationError, match="no orders_write scope"):
        connector(shipbob).check()
    with pytest.raises(ConfigurationError):
        connector(shipbob, access_token="not-the-token").check()


# -- submit ----------------------------------------------------------------------------------------------------


def test_submit_creates_the_order_under_the_fulfillment_order_id(shipbob: FakeShipBob) -> None:
    submitted = connector(shipbob).submit_fulfillment(fulfillment_request("ful_A1"), "fo:ful_A1:submit")
    order = shipbob.order_by_reference("ful_A1")
    assert order is not None and submitted.external_id == str(order["id"])
    assert (order["order_number"], order["type"], order["shipping_method"]) == ("#1001", "DTC", "standard")
    recipient = order["recipient"]
    assert (recipient["name"], recipient["email"], recipient["phone_number"]) == (
        "Jon Snow",
        "jon.snow@example.com",
        "+1 217 555 0100",
    )
    assert recipient["address"] == {
        "address1": "123 Main St",
        "address2": "Apt 4",
        "company_name": None,
        "city": "Springfield",
        "state": "IL",
        "zip_code": "62701",
        "country": "US",
    }
    products = [(p["reference_id"], p["name"], p["quantity"]) for p in order["products"]]
    assert products == [("TEE-BLK-M", "Organic Tee - Black / M", 2), ("MUG-WHT", "Mug - White", 1)]
    (post,) = shipbob.calls("POST", "/order")
    assert (post.version, post.token, post.channel) == ("2026-01", shipbob.access_token, str(shipbob.channel_id))


def test_a_resend_finds_the_first_order_instead_of_making_a_second(shipbob: FakeShipBob) -> None:
    sb = connector(shipbob)
    request = fulfillment_request("ful_A2")
    first = sb.submit_fulfillment(request, "fo:ful_A2:submit")
    again = connector(shipbob).submit_fulfillment(request, "fo:ful_A2:submit")
    third = sb.submit_fulfillment(request, "fo:ful_A2:submit")
    assert first.external_id == again.external_id == third.external_id is not None
    assert shipbob.orders_with_reference("ful_A2") == 1
    assert len(shipbob.calls("POST", "/order")) == 3  # ShipBob answered the resends with 422 ...
    lookups = shipbob.calls("GET", "/order")
    assert [seen.args for seen in lookups] == [{"ReferenceIds": "ful_A2"}] * 2  # ... and the order was found
    assert "already created" in again.note


def test_a_resend_after_a_lost_answer_is_one_order(shipbob: FakeShipBob) -> None:
    sb = connector(shipbob, timeout=0.5)
    request = fulfillment_request("ful_A3")
    shipbob.hang_next(seconds=1.5)  # ShipBob creates the order, but the answer comes too late
    with pytest.raises(TransientError):
        sb.submit_fulfillment(request, "fo:ful_A3:submit")
    time.sleep(1.2)
    retried = sb.submit_fulfillment(request, "fo:ful_A3:submit")
    order = shipbob.order_by_reference("ful_A3")
    assert order is not None and retried.external_id == str(order["id"])
    assert shipbob.orders_with_reference("ful_A3") == 1


def test_a_422_for_another_reason_is_refused(shipbob: FakeShipBob) -> None:
    shipbob.fail_next(422)
    with pytest.raises(PermanentError, match="Injected failure 422") as refused:
        connector(shipbob).submit_fulfillment(fulfillment_request("ful_A4"), "k")
    assert refused.value.status_code == 422
    assert len(shipbob.calls("GET", "/order")) == 1  # it looked for an order with the reference_id first
    assert shipbob.order_by_reference("ful_A4") is None


def test_lines_of_one_sku_go_as_one_product_and_the_method_falls_back(shipbob: FakeShipBob) -> None:
    sample = fulfillment_request("ful_A5", shipping_method=None)
    lines = [
        FulfillmentRequestLine(line_id="1", sku="TEE-BLK-M", quantity=2),
        FulfillmentRequestLine(line_id="2", sku="TEE-BLK-M", quantity=1),
    ]
    connector(shipbob, shipping_method="Ground").submit_fulfillment(with_lines(sample, lines), "k")
    order = shipbob.order_by_reference("ful_A5")
    assert order is not None and order["shipping_method"] == "Ground"
    assert [(p["reference_id"], p["quantity"]) for p in order["products"]] == [("TEE-BLK-M", 3)]


def test_orders_that_cannot_be_shipped_are_refused_before_sending(shipbob: FakeShipBob) -> None:
    sb = connector(shipbob)
    with pytest.raises(PermanentError, match="no ship-to address"):
        sb.submit_fulfillment(fulfillment_request("ful_B1", ship_to=None), "k")
    sample = fulfillment_request("ful_B2")
    no_sku = sample.order.model_copy(
        update={"lines": [sample.order.lines[0].model_copy(update={"sku": None}), sample.order.lines[1]]}
    )
    request = FulfillmentRequest.model_validate(
        {**sample.model_dump(), "order": no_sku.model_dump(), "lines": [{"line_id": "1", "quantity": 2}]}
    )
    with pytest.raises(PermanentError, match="line 1 has no SKU"):
        sb.submit_fulfillment(request, "k")
    assert shipbob.requests == []


def test_test_orders_go_to_the_sandbox_only(shipbob: FakeShipBob) -> None:
    test_order = FulfillmentRequest.model_validate({**fulfillment_request("ful_T1").model_dump(), "test": True})
    production = ShipBob(
        Config.model_validate(shipbob.settings(base_url="https://api.shipbob.com")), requests.Session()
    )
    with pytest.raises(PermanentError, match="test order"):
        production.submit_fulfillment(test_order, "k")
    connector(shipbob).submit_fulfillment(test_order, "k")  # the fake stands where the sandbox would
    order = shipbob.order_by_reference("ful_T1")
    assert order is not None and order["tags"] == [{"name": "orderhub", "value": "test order"}]


def test_the_channel_header_is_required_and_must_be_the_tokens(shipbob: FakeShipBob) -> None:
    bare = requests.post(
        f"{shipbob.origin}/2026-01/order",
        json={},
        headers={"Authorization": f"Bearer {shipbob.access_token}"},
        timeout=10,
    )
    assert bare.status_code == 400 and "shipbob_channel_id" in bare.json()
    with pytest.raises(ConfigurationError) as refused:
        connector(shipbob, channel_id="31415").submit_fulfillment(fulfillment_request("ful_B3"), "k")
    assert refused.value.status_code == 403 and "31415" in str(refused.value)
    assert shipbob.order_by_reference("ful_B3") is None


def test_the_rate_limit_answer_says_how_long_to_wait(shipbob: FakeShipBob) -> None:
    shipbob.rate_limit = 2
    sb = connector(shipbob)
    sb.check()
    sb.check()
    with pytest.raises(TransientError, match="Rate limit is exceeded") as limited:
        sb.check()
    assert limited.value.status_code == 429
    assert limited.value.retry_after is not None and 55 <= limited.value.retry_after <= 60  # x-retry-after


# -- cancel ----------------------------------------------------------------------------------------------------


def test_cancel_cancels_the_order_once(shipbob: FakeShipBob) -> None:
    sb = connector(shipbob)
    request = fulfillment_request("ful_C1")
    external_id = sb.submit_fulfillment(request, "k").external_id
    sb.cancel_fulfillment(request, FulfillmentRef("ful_C1", external_id, request.reference), "fo:ful_C1:cancel")
    order = shipbob.order_by_reference("ful_C1")
    assert order is not None and order["status"] == "Cancelled"
    assert [shipment["status"] for shipment in order["shipments"]] == ["Cancelled"]
    (cancel,) = shipbob.calls("POST", f"/order/{external_id}:cancel")
    assert cancel.channel == str(shipbob.channel_id)
    sb.cancel_fulfillment(request, FulfillmentRef("ful_C1", None, request.reference), "fo:ful_C1:cancel")
    assert len(shipbob.calls("POST", f"/order/{external_id}:cancel")) == 1  # already cancelled: not asked again


def test_cancelling_what_shipbob_never_got_asks_nothing(shipbob: FakeShipBob) -> None:
    request = fulfillment_request("ful_C2")
    connector(shipbob).cancel_fulfillment(request, FulfillmentRef("ful_C2", None, request.reference), "c")
    assert [seen.method for seen in shipbob.requests] == ["GET"]


def test_a_shipped_order_cannot_be_cancelled(shipbob: FakeShipBob) -> None:
    sb = connector(shipbob)
    request = fulfillment_request("ful_C3")
    external_id = sb.submit_fulfillment(request, "k").external_id
    shipment = shipbob.ship("ful_C3", tracking_number="9400111899223")
    with pytest.raises(PermanentError, match=f"already shipped \\(shipment {shipment['id']}, tracking 9400111899223"):
        sb.cancel_fulfillment(request, FulfillmentRef("ful_C3", external_id, request.reference), "c")
    assert shipbob.calls("POST", f"/order/{external_id}:cancel") == []
    assert shipbob.order_by_reference("ful_C3")["status"] == "Fulfilled"  # type: ignore[index]


def test_shipbob_refusing_a_cancellation_is_permanent(shipbob: FakeShipBob) -> None:
    sb = connector(shipbob)
    request = fulfillment_request("ful_C4")
    external_id = sb.submit_fulfillment(request, "k").external_id
    shipbob.fail_next(422, after=1)  # the shipments read answers, the cancel is refused
    with pytest.raises(PermanentError, match="Injected failure 422"):
        sb.cancel_fulfillment(request, FulfillmentRef("ful_C4", external_id, request.reference), "c")


# -- shipments back: poll ----------------------------------------------------------------------------------------


def test_fetch_status_reports_shipments_and_cancellations(shipbob: FakeShipBob) -> None:
    sb = connector(shipbob)
    ids = {fo: sb.submit_fulfillment(fulfillment_request(fo), "k").external_id for fo in ("S1", "S2", "S3", "S4")}
    split = shipbob.ship("S1", items={"TEE-BLK-M": 1}, carrier="UPS", carrier_service="Ground", tracking_number="1Z1")
    shipbob.hold("S2", reason="Out of stock")
    shipbob.cancel_at_shipbob("S3")
    whole = shipbob.ship("S4", tracking_number="9400S4")
    refs = [FulfillmentRef(fo, ids[fo], "#1001") for fo in ("S1", "S2", "S3")] + [FulfillmentRef("S4", None, None)]
    statuses = {status.ref.fulfillment_order_id: status for status in sb.fetch_status(refs)}
    assert sorted(statuses) == ["S1", "S3", "S4"]  # the order in exception has nothing to report yet
    (notice,) = statuses["S1"].shipments
    assert (notice.key, notice.fulfillment_order_id, notice.external_id) == (str(split["id"]), "S1", ids["S1"])
    assert notice.tracking_url == split["tracking"]["tracking_url"]
    shipment = notice.shipment
    assert shipment.tracking_numbers == ["1Z1"] and shipment.shipped_at is not None
    assert shipment.carrier is not None and (shipment.carrier.name, shipment.carrier.service) == ("UPS", "Ground")
    assert [(item.line_id, item.sku, item.quantity) for item in shipment.items] == [(None, "TEE-BLK-M", 1)]
    assert statuses["S3"].cancelled and statuses["S3"].shipments == ()
    assert not statuses["S1"].cancelled and not statuses["S4"].cancelled
    assert [(i.sku, i.quantity) for i in statuses["S4"].shipments[0].shipment.items] == [
        ("TEE-BLK-M", 2),
        ("MUG-WHT", 1),
    ]
    assert statuses["S4"].shipments[0].key == str(whole["id"])
    listings = [seen.args for seen in shipbob.calls("GET", "/order")]
    assert listings == [
        {"IDs": f"{ids['S1']},{ids['S2']},{ids['S3']}", "Limit": "250"},
        {"ReferenceIds": "S4", "Limit": "250"},
    ]


# -- shipments back: webhooks ----------------------------------------------------------------------------------


def notification(body: bytes, headers: dict[str, str]) -> InboundNotification:
    lowered = {name.lower(): value for name, value in headers.items()}
    return InboundNotification("POST", "/webhooks/connectors/shipbob/main", "", lowered, body)


def shipped(fake: FakeShipBob, fo_id: str, **ship: Any) -> dict[str, Any]:
    connector(fake).submit_fulfillment(fulfillment_request(fo_id), f"fo:{fo_id}:submit")
    return fake.ship(fo_id, **ship)


def test_a_signed_webhook_is_accepted(shipbob: FakeShipBob) -> None:
    body = shipbob.webhook_body(shipped(shipbob, "ful_W1"))
    connector(shipbob).authenticate(notification(body, shipbob.signed_headers(body)))
    stamp = time.time()
    rotated = shipbob.signed_headers(body, timestamp=stamp)  # during a secret rotation two signatures come
    old = shipbob.signed_headers(body, secret=OTHER_SECRET, message_id=rotated["webhook-id"], timestamp=stamp)
    rotated["webhook-signature"] = f"{old['webhook-signature']} {rotated['webhook-signature']}"
    connector(shipbob).authenticate(notification(body, rotated))


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"secret": OTHER_SECRET}, "no webhook-signature matches"),
        ({"age": 400}, "s old \\(more than 5 minutes\\)"),
        ({"age": -400}, "far in the future"),
    ],
    ids=["wrong-secret", "stale", "future"],
)
def test_a_webhook_not_signed_now_with_the_accounts_secret_is_refused(
    shipbob: FakeShipBob, change: dict[str, Any], reason: str
) -> None:
    body = shipbob.webhook_body(shipped(shipbob, "ful_W2"))
    if "age" in change:  # the signing time is taken now, not when the parameters were collected
        change = {"timestamp": time.time() - change["age"]}
    with pytest.raises(NotificationRefused, match=reason):
        connector(shipbob).authenticate(notification(body, shipbob.signed_headers(body, **change)))


def test_a_changed_body_or_missing_headers_are_refused(shipbob: FakeShipBob) -> None:
    body = shipbob.webhook_body(shipped(shipbob, "ful_W3"))
    headers = shipbob.signed_headers(body)
    sb = connector(shipbob)
    with pytest.raises(NotificationRefused, match="no webhook-signature matches"):
        sb.authenticate(notification(body.replace(b'"Completed"', b'"Cancelled"'), headers))
    without = {name: value for name, value in headers.items() if name != "webhook-timestamp"}
    with pytest.raises(NotificationRefused, match="no webhook-timestamp header"):
        sb.authenticate(notification(body, without))
    with pytest.raises(NotificationRefused, match="not a Unix time"):
        sb.authenticate(notification(body, {**headers, "webhook-timestamp": "yesterday"}))
    unsigned = ShipBob(Config.model_validate(shipbob.settings()), requests.Session())
    with pytest.raises(NotificationRefused, match="no webhook_secret"):
        unsigned.authenticate(notification(body, headers))


def test_the_fakes_webhook_arrives_signed_over_http(shipbob: FakeShipBob) -> None:
    received: list[InboundNotification] = []
    app = Flask("receiver")

    @app.post("/hook")
    def _hook() -> str:
        received.append(notification(request.get_data(), dict(request.headers)))
        return "ok"

    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        shipment = shipped(shipbob, "ful_W4")
        assert shipbob.notify(f"http://127.0.0.1:{server.server_port}/hook", shipment).status_code == 200
    finally:
        server.shutdown()
        thread.join(timeout=5)
    (delivered,) = received
    sb = connector(shipbob)
    sb.authenticate(delivered)
    (notice,) = sb.read_notification(delivered).shipments
    assert notice.key == str(shipment["id"]) and notice.fulfillment_order_id == "ful_W4"


def test_order_shipped_reports_the_shipment(shipbob: FakeShipBob) -> None:
    shipment = shipped(shipbob, "ful_R1", tracking_number="9400R1")
    body = shipbob.webhook_body(shipment)
    headers = shipbob.signed_headers(body, message_id="msg_R1")
    result = connector(shipbob).read_notification(notification(body, headers))
    assert result.key == "shipbob:msg_R1" and not result.ignored
    (notice,) = result.shipments
    assert (notice.fulfillment_order_id, notice.external_id) == ("ful_R1", str(shipment["order_id"]))
    assert notice.shipment.tracking_numbers == ["9400R1"]
    assert sorted((i.sku, i.quantity) for i in notice.shipment.items) == [("MUG-WHT", 1), ("TEE-BLK-M", 2)]
    delivered = connector(shipbob).read_notification(
        notification(body, shipbob.signed_headers(body, topic="order.shipment.delivered"))
    )
    assert [n.key for n in delivered.shipments] == [notice.key]  # the same shipment: recorded once


def test_the_tracking_number_is_read_under_either_name(shipbob: FakeShipBob) -> None:
    shipbob.tracking_key = "tracking_id"
    shipment = shipped(shipbob, "ful_R6", tracking_number="9400R6")
    assert "tracking_number" not in shipment["tracking"]
    body = shipbob.webhook_body(shipment)
    (notice,) = connector(shipbob).read_notification(notification(body, shipbob.signed_headers(body))).shipments
    assert notice.shipment.tracking_numbers == ["9400R6"]


def test_an_order_body_reports_only_its_shipped_shipments(shipbob: FakeShipBob) -> None:
    shipment = shipped(shipbob, "ful_R2", items={"MUG-WHT": 1})
    body = shipbob.webhook_body(shipment, as_order=True)
    legacy = {"shipbob-topic": "order_shipped"}  # the topic named the 1.0 way, the body an order
    result = connector(shipbob).read_notification(notification(body, legacy))
    (notice,) = result.shipments
    assert notice.key == str(shipment["id"]) and notice.fulfillment_order_id == "ful_R2"
    assert [(i.sku, i.quantity) for i in notice.shipment.items] == [("MUG-WHT", 1)]


def test_exceptions_are_noted_and_unknown_topics_ignored(shipbob: FakeShipBob) -> None:
    connector(shipbob).submit_fulfillment(fulfillment_request("ful_R3"), "k")
    held = shipbob.hold("ful_R3", reason="Out of stock")
    body = shipbob.webhook_body(held)
    sb = connector(shipbob)
    result = sb.read_notification(notification(body, shipbob.signed_headers(body, topic="order.shipment.exception")))
    assert result.ignored and result.shipments == () and result.statuses == ()
    assert f"shipment {held['id']} is in exception: Out of stock" in result.note
    other = sb.read_notification(notification(body, shipbob.signed_headers(body, topic="return.completed")))
    assert other.ignored and "return.completed" in other.note


def test_a_cancelled_order_is_reported_cancelled(shipbob: FakeShipBob) -> None:
    connector(shipbob).submit_fulfillment(fulfillment_request("ful_R4"), "k")
    (cancelled,) = shipbob.cancel_at_shipbob("ful_R4")
    body = shipbob.webhook_body(cancelled)
    headers = shipbob.signed_headers(body, topic="order.shipment.cancelled")
    result = connector(shipbob).read_notification(notification(body, headers))
    (status,) = result.statuses
    assert status.cancelled and status.ref.fulfillment_order_id == "ful_R4"
    assert status.ref.external_id == str(cancelled["order_id"])


def test_one_cancelled_shipment_of_a_split_order_cancels_nothing(shipbob: FakeShipBob) -> None:
    shipped(shipbob, "ful_R5", items={"MUG-WHT": 1})
    (rest,) = shipbob.cancel_at_shipbob("ful_R5")  # the tees will not ship; the mug did
    body = shipbob.webhook_body(rest)
    headers = shipbob.signed_headers(body, topic="order.shipment.cancelled")
    result = connector(shipbob).read_notification(notification(body, headers))
    assert result.ignored and result.statuses == ()
    assert f"cancelled shipment {rest['id']}" in result.note and "(Completed)" in result.note


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[1, 2]", json.dumps({"id": 5, "status": "Completed"}).encode()],
    ids=["not-json", "not-an-object", "neither-shipment-nor-order"],
)
def test_bodies_that_are_no_shipbob_model_are_refused(shipbob: FakeShipBob, body: bytes) -> None:
    with pytest.raises(PermanentError, match="ShipBob webhook body"):
        connector(shipbob).read_notification(notification(body, shipbob.signed_headers(body)))


# -- through the hub: the webhook endpoint, the inbox, the shipment recorder ------------------------------------


@dataclass
class Hub:
    url: str
    database: Database
    fake: FakeShipBob

    @property
    def webhook(self) -> str:
        return f"{self.url}/webhooks/connectors/shipbob/main"

    def send(self, fo_id: str, order_id: str) -> None:
        """What the delivery engine does for the fulfillment order: submit it to ShipBob."""
        with self.database.session() as session:
            fo, record = session.get(FulfillmentOrderRecord, fo_id), session.get(OrderRecord, order_id)
            assert fo is not None and record is not None
            request = FulfillmentRequest.model_validate(outbox_request(fo, Order.model_validate(record.document)))
        assert request.order.ship_to is not None
        street = request.order.ship_to.model_copy(update={"name": "Ada Park", "line1": "1 Main St", "city": "NYC"})
        request = request.model_copy(update={"order": request.order.model_copy(update={"ship_to": street})})
        connector(self.fake).submit_fulfillment(request, f"fo:{fo_id}:submit")


@pytest.fixture
def hub(  # type: ignore[no-untyped-def]
    make_settings, database_url: str, tmp_path, monkeypatch: pytest.MonkeyPatch, shipbob: FakeShipBob
) -> Iterator[Hub]:
    monkeypatch.setenv("TEST_SB_TOKEN", shipbob.access_token)
    monkeypatch.setenv("TEST_SB_WEBHOOK_SECRET", shipbob.webhook_secret)
    settings = make_settings(database_url=database_url, broker_url=f"sqla+sqlite:///{tmp_path / 'broker.sqlite3'}")
    server = make_server("127.0.0.1", 0, create_app(settings), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    database = Database(database_url)
    with database.session() as session:
        secrets = {"access_token": "env:TEST_SB_TOKEN", "webhook_secret": "env:TEST_SB_WEBHOOK_SECRET"}
        save_account(
            session, "shipbob", "main", {"base_url": shipbob.origin, "channel_id": str(shipbob.channel_id)}, secrets
        )
    yield Hub(f"http://127.0.0.1:{server.server_port}", database, shipbob)
    server.shutdown()
    thread.join(timeout=5)
    database.dispose()
    connector_webhooks._connectors.clear()


def test_a_signed_order_shipped_ships_the_fulfillment_order(hub: Hub) -> None:
    order = routed_order(hub.database)
    with hub.database.session() as session:
        session.get(Location, "wh-nj").fulfilled_by = "shipbob:main"  # type: ignore[union-attr]
    hub.send(order.nj, order.order_id)
    shipment = hub.fake.ship(order.nj, tracking_number="9400111899223197428490")
    answer = hub.fake.notify(hub.webhook, shipment, message_id="msg_e2e_1")
    assert answer.status_code == 200 and answer.json()["status"] == "accepted", answer.text
    inbox_id = answer.json()["id"]

    outcome = process_message(hub.database, inbox_id)
    assert outcome.status == "processed", outcome.detail
    assert fo_state(hub.database, order.nj) == ("shipped", {"1": 3})  # LAMP x 3, matched by SKU
    with hub.database.session() as session:
        row = session.scalars(select(ShipmentRecord).where(ShipmentRecord.source == "shipbob:main")).one()
    assert (row.key, row.tracking_numbers, row.carrier, row.service) == (
        str(shipment["id"]),
        ["9400111899223197428490"],
        "USPS",
        "Priority",
    )
    assert row.units == {"1": 3}

    retried = hub.fake.notify(hub.webhook, shipment, message_id="msg_e2e_1")  # ShipBob retries: same webhook-id
    assert retried.json() == {"status": "duplicate", "id": inbox_id}
    delivered = hub.fake.notify(hub.webhook, shipment, topic="order.shipment.delivered")
    assert process_message(hub.database, delivered.json()["id"]).status == "processed"  # the same shipment
    with hub.database.session() as session:
        assert len(session.scalars(select(ShipmentRecord)).all()) == 1


def test_a_webhook_signed_with_another_secret_is_refused_and_kept(hub: Hub) -> None:
    order = routed_order(hub.database)
    with hub.database.session() as session:
        session.get(Location, "wh-nj").fulfilled_by = "shipbob:main"  # type: ignore[union-attr]
    hub.send(order.nj, order.order_id)
    shipment = hub.fake.ship(order.nj)
    refused = hub.fake.notify(hub.webhook, shipment, secret=OTHER_SECRET)
    assert refused.status_code == 401 and "no webhook-signature matches" in refused.json()["error"]["message"]
    stale = hub.fake.notify(hub.webhook, shipment, timestamp=time.time() - 600)
    assert stale.status_code == 401 and "more than 5 minutes" in stale.json()["error"]["message"]
    assert fo_state(hub.database, order.nj)[0] != "shipped"
    with hub.database.session() as session:
        kept = session.scalars(select(InboxMessage)).all()
    assert kept and all(message.status == "failed" for message in kept)
    assert hub.fake.webhook_secret not in str([message.headers for message in kept])
