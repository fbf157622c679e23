"""BigCommerce: thin webhooks signed the Standard Webhooks way, with the full order read back from REST v2.

A delivery says only ``{"scope": "store/order/updated", "data": {"type": "order", "id": 100231}, ...}``. The
worker reads the order, its products and its shipping addresses, stores the three together as one
``order`` message ({"order": ..., "products": [...], "shipping_addresses": [...]}) and maps that. Pulling
(reconciliation) reads the same documents for every order changed since the watermark.

The signing key is the app's client secret itself (BigCommerce base64-encodes it as the library key), hence
``StandardWebhooks(raw_secret=True)``.

Account settings: ``base_url`` (``https://api.bigcommerce.com/stores/STORE_HASH``), ``access_token`` (a secret
reference to an API account token with orders read scope, sent as ``X-Auth-Token``) and ``webhook_secrets``
(the app's client secret).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

from hub.channels.accounts import AccountContext
from hub.channels.base import Action, Channel, Pulled, Topic
from hub.channels.limits import describe, numeric_id, text_value
from hub.channels.paging import keyset_pages
from hub.channels.responses import Form, Response
from hub.channels.shapes import Shape
from hub.channels.verifiers import StandardWebhooks
from hub.mapping import MappingInputError
from hub.sdk.errors import PermanentError

READ_BACK = Topic(Action.READ_BACK)
ORDERS_PAGE = 250  # BigCommerce's maximum limit

# REST v2 answers (hub.channels.responses). The order alone names its products and addresses only by URL, and
# each list names its order only by order_id: none is a whole order, so each shows as a partial. What the hub
# stores after a read-back or a pull (the three together) is the order.
V2_ORDER = Shape(
    "a BigCommerce v2 order",
    {"id": "id", "date_created": "text", "status_id": "number", "currency_code": "text"},
    forbidden=("order_id",),
)
PRODUCT = Shape("a BigCommerce order product", {"id": "id", "order_id": "id", "name": "text", "quantity": "number"})
SHIPPING_ADDRESS = Shape(
    "a BigCommerce order shipping address",
    {"id": "id", "order_id": "id", "street_1": "present", "country_iso2": "present"},
    forbidden=("product_id",),
)
BY_ORDER_ID = "[0].order_id"
RESPONSES = (
    Response(
        "order",
        Shape("a BigCommerce order bundle", {"order": "object", "products": "list", "shipping_addresses": "list"}),
    ),
    Response("v2/orders/{id}", V2_ORDER, arrange={"order": "$"}),
    Response("v2/orders", V2_ORDER, form=Form.EACH, arrange={"order": "$"}),
    Response("v2/orders/{id}/products", PRODUCT, form=Form.LIST, arrange={"products": "$", "order.id": BY_ORDER_ID}),
    Response(
        "v2/orders/{id}/shipping_addresses",
        SHIPPING_ADDRESS,
        form=Form.LIST,
        arrange={"shipping_addresses": "$", "order.id": BY_ORDER_ID},
    ),
)
ORDER_FIELDS = (
    "channel",
    "channel_order_id",
    "number",
    "status",
    "placed_at",
    "updated_at",
    "currency",
    "customer",
    "bill_to",
    "totals",
    "payment_status",
    "notes",
)
READS_ALL_THREE = "the hub reads the order with its products and shipping addresses"
ORDER_ALONE = Topic(
    Action.IGNORE,
    "bigcommerce/order",
    partial=ORDER_FIELDS,
    note=f"an order without its products (lines) or shipping addresses; {READS_ALL_THREE}",
)


class BigCommerce(Channel):
    name = "bigcommerce"
    verifier = StandardWebhooks(raw_secret=True)
    event_id_headers = ("webhook-id",)
    triggered_at_headers = ("webhook-timestamp",)
    topics = {
        "store/order/created": READ_BACK,
        "store/order/updated": READ_BACK,
        "store/order/statusUpdated": READ_BACK,
        "store/order/refund/created": READ_BACK,
        "order": Topic(Action.ORDER, "bigcommerce/order"),  # what a read-back or pull stores
        "v2/orders/{id}": ORDER_ALONE,
        "v2/orders": ORDER_ALONE,
        "v2/orders/{id}/products": Topic(
            Action.IGNORE,
            "bigcommerce/order",
            partial=("channel", "channel_order_id", "lines"),
            note=f"an order's products alone (amounts without the currency the order states); {READS_ALL_THREE}",
        ),
        "v2/orders/{id}/shipping_addresses": Topic(
            Action.IGNORE,
            "bigcommerce/order",
            partial=("channel", "channel_order_id", "ship_to", "shipping_lines", "shipping_method"),
            note=f"an order's shipping addresses alone; {READS_ALL_THREE}",
        ),
    }
    responses = RESPONSES
    pulls = True

    def payload_topic(self, payload: Any) -> str | None:
        scope = payload.get("scope") if isinstance(payload, dict) else None
        if scope is None:
            return super().payload_topic(payload)  # a REST answer, known by its shape
        return text_value(scope, "scope")

    def reference(self, topic: str, payload: Any) -> dict[str, Any]:
        data = payload.get("data") if isinstance(payload, dict) else None
        value = data.get("id") if isinstance(data, dict) else None
        order_id = _order_id(value)
        if order_id is None:
            found = "none" if value is None else describe(value)
            raise MappingInputError(
                f"{topic} event has no order id (a positive whole number; found {found})", source="data.id"
            )
        return {"order_id": order_id}

    def read_back(self, reference: dict[str, Any], account: AccountContext) -> Pulled:
        order_id = _order_id(reference.get("order_id"))
        if order_id is None:
            raise PermanentError(f"read-back reference has no valid order_id: {reference!r}")
        api = _Api(account)
        order = api.get(f"v2/orders/{order_id}")
        if not isinstance(order, dict):
            raise PermanentError(f"bigcommerce order {order_id} was answered without an order")
        return api.order_documents(order)

    def pull(self, account: AccountContext, since: datetime | None) -> Iterator[Pulled]:
        """Orders by modification time, oldest first, read by keyset (hub.channels.paging); 204 or [] ends."""
        api = _Api(account)

        def fetch(modified_since: datetime | None, page: int) -> list[Any]:
            params: dict[str, Any] = {"sort": "date_modified:asc", "limit": ORDERS_PAGE, "page": page}
            if modified_since is not None:  # inclusive: the boundary order is read again, a no-op
                params["min_date_modified"] = format_datetime(modified_since.astimezone(UTC))
            orders = api.get("v2/orders", params)
            if not orders:
                return []
            if not isinstance(orders, list):
                raise PermanentError("bigcommerce GET /v2/orders did not answer a list of orders")
            return orders

        yield from keyset_pages(fetch, since, api.order_documents)


class _Api:
    """GETs on one store's REST v2 API; 204 No Content (BigCommerce's empty list) reads as None."""

    SUBRESOURCE_PAGE = 250

    def __init__(self, account: AccountContext) -> None:
        self.account = account
        self.headers = {"X-Auth-Token": account.secret("access_token"), "Accept": "application/json"}

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.account.request_json("GET", path, params=params, headers=self.headers)[0]

    def all(self, path: str) -> list[Any]:
        """Every item of a sub-resource list (an order's products can run past one page)."""
        items: list[Any] = []
        page = 1
        while True:
            batch = self.get(path, {"limit": self.SUBRESOURCE_PAGE, "page": page})
            if not batch:
                return items
            if not isinstance(batch, list):
                raise PermanentError(f"bigcommerce GET {path} did not answer a list")
            items.extend(batch)
            if len(batch) < self.SUBRESOURCE_PAGE:
                return items
            page += 1

    def order_documents(self, order: Any) -> Pulled:
        order_id = _order_id(order.get("id")) if isinstance(order, dict) else None
        modified = order.get("date_modified") if isinstance(order, dict) else None
        if order_id is None or not isinstance(modified, str) or not modified:
            raise PermanentError("bigcommerce answered an order without id or date_modified")
        document = {
            "order": order,
            "products": self.all(f"v2/orders/{order_id}/products"),
            "shipping_addresses": self.all(f"v2/orders/{order_id}/shipping_addresses"),
        }
        return Pulled(
            topic="order",
            key=f"order:{order_id}:{modified}",
            body=json.dumps(document, ensure_ascii=False).encode(),
            updated_at=_rfc2822(modified),
        )


def _order_id(value: Any) -> int | None:
    """A positive integer order id, from a JSON number or ASCII digits; anything else (paths included) is None."""
    return numeric_id(value)


def _rfc2822(value: str) -> datetime | None:
    """``date_modified`` ("Fri, 20 Nov 2026 10:02:30 +0000") in UTC: it becomes the account's watermark."""
    try:
        parsed = parsedate_to_datetime(value)
        return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    except (TypeError, ValueError, OverflowError):  # OverflowError: a date at the calendar's edge
        return None
