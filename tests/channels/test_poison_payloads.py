"""Validly signed bodies that break Python's own limits fail their message with a reason; they never raise.

Each body is signed with the account's real secret and posted over HTTP to the receiver (SQLite and
PostgreSQL), then processed the way the worker does it: the message ends ``failed`` with an error naming what
was wrong and where, and its body stays stored for a replay. ``orderhub normalize`` prints the same reason on
one line.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.channels.conftest import Receiver, accounts
from tests.channels.signing import body_hmac, standard_headers, walmart_headers

STANDARD_SECRET = "whsec_" + base64.b64encode(b"orderhub-poison-test-secret-012345").decode()
PLAIN_SECRET = "poison-test-signing-secret-0042"
SHOPIFY_SAMPLES = Path(__file__).resolve().parent / "samples" / "shopify"


def _standard(body: bytes, path: str) -> dict[str, str]:
    return standard_headers(STANDARD_SECRET, body, "msg_poison")


def _bigcommerce(body: bytes, path: str) -> dict[str, str]:
    return standard_headers(PLAIN_SECRET, body, "msg_poison", raw_secret=True)


def _walmart(body: bytes, path: str) -> dict[str, str]:
    headers = walmart_headers(PLAIN_SECRET, "POST", path, body)
    return {name.replace("_", "-"): value for name, value in headers.items()}


def _shopify(body: bytes, path: str) -> dict[str, str]:
    return {
        "X-Shopify-Topic": "orders/create",
        "X-Shopify-Hmac-Sha256": body_hmac(PLAIN_SECRET, body),
        "X-Shopify-Event-Id": "evt-poison",
    }


def _woocommerce(body: bytes, path: str) -> dict[str, str]:
    return {
        "X-WC-Webhook-Topic": "order.updated",
        "X-WC-Webhook-Signature": body_hmac(PLAIN_SECRET, body),
        "X-WC-Webhook-Delivery-ID": "d-poison",
    }


Signer = Callable[[bytes, str], dict[str, str]]
CHANNELS: dict[str, tuple[str, Signer]] = {
    "standard": (STANDARD_SECRET, _standard),
    "etsy": (STANDARD_SECRET, _standard),
    "bigcommerce": (PLAIN_SECRET, _bigcommerce),
    "walmart": (PLAIN_SECRET, _walmart),
    "shopify": (PLAIN_SECRET, _shopify),
    "woocommerce": (PLAIN_SECRET, _woocommerce),
}


def nested(levels: int) -> str:
    return "[" * levels + "]" * levels


def shopify_order(**changes: Any) -> str:
    data = json.loads((SHOPIFY_SAMPLES / "orders_create.json").read_text(encoding="utf-8"))
    data.update(changes)
    return json.dumps(data)


def delivered(receiver: Receiver, monkeypatch: pytest.MonkeyPatch, channel: str, body: bytes) -> tuple[str, str]:
    """Post ``body`` signed for ``channel``, process it; the message's status and error."""
    secret, sign = CHANNELS[channel]
    monkeypatch.setenv("POISON_SECRET", secret)
    # No API is reachable on port 9: a body that got as far as a read-back would fail there, visibly.
    receiver.add_account(channel, "acct", webhook_secrets=["env:POISON_SECRET"], base_url="http://127.0.0.1:9/api")
    path = f"/webhooks/{channel}/acct"
    response = receiver.post(path, body, sign(body, path) | {"Content-Type": "application/json"})
    assert response.status_code == 200 and response.json()["status"] == "accepted", response.text
    receiver.process(int(response.json()["id"]), accounts=accounts)
    (message,) = receiver.messages()
    assert message.body == body  # kept for a replay
    return message.status, message.error or ""


DEEP = "body is nested deeper than 64 levels (line 1 column "


@pytest.mark.parametrize("channel", sorted(CHANNELS))
def test_json_nested_a_thousand_levels_deep_fails_the_message(
    receiver: Receiver, monkeypatch: pytest.MonkeyPatch, channel: str
) -> None:
    body = ('{"type": "order.created", "scope": "store/order/created", "data": ' + nested(1000) + "}").encode()
    status, error = delivered(receiver, monkeypatch, channel, body)
    assert status == "failed" and error.startswith(DEEP), error


