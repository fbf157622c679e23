"""Walmart Marketplace: thin event webhooks (PO_CREATED, PO_LINE_AUTOCANCELLED, ORDER_UPDATES) that name a
purchase order, read back through Orders API v3; the same API is polled for orders changed since the watermark.

Events look like ``{"source": {"eventType", "eventId", "eventTime"}, "payload": {"purchaseOrderId", ...}}`` and
are signed with WM_SEC.SIGNATURE over method, path, WM_SEC.TIMESTAMP and the body's SHA-256
(``WalmartSignature``).

Account settings: ``base_url`` (https://marketplace.walmartapis.com), ``webhook_secrets``, secrets
``client_id`` and ``client_secret`` (references), and optionally ``initial_days`` (30) and ``overlap_minutes``
(5) for polling. The order list only returns seller-fulfilled orders unless Walmart is asked for another
``shipNodeType``; set ``ship_node_type`` (e.g. WFSFulfilled) to poll those instead.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from hub.channels.accounts import AccountContext
from hub.channels.base import Action, Channel, Pulled, Topic
from hub.channels.limits import describe, text_value
from hub.channels.oauth import Grant, TokenCache, request_token
from hub.channels.responses import Form, Response
from hub.channels.shapes import Shape
from hub.channels.verifiers import InboundRequest, WalmartSignature, epoch_seconds
from hub.mapping import MappingInputError
from hub.sdk.errors import PermanentError

SERVICE_NAME = "Walmart Marketplace"
ORDERS_PER_PAGE = 100
MAX_EPOCH_MILLIS = 253_402_300_800_000  # 10000-01-01T00:00:00Z
READ_BACK = Topic(Action.READ_BACK)
PURCHASE_ORDER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,63}")
ORDER = Topic(Action.ORDER, "walmart/order")
# Orders API v3 answers (hub.channels.responses): a purchase order as read back, getAnOrder's {"order": ...},
# and getAllOrders' (or getAllReleasedOrders') page {"list": {"elements": {"order": [...]}, "meta": ...}}.
PURCHASE_ORDER = Shape(
    "a Walmart purchase order", {"purchaseOrderId": "present", "orderDate": "number", "orderLines": "object"}
)
RESPONSES = (
    Response("order", PURCHASE_ORDER),
    Response("getAnOrder", PURCHASE_ORDER, at="order"),
    Response("getAllOrders", PURCHASE_ORDER, at="list.elements.order", form=Form.EACH),
)

_tokens = TokenCache()


def _service_headers() -> dict[str, str]:
    # Walmart traces every call by its correlation id; a fresh one per request, as its docs ask.
    return {"WM_SVC.NAME": SERVICE_NAME, "WM_QOS.CORRELATION_ID": str(uuid.uuid4()), "Accept": "application/json"}


def _fetch_token(account: AccountContext, url: str) -> tuple[str, float]:
    credentials = f"{account.secret('client_id')}:{account.secret('client_secret')}".encode()
    return request_token(
        account,
        url,
        data={"grant_type": "client_credentials"},
        headers={**_service_headers(), "Authorization": "Basic " + base64.b64encode(credentials).decode()},
    )


def _grant(account: AccountContext) -> Grant:
    return Grant(f"{account.base_url}/v3/token", _fetch_token)


def _authorize(token: str) -> dict[str, str]:
    return {**_service_headers(), "WM_SEC.ACCESS_TOKEN": token}


def order_version(order: dict[str, Any]) -> str:
    """A short fingerprint of the order's content: Walmart's order carries no modification time of its own, and a
    read-back and a poll of the same version must make the same dedupe key."""
    canonical = json.dumps(order, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    return hashlib.sha256(canonical).hexdigest()[:24]


def last_changed(order: dict[str, Any]) -> datetime | None:
    """The newest line status date (epoch milliseconds), else the order date; None when there is no usable one."""
    stamps: list[float] = []
    holder = order.get("orderLines")
    lines = holder.get("orderLine") if isinstance(holder, dict) else None
    for line in lines if isinstance(lines, list) else []:
        if isinstance(line, dict):
            stamps.extend(_millis(line.get("statusDate")))
    if not stamps:
        stamps.extend(_millis(order.get("orderDate")))
    return datetime.fromtimestamp(max(stamps) / 1000, tz=UTC) if stamps else None


def _millis(value: Any) -> list[float]:
    """An epoch-milliseconds date between 1970 and 9999 as a one-item list; [] for anything else."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return []
    return [float(value)] if 0 <= value < MAX_EPOCH_MILLIS else []


