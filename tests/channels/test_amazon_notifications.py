"""Amazon ORDER_CHANGE notifications forwarded to the hub (as SQS holds them, or inside EventBridge's envelope):
authenticated with the account's webhook secret, stored once per NotificationId, read back from a fake SP-API on
loopback, applied to the real order store on SQLite and PostgreSQL; a buyer's request to cancel lands on the
order's timeline, never as an order of its own."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import select

from hub.channels import oauth
from hub.channels.pull import pull_account
from hub.channels.sources import amazon as amazon_source
from hub.db.models import InboxMessage, OrderEvent, OrderRecord
from tests.channels.conftest import Receiver, accounts
from tests.channels.signing import standard_headers
from tests.fakes.amazon import FakeAmazon

CASES = Path(__file__).resolve().parents[2] / "mappings" / "amazon" / "responses.cases"
SECRET = "whsec_" + "Zm9yd2FyZGVyLXNlY3JldC1mb3ItdGVzdHMtb25seQ=="
ORDER_ID = "113-2047765-9183410"
MUGS, COASTERS = "69183004521877", "69183004521901"


def case(name: str) -> Any:
    return json.loads((CASES / f"{name}.in.json").read_text(encoding="utf-8"))


def bundle() -> dict[str, Any]:
    """The order as SP-API holds it: no item shows a cancel request yet."""
    items = case("get_order_items_cancel_requested")["payload"]["OrderItems"]
    for item in items:
        item["BuyerRequestedCancel"] = {"IsBuyerRequestedCancel": "false", "BuyerCancelReason": ""}
    return {
        "order": case("get_order_unshipped")["payload"],
        "items": items,
        "address": case("get_order_address")["payload"],
    }


def notification(notification_id: str, *, cancel: list[str] | None = None) -> dict[str, Any]:
    """An ORDER_CHANGE for the fake's order: a buyer's cancel request for ``cancel``, else a status change."""
    body = copy.deepcopy(case("order_change_sqs"))
    change = body["Payload"]["OrderChangeNotification"]
    change["AmazonOrderId"] = ORDER_ID
    if cancel is None:
        change["OrderChangeType"] = "OrderStatusChange"
        change["OrderChangeTrigger"]["ChangeReason"] = "Order Status Changed"
    change["Summary"]["OrderItems"] = [
        {"OrderItemId": item_id, "SellerSKU": sku, "OrderItemStatus": "Unshipped", "Quantity": quantity,
         "QuantityShipped": 0, "IsBuyerRequestedCancel": item_id in (cancel or [])}
        for item_id, sku, quantity in ((MUGS, "MUG-STONE-12OZ-SAGE", 2), (COASTERS, "COASTER-CORK-4PK", 1))
    ]  # fmt: skip
    body["NotificationMetadata"]["NotificationId"] = notification_id
    return body


def eventbridge(detail: dict[str, Any]) -> dict[str, Any]:
    envelope = case("order_change_eventbridge")
    envelope["detail"] = detail
    return envelope


@pytest.fixture
def fake() -> Iterator[FakeAmazon]:
    with FakeAmazon() as server:
        server.put(bundle())
        yield server


@pytest.fixture
def hub(receiver: Receiver, fake: FakeAmazon, monkeypatch: pytest.MonkeyPatch) -> Receiver:
    monkeypatch.setattr(amazon_source, "_tokens", oauth.TokenCache())
    monkeypatch.setenv("AMZ_CLIENT_ID", fake.client_id)
    monkeypatch.setenv("AMZ_CLIENT_SECRET", fake.client_secret)
    monkeypatch.setenv("AMZ_REFRESH_TOKEN", fake.refresh_token)
    monkeypatch.setenv("AMZ_FORWARDER_SECRET", SECRET)
    receiver.add_account(
        "amazon",
        "us1",
        base_url=fake.url,
        lwa_url=fake.url,
        marketplace_ids=[fake.marketplace_id],
        initial_days="3650",
        client_id="env:AMZ_CLIENT_ID",
        client_secret="env:AMZ_CLIENT_SECRET",
        refresh_token="env:AMZ_REFRESH_TOKEN",
        webhook_secrets=["env:AMZ_FORWARDER_SECRET"],
    )
    return receiver


def post(hub: Receiver, data: Any, headers: dict[str, str] | None = None) -> requests.Response:
    body = json.dumps(data).encode()
    sent = {"content-type": "application/json", "authorization": f"Bearer {SECRET}"} if headers is None else headers
    return hub.post("/webhooks/amazon/us1", body, sent)


def deliver(hub: Receiver, data: Any) -> int:
    response = post(hub, data)
    assert response.status_code == 200 and response.json()["status"] == "accepted", response.text
    inbox_id = int(response.json()["id"])
    hub.process(inbox_id)
    return inbox_id


def timeline(hub: Receiver) -> list[tuple[str, dict[str, Any]]]:
    with hub.database.session() as session:
        return [(event.type, event.data) for event in session.scalars(select(OrderEvent).order_by(OrderEvent.id))]


def stored(hub: Receiver) -> list[dict[str, Any]]:
    with hub.database.session() as session:
        return [record.document for record in session.scalars(select(OrderRecord))]


def message(hub: Receiver, inbox_id: int) -> InboxMessage:
    with hub.database.session() as session:
        found = session.get(InboxMessage, inbox_id)
        assert found is not None
        return found


def test_a_status_change_is_read_back_and_the_order_read_is_applied(hub: Receiver, fake: FakeAmazon) -> None:
    inbox_id = deliver(hub, notification("5a0e7c21-8f3d-4b69-a1e2-7d4c9b0f3e18"))
    done = message(hub, inbox_id)
    assert (done.topic, done.status) == ("ORDER_CHANGE", "processed")
    assert done.dedupe_key == "notification:5a0e7c21-8f3d-4b69-a1e2-7d4c9b0f3e18"
    (order,) = stored(hub)  # made from what the API answered, not from the summary
    assert order["channel_order_id"] == ORDER_ID and order["totals"]["total"]["amount"] == "61.47"
    assert [line["sku"] for line in order["lines"]] == ["MUG-STONE-12OZ-SAGE", "COASTER-CORK-4PK"]
    assert order["ship_to"]["name"] == "Priya Raman"
    assert [event for event, _ in timeline(hub)] == ["order.received"]
    assert [path for path, _ in fake.api_requests()] == [
        f"/orders/v0/orders/{ORDER_ID}",
        f"/orders/v0/orders/{ORDER_ID}/orderItems",
        f"/orders/v0/orders/{ORDER_ID}/address",
    ]


def test_a_notification_delivered_twice_is_stored_and_read_once_whatever_its_envelope(
    hub: Receiver, fake: FakeAmazon
) -> None:
    first = notification("c81f02d4-6e5b-4a97-b3c0-95e7a1d2f468")
    inbox_id = deliver(hub, first)
    requests_made = len(fake.api_requests())
    for again in (first, eventbridge(first)):  # an SQS redelivery, then the same one through EventBridge
        response = post(hub, again)
        assert response.status_code == 200
        assert response.json() == {"status": "duplicate", "id": inbox_id}
    assert len(fake.api_requests()) == requests_made
    assert [event for event, _ in timeline(hub)] == ["order.received"]


def test_a_buyers_cancel_request_is_recorded_on_the_orders_timeline_not_as_a_new_order(
    hub: Receiver, fake: FakeAmazon
) -> None:
    pull_account(hub.database, "amazon", "us1", accounts=accounts)  # the order, as polled before the request
    request = notification("0f6d2b98-1c47-4e3a-8b5d-6a9e2c7f1b03", cancel=[MUGS])
    inbox_id = deliver(hub, request)
    (order,) = stored(hub)
    assert order["status"] == "received"  # asked, not cancelled: the seller decides
    mugs, coasters = order["lines"]
    assert mugs["attributes"] == {"buyer_cancel_requested": "true"} and coasters["attributes"] == {}
    events = timeline(hub)
    assert [event for event, _ in events] == ["order.received", "order.updated", "order.cancel_requested"]
    assert events[-1][1] == {
        "topic": "order",
        "by": "buyer",
        "lines": [{"line_id": MUGS, "sku": "MUG-STONE-12OZ-SAGE", "quantity": 2}],
    }
    assert message(hub, inbox_id).status == "processed"

    # the API now shows the request too, with the buyer's reason: nothing new to record
    shown = bundle()
    shown["items"][0]["BuyerRequestedCancel"] = {
        "IsBuyerRequestedCancel": "true",
        "BuyerCancelReason": "Found it cheaper",
    }
    shown["order"]["LastUpdateDate"] = "2026-05-04T18:00:00Z"
    fake.put(shown)
    pull_account(hub.database, "amazon", "us1", accounts=accounts)
    assert [event for event, _ in timeline(hub)].count("order.cancel_requested") == 1
    assert len(stored(hub)) == 1


def test_a_cancel_request_for_an_order_not_yet_polled_reads_it_and_records_the_request(
    hub: Receiver, fake: FakeAmazon
) -> None:
    deliver(hub, eventbridge(notification("9e3b7a15-2d8c-4f06-b4e1-3c5a8d7f2e90", cancel=[COASTERS])))
    (order,) = stored(hub)
    assert order["channel_order_id"] == ORDER_ID and order["status"] == "received"
    events = timeline(hub)
    assert [event for event, _ in events] == ["order.received", "order.cancel_requested"]
    assert [line["line_id"] for line in events[-1][1]["lines"]] == [COASTERS]

    # a poll of the same version, which the API shows without the request yet, does not withdraw it
    pull_account(hub.database, "amazon", "us1", accounts=accounts)
    assert stored(hub)[0]["lines"][1]["attributes"] == {"buyer_cancel_requested": "true"}
    assert [event for event, _ in timeline(hub)] == ["order.received", "order.cancel_requested"]
    # and once the API shows it, with the buyer's reason, it is not recorded a second time
    shown = bundle()
    shown["items"][1]["BuyerRequestedCancel"] = {
        "IsBuyerRequestedCancel": "true",
        "BuyerCancelReason": "No longer needed",
    }
    shown["order"]["LastUpdateDate"] = "2026-05-04T18:00:00Z"
    fake.put(shown)
    pull_account(hub.database, "amazon", "us1", accounts=accounts)
    assert stored(hub)[0]["lines"][1]["attributes"]["buyer_cancel_reason"] == "No longer needed"
    assert [event for event, _ in timeline(hub)] == ["order.received", "order.cancel_requested", "order.updated"]


def test_a_notification_for_an_order_amazon_does_not_know_fails_with_the_reason(hub: Receiver) -> None:
    unknown = notification("d2c4e6f8-0a1b-4c3d-9e5f-7a8b9c0d1e2f")
    unknown["Payload"]["OrderChangeNotification"]["AmazonOrderId"] = "114-0000000-0000000"
    inbox_id = deliver(hub, unknown)
    failed = message(hub, inbox_id)
    assert failed.status == "failed" and "read-back failed" in (failed.error or "")
    assert stored(hub) == []


def test_other_notification_types_are_kept_and_ignored(hub: Receiver, fake: FakeAmazon) -> None:
    inbox_id = deliver(hub, case("offer_change_not_handled"))
    assert message(hub, inbox_id).status == "ignored"
    assert fake.api_requests() == [] and stored(hub) == []


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({}, "missing Authorization"),
        ({"authorization": "Bearer not-the-secret"}, "not the account's"),
        ({"authorization": f"Basic {SECRET}"}, "not a Bearer token"),
    ],
    ids=["no credentials", "wrong token", "another scheme"],
)
def test_unauthenticated_notifications_are_401_and_store_nothing(
    hub: Receiver, headers: dict[str, str], reason: str
) -> None:
    response = post(hub, notification("1b2c3d4e-5f60-4718-8293-a4b5c6d7e8f9"), headers)
    assert response.status_code == 401 and reason in response.text
    assert hub.messages() == []


def test_a_forwarder_can_sign_the_standard_webhooks_way_instead(hub: Receiver) -> None:
    body = json.dumps(notification("6f7e8d9c-0b1a-4c2d-8e3f-4a5b6c7d8e9f")).encode()
    headers = {"content-type": "application/json", **standard_headers(SECRET, body, "msg_2f9a")}
    response = hub.post("/webhooks/amazon/us1", body, headers)
    assert response.status_code == 200 and response.json()["status"] == "accepted"
    tampered = body.replace(b"Unshipped", b"Shipped", 1)
    response = hub.post("/webhooks/amazon/us1", tampered, headers)
    assert response.status_code == 401
    (stored_message,) = hub.messages()
    assert "authorization" not in stored_message.headers and "webhook-signature" not in stored_message.headers


def test_an_api_fragment_posted_to_the_endpoint_is_kept_and_makes_no_order(hub: Receiver, fake: FakeAmazon) -> None:
    inbox_id = deliver(hub, case("get_order_items_cancel_requested"))
    kept = message(hub, inbox_id)
    assert (kept.topic, kept.status) == ("getOrderItems", "ignored")
    assert kept.error is not None and kept.error.startswith("an order's items alone")
    assert stored(hub) == [] and timeline(hub) == [] and fake.api_requests() == []
