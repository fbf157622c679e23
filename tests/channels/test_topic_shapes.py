"""A topic named outside the signature is believed only when the signed body agrees with it.

Shopify and WooCommerce sign the body, not the topic header. A body delivered once with a valid signature can be
sent again under another topic and a new event id; these tests do exactly that, over real HTTP into the
receiver, on SQLite and PostgreSQL, and check that nothing is applied: the message fails naming the mismatch,
the orders and their raw deliveries stay as they were. Redaction, which cannot be undone, acts only for the
account's own shop and only on the orders the request names, and records what it did.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
from sqlalchemy import select

from hub.canonical import Order
from hub.db.models import ChannelAccount, ComplianceRequest, InboxMessage, OrderEvent, OrderRecord
from tests.channels.conftest import Receiver
from tests.channels.test_shopify import SECRET, encoded, sample, shopify_headers
from tests.channels.test_woocommerce import SECRET as WC_SECRET
from tests.channels.test_woocommerce import wc_headers

SHOP = "northwind-goods.myshopify.com"  # the samples' shop
SHOP_URL = f"https://{SHOP}/admin/api/2025-10"
ORDER_ID = "5912345678901"  # orders_create.json; customers_redact.json names it
OTHER_ORDER_ID = "5620117831903"  # orders_create_test.json


@pytest.fixture
def hub(receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> Receiver:
    monkeypatch.setenv("SHOPIFY_SECRET", SECRET)
    receiver.add_account("shopify", "shop1", webhook_secrets=["env:SHOPIFY_SECRET"], base_url=SHOP_URL)
    return receiver


def deliver(hub: Receiver, topic: str, data: Any, event_id: str, account: str = "shop1") -> requests.Response:
    body = encoded(data)
    return hub.post(f"/webhooks/shopify/{account}", body, shopify_headers(topic, body, event_id))


def process(hub: Receiver, topic: str, data: Any, event_id: str, account: str = "shop1") -> tuple[str, str]:
    response = deliver(hub, topic, data, event_id, account)
    assert response.status_code == 200 and response.json()["status"] == "accepted", response.text
    hub.process(int(response.json()["id"]))
    with hub.database.session() as session:
        message = session.get(InboxMessage, int(response.json()["id"]))
        assert message is not None
        return message.status, message.error or ""


def order_state(hub: Receiver, channel_order_id: str, account: str = "shop1") -> tuple[Order, list[str], bytes]:
    """The stored order, its timeline and the raw body of the delivery that created it."""
    with hub.database.session() as session:
        record = session.scalars(
            select(OrderRecord).where(OrderRecord.channel_order_id == channel_order_id, OrderRecord.account == account)
        ).one()
        events = list(
            session.scalars(select(OrderEvent).where(OrderEvent.order_id == record.id).order_by(OrderEvent.id))
        )
        source = session.get(InboxMessage, events[0].inbox_message_id)
        assert source is not None
        return Order.model_validate(record.document), [event.type for event in events], source.body


def compliance_requests(hub: Receiver) -> list[ComplianceRequest]:
    with hub.database.session() as session:
        return list(session.scalars(select(ComplianceRequest).order_by(ComplianceRequest.id)))


def two_orders(hub: Receiver) -> None:
    assert process(hub, "orders/create", sample("orders_create"), "evt-1")[0] == "processed"
    assert process(hub, "orders/create", sample("orders_create_test"), "evt-2")[0] == "processed"


def assert_untouched(hub: Receiver) -> None:
    for channel_order_id in (ORDER_ID, OTHER_ORDER_ID):
        order, events, raw = order_state(hub, channel_order_id)
        assert order.customer is not None and order.customer.email
        assert order.status.value == "received"
        assert events == ["order.received"]
        assert raw != b""
    assert compliance_requests(hub) == []


# (topic sent, sample whose body is sent, what the message's error must say)
MISMATCHES = {
    "order as shop/redact": ("shop/redact", "orders_create", "shop_id is missing"),
    "order as customers/redact": ("customers/redact", "orders_create", "shop_id is missing"),
    "customer redaction as shop/redact": ("shop/redact", "customers_redact", "it has customer"),
    "data request as customers/redact": ("customers/redact", "customers_data_request", "orders_to_redact is missing"),
    "customer redaction as data request": ("customers/data_request", "customers_redact", "orders_requested is missing"),
    "open order as orders/cancelled": ("orders/cancelled", "orders_create", "cancelled_at is missing"),
    "order as refund": ("refunds/create", "orders_create", "order_id is missing"),
    "refund as order": ("orders/updated", "refunds_create", "line_items is missing"),
    "fulfillment as order": ("orders/updated", "fulfillments_create", "it has order_id"),
    "order as fulfillment": ("fulfillments/create", "orders_create", "order_id is missing"),
    "shop redaction as order": ("orders/create", "shop_redact", "id is missing"),
}


@pytest.mark.parametrize(("topic", "file", "problem"), MISMATCHES.values(), ids=MISMATCHES.keys())
def test_a_signed_body_resent_under_another_topic_fails_and_changes_nothing(
    hub: Receiver, topic: str, file: str, problem: str
) -> None:
    two_orders(hub)
    status, error = process(hub, topic, sample(file), "evt-replayed")
    assert status == "failed"
    assert f"topic {topic!r} does not match the body" in error and problem in error
    assert_untouched(hub)


def test_a_cancelled_order_body_still_cancels_under_orders_cancelled(hub: Receiver) -> None:
    two_orders(hub)
    cancelled = sample(
        "orders_create", cancelled_at="2026-11-21T08:00:00-05:00", updated_at="2026-11-21T08:00:05-05:00"
    )
    assert process(hub, "orders/cancelled", cancelled, "evt-3")[0] == "processed"
    order, events, _ = order_state(hub, ORDER_ID)
    assert order.status.value == "cancelled" and events == ["order.received", "order.cancelled"]
    assert order_state(hub, OTHER_ORDER_ID)[0].status.value == "received"  # only the order the body names


@pytest.mark.parametrize(
    ("settings", "changes", "problem"),
    [
        ({}, {"shop_domain": "someone-else.myshopify.com"}, "it names shop 'someone-else.myshopify.com'"),
        (
            {"shop_id": 67512336541},
            {"shop_id": 11111111111},
            "it names shop id 11111111111, account shop1 is 67512336541",
        ),
        (
            {"base_url": "http://127.0.0.1:9/admin/api/2025-10"},
            {},
            f"it names shop {SHOP!r}, account shop1 is '127.0.0.1'",
        ),
        ({"base_url": None}, {}, "cannot tell which shop it is"),
    ],
    ids=["another shop's domain", "another shop's id", "account reached by another host", "account knows no shop"],
)
def test_shop_redact_for_a_shop_that_is_not_the_accounts_is_refused(
    hub: Receiver, settings: dict[str, Any], changes: dict[str, Any], problem: str
) -> None:
    two_orders(hub)
    with hub.database.session() as session:
        account = session.scalars(select(ChannelAccount).where(ChannelAccount.account == "shop1")).one()
        account.settings = {key: value for key, value in {**account.settings, **settings}.items() if value is not None}
    status, error = process(hub, "shop/redact", sample("shop_redact", **changes), "evt-redact")
    assert status == "failed"
    assert "shop/redact refused" in error and problem in error
    assert_untouched(hub)


def test_shop_redact_redacts_only_this_accounts_orders_and_records_what_it_did(hub: Receiver) -> None:
    hub.add_account(
        "shopify", "shop2", webhook_secrets=["env:SHOPIFY_SECRET"], base_url="https://other-shop.myshopify.com/admin"
    )
    two_orders(hub)
    assert process(hub, "orders/create", sample("orders_create"), "evt-9", account="shop2")[0] == "processed"

    status, error = process(hub, "shop/redact", sample("shop_redact"), "evt-redact")
    assert (status, error) == ("processed", "recorded")
    with hub.database.session() as session:
        redacted = {
            record.id: record.channel_order_id
            for record in session.scalars(select(OrderRecord).where(OrderRecord.account == "shop1"))
        }
    (request,) = compliance_requests(hub)
    assert request.status == "done"
    assert request.outcome == f"redacted 2 order(s), emptied 2 inbox message(s): {', '.join(sorted(redacted))}"
    for channel_order_id in (ORDER_ID, OTHER_ORDER_ID):
        order, events, raw = order_state(hub, channel_order_id)
        assert order.customer is None and raw == b"" and events[-1] == "order.redacted"
    with hub.database.session() as session:
        logged = session.scalars(select(OrderEvent).where(OrderEvent.type == "order.redacted")).all()
        assert all(event.data["topic"] == "shop/redact" and len(event.data["inbox_messages"]) == 1 for event in logged)
    other, events, raw = order_state(hub, ORDER_ID, account="shop2")  # the same order id, in another shop
    assert other.customer is not None and raw != b"" and events == ["order.received"]


def test_customers_redact_touches_only_the_orders_it_names(hub: Receiver) -> None:
    two_orders(hub)
    request = sample("customers_redact", orders_to_redact=[int(ORDER_ID), 999999999])  # one unknown here
    assert process(hub, "customers/redact", request, "evt-redact") == ("processed", "recorded")
    order, events, raw = order_state(hub, ORDER_ID)
    assert order.customer is None and raw == b"" and events[-1] == "order.redacted"
    untouched, events, raw = order_state(hub, OTHER_ORDER_ID)
    assert untouched.customer is not None and raw != b"" and events == ["order.received"]
    (done,) = compliance_requests(hub)
    assert done.outcome is not None and done.outcome.startswith("redacted 1 order(s), emptied 1 inbox message(s): ord_")


# -- WooCommerce: X-WC-Webhook-Topic is not signed either ---------------------------------------------------


def test_a_woocommerce_body_that_is_not_an_order_fails_under_an_order_topic(
    receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WC_SECRET", WC_SECRET)
    receiver.add_account(
        "woocommerce", "shop1", webhook_secrets=["env:WC_SECRET"], base_url="https://shop.example/wp-json/wc/v3"
    )
    product = {"id": 799, "name": "Ship Your Idea", "status": "publish", "date_created_gmt": "2026-11-20T10:00:00"}
    body = json.dumps(product).encode()
    response = receiver.post("/webhooks/woocommerce/shop1", body, wc_headers("order.updated", body, "d-1"))
    assert response.status_code == 200
    assert receiver.process(int(response.json()["id"])).status == "failed"
    (message,) = receiver.messages()
    assert message.error == (
        "topic 'order.updated' does not match the body, which is not a WooCommerce order: line_items is missing"
    )
