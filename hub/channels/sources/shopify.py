"""Shopify: full REST order payloads by webhook, HMAC over the body, reconciliation through the Admin API.

Webhooks carry whole resources (order, refund, fulfillment JSON of the API version the app subscribed with),
so nothing is read back. Deliveries are not guaranteed, so ``pull`` reads every order updated since the
account's watermark from ``orders.json``; each order version is stored like a webhook under the key
``order:<id>:<updated_at>``, which makes reading the same version twice a no-op.

Account settings: ``base_url`` (``https://SHOP.myshopify.com/admin/api/2025-10``), ``access_token`` (a
secret reference, sent as ``X-Shopify-Access-Token``) and ``webhook_secrets`` (the app's client secret; two
during a rotation). The shop is known from ``base_url``'s host (``SHOP.myshopify.com``), or from the optional
``shop_domain`` (and ``shop_id``) settings when the API is reached another way; a redaction request is carried
out only when the shop it names is the account's (``hub.channels.redaction``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from hub.channels.accounts import AccountContext
from hub.channels.base import Action, Channel, Pulled, Topic, parse_instant
from hub.channels.partial import ALL
from hub.channels.responses import Form, Response
from hub.channels.shapes import Shape
from hub.channels.verifiers import BodyHmac
from hub.sdk.errors import PermanentError

ORDER = Topic(Action.ORDER, "shopify/order")
SHIPMENT = Topic(Action.SHIPMENT, "shopify/fulfillment")
PAGE_SIZE = 250  # the most orders.json returns per page

# What each topic's body must look like (hub.channels.shapes): X-Shopify-Topic is not signed, the body is.
# An order names no order_id (refunds and fulfillments do); a refund has refund lines and no line_items; a
# compliance request names the shop, and only the customer requests name a customer or orders.
ORDER_SHAPE = Shape(
    "a Shopify order", {"id": "id", "line_items": "list", "created_at": "instant"}, forbidden=("order_id",)
)
REFUND_SHAPE = Shape(
    "a Shopify refund", {"id": "id", "order_id": "id", "refund_line_items": "list"}, forbidden=("line_items",)
)
FULFILLMENT_SHAPE = Shape(
    "a Shopify fulfillment", {"id": "id", "order_id": "id", "line_items": "list", "status": "text"}
)
# A fulfillment order (Fulfillment Orders API): what one location is to ship of an order, by line item and
# variant id and quantity only, with no SKU, name or price; request_status tells it from a fulfillment.
FULFILLMENT_ORDER_SHAPE = Shape(
    "a Shopify fulfillment order",
    {"id": "id", "order_id": "id", "line_items": "list", "status": "text", "request_status": "text"},
)
SHOP = {"shop_id": "id", "shop_domain": "text"}
CUSTOMER_KEYS = ("customer", "orders_to_redact", "orders_requested", "data_request")
SHAPES = {
    "orders/cancelled": ORDER_SHAPE.requiring("a cancelled Shopify order", cancelled_at="instant"),
    "refunds/create": REFUND_SHAPE,
    "fulfillments/create": FULFILLMENT_SHAPE,
    "fulfillments/update": FULFILLMENT_SHAPE,
    "customers/data_request": Shape(
        "a customers/data_request request", {**SHOP, "customer": "object", "orders_requested": "ids"}
    ),
    "customers/redact": Shape(
        "a customers/redact request",
        {**SHOP, "customer": "object", "orders_to_redact": "ids"},
        forbidden=("orders_requested", "data_request"),
    ),
    "shop/redact": Shape("a shop/redact request", SHOP, forbidden=CUSTOMER_KEYS),
}


# Admin REST answers (hub.channels.responses), by their root key. An order or a refund read from the API is
# what its webhook delivers; a fulfillment order is part of an order and shows as a partial.
RESPONSES = (
    Response("order", ORDER_SHAPE, at="order"),
    Response("orders", ORDER_SHAPE, at="orders", form=Form.EACH),
    Response("refund", REFUND_SHAPE, at="refund"),
    Response("refunds", REFUND_SHAPE, at="refunds", form=Form.EACH),
    Response("fulfillment_order", FULFILLMENT_ORDER_SHAPE, at="fulfillment_order"),
    Response("fulfillment_orders", FULFILLMENT_ORDER_SHAPE, at="fulfillment_orders", form=Form.EACH),
)
FULFILLMENT_ORDER = Topic(
    Action.IGNORE,
    "shopify/fulfillment_order",
    partial=ALL,
    note="what one location is to ship of an order: line item and variant ids and quantities, without SKUs, names "
    "or prices, which the order (orders/create) carries",
)


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
        "fulfillments/create": SHIPMENT,
        "fulfillments/update": SHIPMENT,
        "customers/data_request": Topic(Action.COMPLIANCE),
        "customers/redact": Topic(Action.COMPLIANCE),
        "shop/redact": Topic(Action.COMPLIANCE),
        "app/uninstalled": Topic(Action.IGNORE),
        "order": ORDER,
        "orders": ORDER,
        "refund": Topic(Action.REFUND, "shopify/refund"),
        "refunds": Topic(Action.REFUND, "shopify/refund"),
        "fulfillment_order": FULFILLMENT_ORDER,
        "fulfillment_orders": FULFILLMENT_ORDER,
    }
    responses = RESPONSES
    shapes = {
        **{topic: ORDER_SHAPE for topic, spec in topics.items() if spec is ORDER},
        **SHAPES,
    }
    pulls = True

    def pull(self, account: AccountContext, since: datetime | None) -> Iterator[Pulled]:
        """Every order updated at or after ``since`` (all of them without one), oldest change first.

        The first page carries the filters; later pages only ``limit`` and the ``page_info`` cursor from the
        ``Link: <...>; rel="next"`` header, as Shopify requires. The cursor is taken out of that link and sent
        to the account's own ``base_url``, so a response can never steer the access token to another host.
        """
        params: dict[str, str] = {"status": "any", "order": "updated_at asc", "limit": str(PAGE_SIZE)}
        if since is not None:
            params["updated_at_min"] = since.astimezone(UTC).isoformat()
        url = f"{account.base_url}/orders.json"
        while True:
            data, response = account.request_json("GET", url, headers=_headers(account), params=params)
            for order in _listed(data, "orders"):
                yield _pulled(order)
            cursor = _next_cursor(response)
            if cursor is None:
                return
            params = {"limit": str(PAGE_SIZE), "page_info": cursor}

    def fulfillment_orders(self, account: AccountContext, order_id: str | int) -> list[dict[str, Any]]:
        """The order's fulfillment orders (one per location or fulfillment service): the unit sent to a 3PL."""
        data, _ = account.request_json(
            "GET", f"{account.base_url}/orders/{order_id}/fulfillment_orders.json", headers=_headers(account)
        )
        return _listed(data, "fulfillment_orders")


def _headers(account: AccountContext) -> dict[str, str]:
    return {"X-Shopify-Access-Token": account.secret("access_token"), "Accept": "application/json"}


def _listed(data: Any, key: str) -> list[dict[str, Any]]:
    items = data.get(key) if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise PermanentError(f"Shopify API answered without a {key!r} list")
    return [item for item in items if isinstance(item, dict)]


def _pulled(order: dict[str, Any]) -> Pulled:
    order_id, updated_at = order.get("id"), order.get("updated_at")
    if order_id is None:
        raise PermanentError("Shopify API listed an order without an id")
    return Pulled(
        topic="orders/updated",
        key=f"order:{order_id}:{updated_at}",
        body=json.dumps(order, ensure_ascii=False).encode(),
        updated_at=parse_instant(updated_at),
    )


def _next_cursor(response: requests.Response) -> str | None:
    link = response.links.get("next", {}).get("url")
    if not link:
        return None
    cursors = parse_qs(urlsplit(link).query).get("page_info")
    if not cursors:
        raise PermanentError("Shopify API sent a next-page link without page_info")
    return cursors[0]
