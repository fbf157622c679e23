"""The WooCommerce channel end to end: signed webhooks over real HTTP into the receiver, processed the way the
worker does it, reconciliation against a fake WooCommerce REST API on loopback, and its mapping functions."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests

from hub.channels.pull import pull_account
from hub.mapping.functions import get_function
from hub.sdk.errors import ConfigurationError, TransientError
from tests.channels.conftest import Receiver, accounts, event_types, stored_orders, watermark
from tests.channels.signing import body_hmac
from tests.fakes.woocommerce import FakeWooCommerce

SECRET = "wc-webhook-secret-5b1f9e2c7a4d8e3f"
PATH = "/webhooks/woocommerce/shop1"
SAMPLES = Path(__file__).resolve().parent / "samples" / "woocommerce"
GOLDEN = Path(__file__).resolve().parents[2] / "mappings" / "woocommerce" / "order.cases"


def sample(file: str = "order", **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SAMPLES / f"{file}.json").read_text(encoding="utf-8"))
    data.update(changes)
    return data


def wc_headers(topic: str, body: bytes, delivery_id: str, *, secret: str = SECRET) -> dict[str, str]:
    """What WooCommerce sends with a delivery."""
    resource, _, event = topic.partition(".")
    return {
        "Content-Type": "application/json",
        "User-Agent": "WooCommerce/9.4.2 Hookshot (WordPress/6.7.1)",
        "X-WC-Webhook-Source": "https://shop.example/",
        "X-WC-Webhook-Topic": topic,
        "X-WC-Webhook-Resource": resource,
        "X-WC-Webhook-Event": event,
        "X-WC-Webhook-Signature": body_hmac(secret, body),
        "X-WC-Webhook-ID": "12",
        "X-WC-Webhook-Delivery-ID": delivery_id,
    }


def deliver(hub: Receiver, topic: str, data: dict[str, Any], delivery_id: str) -> requests.Response:
    body = json.dumps(data).encode()
    return hub.post(PATH, body, wc_headers(topic, body, delivery_id))


def accepted(hub: Receiver, topic: str, data: dict[str, Any], delivery_id: str) -> int:
    response = deliver(hub, topic, data, delivery_id)
    assert response.status_code == 200 and response.json()["status"] == "accepted", response.text
    return int(response.json()["id"])


@pytest.fixture
def store() -> Iterator[FakeWooCommerce]:
    with FakeWooCommerce() as fake:
        yield fake


@pytest.fixture
def hub(receiver: Receiver, store: FakeWooCommerce, monkeypatch: pytest.MonkeyPatch) -> Receiver:
    monkeypatch.setenv("WC_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("WC_CONSUMER_KEY", store.consumer_key)
    monkeypatch.setenv("WC_CONSUMER_SECRET", store.consumer_secret)
    receiver.add_account(
        "woocommerce",
        "shop1",
        webhook_secrets=["env:WC_WEBHOOK_SECRET"],
        base_url=store.base_url,
        consumer_key="env:WC_CONSUMER_KEY",
        consumer_secret="env:WC_CONSUMER_SECRET",
    )
    return receiver


# -- webhooks --


@pytest.mark.parametrize("topic", ["order.created", "order.updated", "order.restored"])
def test_every_order_topic_becomes_the_golden_order(hub: Receiver, topic: str) -> None:
    inbox_id = accepted(hub, topic, sample(), "d-1")
    outcome = hub.process(inbox_id)
    assert outcome.status == "processed" and outcome.detail.startswith("created order ord_"), outcome
    (record,) = stored_orders(hub)
    expected = json.loads((GOLDEN / "processing_two_lines.out.json").read_text(encoding="utf-8"))
    assert {**record.document, "id": None} == expected
    assert (record.channel, record.account, record.channel_order_id) == ("woocommerce", "shop1", "4172")
    assert event_types(hub) == ["order.received"]
    (message,) = hub.messages()
    assert message.topic == topic and message.dedupe_key == f"{topic}:d-1"
    assert "x-wc-webhook-signature" not in message.headers  # signatures are checked at the door, not kept


def test_a_cancelling_update_cancels_and_an_older_one_is_stale(hub: Receiver) -> None:
    hub.process(accepted(hub, "order.created", sample(), "d-1"))
    cancelled = sample(status="cancelled", date_modified_gmt="2026-11-20T12:00:00")
    assert hub.process(accepted(hub, "order.updated", cancelled, "d-2")).detail.startswith("cancelled order")
    older = sample(status="processing", date_modified_gmt="2026-11-20T11:00:00")
    assert hub.process(accepted(hub, "order.updated", older, "d-3")).detail.startswith("stale order")
    (record,) = stored_orders(hub)
    assert (record.status, record.payment_status) == ("cancelled", "voided")
    assert event_types(hub) == ["order.received", "order.cancelled"]


def test_a_deleted_order_is_kept_and_ignored(hub: Receiver) -> None:
    hub.process(accepted(hub, "order.created", sample(), "d-1"))
    inbox_id = accepted(hub, "order.deleted", sample("order_deleted"), "d-2")
    outcome = hub.process(inbox_id)
    assert outcome.status == "ignored"
    (record,) = stored_orders(hub)
    assert record.status == "received"  # deleting is not cancelling
    assert json.loads(hub.messages()[-1].body) == {"id": 4172}


def test_the_set_up_ping_is_answered_and_stores_nothing(hub: Receiver) -> None:
    response = hub.post(PATH, b"webhook_id=12", {"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 200 and response.json()["status"] == "ignored"
    assert hub.messages() == []


@pytest.mark.parametrize(
    "body",
    [
        b"webhook_id=12&topic=order.created",
        b"webhook_id=",
        b"webhook_id=12\n",
        b"webhook_id=12; DROP TABLE",
        b'{"webhook_id": 12}',
        json.dumps(sample()).encode(),
    ],
    ids=["extra field", "no id", "trailing newline", "junk", "json", "an order"],
)
def test_nothing_but_the_exact_ping_is_accepted_unsigned(hub: Receiver, body: bytes) -> None:
    response = hub.post(PATH, body, {"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 401 and response.json()["error"]["code"] == "invalid_signature"
    assert hub.messages() == []


def test_a_ping_body_with_a_bad_signature_is_refused(hub: Receiver) -> None:
    headers = {"Content-Type": "application/x-www-form-urlencoded", "X-WC-Webhook-Signature": "bm90IGEgc2lnbmF0dXJl"}
    assert hub.post(PATH, b"webhook_id=12", headers).status_code == 401
    assert hub.messages() == []


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda body, headers: (body.replace(b'"71.28"', b'"0.01"'), headers), "tampered body"),
        (lambda body, headers: (body, headers | {"X-WC-Webhook-Signature": body_hmac("wrong-secret", body)}), "wrong"),
        (
            lambda body, headers: (body, {k: v for k, v in headers.items() if k != "X-WC-Webhook-Signature"}),
            "missing signature",
        ),
        (lambda body, headers: (body, headers | {"X-WC-Webhook-Signature": "%%%"}), "garbage signature"),
    ],
)
def test_bad_signatures_are_401_and_store_nothing(hub: Receiver, mutate: Any, reason: str) -> None:
    body = json.dumps(sample()).encode()
    sent, headers = mutate(body, wc_headers("order.created", body, "d-1"))
    response = hub.post(PATH, sent, headers)
    assert response.status_code == 401, reason
    assert response.json()["error"]["code"] == "invalid_signature"
    assert hub.messages() == []


def test_a_repeated_delivery_is_stored_once_and_applied_once(hub: Receiver) -> None:
    statuses = [deliver(hub, "order.created", sample(), "same-delivery").json()["status"] for _ in range(3)]
    assert statuses == ["accepted", "duplicate", "duplicate"]
    (message,) = hub.messages()
    for _ in range(2):  # the task itself may run twice
        hub.process(message.id)
    # The same order again under a new delivery id (a second webhook, or a resend) changes nothing.
    assert hub.process(accepted(hub, "order.created", sample(), "other-delivery")).detail.startswith("unchanged")
    assert len(stored_orders(hub)) == 1
    assert event_types(hub) == ["order.received"]


def test_an_order_the_mapping_refuses_stays_failed_with_its_error(hub: Receiver) -> None:
    inbox_id = accepted(hub, "order.created", sample(date_created_gmt=None), "d-bad")
    assert hub.process(inbox_id).status == "failed"
    (message,) = hub.messages()
    assert message.status == "failed" and message.body
    assert "field placed_at: a value is required" in (message.error or "")
    assert stored_orders(hub) == []


# -- reconciliation --


def modified(index: int) -> str:
    return f"2026-11-20T10:0{index}:00"


def put_orders(store: FakeWooCommerce, count: int) -> None:
    for index in range(count):
        store.put(sample(id=5000 + index, number=str(5000 + index), date_modified_gmt=modified(index)))


def test_pull_reads_every_page_oldest_first_and_moves_the_watermark(hub: Receiver, store: FakeWooCommerce) -> None:
    store.page_size = 2  # the store pages by 2: five orders take three pages
    put_orders(store, 5)
    result = pull_account(hub.database, "woocommerce", "shop1", accounts=accounts)
    assert (result.stored, result.read >= 5) == (5, True)
    assert result.watermark == datetime(2026, 11, 20, 10, 4, tzinfo=UTC) == watermark(hub)
    assert all("modified_after" in request.args for request in store.requests[1:])  # keyset, not page numbers
    first = store.requests[0]
    assert first.user == store.consumer_key and "modified_after" not in first.args
    assert (first.args["orderby"], first.args["order"], first.args["per_page"]) == ("modified", "asc", "100")
    assert [record.channel_order_id for record in stored_orders(hub)] == [str(5000 + i) for i in range(5)]
    assert {message.source for message in hub.messages()} == {"poll"}

    # Again: asks from one second before the watermark, in UTC, so the newest order is re-read, and not stored.
    store.requests.clear()
    again = pull_account(hub.database, "woocommerce", "shop1", accounts=accounts)
    assert (again.stored, again.read >= 1) == (0, True)
    assert store.requests[0].args["modified_after"] == "2026-11-20T10:03:59"
    assert store.requests[0].args["dates_are_gmt"] == "true"

    # A change in the shop is picked up by the next pull (beside the re-read newest one) and updates the order.
    store.put(sample(id=5001, number="5001", status="completed", date_modified_gmt="2026-11-20T11:00:00"))
    changed = pull_account(hub.database, "woocommerce", "shop1", accounts=accounts)
    assert (changed.stored, changed.read >= 2) == (1, True)
    assert event_types(hub).count("order.updated") == 1
    assert changed.watermark == datetime(2026, 11, 20, 11, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "retry_after", "error"),
    [(429, "30", TransientError), (500, None, TransientError), (503, "7", TransientError)],
)
def test_pull_failures_are_transient_and_keep_the_watermark(
    hub: Receiver, store: FakeWooCommerce, status: int, retry_after: str | None, error: type[Exception]
) -> None:
    store.page_size = 2
    put_orders(store, 3)
    store.fail_next(status, retry_after=retry_after, after=1)  # the second page fails
    with pytest.raises(error) as info:
        pull_account(hub.database, "woocommerce", "shop1", accounts=accounts)
    assert isinstance(info.value, TransientError)
    assert info.value.retry_after == (float(retry_after) if retry_after else None)
    assert watermark(hub) is None  # the next pull starts where this one did
    assert len(stored_orders(hub)) == 2  # what was read is kept
    result = pull_account(hub.database, "woocommerce", "shop1", accounts=accounts)
    assert (result.stored, result.read >= 3) == (1, True) and result.watermark is not None


def test_pull_with_wrong_credentials_is_a_configuration_error(
    hub: Receiver, store: FakeWooCommerce, monkeypatch: pytest.MonkeyPatch
) -> None:
    put_orders(store, 1)
    monkeypatch.setenv("WC_CONSUMER_SECRET", "cs_not_the_secret")
    with pytest.raises(ConfigurationError) as info:
        pull_account(hub.database, "woocommerce", "shop1", accounts=accounts)
    assert "HTTP 401" in str(info.value) and "cs_not_the_secret" not in str(info.value)
    assert hub.messages() == [] and watermark(hub) is None


# -- mapping functions --


def test_woocommerce_id_treats_zero_as_none() -> None:
    function = get_function("woocommerce_id")
    assert [function(value) for value in (58, "58", 0, "0", None, "", True)] == [
        "58",
        "58",
        None,
        None,
        None,
        None,
        None,
    ]


def test_woocommerce_discount_is_absent_when_there_is_none() -> None:
    function = get_function("woocommerce_discount")
    assert function("10.00", "9.00") == "1.00"
    assert Decimal(function("30", "27.005")) == Decimal("2.995")
    assert [function("10.00", "10.00"), function("5.00", "6.00"), function(None, "1.00")] == [None, None, None]


def test_woocommerce_meta_keeps_plain_visible_values() -> None:
    entries = [
        {"id": 1, "key": "gift_wrap", "value": "yes"},
        {"id": 2, "key": "_stripe_intent_id", "value": "pi_x"},
        {"id": 3, "key": "delivery_slot", "value": {"from": "09:00"}},
        {"id": 4, "key": "newsletter", "value": False},
        {"id": 5, "key": "points", "value": 58},
        {"id": 6, "key": "empty", "value": ""},
        {"id": 7, "value": "no key"},
        "not an entry",
    ]
    assert get_function("woocommerce_meta")(entries) == {"gift_wrap": "yes", "newsletter": "false", "points": "58"}
    assert get_function("woocommerce_meta")([]) is None
    assert get_function("woocommerce_meta")(None) is None
