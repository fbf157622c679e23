"""Walmart Marketplace end to end: signed event webhooks over real HTTP into the receiver, read back from a fake
Orders API on loopback, and polling with Walmart's cursor; on SQLite and PostgreSQL. Plus the mapping
functions Walmart's order needs.

Walmart names its signature headers WM_SEC.SIGNATURE and WM_SEC.TIMESTAMP. WSGI servers (werkzeug, which the
test receiver runs on, and gunicorn, which ``orderhub serve`` runs) drop header names containing underscores,
so the deliveries here spell them WM-SEC.*, as a proxy in front of the hub has to rewrite them today;
``test_walmart_header_names_reach_the_hub`` records the gap."""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from hub.channels import oauth
from hub.channels.pull import PullResult, pull_account
from hub.channels.sources import walmart as walmart_source
from hub.mapping.functions import get_function
from hub.sdk.errors import TransientError
from tests.channels.conftest import Receiver, accounts, event_types, stored_documents, watermark
from tests.channels.signing import walmart_headers
from tests.fakes.walmart import FakeWalmart

SAMPLES = Path(__file__).parent / "samples" / "walmart"
ORDERS: list[dict[str, Any]] = json.loads((SAMPLES / "orders.json").read_text())
FIRST, SECOND, THIRD = (order["purchaseOrderId"] for order in ORDERS)
SECRET = "walmart-webhook-signing-secret-0042"
PATH = "/webhooks/walmart/seller1"


def event(purchase_order_id: str, kind: str = "PO_CREATED", event_id: str = "e7b1c2d4-0001") -> bytes:
    return json.dumps(
        {
            "source": {"eventType": kind, "eventId": event_id, "eventTime": "2026-03-06T15:01:05.000Z"},
            "payload": {"purchaseOrderId": purchase_order_id, "customerOrderId": "200090000000001"},
        }
    ).encode()


def signed(body: bytes, secret: str = SECRET, **kwargs: Any) -> dict[str, str]:
    """Walmart's headers for ``body``, named as they can pass a WSGI server (WM-SEC.*)."""
    headers = walmart_headers(secret, "POST", PATH, body, **kwargs)
    return {name.replace("_", "-"): value for name, value in headers.items()} | {"content-type": "application/json"}


@pytest.fixture
def fake() -> Iterator[FakeWalmart]:
    with FakeWalmart(page_size=2) as server:
        yield server