CASES = {
    "standard type is a list": (
        "standard",
        '{"type": ["order.created"], "data": {}}',
        "type must be text, found a list",
    ),
    "standard type is an enormous integer": (
        "standard",
        '{"type": 1' + "0" * 400 + ', "data": {}}',
        "an integer of 401 digits (at most 20) at $.type",
    ),
    "standard type is a number": ("standard", '{"type": 7, "data": {}}', "type must be text, found a number"),
    "standard NaN": (
        "standard",
        '{"type": "order.created", "data": {"lines": [{"quantity": NaN}]}}',
        "NaN is not a JSON number at $.data.lines[0].quantity",
    ),
    "standard lone surrogate": (
        "standard",
        '{"type": "order.created", "data": {"number": "\\ud800"}}',
        "text at $.data.number is not valid Unicode",
    ),
    "shopify NUL in a note": (  # PostgreSQL cannot store it, SQLite can: refused on both alike
        "shopify",
        shopify_order(note="Leave at the door\u0000"),
        "text at $.note holds a NUL character",
    ),
    "bigcommerce id is a superscript digit": (
        "bigcommerce",
        '{"scope": "store/order/created", "data": {"type": "order", "id": "\u00b2"}}',
        "store/order/created event has no order id (a positive whole number; found '\u00b2')",
    ),
    "bigcommerce scope is an object": (
        "bigcommerce",
        '{"scope": {"a": 1}, "data": {"type": "order", "id": 5}}',
        "scope must be text, found an object",
    ),
    "shopify id past the digit limit of int()": (
        "shopify",
        shopify_order(id=0).replace('"id": 0', '"id": 1' + "0" * 4999, 1),
        "an integer of 5000 digits (at most 20) at $.id",
    ),
    "shopify number too large for a float": (
        "shopify",
        shopify_order(total_weight=0).replace('"total_weight": 0', '"total_weight": 1e999', 1),
        "the number 1e999 is too large at $.total_weight",
    ),
    "walmart purchase order is an object": (
        "walmart",
        '{"source": {"eventType": "PO_CREATED"}, "payload": {"purchaseOrderId": {"id": "1"}}}',
        "purchaseOrderId must be an order number, found an object",
    ),
    "walmart event type is a list": (
        "walmart",
        '{"source": {"eventType": ["PO_CREATED"]}, "payload": {"purchaseOrderId": "1796277083022"}}',
        "source.eventType must be text, found a list",
    ),
    "etsy event type is too long": (
        "etsy",
        '{"event_type": "' + "x" * 5000 + '", "resource_url": "http://127.0.0.1:9/api/receipts/1"}',
        "event_type must be printable text of at most 128 characters",
    ),
}


@pytest.mark.parametrize(("channel", "text", "problem"), CASES.values(), ids=CASES.keys())
def test_fields_the_code_branches_on_are_checked_as_input(
    receiver: Receiver, monkeypatch: pytest.MonkeyPatch, channel: str, text: str, problem: str
) -> None:
    status, error = delivered(receiver, monkeypatch, channel, text.encode())
    assert status == "failed" and problem in error, error


# -- orderhub normalize: one line, exit 2 -------------------------------------------------------------------


def normalize(tmp_path: Path, channel: str, text: str, *options: str) -> subprocess.CompletedProcess[str]:
    payload = tmp_path / "payload.json"
    payload.write_text(text, encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if not key.startswith("HUB_")}
    env["HUB_DATA_DIR"] = str(tmp_path / "var")
    return subprocess.run(
        [sys.executable, "-m", "hub", "normalize", channel, str(payload), *options],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("channel", "text", "options", "problem"),
    [
        ("standard", '{"type": "order.created", "data": ' + nested(1000) + "}", (), DEEP),
        ("standard", '{"type": ["order.created"], "data": {}}', (), "type must be text, found a list"),
        ("bigcommerce", '{"scope": "store/order/created", "data": {"id": "\u00b2"}}', (), "has no order id"),
        (
            "shopify",
            shopify_order(id=0).replace('"id": 0', '"id": 1' + "0" * 4999, 1),
            ("--topic", "orders/create"),
            "an integer of 5000 digits",
        ),
        ("shopify", shopify_order(), ("--topic", "shop/redact"), "topic 'shop/redact' does not match the body"),
    ],
    ids=["deep", "type list", "superscript id", "huge id", "order as shop/redact"],
)
def test_normalize_prints_one_line_for_poison_input(
    tmp_path: Path, channel: str, text: str, options: tuple[str, ...], problem: str
) -> None:
    shown = normalize(tmp_path, channel, text, *options)
    assert shown.returncode == 2 and shown.stdout == ""
    (line,) = shown.stderr.splitlines()
    assert line.startswith(f"orderhub: {tmp_path / 'payload.json'}: ") and problem in line


# -- what a channel's API answers is bounded the same way ---------------------------------------------------


def test_api_answers_with_times_past_the_calendar_are_refused_or_unread() -> None:
    from hub.channels.sources.bigcommerce import _rfc2822
    from hub.channels.sources.etsy import pulled_receipt
    from hub.channels.sources.walmart import last_changed
    from hub.sdk.errors import PermanentError

    with pytest.raises(PermanentError, match="updated_timestamp that is not a date"):
        pulled_receipt({"receipt_id": 1, "updated_timestamp": 10**15})
    assert _rfc2822("Fri, 31 Dec 9999 23:59:59 -0100") is None  # a minute past year 9999 in UTC
    assert last_changed({"orderLines": [], "orderDate": 1e300}) is None
    assert last_changed({"orderLines": {"orderLine": [{"statusDate": 10**30}]}}) is None
