"""The Etsy channel end to end: thin Standard Webhooks deliveries over real HTTP into the receiver, the receipt
read back from a fake Etsy Open API v3 on loopback (and never from anywhere else), reconciliation, and its
mapping functions."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from hub.channels.accounts import AccountContext
from hub.channels.pull import pull_account
from hub.channels.sources.etsy import Etsy, inside_base
from hub.errors import ConfigurationError
from hub.mapping.functions import get_function
from hub.sdk.errors import PermanentError, TransientError
from tests.channels.conftest import Receiver, accounts, event_types, stored_orders, watermark
from tests.channels.signing import standard_headers
from tests.fakes.etsy import FakeEtsy

SECRET = "whsec_" + base64.b64encode(b"etsy-webhook-signing-secret-0123456").decode()
OTHER_SECRET = "whsec_" + base64.b64encode(b"some-other-endpoint-secret-98765").decode()
PATH = "/webhooks/etsy/shop1"
RECEIPT_ID = 3456789012
OUTSIDE = "read-back failed: resource_url outside the account's API base"
SAMPLES = Path(__file__).resolve().parent / "samples" / "etsy"
GOLDEN = Path(__file__).resolve().parents[2] / "mappings" / "etsy" / "receipt.cases"


def sample(file: str = "receipt", **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SAMPLES / f"{file}.json").read_text(encoding="utf-8"))
    data.update(changes)
    return data


def event(resource_url: Any, event_type: str = "order.paid") -> bytes:
    return json.dumps(sample("order_paid", event_type=event_type, resource_url=resource_url)).encode()


def etsy_headers(body: bytes, message_id: str, *, secret: str = SECRET, timestamp: int | None = None) -> dict[str, str]:
    return standard_headers(secret, body, message_id, timestamp) | {"Content-Type": "application/json"}


def accepted(hub: Receiver, body: bytes, message_id: str) -> int:
    response = hub.post(PATH, body, etsy_headers(body, message_id))
    assert response.status_code == 200 and response.json()["status"] == "accepted", response.text
    return int(response.json()["id"])


@pytest.fixture
def api() -> Iterator[FakeEtsy]:
    with FakeEtsy() as fake:
        yield fake


@pytest.fixture
def elsewhere() -> Iterator[FakeEtsy]:
    """Another server on loopback, one a hostile payload might point at; it must never be called."""
    with FakeEtsy() as fake:
        yield fake


@pytest.fixture
def hub(receiver: Receiver, api: FakeEtsy, monkeypatch: pytest.MonkeyPatch) -> Receiver:
    monkeypatch.setenv("ETSY_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("ETSY_API_KEY", api.api_key)
    monkeypatch.setenv("ETSY_ACCESS_TOKEN", api.access_token)
    receiver.add_account(
        "etsy",
        "shop1",
        webhook_secrets=["env:ETSY_WEBHOOK_SECRET"],
        base_url=api.base_url,
        shop_id=str(api.shop_id),
        api_key="env:ETSY_API_KEY",
        access_token="env:ETSY_ACCESS_TOKEN",
    )
    return receiver


# -- webhooks and read-back --


def test_order_paid_is_read_back_into_the_golden_order(hub: Receiver, api: FakeEtsy) -> None:
    api.put(sample())
    outcome = hub.process(accepted(hub, event(api.receipt_url(RECEIPT_ID)), "msg_1"), accounts=accounts)
    assert outcome.status == "processed" and outcome.detail.startswith("created order ord_"), outcome
    webhook, read_back = hub.messages()
    assert (webhook.topic, webhook.status) == ("order.paid", "processed")
    assert (read_back.source, read_back.topic, read_back.dedupe_key) == (
        "read-back",
        "receipt",
        "receipt:3456789012:1795169000",
    )
    (record,) = stored_orders(hub)
    assert {**record.document, "id": None} == json.loads((GOLDEN / "paid_two_items.out.json").read_text())
    assert [seen.path for seen in api.requests] == [f"/v3/application/shops/{api.shop_id}/receipts/{RECEIPT_ID}"]


def test_order_canceled_reads_the_canceled_receipt_and_cancels_the_order(hub: Receiver, api: FakeEtsy) -> None:
    api.put(sample())
    hub.process(accepted(hub, event(api.receipt_url(RECEIPT_ID)), "msg_1"), accounts=accounts)
    api.put(sample(status="Canceled", updated_timestamp=1795172400, update_timestamp=1795172400))
    body = event(api.receipt_url(RECEIPT_ID), "order.canceled")
    assert hub.process(accepted(hub, body, "msg_2"), accounts=accounts).detail.startswith("cancelled order")
    (record,) = stored_orders(hub)
    assert (record.status, record.payment_status) == ("cancelled", "voided")
    assert event_types(hub) == ["order.received", "order.cancelled"]


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda body, headers: (body.replace(b"order.paid", b"order.canceled"), headers), "tampered body"),
        (lambda body, headers: (body, etsy_headers(body, "msg_1", secret=OTHER_SECRET)), "wrong secret"),
        (lambda body, headers: (body, etsy_headers(body, "msg_1", timestamp=int(time.time()) - 3600)), "stale"),
        (lambda body, headers: (body, etsy_headers(body, "msg_1", timestamp=int(time.time()) + 3600)), "future"),
        (lambda body, headers: (body, {k: v for k, v in headers.items() if k != "webhook-signature"}), "no signature"),
        (lambda body, headers: (body, {k: v for k, v in headers.items() if k != "webhook-timestamp"}), "no timestamp"),
        (lambda body, headers: (body, {k: v for k, v in headers.items() if k != "webhook-id"}), "no id"),
    ],
)
def test_bad_signatures_are_401_and_store_nothing(hub: Receiver, api: FakeEtsy, mutate: Any, reason: str) -> None:
    body = event(api.receipt_url(RECEIPT_ID))
    sent, headers = mutate(body, etsy_headers(body, "msg_1"))
    response = hub.post(PATH, sent, headers)
    assert response.status_code == 401, reason
    assert response.json()["error"]["code"] == "invalid_signature"
    assert hub.messages() == [] and api.requests == []


def test_a_retried_delivery_is_stored_once(hub: Receiver, api: FakeEtsy) -> None:
    body = event(api.receipt_url(RECEIPT_ID))
    first = hub.post(PATH, body, etsy_headers(body, "msg_retry", timestamp=int(time.time()) - 120))
    again = hub.post(PATH, body, etsy_headers(body, "msg_retry"))
    assert (first.json()["status"], again.json()["status"]) == ("accepted", "duplicate")
    assert len(hub.messages()) == 1


URL = Callable[[FakeEtsy, FakeEtsy], str]
HOSTILE: dict[str, URL] = {
    "another port": lambda api, other: other.receipt_url(RECEIPT_ID),
    "metadata address": lambda api, other: "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
    "same host, outside the base path": lambda api, other: f"{api.origin}/admin/receipts/{RECEIPT_ID}",
    "base path prefix without a boundary": lambda api, other: f"{api.origin}/v3evil/application/receipts/1",
    "dot-dot out of the base": lambda api, other: f"{api.base_url}/../admin/receipts/1",
    "encoded dot-dot": lambda api, other: f"{api.base_url}/%2e%2e/admin/receipts/1",
    "credentials before the host": lambda api, other: (
        f"http://127.0.0.1:{api._server.server_port}@169.254.169.254/v3/x"
    ),
    "user info on the right host": lambda api, other: api.receipt_url(RECEIPT_ID).replace("http://", "http://u:p@"),
    "other scheme": lambda api, other: api.receipt_url(RECEIPT_ID).replace("http://", "https://"),
    "file url": lambda api, other: "file:///etc/passwd",
    "relative url": lambda api, other: f"/v3/application/shops/{api.shop_id}/receipts/{RECEIPT_ID}",
    "header injection": lambda api, other: api.receipt_url(RECEIPT_ID) + "\r\nX-Injected: 1",
}


@pytest.mark.parametrize("make_url", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_resource_url_outside_the_api_base_is_never_fetched(
    hub: Receiver, api: FakeEtsy, elsewhere: FakeEtsy, make_url: URL
) -> None:
    api.put(sample())
    elsewhere.put(sample())
    outcome = hub.process(accepted(hub, event(make_url(api, elsewhere)), "msg_1"), accounts=accounts)
    assert outcome.status == "failed"
    (message,) = hub.messages()
    assert message.status == "failed" and message.error == OUTSIDE
    assert api.requests == [] and elsewhere.requests == []
    assert stored_orders(hub) == []


def test_a_read_back_that_fails_for_now_leaves_the_message_received(hub: Receiver, api: FakeEtsy) -> None:
    api.put(sample())
    api.fail_next(429, retry_after="45")
    inbox_id = accepted(hub, event(api.receipt_url(RECEIPT_ID)), "msg_1")
    with pytest.raises(TransientError) as info:
        hub.process(inbox_id, accounts=accounts)
    assert info.value.retry_after == 45.0
    (message,) = hub.messages()
    assert (message.status, message.attempts) == ("received", 1)
    assert stored_orders(hub) == []
    assert hub.process(inbox_id, accounts=accounts).detail.startswith("created order")


def test_a_read_back_of_a_missing_receipt_fails_visibly_and_can_be_replayed(hub: Receiver, api: FakeEtsy) -> None:
    inbox_id = accepted(hub, event(api.receipt_url(RECEIPT_ID)), "msg_1")
    assert hub.process(inbox_id, accounts=accounts).status == "failed"
    (message,) = hub.messages()
    assert message.status == "failed" and message.body
    assert (message.error or "").startswith("read-back failed: HTTP 404")
    api.put(sample())
    assert hub.process(inbox_id, replay=True, accounts=accounts).detail.startswith("created order")


def test_a_read_back_with_a_refused_key_fails_with_the_reason_and_no_secret(
    hub: Receiver, api: FakeEtsy, monkeypatch: pytest.MonkeyPatch
) -> None:
    api.put(sample())
    monkeypatch.setenv("ETSY_API_KEY", "leaked-looking-key")
    assert hub.process(accepted(hub, event(api.receipt_url(RECEIPT_ID)), "msg_1"), accounts=accounts).status == "failed"
    (message,) = hub.messages()
    assert (message.error or "").startswith("read-back failed: HTTP 401")
    assert "leaked-looking-key" not in (message.error or "")


@pytest.mark.parametrize("resource_url", [None, "", "  ", {"url": "https://openapi.etsy.com/v3/x"}, 42])
def test_an_event_without_a_resource_url_reads_nothing(hub: Receiver, api: FakeEtsy, resource_url: Any) -> None:
    assert hub.process(accepted(hub, event(resource_url), "msg_1"), accounts=accounts).status == "failed"
    (message,) = hub.messages()
    assert "order.paid event has no resource_url" in (message.error or "")
    assert api.requests == []


# -- reconciliation --


def put_receipts(api: FakeEtsy, count: int) -> None:
    for index in range(count):
        stamp = 1795168800 + 60 * index
        api.put(sample(receipt_id=3456790000 + index, updated_timestamp=stamp, update_timestamp=stamp))


def test_pull_pages_by_offset_and_moves_the_watermark(hub: Receiver, api: FakeEtsy) -> None:
    api.page_size = 2  # the API pages by 2: five receipts take three pages
    put_receipts(api, 5)
    result = pull_account(hub.database, "etsy", "shop1", accounts=accounts)
    assert (result.stored, result.read >= 5) == (5, True)
    assert result.watermark == datetime.fromtimestamp(1795168800 + 240, tz=UTC) == watermark(hub)
    assert all("min_last_modified" in seen.args for seen in api.requests[1:])  # keyset, not offsets
    first = api.requests[0].args
    assert (first["sort_on"], first["sort_order"], first["limit"]) == ("updated", "asc", "100")
    assert "min_last_modified" not in first
    assert [record.channel_order_id for record in stored_orders(hub)] == [str(3456790000 + i) for i in range(5)]

    api.requests.clear()
    again = pull_account(hub.database, "etsy", "shop1", accounts=accounts)
    assert (again.stored, again.read >= 1) == (0, True)  # min_last_modified is inclusive: the newest is read again
    assert api.requests[0].args["min_last_modified"] == str(1795168800 + 240)


def test_pull_rate_limited_keeps_the_watermark(hub: Receiver, api: FakeEtsy) -> None:
    api.page_size = 2
    put_receipts(api, 3)
    api.fail_next(429, retry_after="20", after=1)
    with pytest.raises(TransientError):
        pull_account(hub.database, "etsy", "shop1", accounts=accounts)
    assert watermark(hub) is None and len(stored_orders(hub)) == 2
    assert pull_account(hub.database, "etsy", "shop1", accounts=accounts).stored == 1


def test_pull_needs_a_numeric_shop_id() -> None:
    account = AccountContext("etsy", "shop1", {"shop_id": "my-shop", "base_url": "https://openapi.etsy.com/v3"})
    with pytest.raises(ConfigurationError, match="shop_id"):
        next(Etsy().pull(account, None))


# -- the URL guard and mapping functions --


def test_inside_base_accepts_resources_under_the_base() -> None:
    base = "https://openapi.etsy.com/v3/"
    for url in (
        "https://openapi.etsy.com/v3/application/shops/1/receipts/2",
        "HTTPS://OpenAPI.etsy.com/v3/application/shops/1/receipts/2?includes=transactions",
    ):
        assert inside_base(url, base) == url
    for url in ("https://openapi.etsy.com/v3", "https://openapi.etsy.com:8443/v3/x", "https://openapi.etsy.com:x/v3/a"):
        with pytest.raises(PermanentError, match="outside the account's API base"):
            inside_base(url, base)


def test_etsy_address_with_street() -> None:
    function = get_function("etsy_address_with_street")
    address = {"name": "Nora Lang", "country": "DE"}
    assert function(address, "12 Main St") == address
    assert function(address, None) is None and function(address, "  ") is None


def test_etsy_coupons_are_one_discount_at_the_currency_scale() -> None:
    function = get_function("etsy_coupons")
    assert function(3.0, 0, 100) == "3.00"
    assert function(2, 0.5, 100) == "2.50"
    assert function(1.5, None, 1) == "2"  # a currency without minor units (divisor 1), rounded half-even
    assert function(0.125, 0, None) == "0.125"
    assert [function(0, 0, 100), function(None, None, 100)] == [None, None]


def test_etsy_variations_become_line_attributes() -> None:
    variations = [
        {"property_id": 200, "formatted_name": "Size", "formatted_value": "Large"},
        {"property_id": 54, "formatted_name": "Personalization", "formatted_value": "Anna"},
        {"property_id": 55, "formatted_name": "Note", "formatted_value": ""},
        {"formatted_value": "orphan"},
        "not a variation",
    ]
    assert get_function("etsy_variations")(variations) == {"Size": "Large", "Personalization": "Anna"}
    assert get_function("etsy_variations")([]) is None