@pytest.fixture
def hub(receiver: Receiver, fake: FakeWalmart, monkeypatch: pytest.MonkeyPatch) -> Receiver:
    monkeypatch.setattr(walmart_source, "_tokens", oauth.TokenCache())
    monkeypatch.setenv("WM_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("WM_CLIENT_ID", fake.client_id)
    monkeypatch.setenv("WM_CLIENT_SECRET", fake.client_secret)
    receiver.add_account(
        "walmart",
        "seller1",
        base_url=fake.url,
        webhook_secrets=["env:WM_WEBHOOK_SECRET"],
        client_id="env:WM_CLIENT_ID",
        client_secret="env:WM_CLIENT_SECRET",
        initial_days="700",  # the samples are from March
    )
    return receiver


def pull(hub: Receiver) -> PullResult:
    return pull_account(hub.database, "walmart", "seller1", accounts=accounts)


def cancelled(order: dict[str, Any], when_ms: int) -> dict[str, Any]:
    changed = copy.deepcopy(order)
    for line in changed["orderLines"]["orderLine"]:
        (status,) = line["orderLineStatuses"]["orderLineStatus"]
        status.update(status="Cancelled", cancellationReason="SELLER_CANCEL_OUT_OF_STOCK")
        line["statusDate"] = when_ms
    return changed


# -- webhooks --


def test_a_signed_event_is_read_back_and_becomes_the_order(hub: Receiver, fake: FakeWalmart) -> None:
    fake.put(ORDERS[0])
    body = event(FIRST)
    response = hub.post(PATH, body, signed(body))
    assert response.status_code == 200 and response.json()["status"] == "accepted", response.text
    outcome = hub.process(response.json()["id"], accounts=accounts)
    assert outcome.status == "processed" and outcome.detail.startswith("created order ord_")

    webhook, read_back = hub.messages()
    assert (webhook.source, webhook.topic, webhook.status) == ("webhook", "PO_CREATED", "processed")
    assert webhook.error == f"read back as inbox message {read_back.id}"
    assert webhook.headers["wm-sec.timestamp"]
    assert webhook.triggered_at is not None and abs(time.time() - webhook.triggered_at.timestamp()) < 60
    assert (read_back.source, read_back.topic, read_back.status) == ("read-back", "order", "processed")
    assert json.loads(read_back.body) == ORDERS[0]

    order = stored_documents(hub)[FIRST]
    assert order["number"] == "200090000000001" and order["ship_to"]["country"] == "US"
    assert order["totals"]["subtotal"] == {"amount": "41.97", "currency": "USD"}
    assert order["totals"]["total"] == {"amount": "45.23", "currency": "USD"}
    assert [line["quantity"] for line in order["lines"]] == [1, 2]
    assert order["lines"][1]["unit_price"] == {"amount": "5.99", "currency": "USD"}
    assert event_types(hub) == ["order.received"]

    (fetch,) = [seen for seen in fake.api_requests() if seen.path == f"/v3/orders/{FIRST}"]
    assert fetch.headers["WM_SVC.NAME"] == "Walmart Marketplace"
    assert fetch.headers["WM_QOS.CORRELATION_ID"] and fetch.headers["Accept"] == "application/json"


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda body, headers: (body + b" ", headers), "tampered body"),
        (lambda body, headers: (body, signed(body, secret="someone-elses-secret")), "wrong secret"),
        (
            lambda body, headers: (body, signed(body, timestamp_ms=int((time.time() - 900) * 1000))),
            "stale timestamp",
        ),
        (lambda body, headers: (body, {k: v for k, v in headers.items() if k != "WM-SEC.SIGNATURE"}), "no signature"),
        (lambda body, headers: (body, {k: v for k, v in headers.items() if k != "WM-SEC.TIMESTAMP"}), "no timestamp"),
    ],
)
def test_requests_not_signed_by_the_account_are_401_and_store_nothing(hub: Receiver, mutate: Any, reason: str) -> None:
    body = event(FIRST)
    sent, headers = mutate(body, signed(body))
    response = hub.post(PATH, sent, headers)
    assert response.status_code == 401, reason
    assert response.json()["error"]["code"] == "invalid_signature"
    assert hub.messages() == []


def test_walmart_header_names_reach_the_hub(hub: Receiver) -> None:
    body = event(FIRST)
    headers = walmart_headers(SECRET, "POST", PATH, body) | {"content-type": "application/json"}
    assert hub.post(PATH, body, headers).status_code == 200


def test_a_redelivered_event_is_stored_once(hub: Receiver, fake: FakeWalmart) -> None:
    fake.put(ORDERS[0])
    body = event(FIRST)
    first = hub.post(PATH, body, signed(body))
    time.sleep(0.01)
    again = hub.post(PATH, body, signed(body))  # Walmart's retry: same bytes, signed again at a new time
    assert (first.json()["status"], again.json()["status"]) == ("accepted", "duplicate")
    assert first.json()["id"] == again.json()["id"]
    for _ in range(2):
        hub.process(first.json()["id"], accounts=accounts)
    assert len(hub.messages()) == 2 and event_types(hub) == ["order.received"]


def test_a_read_back_of_an_unknown_order_fails_with_the_reason_and_can_be_replayed(
    hub: Receiver, fake: FakeWalmart
) -> None:
    body = event(SECOND)
    inbox_id = hub.post(PATH, body, signed(body)).json()["id"]
    outcome = hub.process(inbox_id, accounts=accounts)
    assert outcome.status == "failed"
    (message,) = hub.messages()
    assert message.status == "failed"
    assert message.error is not None and message.error.startswith("read-back failed: HTTP 404")
    assert "not found" in message.error and stored_documents(hub) == {}

    fake.put(ORDERS[1])  # Walmart had not published the order yet
    assert hub.process(inbox_id, replay=True, accounts=accounts).status == "processed"
    assert set(stored_documents(hub)) == {SECOND}


