"""The BigCommerce channel end to end: thin Standard Webhooks deliveries over real HTTP into the receiver, the
order read back from a fake BigCommerce REST v2 API on loopback, reconciliation, the CLI, and its mapping
functions."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from hub.channels.pull import pull_account
from hub.mapping.functions import get_function
from hub.sdk.errors import TransientError
from tests.channels.conftest import Receiver, accounts, event_types, stored_orders, watermark
from tests.channels.signing import standard_headers
from tests.fakes.bigcommerce import FakeBigCommerce
from tests.processes import hub_env

CLIENT_SECRET = "bc-app-client-secret-7e2a9c41f0d3"  # the app's client secret, used as it is
TOKEN = "bc_access_token_3c8f0a6e91d2"
PATH = "/webhooks/bigcommerce/store1"
ORDER_ID = 100231
SAMPLES = Path(__file__).resolve().parent / "samples" / "bigcommerce"
GOLDEN = Path(__file__).resolve().parents[2] / "mappings" / "bigcommerce" / "order.cases"


def sample(file: str) -> Any:
    return json.loads((SAMPLES / f"{file}.json").read_text(encoding="utf-8"))


def event(scope: str = "store/order/created", order_id: Any = ORDER_ID) -> bytes:
    data = sample("order_created")
    data["scope"], data["data"]["id"] = scope, order_id
    return json.dumps(data).encode()


def bc_headers(
    body: bytes, message_id: str, *, secret: str = CLIENT_SECRET, timestamp: int | None = None
) -> dict[str, str]:
    headers = standard_headers(secret, body, message_id, timestamp, raw_secret=True)
    return headers | {"Content-Type": "application/json", "User-Agent": "BigCommerce-Webhooks/1.0"}


def accepted(hub: Receiver, body: bytes, message_id: str) -> int:
    response = hub.post(PATH, body, bc_headers(body, message_id))
    assert response.status_code == 200 and response.json()["status"] == "accepted", response.text
    return int(response.json()["id"])


def put_sample_order(store: FakeBigCommerce, **changes: Any) -> None:
    store.put(sample("order") | changes, sample("products"), sample("shipping_addresses"))


@pytest.fixture
def store() -> Iterator[FakeBigCommerce]:
    with FakeBigCommerce(token=TOKEN) as fake:
        yield fake


@pytest.fixture
def hub(receiver: Receiver, store: FakeBigCommerce, monkeypatch: pytest.MonkeyPatch) -> Receiver:
    monkeypatch.setenv("BC_CLIENT_SECRET", CLIENT_SECRET)
    monkeypatch.setenv("BC_ACCESS_TOKEN", TOKEN)
    receiver.add_account(
        "bigcommerce",
        "store1",
        webhook_secrets=["env:BC_CLIENT_SECRET"],
        base_url=store.base_url,
        access_token="env:BC_ACCESS_TOKEN",
    )
    return receiver


# -- webhooks and read-back --


def test_a_thin_webhook_is_read_back_into_the_golden_order(hub: Receiver, store: FakeBigCommerce) -> None:
    put_sample_order(store)
    inbox_id = accepted(hub, event(), "msg_1")
    outcome = hub.process(inbox_id, accounts=accounts)
    assert outcome.status == "processed" and outcome.detail.startswith("created order ord_"), outcome
    webhook, read_back = hub.messages()
    assert (webhook.source, webhook.topic, webhook.status) == ("webhook", "store/order/created", "processed")
    assert webhook.error == f"read back as inbox message {read_back.id}"
    assert (read_back.source, read_back.topic, read_back.status) == ("read-back", "order", "processed")
    assert read_back.dedupe_key == f"order:{ORDER_ID}:Fri, 20 Nov 2026 10:02:30 +0000"
    assert json.loads(read_back.body) == json.loads((GOLDEN / "awaiting_fulfillment.in.json").read_text())
    (record,) = stored_orders(hub)
    assert {**record.document, "id": None} == json.loads((GOLDEN / "awaiting_fulfillment.out.json").read_text())
    prefix = f"/stores/abc123/v2/orders/{ORDER_ID}"
    assert [seen.path for seen in store.requests] == [prefix, f"{prefix}/products", f"{prefix}/shipping_addresses"]
    assert {seen.token for seen in store.requests} == {TOKEN}


def test_each_event_reads_the_current_order_and_a_version_is_stored_once(hub: Receiver, store: FakeBigCommerce) -> None:
    put_sample_order(store)
    hub.process(accepted(hub, event("store/order/created"), "msg_1"), accounts=accounts)
    # store/order/updated for the same version: read back again, found already stored, nothing changes.
    outcome = hub.process(accepted(hub, event("store/order/updated"), "msg_2"), accounts=accounts)
    assert outcome.status == "processed" and outcome.detail.startswith("unchanged order"), outcome
    assert [message.source for message in hub.messages()] == ["webhook", "read-back", "webhook"]
    # The merchant cancels: statusUpdated reads the new version, which cancels the order.
    put_sample_order(store, status_id=5, status="Cancelled", date_modified="Fri, 20 Nov 2026 15:00:00 +0000")
    outcome = hub.process(accepted(hub, event("store/order/statusUpdated"), "msg_3"), accounts=accounts)
    assert outcome.detail.startswith("cancelled order"), outcome
    (record,) = stored_orders(hub)
    assert (record.status, record.payment_status) == ("cancelled", "voided")
    assert event_types(hub) == ["order.received", "order.cancelled"]


def test_a_refund_event_reads_the_refunded_order_back(hub: Receiver, store: FakeBigCommerce) -> None:
    put_sample_order(store)
    hub.process(accepted(hub, event("store/order/created"), "msg_1"), accounts=accounts)
    put_sample_order(
        store,
        status_id=14,
        status="Partially Refunded",
        refunded_amount="12.0000",
        date_modified="Sat, 21 Nov 2026 09:15:00 +0000",
    )
    refund = json.loads(event("store/order/refund/created"))
    refund["data"]["refund"] = {"refund_id": 7}  # the refund event names the refund beside the order
    outcome = hub.process(accepted(hub, json.dumps(refund).encode(), "msg_2"), accounts=accounts)
    assert outcome.status == "processed" and outcome.detail.startswith("updated order"), outcome
    (record,) = stored_orders(hub)
    assert record.payment_status == "partially_refunded" and record.status == "received"
    assert event_types(hub) == ["order.received", "order.updated"]


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda body, headers: (body.replace(b"100231", b"100232"), headers), "tampered body"),
        (lambda body, headers: (body, bc_headers(body, "msg_1", secret="another-apps-secret")), "wrong secret"),
        (
            lambda body, headers: (body, bc_headers(body, "msg_1", timestamp=int(time.time()) - 3600)),
            "stale timestamp",
        ),
        (
            lambda body, headers: (body, bc_headers(body, "msg_1", timestamp=int(time.time()) + 3600)),
            "timestamp in the future",
        ),
        (lambda body, headers: (body, headers | {"webhook-id": "msg_other"}), "id not the one signed"),
        (lambda body, headers: (body, {k: v for k, v in headers.items() if k != "webhook-signature"}), "no signature"),
        (lambda body, headers: (body, {k: v for k, v in headers.items() if k != "webhook-timestamp"}), "no timestamp"),
        (lambda body, headers: (body, {k: v for k, v in headers.items() if k != "webhook-id"}), "no id"),
    ],
)
def test_bad_signatures_are_401_and_store_nothing(
    hub: Receiver, store: FakeBigCommerce, mutate: Any, reason: str
) -> None:
    body = event()
    sent, headers = mutate(body, bc_headers(body, "msg_1"))
    response = hub.post(PATH, sent, headers)
    assert response.status_code == 401, reason
    assert response.json()["error"]["code"] == "invalid_signature"
    assert hub.messages() == [] and store.requests == []


def test_a_retried_delivery_is_stored_once(hub: Receiver) -> None:
    body = event()
    first = hub.post(PATH, body, bc_headers(body, "msg_retry", timestamp=int(time.time()) - 60))
    # A retry carries the same webhook-id with a new timestamp and signature.
    again = hub.post(PATH, body, bc_headers(body, "msg_retry"))
    assert (first.json()["status"], again.json()["status"]) == ("accepted", "duplicate")
    assert len(hub.messages()) == 1


@pytest.mark.parametrize(
    ("status", "after"), [(429, 0), (500, 1), (503, 2)], ids=["order 429", "products 500", "addr 503"]
)
def test_a_read_back_that_fails_for_now_leaves_the_message_received(
    hub: Receiver, store: FakeBigCommerce, status: int, after: int
) -> None:
    put_sample_order(store)
    store.fail_next(status, retry_after="30" if status == 429 else None, after=after)
    inbox_id = accepted(hub, event(), "msg_1")
    with pytest.raises(TransientError) as info:
        hub.process(inbox_id, accounts=accounts)
    assert info.value.retry_after == (30.0 if status == 429 else None)
    (message,) = hub.messages()
    assert (message.status, message.attempts) == ("received", 1)
    assert stored_orders(hub) == []
    # The worker's retry succeeds once BigCommerce answers again.
    assert hub.process(inbox_id, accounts=accounts).detail.startswith("created order")


def test_a_read_back_of_a_missing_order_fails_visibly_and_can_be_replayed(
    hub: Receiver, store: FakeBigCommerce
) -> None:
    inbox_id = accepted(hub, event(), "msg_1")
    outcome = hub.process(inbox_id, accounts=accounts)
    assert outcome.status == "failed"
    (message,) = hub.messages()
    assert message.status == "failed" and message.body == event()
    assert (message.error or "").startswith("read-back failed: HTTP 404")
    assert stored_orders(hub) == []
    put_sample_order(store)  # e.g. the order became visible to the API a little later
    assert hub.process(inbox_id, replay=True, accounts=accounts).detail.startswith("created order")
    assert len(stored_orders(hub)) == 1


def test_a_read_back_with_a_refused_token_fails_with_the_reason_and_no_secret(
    hub: Receiver, store: FakeBigCommerce, monkeypatch: pytest.MonkeyPatch
) -> None:
    put_sample_order(store)
    monkeypatch.setenv("BC_ACCESS_TOKEN", "revoked-token-value")
    assert hub.process(accepted(hub, event(), "msg_1"), accounts=accounts).status == "failed"
    (message,) = hub.messages()
    assert (message.error or "").startswith("read-back failed: HTTP 401")
    assert "revoked-token-value" not in (message.error or "")


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        (event(order_id=None), "failed", "store/order/created event has no order id"),
        (event(order_id="../../v3/catalog"), "failed", "store/order/created event has no order id"),
        (event(order_id=-4), "failed", "store/order/created event has no order id"),
        (event(scope="store/cart/created"), "ignored", "bigcommerce topic 'store/cart/created' is not handled"),
        (b'{"scope": ', "failed", "body is not valid JSON"),
    ],
    ids=["no id", "path as id", "negative id", "unhandled scope", "not json"],
)
def test_events_that_name_no_order_read_nothing(
    hub: Receiver, store: FakeBigCommerce, body: bytes, status: str, error: str
) -> None:
    assert hub.process(accepted(hub, body, "msg_1"), accounts=accounts).status == status
    (message,) = hub.messages()
    assert error in (message.error or "")
    assert store.requests == []


def test_an_order_with_more_products_than_one_page_is_read_whole(hub: Receiver, store: FakeBigCommerce) -> None:
    template = sample("products")[1]
    products = [template | {"id": 10_000 + index, "sku": f"SKU-{index:03d}"} for index in range(251)]
    store.put(sample("order"), products, sample("shipping_addresses"))
    assert hub.process(accepted(hub, event(), "msg_1"), accounts=accounts).detail.startswith("created order")
    (record,) = stored_orders(hub)
    assert len(record.document["lines"]) == 251
    pages = [seen.args.get("page") for seen in store.requests if seen.path.endswith("/products")]
    assert pages == ["1", "2"]


# -- reconciliation --


def put_orders(store: FakeBigCommerce, count: int) -> None:
    for index in range(count):
        put_sample_order(store, id=200_000 + index, date_modified=f"Fri, 20 Nov 2026 10:0{index}:00 +0000")


def test_pull_pages_until_no_content_and_moves_the_watermark(hub: Receiver, store: FakeBigCommerce) -> None:
    store.page_size = 2  # the store pages by 2: three orders take two pages, the third answers 204
    put_orders(store, 3)
    result = pull_account(hub.database, "bigcommerce", "store1", accounts=accounts)
    assert (result.stored, result.read >= 3) == (3, True)
    assert result.watermark == datetime(2026, 11, 20, 10, 2, tzinfo=UTC) == watermark(hub)
    listing = [seen for seen in store.requests if seen.path.endswith("/v2/orders")]
    assert all("min_date_modified" in seen.args for seen in listing[1:])  # keyset, not page numbers
    assert (listing[0].args["sort"], listing[0].args["limit"]) == ("date_modified:asc", "250")
    assert "min_date_modified" not in listing[0].args
    assert [record.channel_order_id for record in stored_orders(hub)] == ["200000", "200001", "200002"]
    assert all(len(record.document["lines"]) == 2 for record in stored_orders(hub))

    store.requests.clear()
    again = pull_account(hub.database, "bigcommerce", "store1", accounts=accounts)
    assert (again.stored, again.read >= 1) == (0, True)  # min_date_modified is inclusive: the newest is read again
    assert store.requests[0].args["min_date_modified"] == "Fri, 20 Nov 2026 10:02:00 +0000"


def test_pull_rate_limited_keeps_the_watermark(hub: Receiver, store: FakeBigCommerce) -> None:
    put_orders(store, 2)
    store.fail_next(429, retry_after="12", after=3)  # the second order's products
    with pytest.raises(TransientError) as info:
        pull_account(hub.database, "bigcommerce", "store1", accounts=accounts)
    assert info.value.retry_after == 12.0
    assert watermark(hub) is None and len(stored_orders(hub)) == 1
    result = pull_account(hub.database, "bigcommerce", "store1", accounts=accounts)
    assert (result.stored, result.read >= 2) == (1, True)


# -- the CLI --


def run_normalize(tmp_path: Path, data: Any, *options: str) -> subprocess.CompletedProcess[str]:
    file = tmp_path / "payload.json"
    file.write_text(json.dumps(data), encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "hub", "normalize", "bigcommerce", str(file), *options],
        env=hub_env(HUB_DATA_DIR=str(tmp_path / "data")),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_normalize_prints_what_a_webhook_reads_back_and_what_the_order_becomes(tmp_path: Path) -> None:
    thin = run_normalize(tmp_path, sample("order_created"))
    assert thin.returncode == 0, thin.stderr
    assert json.loads(thin.stdout) == {
        "topic": "store/order/created",
        "action": "read_back",
        "read_back": {"order_id": ORDER_ID},
    }
    full = run_normalize(
        tmp_path, json.loads((GOLDEN / "awaiting_fulfillment.in.json").read_text()), "--topic", "order"
    )
    assert full.returncode == 0, full.stderr
    (document,) = json.loads(full.stdout)["documents"]
    assert document == json.loads((GOLDEN / "awaiting_fulfillment.out.json").read_text())


# -- mapping functions --


def test_bigcommerce_id_treats_zero_as_none() -> None:
    function = get_function("bigcommerce_id")
    assert [function(value) for value in (4417, "4417", 0, "0", None, "", False)] == ["4417", "4417"] + [None] * 5


def test_bigcommerce_require_one_address_refuses_split_shipments() -> None:
    function = get_function("bigcommerce_require_one_address")
    assert function([]) is None and function([{"id": 1}]) is None and function(None) is None
    with pytest.raises(ValueError, match="ships to 3 addresses"):
        function([{"id": 1}, {"id": 2}, {"id": 3}])


def test_bigcommerce_options_become_line_attributes() -> None:
    options = [
        {"display_name": "Colour", "display_value": "Black"},
        {"display_name": "Engraving", "display_value": " For Sam "},
        {"display_name": "Gift message", "display_value": ""},
        {"display_name": "", "display_value": "orphan"},
        {"display_name": "Count", "display_value": 3},
        "not an option",
    ]
    assert get_function("bigcommerce_options")(options) == {"Colour": "Black", "Engraving": "For Sam", "Count": "3"}
    assert get_function("bigcommerce_options")([]) is None
