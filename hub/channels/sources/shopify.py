"""Shopify: full REST order payloads by webhook, HMAC over the body, reconciliation through the Admin API."""

from __future__ import annotations

from hub.channels.base import Action, Channel, Topic
from hub.channels.verifiers import BodyHmac

ORDER = Topic(Action.ORDER, "shopify/order")


class Shopify(Channel):
    name = "shopify"
    # Both spellings: classic deliveries use X-Shopify-*, the newer Events delivery drops the X- prefix.
    verifier = BodyHmac(("x-shopify-hmac-sha256", "shopify-hmac-sha256"))
    topic_headers = ("x-shopify-topic", "shopify-topic")
    event_id_headers = ("x-shopify-event-id", "shopify-event-id", "x-shopify-webhook-id", "shopify-webhook-id")
    triggered_at_headers = ("x-shopify-triggered-at", "shopify-triggered-at")
    topics = {
        "orders/create": ORDER,
        "orders/updated": ORDER,
        "orders/paid": ORDER,
        "orders/cancelled": ORDER,
        "orders/fulfilled": ORDER,
        "orders/partially_fulfilled": ORDER,
        "refunds/create": Topic(Action.REFUND, "shopify/refund"),
        "customers/data_request": Topic(Action.COMPLIANCE),
        "customers/redact": Topic(Action.COMPLIANCE),
        "shop/redact": Topic(Action.COMPLIANCE),
        "app/uninstalled": Topic(Action.IGNORE),
    }