def pulled_order(order: Any) -> Pulled:
    if not isinstance(order, dict) or not order.get("purchaseOrderId"):
        raise PermanentError("walmart returned an order without purchaseOrderId")
    body = json.dumps(order, sort_keys=True).encode()
    key = f"order:{order['purchaseOrderId']}:{order_version(order)}"
    return Pulled(topic="order", key=key, body=body, updated_at=last_changed(order))


def purchase_order_id(value: Any, path: str) -> str:
    """Walmart's purchase order number: digits (as text or a JSON number) or a short token of letters,
    digits and dashes; it goes into the read-back URL, so nothing else is accepted."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return str(value)
    if isinstance(value, str) and PURCHASE_ORDER_ID.fullmatch(value.strip()):
        return value.strip()
    raise MappingInputError(f"purchaseOrderId must be an order number, found {describe(value)}", source=path)


class Walmart(Channel):
    name = "walmart"
    verifier = WalmartSignature()
    pulls = True
    topics = {
        "PO_CREATED": READ_BACK,
        "PO_LINE_AUTOCANCELLED": READ_BACK,
        "ORDER_UPDATES": READ_BACK,
        "order": ORDER,  # an order read back or polled from Orders API v3
        "getAnOrder": ORDER,
        "getAllOrders": ORDER,  # one order per element
    }
    responses = RESPONSES

    def dedupe_key(self, request: InboundRequest, topic: str | None) -> str:
        # Walmart sends no delivery-id header: the event id (source.eventId) is inside the body, which the web
        # process does not parse. A retry of an event is the same bytes, so the body hash collapses retries.
        return super().dedupe_key(request, topic)

    def triggered_at(self, request: InboundRequest) -> datetime | None:
        stamp = request.header("wm_sec.timestamp", "wm-sec.timestamp")
        seconds = epoch_seconds(stamp) if stamp else None
        return None if seconds is None else datetime.fromtimestamp(seconds, tz=UTC)

    def payload_topic(self, payload: Any) -> str | None:
        source = payload.get("source") if isinstance(payload, dict) else None
        event_type = source.get("eventType") if isinstance(source, dict) else None
        if event_type is None:
            return super().payload_topic(payload)  # an Orders API answer, known by its shape
        return text_value(event_type, "source.eventType")

    def reference(self, topic: str, payload: Any) -> dict[str, Any]:
        inner = payload.get("payload") if isinstance(payload, dict) else None
        order_id = inner.get("purchaseOrderId") if isinstance(inner, dict) else None
        if order_id is None or order_id == "":
            raise MappingInputError(f"the {topic} event names no purchase order", source="payload.purchaseOrderId")
        return {"purchase_order_id": purchase_order_id(order_id, "payload.purchaseOrderId")}

    def read_back(self, reference: dict[str, Any], account: AccountContext) -> Pulled:
        order_id = str(reference.get("purchase_order_id") or "")
        if not order_id:
            raise PermanentError("nothing to read back: the reference has no purchase_order_id")
        data = self._get(account, f"/v3/orders/{quote(order_id, safe='')}", {})
        order = data.get("order") if isinstance(data, dict) else None
        return pulled_order(order)

    def pull(self, account: AccountContext, since: datetime | None) -> Iterator[Pulled]:
        start = account.pull_start(since)
        params: dict[str, Any] = {
            "lastModifiedStartDate": start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "limit": ORDERS_PER_PAGE,
        }
        if account.settings.get("ship_node_type"):
            params["shipNodeType"] = str(account.settings["ship_node_type"])
        path = "/v3/orders"
        while True:
            page = self._list(account, path, params)
            elements = page.get("elements")
            orders = elements.get("order") if isinstance(elements, dict) else None
            for order in orders if isinstance(orders, list) else []:
                yield pulled_order(order)
            cursor = (page.get("meta") or {}).get("nextCursor")
            if not cursor:
                return
            # nextCursor is a ready-made query string ("?limit=100&hasMoreElements=true&soIndex=..."), appended to
            # the path as is; sending it as a parameter would make Walmart answer the first page again.
            if not str(cursor).startswith("?"):
                raise PermanentError("walmart nextCursor is not a query string")
            path, params = f"/v3/orders{cursor}", {}

    def _list(self, account: AccountContext, path: str, params: dict[str, Any]) -> dict[str, Any]:
        try:
            data = self._get(account, path, params)
        except PermanentError as exc:
            # Walmart answers an order search that matches nothing with 404 rather than an empty list.
            if exc.status_code == 404:
                return {}
            raise
        listing = data.get("list") if isinstance(data, dict) else None
        if not isinstance(listing, dict):
            raise PermanentError("walmart order list answered without a list object")
        return listing

    def _get(self, account: AccountContext, path: str, params: dict[str, Any]) -> Any:
        data, _ = _tokens.request_json(account, _grant(account), _authorize, "GET", path, params=params)
        return data
