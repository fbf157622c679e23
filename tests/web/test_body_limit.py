"""Request bodies over ``HUB_WEB__MAX_BODY_BYTES`` are refused whole, whatever their framing, by the real
server (``orderhub serve``): a chunked body is never cut to the limit and then verified or stored."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.channels.signing import body_hmac
from tests.edi.transports.conftest import ISA
from tests.web.served import EDI_TOKEN, LIMIT, SHOPIFY_SECRET, ServedHub, pieces, served_hub

EDI_HEADERS = {"Authorization": f"Bearer {EDI_TOKEN}", "Content-Type": "application/edi-x12"}


@pytest.fixture(scope="module")
def hub(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedHub]:
    with served_hub(sqlite_template, tmp_path_factory.mktemp("served")) as served:
        yield served


def interchange(size: int) -> bytes:
    """An X12 file of exactly ``size`` bytes (repeated interchanges, padded with line ends)."""
    body = ISA.encode() * (size // len(ISA) + 1)
    return body[: size - size % len(ISA)].ljust(size, b"\n")


def webhook(size: int) -> bytes:
    head, tail = b'{"id": 820982911946154508, "note": "', b'"}'
    return head + b"x" * (size - len(head) - len(tail)) + tail


def shopify(signed: bytes, event_id: str) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "X-Shopify-Topic": "orders/create",
        "X-Shopify-Hmac-Sha256": body_hmac(SHOPIFY_SECRET, signed),
        "X-Shopify-Shop-Domain": "northwind-goods.myshopify.com",
        "X-Shopify-Event-Id": event_id,
        "X-Shopify-Webhook-Id": f"wh-{event_id}",
    }


def test_a_chunked_x12_file_over_the_limit_is_413_and_nothing_is_stored(hub: ServedHub) -> None:
    before = len(hub.messages())
    status, answer = hub.post_chunked("/edi/acme", pieces(interchange(5 * LIMIT)), EDI_HEADERS)
    assert status == 413, answer
    assert answer["error"]["code"] == "request_entity_too_large"
    status, answer = hub.post_chunked("/edi/acme", pieces(interchange(LIMIT + 1)), EDI_HEADERS)
    assert status == 413, answer
    assert len(hub.messages()) == before


def test_an_oversized_chunked_webhook_is_413_not_401(hub: ServedHub) -> None:
    before = len(hub.messages())
    body = webhook(3 * LIMIT)
    status, answer = hub.post_chunked("/webhooks/shopify/shop1", pieces(body), shopify(body, "evt-big"))
    assert status == 413, answer
    assert len(hub.messages()) == before


def test_a_signature_over_the_first_mib_only_does_not_get_a_truncated_body_stored(hub: ServedHub) -> None:
    before = len(hub.messages())
    body = webhook(5 * LIMIT)
    headers = shopify(body[:LIMIT], "evt-prefix")
    status, answer = hub.post_chunked("/webhooks/shopify/shop1", pieces(body), headers)
    assert status == 413, answer
    assert len(hub.messages()) == before


def test_chunked_bodies_up_to_the_limit_are_stored_byte_for_byte(hub: ServedHub) -> None:
    x12 = interchange(LIMIT)
    status, answer = hub.post_chunked("/edi/acme", pieces(x12, 7777), EDI_HEADERS)
    assert status == 202, answer
    body = webhook(LIMIT)
    status, answer = hub.post_chunked("/webhooks/shopify/shop1", pieces(body, 1000), shopify(body, "evt-limit"))
    assert status == 200 and answer["status"] == "accepted", answer
    stored = {message.id: message.body for message in hub.messages()}
    assert stored[answer["id"]] == body
    assert x12 in stored.values()