def test_a_throttled_read_back_is_retried_later(hub: Receiver, fake: FakeWalmart) -> None:
    fake.put(ORDERS[0])
    fake.fail_next(429, retry_after="30", path=f"/v3/orders/{FIRST}")
    body = event(FIRST)
    inbox_id = hub.post(PATH, body, signed(body)).json()["id"]
    with pytest.raises(TransientError) as info:
        hub.process(inbox_id, accounts=accounts)
    assert info.value.retry_after == 30.0
    assert [message.status for message in hub.messages()] == ["received"]
    assert hub.process(inbox_id, accounts=accounts).status == "processed"


def test_an_autocancel_event_cancels_the_stored_order(hub: Receiver, fake: FakeWalmart) -> None:
    fake.put(ORDERS[2])
    body = event(THIRD)
    hub.process(hub.post(PATH, body, signed(body)).json()["id"], accounts=accounts)
    fake.put(cancelled(ORDERS[2], ORDERS[2]["orderDate"] + 3_600_000))
    body = event(THIRD, kind="PO_LINE_AUTOCANCELLED", event_id="e7b1c2d4-0002")
    assert hub.process(hub.post(PATH, body, signed(body)).json()["id"], accounts=accounts).status == "processed"
    order = stored_documents(hub)[THIRD]
    assert (order["status"], order["payment_status"], order["lines"][0]["quantity"]) == ("cancelled", "voided", 0)
    assert event_types(hub) == ["order.received", "order.cancelled"]


def test_events_walmart_sends_that_are_not_about_orders_are_kept_and_ignored(hub: Receiver, fake: FakeWalmart) -> None:
    body = json.dumps({"source": {"eventType": "OFFER_UNPUBLISHED", "eventId": "x1"}, "payload": {"sku": "A"}}).encode()
    inbox_id = hub.post(PATH, body, signed(body)).json()["id"]
    assert hub.process(inbox_id, accounts=accounts).status == "ignored"
    assert fake.api_requests() == []


def test_an_order_event_without_a_purchase_order_fails_visibly(hub: Receiver) -> None:
    body = json.dumps({"source": {"eventType": "PO_CREATED", "eventId": "x2"}, "payload": {}}).encode()
    inbox_id = hub.post(PATH, body, signed(body)).json()["id"]
    assert hub.process(inbox_id, accounts=accounts).status == "failed"
    (message,) = hub.messages()
    assert "the PO_CREATED event names no purchase order" in (message.error or "")


# -- polling --


def test_polling_follows_the_cursor_and_stores_each_order_once(hub: Receiver, fake: FakeWalmart) -> None:
    for order in ORDERS:
        fake.put(order)
    result = pull(hub)
    assert (result.read, result.stored) == (3, 3)
    assert set(stored_documents(hub)) == {FIRST, SECOND, THIRD}
    assert event_types(hub) == ["order.received"] * 3
    assert watermark(hub) == datetime(2026, 3, 6, 17, 1, tzinfo=UTC)

    first_page, second_page = fake.api_requests()
    assert first_page.args["limit"] == "100" and "lastModifiedStartDate" in first_page.args
    assert second_page.args["hasMoreElements"] == "true" and "nextCursor" not in second_page.args
    correlation_ids = {seen.headers["WM_QOS.CORRELATION_ID"] for seen in fake.requests}
    assert len(correlation_ids) == len(fake.requests) == 3  # token + two pages, each with its own id
    assert fake.token_requests == 1

    again = pull(hub)
    assert again.stored == 0 and event_types(hub) == ["order.received"] * 3
    assert fake.api_requests()[-1].args["lastModifiedStartDate"] == "2026-03-06T16:56:00Z"


def test_a_webhook_read_back_and_a_poll_of_the_same_version_are_one_message(hub: Receiver, fake: FakeWalmart) -> None:
    fake.put(ORDERS[0])
    body = event(FIRST)
    hub.process(hub.post(PATH, body, signed(body)).json()["id"], accounts=accounts)
    assert pull(hub).stored == 0
    assert len(hub.messages()) == 2  # the event and its read-back; the poll found nothing new


