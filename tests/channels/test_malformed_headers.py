"""Headers a webhook is verified and stored by, malformed on purpose, posted to the real Flask app over HTTP
(SQLite and PostgreSQL): a header a verifier cannot read is a refused signature (401, nothing stored), and an
odd but validly signed one is stored like any delivery (200). Never a 500."""

from __future__ import annotations

import base64
import hashlib
import json
import time
from collections.abc import Callable

import pytest

from tests.channels.conftest import Receiver
from tests.channels.signing import body_hmac, standard_headers, walmart_headers

PLAIN_SECRET = "header-test-signing-secret-0042"
STANDARD_SECRET = "whsec_" + base64.b64encode(b"orderhub-header-test-secret-0123").decode()
BODY = json.dumps({"type": "order.created", "source": {"eventType": "PO_CREATED"}, "payload": {}}).encode()


def add(receiver: Receiver, monkeypatch: pytest.MonkeyPatch, channel: str, secret: str) -> str:
    monkeypatch.setenv("HEADER_TEST_SECRET", secret)
    receiver.add_account(channel, "acct", webhook_secrets=["env:HEADER_TEST_SECRET"])
    return f"/webhooks/{channel}/acct"


def walmart_signed_with_stamp(path: str, stamp: str) -> dict[str, str]:
    """Walmart's signature computed honestly over a malformed timestamp: only the timestamp is wrong."""
    canonical = f"POST\n{path}\n{stamp}\n{hashlib.sha256(BODY).hexdigest()}"
    signature = body_hmac(PLAIN_SECRET, canonical.encode())
    return {"WM-SEC.TIMESTAMP": stamp, "WM-SEC.SIGNATURE": signature}


def walmart_with(**headers: str) -> Callable[[str], dict[str, str]]:
    def build(path: str) -> dict[str, str]:
        signed = {
            name.replace("_", "-"): value for name, value in walmart_headers(PLAIN_SECRET, "POST", path, BODY).items()
        }
        return signed | headers

    return build


def standard_with(message_id: str = "msg_1", **headers: str) -> Callable[[str], dict[str, str]]:
    """Standard Webhooks headers signed for ``message_id`` (so a long id is signed, not just long)."""
    return lambda path: standard_headers(STANDARD_SECRET, BODY, message_id) | headers


def shopify_with(**headers: str) -> Callable[[str], dict[str, str]]:
    return lambda path: (
        {
            "X-Shopify-Topic": "orders/create",
            "X-Shopify-Hmac-Sha256": body_hmac(PLAIN_SECRET, BODY),
            "X-Shopify-Event-Id": "evt-1",
        }
        | headers
    )


NOW = str(int(time.time()))

REFUSED = {
    "walmart timestamp of 400 digits": (
        "walmart",
        PLAIN_SECRET,
        lambda path: walmart_signed_with_stamp(path, "1" * 400),
    ),
    "walmart timestamp of 14 digits": ("walmart", PLAIN_SECRET, lambda path: walmart_signed_with_stamp(path, "1" * 14)),
    "walmart timestamp not digits": ("walmart", PLAIN_SECRET, lambda path: walmart_signed_with_stamp(path, "12e9")),
    "walmart signature of 10,000 characters": (
        "walmart",
        PLAIN_SECRET,
        walmart_with(**{"WM-SEC.SIGNATURE": "A" * 10_000}),
    ),
    "standard timestamp of 400 digits": (
        "standard",
        STANDARD_SECRET,
        standard_with(**{"webhook-timestamp": "9" * 400}),
    ),
    "standard timestamp as a float": ("standard", STANDARD_SECRET, standard_with(**{"webhook-timestamp": NOW + ".0"})),
    "standard id of 10,000 characters": ("standard", STANDARD_SECRET, standard_with("m" * 10_000)),
    "standard signature of 10,000 characters": (
        "standard",
        STANDARD_SECRET,
        standard_with(**{"webhook-signature": "v1," + "A" * 10_000}),
    ),
    "bigcommerce timestamp of 400 digits": (
        "bigcommerce",
        PLAIN_SECRET,
        standard_with(**{"webhook-timestamp": "9" * 400}),
    ),
    "etsy id of 10,000 characters": ("etsy", STANDARD_SECRET, standard_with("m" * 10_000)),
    "shopify hmac of 10,000 characters": (
        "shopify",
        PLAIN_SECRET,
        shopify_with(**{"X-Shopify-Hmac-Sha256": "A" * 10_000}),
    ),
    "woocommerce signature of 10,000 characters": (
        "woocommerce",
        PLAIN_SECRET,
        lambda path: {"X-WC-Webhook-Topic": "order.updated", "X-WC-Webhook-Signature": "A" * 10_000},
    ),
}


@pytest.mark.parametrize(("channel", "secret", "headers"), REFUSED.values(), ids=REFUSED.keys())
def test_a_malformed_signature_header_is_401_and_stores_nothing(
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
    channel: str,
    secret: str,
    headers: Callable[[str], dict[str, str]],
) -> None:
    path = add(receiver, monkeypatch, channel, secret)
    response = receiver.post(path, BODY, headers(path))
    assert response.status_code == 401, response.text
    assert response.json()["error"]["code"] == "invalid_signature"
    assert receiver.messages() == []


ODD_BUT_SIGNED = {
    "shopify event id of 300 characters": shopify_with(**{"X-Shopify-Event-Id": "e" * 300}),
    "shopify topic of 300 characters": shopify_with(**{"X-Shopify-Topic": "t" * 300}),
    "shopify triggered at the first instant of the calendar": shopify_with(
        **{"X-Shopify-Triggered-At": "0001-01-01T00:00:00+01:00"}
    ),
    "shopify triggered at of 400 digits": shopify_with(**{"X-Shopify-Triggered-At": "9" * 400}),
}


@pytest.mark.parametrize("headers", ODD_BUT_SIGNED.values(), ids=ODD_BUT_SIGNED.keys())
def test_odd_but_signed_headers_are_stored_and_answered_200(
    receiver: Receiver, monkeypatch: pytest.MonkeyPatch, headers: Callable[[str], dict[str, str]]
) -> None:
    path = add(receiver, monkeypatch, "shopify", PLAIN_SECRET)
    sent = headers(path)
    first = receiver.post(path, BODY, sent)
    assert first.status_code == 200 and first.json()["status"] == "accepted", first.text
    again = receiver.post(path, BODY, sent)  # a retry is still recognised as the same delivery
    assert again.status_code == 200 and again.json() == {"status": "duplicate", "id": first.json()["id"]}
    (message,) = receiver.messages()
    assert message.body == BODY and message.triggered_at is None  # no readable time: none is kept
    assert len(message.topic or "") <= 128 and len(message.dedupe_key or "") <= 255
