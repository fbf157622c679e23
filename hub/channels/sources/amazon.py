"""Amazon Selling Partner API: orders are polled from Orders API v0, and read when an ORDER_CHANGE notification
says one changed.

Each order version read becomes one inbox message holding everything the mapping needs::

    {"order": <getOrders entry>, "items": [<getOrderItems entries, every page>], "address": <getOrderAddress>}

Amazon sends no HTTP webhooks: notifications go to the seller's SQS queue (ORDER_CHANGE) or EventBridge. A
forwarder the seller runs posts each message, as Amazon wrote it or inside EventBridge's envelope (``detail``),
to ``/webhooks/amazon/<account>``, authenticated with the account's webhook secret (``BearerOrStandardWebhooks``).
Queues deliver at least once, so a notification is stored once per ``NotificationId``. ORDER_CHANGE is a
summary, not the record: it triggers a read of the order (``read_back``), and the order read carries the
notification's change with it, so a buyer's request to cancel reaches the order's lines and its timeline
(``hub.channels.apply``) whatever the API shows at that moment.

Bodies copied from the API (getOrder, getOrderItems, getOrderAddress, getOrders answers) are recognised by their
shape (``responses``): each is part of an order, and ``orderhub normalize`` shows what it carries.

Calls carry a Login with Amazon access token in ``x-amz-access-token`` (SP-API no longer needs AWS
signatures). Account settings: ``base_url`` (the regional endpoint, e.g. https://sellingpartnerapi-na.amazon.com),
``marketplace_ids`` (a list or comma-separated text), secrets ``client_id``, ``client_secret`` and
``refresh_token`` (references), and optionally ``lwa_url`` (https://api.amazon.com), ``initial_days`` (how far
back the first poll reads, 30) and ``overlap_minutes`` (how far before the watermark each poll starts, 5).

Personal data in the address (name, street, phone) is only returned with a Restricted Data Token; without one
Amazon returns city, region, postal code and country, which is what the order then carries.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from hub.channels.accounts import AccountContext
from hub.channels.base import MAX_DEDUPE_KEY_LENGTH, Action, Channel, Pulled, Topic, parse_instant
from hub.channels.limits import describe, text_value
from hub.channels.oauth import Grant, TokenCache, request_token
from hub.channels.partial import ALL
from hub.channels.responses import Form, Response
from hub.channels.shapes import Shape
from hub.channels.verifiers import BearerOrStandardWebhooks, InboundRequest
from hub.errors import ConfigurationError
from hub.mapping import MappingInputError
from hub.sdk.errors import PermanentError

DEFAULT_LWA_URL = "https://api.amazon.com"
ORDERS_PER_PAGE = 100
# SP-API answers 403 (not 401) for an expired or revoked access token; both mean "fetch a new one".
REFUSED_TOKEN = (401, 403)

# Amazon order ids are 3-7-7 digits; other programmes use letters too. The id goes into a URL path.
ORDER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,63}")
# Found in the raw body by the web process, which parses nothing: inside a JSON string a quote is escaped, so
# this cannot match text that merely mentions the key.
NOTIFICATION_ID = re.compile(rb'"NotificationId"\s*:\s*"([A-Za-z0-9._:-]{1,128})"')
CANCEL_REASON = "buyer requested cancel"

_tokens = TokenCache()

# The shapes of what SP-API answers and sends (hub.channels.responses), and what each becomes.
GET_ORDER = Shape(
    "an Amazon getOrder answer",
    {"AmazonOrderId": "text", "PurchaseDate": "instant", "OrderStatus": "text"},
    forbidden=("OrderItems",),
)
ORDER_FIELDS = (
    "channel",
    "channel_order_id",
    "number",
    "placed_at",
    "updated_at",
    "status",
    "payment_status",
    "currency",
    "customer",
    "ship_to",
    "shipping_method",
    "tags",
    "attributes",
)
AS_BUNDLE = {"order": "$", "address.ShippingAddress": "ShippingAddress"}
NOTIFICATION = Shape(
    "an SP-API notification", {"NotificationType": "text", "Payload": "object", "NotificationMetadata": "object"}
)
RESPONSES = (
    Response("order", Shape("an Amazon order bundle", {"order": "object", "items": "list"})),
    Response(
        "getOrderItems",
        Shape("an Amazon getOrderItems answer", {"AmazonOrderId": "text", "OrderItems": "list"}),
        at="payload",
        arrange={"order.AmazonOrderId": "AmazonOrderId", "items": "OrderItems"},
    ),
    Response(
        "getOrderAddress",
        Shape(
            "an Amazon getOrderAddress answer",
            {"AmazonOrderId": "text", "ShippingAddress": "object"},
            forbidden=("PurchaseDate", "OrderItems"),
        ),
        at="payload",
        arrange={"order.AmazonOrderId": "AmazonOrderId", "address": "$"},
    ),
    Response("getOrder", GET_ORDER, at="payload", arrange=AS_BUNDLE),
    Response("getOrders", GET_ORDER, at="payload.Orders", form=Form.EACH, arrange=AS_BUNDLE),
    # A notification as SQS holds it, and inside EventBridge's envelope; its topic is its NotificationType.
    Response("ORDER_CHANGE", NOTIFICATION),
    Response("ORDER_CHANGE", NOTIFICATION, at="detail"),
)
READS_THE_ORDER = "the hub reads whole orders (getOrder with getOrderItems and getOrderAddress) by polling"
TOPICS = {
    "order": Topic(Action.ORDER, "amazon/order"),
    "ORDER_CHANGE": Topic(
        Action.READ_BACK,
        "amazon/order_change",
        partial=ALL,
        note="a summary of the change: the hub reads the order it names and applies that",
    ),
    "getOrder": Topic(
        Action.IGNORE,
        "amazon/order",
        partial=ORDER_FIELDS,
        note=f"an order without its items (getOrderItems) or totals; {READS_THE_ORDER}",
    ),
    "getOrders": Topic(
        Action.IGNORE,
        "amazon/order",
        partial=ORDER_FIELDS,
        note=f"orders without their items (getOrderItems) or totals; {READS_THE_ORDER}",
    ),
    "getOrderItems": Topic(
        Action.IGNORE,
        "amazon/order",
        partial=("channel", "channel_order_id", "lines"),
        note=f"an order's items alone; {READS_THE_ORDER}",
    ),
    "getOrderAddress": Topic(
        Action.IGNORE,
        "amazon/order",
        partial=("channel", "channel_order_id", "ship_to"),
        note=f"an order's shipping address alone; {READS_THE_ORDER}",
    ),
}


def _fetch_token(account: AccountContext, url: str) -> tuple[str, float]:
    return request_token(
        account,
        url,
        data={
            "grant_type": "refresh_token",
            "refresh_token": account.secret("refresh_token"),
            "client_id": account.secret("client_id"),
            "client_secret": account.secret("client_secret"),
        },
        headers={"Accept": "application/json"},
    )


def _grant(account: AccountContext) -> Grant:
    lwa = str(account.settings.get("lwa_url") or DEFAULT_LWA_URL).rstrip("/")
    return Grant(f"{lwa}/auth/o2/token", _fetch_token)


def _authorize(token: str) -> dict[str, str]:
    return {"x-amz-access-token": token, "Accept": "application/json"}


def marketplace_ids(account: AccountContext) -> str:
    value = account.setting("marketplace_ids")
    ids = value if isinstance(value, list) else str(value).split(",")
    cleaned = [str(item).strip() for item in ids if str(item).strip()]
    if not cleaned:
        raise ConfigurationError(f"channel account {account.channel}/{account.account} has no marketplace_ids")
    return ",".join(cleaned)


def iso_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _payload(data: Any, call: str) -> dict[str, Any]:
    payload = data.get("payload") if isinstance(data, dict) else None
    if not isinstance(payload, dict):
        raise PermanentError(f"amazon {call} answered without a payload object")
    return payload


class Amazon(Channel):
    name = "amazon"
    verifier = BearerOrStandardWebhooks()  # notifications forwarded from the seller's queue or event bus
    pulls = True
    topics = TOPICS
    responses = RESPONSES

    def dedupe_key(self, request: InboundRequest, topic: str | None) -> str:
        """A notification once per NotificationId, whichever envelope and delivery brought it."""
        found = set(NOTIFICATION_ID.findall(request.body))
        if len(found) == 1:
            return f"notification:{found.pop().decode()}"
        return super().dedupe_key(request, topic)

    def payload_topic(self, payload: Any) -> str | None:
        notification = payload.get("detail", payload) if isinstance(payload, dict) else None
        kind = notification.get("NotificationType") if isinstance(notification, dict) else None
        if kind is not None:
            return text_value(kind, "NotificationType")
        return super().payload_topic(payload)

    def reference(self, topic: str, payload: Any) -> dict[str, Any]:
        (notification,) = self.inputs(topic, payload)
        change = notification["Payload"].get("OrderChangeNotification")
        if not isinstance(change, dict):
            raise MappingInputError("the notification has no OrderChangeNotification", source="Payload")
        order_id = change.get("AmazonOrderId")
        if not isinstance(order_id, str) or not ORDER_ID.fullmatch(order_id.strip()):
            raise MappingInputError(
                f"AmazonOrderId must be an order id, found {describe(order_id)}",
                source="Payload.OrderChangeNotification.AmazonOrderId",
            )
        notification_id = text_value(
            notification["NotificationMetadata"].get("NotificationId"), "NotificationMetadata.NotificationId"
        )
        return {"amazon_order_id": order_id.strip(), "notification_id": notification_id, **_change(change)}

    def pull(self, account: AccountContext, since: datetime | None) -> Iterator[Pulled]:
        start = account.pull_start(since)
        marketplaces = marketplace_ids(account)
        params: dict[str, Any] = {
            "MarketplaceIds": marketplaces,
            "LastUpdatedAfter": iso_utc(start),
            "MaxResultsPerPage": ORDERS_PER_PAGE,
        }
        while True:
            page = _payload(self._get(account, "/orders/v0/orders", params), "getOrders")
            for order in page.get("Orders") or []:
                yield self._pulled(account, order)
            next_token = page.get("NextToken")
            if not next_token:
                return
            # With a NextToken, Amazon wants only the token (and the marketplaces), not the original filters.
            params = {"NextToken": next_token, "MarketplaceIds": marketplaces}

    def read_back(self, reference: dict[str, Any], account: AccountContext) -> Pulled:
        """The order an ORDER_CHANGE names, read whole, with the change beside it (``change`` in the bundle).

        Stored under the order version and the notification: a poll may have stored this version already, and
        the notification's news (a buyer's cancel request) must still reach the order."""
        order_id = str(reference.get("amazon_order_id") or "")
        if not ORDER_ID.fullmatch(order_id):
            raise PermanentError(f"nothing to read back: the reference names no Amazon order ({order_id!r})")
        order = _payload(self._get(account, f"/orders/v0/orders/{quote(order_id, safe='')}", {}), "getOrder")
        change = {key: value for key, value in reference.items() if key not in ("amazon_order_id", "notification_id")}
        pulled = self._pulled(account, order, change=change)
        key = f"{pulled.key}:{reference.get('notification_id')}"
        if len(key) > MAX_DEDUPE_KEY_LENGTH:
            key = "id-sha256:" + hashlib.sha256(key.encode()).hexdigest()
        return Pulled(pulled.topic, key, pulled.body, pulled.updated_at)

    def _pulled(self, account: AccountContext, order: dict[str, Any], change: dict[str, Any] | None = None) -> Pulled:
        order_id = order.get("AmazonOrderId")
        if not isinstance(order_id, str) or not ORDER_ID.fullmatch(order_id):
            raise PermanentError("amazon answered an order without a valid AmazonOrderId")
        path = f"/orders/v0/orders/{quote(order_id, safe='')}"
        items = self._items(account, path)
        address = _payload(self._get(account, f"{path}/address", {}), "getOrderAddress")
        bundle: dict[str, Any] = {"order": order, "items": items, "address": address}
        if change:
            bundle["change"] = change
        body = json.dumps(bundle, sort_keys=True).encode()
        updated = order.get("LastUpdateDate") or order.get("PurchaseDate")
        return Pulled(topic="order", key=f"order:{order_id}:{updated}", body=body, updated_at=parse_instant(updated))

    def _items(self, account: AccountContext, path: str) -> list[Any]:
        items: list[Any] = []
        params: dict[str, Any] = {}
        while True:
            page = _payload(self._get(account, f"{path}/orderItems", params), "getOrderItems")
            items.extend(page.get("OrderItems") or [])
            next_token = page.get("NextToken")
            if not next_token:
                return items
            params = {"NextToken": next_token}

    def _get(self, account: AccountContext, path: str, params: dict[str, Any]) -> Any:
        data, _ = _tokens.request_json(
            account, _grant(account), _authorize, "GET", path, params=params, refresh_on=REFUSED_TOKEN
        )
        return data


def _change(change: dict[str, Any]) -> dict[str, Any]:
    """What the order read carries from the notification: the kind of change and, for a buyer's request to
    cancel, the items it names (Amazon marks them IsBuyerRequestedCancel; an order-level request names all)."""
    trigger = change.get("OrderChangeTrigger")
    trigger = trigger if isinstance(trigger, dict) else {}
    reason = trigger.get("ChangeReason")
    summary = change.get("Summary")
    items = summary.get("OrderItems") if isinstance(summary, dict) else None
    items = [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []
    found: dict[str, Any] = {
        "change_type": change.get("OrderChangeType"),
        "change_reason": reason,
        "changed_at": trigger.get("TimeOfOrderChange"),
    }
    flagged = [str(item["OrderItemId"]) for item in items if _requested(item) and item.get("OrderItemId")]
    if not flagged and isinstance(reason, str) and reason.strip().lower() == CANCEL_REASON:
        # a request for the whole order: every item it summarises, or, naming none, every item of the order
        flagged = [str(item["OrderItemId"]) for item in items if item.get("OrderItemId")] or ["*"]
    found["buyer_cancel_requested"] = flagged
    return {key: value for key, value in found.items() if value not in (None, "", [])}


def _requested(item: dict[str, Any]) -> bool:
    return str(item.get("IsBuyerRequestedCancel")).strip().lower() == "true"