@pytest.mark.parametrize(("status", "retry_after"), [(429, "12"), (503, None)])
def test_a_failure_on_a_later_page_leaves_the_watermark_and_a_repull_is_idempotent(
    hub: Receiver, fake: FakeWalmart, status: int, retry_after: str | None
) -> None:
    for order in ORDERS:
        fake.put(order)
    fake.fail_next(status, retry_after=retry_after, path="/v3/orders", after=1)
    with pytest.raises(TransientError):
        pull(hub)
    assert watermark(hub) is None and set(stored_documents(hub)) == {FIRST, SECOND}
    result = pull(hub)
    assert (result.read, result.stored) == (3, 1)
    assert event_types(hub) == ["order.received"] * 3


def test_a_changed_order_updates_the_stored_one(hub: Receiver, fake: FakeWalmart) -> None:
    fake.put(ORDERS[1])
    pull(hub)
    shipped = copy.deepcopy(ORDERS[1])
    (line,) = shipped["orderLines"]["orderLine"]
    line["orderLineStatuses"]["orderLineStatus"][0]["status"] = "Shipped"
    line["statusDate"] += 86_400_000
    fake.put(shipped)
    assert pull(hub).stored == 1
    order = stored_documents(hub)[SECOND]
    assert order["payment_status"] == "paid" and order["updated_at"] == "2026-03-07T16:01:00Z"
    assert event_types(hub) == ["order.received", "order.updated"]


def test_an_expired_token_is_refreshed_once(hub: Receiver, fake: FakeWalmart) -> None:
    fake.put(ORDERS[0])
    pull(hub)
    fake.revoke_tokens()
    fake.put(ORDERS[1])
    assert pull(hub).stored == 1
    assert fake.token_requests == 2


def test_no_matching_orders_is_an_empty_pull(hub: Receiver, fake: FakeWalmart) -> None:
    result = pull(hub)  # Walmart answers 404 when nothing matches
    assert (result.read, result.stored, result.watermark) == (0, 0, None)


# -- mapping functions --


def line(quantity: str, *statuses: tuple[str, str]) -> dict[str, Any]:
    return {
        "orderLineQuantity": {"unitOfMeasurement": "EACH", "amount": quantity},
        "orderLineStatuses": {
            "orderLineStatus": [{"status": name, "statusQuantity": {"amount": amount}} for name, amount in statuses]
        },
    }


@pytest.mark.parametrize(
    ("lines", "cancelled_all", "payment"),
    [
        ([line("2", ("Created", "2"))], False, "authorized"),
        ([line("2", ("Shipped", "1"), ("Acknowledged", "1"))], False, "partially_paid"),
        ([line("2", ("Shipped", "1"), ("Cancelled", "1"))], False, "paid"),
        ([line("1", ("Delivered", "1")), line("3", ("Cancelled", "3"))], False, "paid"),
        ([line("1", ("Cancelled", "1")), line("2", ("Cancelled", "2"))], True, "voided"),
        (None, None, None),
    ],
)
def test_walmart_line_statuses(lines: Any, cancelled_all: bool | None, payment: str | None) -> None:
    assert get_function("walmart_all_cancelled")(lines) is cancelled_all
    assert get_function("walmart_payment_status")(lines) == payment


@pytest.mark.parametrize(
    ("amounts", "expected"),
    [([29.97, -1.5], "1.5"), (["10.00", "-2.00", "-0.50"], "2.50"), ([12.0], None), (None, None)],
)
def test_walmart_discount(amounts: Any, expected: str | None) -> None:
    assert get_function("walmart_discount")(amounts) == expected


def test_walmart_last_status_date() -> None:
    function = get_function("walmart_last_status_date")
    assert function([{"statusDate": 1772809260000}, {"statusDate": 1772812860000}, {}]) == 1772812860000
    assert function([]) is None and function(None) is None
    with pytest.raises(ValueError, match="list of order lines"):
        function({"orderLine": []})
