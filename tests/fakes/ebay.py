"""A fake eBay API on loopback: OAuth token refresh and the Sell Fulfillment getOrders call.

* ``POST /identity/v1/oauth2/token``: HTTP Basic client id and secret (else 401 invalid_client), form
  ``grant_type=refresh_token``, ``refresh_token`` (else 400 invalid_grant) and ``scope`` (scopes outside
  ``scopes`` are 400 invalid_scope); answers a user access token living ``token_lifetime`` seconds.
* ``GET /sell/fulfillment/v1/order``: ``filter=lastmodifieddate:[<ISO 8601 with milliseconds>..]`` (inclusive;
  anything else is 400), ``limit`` (at most ``page_size``) and ``offset``; orders oldest modification first;
  the page carries ``total``, ``offset``, ``limit`` and, while more remain, ``next``.
* The back-channel: ``GET /sell/fulfillment/v1/order/<id>`` (getOrder), ``GET``/``POST .../order/<id>/
  shipping_fulfillment`` (line items of the order within what is left to ship; 201 with the new fulfillment in
  ``Location`` and no body; the order becomes FULFILLED or IN_PROGRESS), ``POST .../order/<id>/issue_refund``
  (refund items of the order, amounts within what was paid; ``{"refundId", "refundStatus": "PENDING"}``), and
  the Post-Order API's ``POST /post-order/v2/cancellation`` by ``legacyOrderId`` (refused once anything shipped).
* Every API call needs ``Authorization: Bearer <current token>`` (the Post-Order API: ``IAF <token>``), else 401
  (eBay's errorId 1001).
* ``fail_next(status, retry_after=..., times=..., after=...)`` answers requests with an error.
"""

from __future__ import annotations

import base64
import itertools
import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from flask import Flask, Response, jsonify, request
from flask.typing import ResponseReturnValue

from tests.fakes.server import Failure, FakeServer, ResettingRequestHandler

FILTER = re.compile(r"lastmodifieddate:\[(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)\.\.\]")
READ_SCOPE = "https://api.ebay.com/oauth/api_scope/sell.fulfillment.readonly"
WRITE_SCOPE = "https://api.ebay.com/oauth/api_scope/sell.fulfillment"
ORDER = "/sell/fulfillment/v1/order/<order_id>"


@dataclass
class ApiFailure(Failure):
    """Only API calls get (and count towards) an injected failure, token requests never."""

    def applies(self, path: str) -> bool:
        return path.startswith(("/sell/", "/post-order/"))


@dataclass
class FakeEbay(FakeServer):
    request_handler = ResettingRequestHandler  # an injected reset drops the connection
    client_id: str = "Fake-App-PRD-0a1b2c3d4-5e6f7a8b"
    client_secret: str = "PRD-c3e7f1a9b5d2"  # shares no 8 characters with a sample tracking number
    refresh_token: str = "v^1.1#i^1#r^1#fake-refresh"
    scopes: frozenset[str] = frozenset({READ_SCOPE})
    page_size: int = 200
    token_lifetime: int = 7200
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    token_requests: int = 0
    posted: list[tuple[str, Any]] = field(default_factory=list)  # (path, JSON body) of each POST to the API
    fulfillments: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    failure_type = ApiFailure

    def __post_init__(self) -> None:
        super().__post_init__()
        self._tokens: set[str] = set()
        self._counter = itertools.count(1)

    # -- set-up, from the test --

    @property
    def url(self) -> str:
        return self.origin

    def put(self, order: dict[str, Any]) -> None:
        with self._lock:
            self.orders[order["orderId"]] = order

    def revoke_tokens(self) -> None:
        with self._lock:
            self._tokens.clear()

    def settings(self, **extra: Any) -> dict[str, Any]:
        """Settings for the back-channel connector that reach this fake."""
        return {
            "base_url": self.url,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "refresh_token": self.refresh_token,
            **extra,
        }

    def posts(self, suffix: str) -> list[Any]:
        return [body for path, body in self.posted if path.endswith(suffix)]

    def order_requests(self) -> list[dict[str, str]]:
        return [args for path, args in self.requests if path == "/sell/fulfillment/v1/order"]

    # -- the server --

    def _app(self) -> Flask:
        app = Flask("fake_ebay")
        app.post("/identity/v1/oauth2/token")(self._token)
        app.get("/sell/fulfillment/v1/order")(self._orders)
        app.get(ORDER)(self._order)
        app.route(f"{ORDER}/shipping_fulfillment", methods=["GET", "POST"])(self._fulfillments)
        app.post(f"{ORDER}/issue_refund")(self._refund)
        app.post("/post-order/v2/cancellation")(self._cancel)
        return app

    def _seen(self) -> tuple[str, dict[str, str]]:
        if request.method == "POST" and request.is_json:
            self.posted.append((request.path, request.get_json(silent=True)))
        return (request.path, dict(request.args))

    def _failure_response(self, failure: Failure) -> Response:
        response, _ = _error(failure.status, 2003, "Internal error (injected)")
        return response

    def _authorize(self) -> ResponseReturnValue | None:
        if request.path.startswith(("/sell/", "/post-order/")):
            scheme, _, token = request.headers.get("Authorization", "").partition(" ")
            wanted = "IAF" if request.path.startswith("/post-order/") else "Bearer"
            with self._lock:
                if scheme != wanted or token not in self._tokens:
                    return _error(401, 1001, "Invalid access token")
        return None

    def _token(self) -> Response | tuple[Response, int]:
        expected = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        form = request.form
        with self._lock:
            self.token_requests += 1
            if request.headers.get("Authorization") != f"Basic {expected}":
                return jsonify({"error": "invalid_client", "error_description": "client authentication failed"}), 401
            if form.get("grant_type") != "refresh_token" or form.get("refresh_token") != self.refresh_token:
                return jsonify({"error": "invalid_grant", "error_description": "the refresh token is invalid"}), 400
            if not form.get("scope") or not set(form["scope"].split()) <= self.scopes:
                return jsonify({"error": "invalid_scope", "error_description": "the requested scope is invalid"}), 400
            token = f"v^1.1#i^1#p^3#fake-access-{next(self._counter)}"
            self._tokens.add(token)
        return jsonify({"access_token": token, "expires_in": self.token_lifetime, "token_type": "User Access Token"})

    def _orders(self) -> Response | tuple[Response, int]:
        match = FILTER.fullmatch(request.args.get("filter", ""))
        if match is None:
            return _error(400, 30700, "The 'filter' value is invalid: use lastmodifieddate:[<ISO 8601>..]")
        since = datetime.fromisoformat(match.group(1).replace("Z", "+00:00"))
        limit = min(int(request.args.get("limit", 50)), self.page_size)
        offset = int(request.args.get("offset", 0))
        with self._lock:
            matching = sorted(
                (order for order in self.orders.values() if _at(order["lastModifiedDate"]) >= since),
                key=lambda order: order["lastModifiedDate"],
            )
        page: dict[str, Any] = {
            "href": f"{self.url}{request.full_path}",
            "total": len(matching),
            "limit": limit,
            "offset": offset,
            "orders": matching[offset : offset + limit],
            "warnings": [],
        }
        if offset + limit < len(matching):
            query = urlencode({"filter": request.args["filter"], "limit": limit, "offset": offset + limit})
            page["next"] = f"{self.url}/sell/fulfillment/v1/order?{query}"
        return jsonify(page)

    # -- the back-channel --

    def _order(self, order_id: str) -> Response | tuple[Response, int]:
        with self._lock:
            order = self.orders.get(order_id)
        if order is None:
            return _error(404, 32100, f"Order {order_id} not found")
        return jsonify(order)

    def _fulfillments(self, order_id: str) -> Response | tuple[Response, int]:
        with self._lock:
            order = self.orders.get(order_id)
            if order is None:
                return _error(404, 32100, f"Order {order_id} not found")
            made = self.fulfillments.setdefault(order_id, [])
            if request.method == "GET":
                return jsonify({"fulfillments": made, "total": len(made), "warnings": []})
            body = request.get_json(silent=True) or {}
            left = _left_to_ship(order, made)
            items = body.get("lineItems") or []
            if not items:
                return _error(400, 32200, "lineItems is required")
            for item in items:
                if not 0 < int(item.get("quantity", 0)) <= left.get(item.get("lineItemId"), 0):
                    return _error(
                        400, 32400, f"lineItem {item.get('lineItemId')} cannot ship {item.get('quantity')} more"
                    )
            number = body.get("trackingNumber")
            fulfillment_id = (
                number if number and number not in {f["fulfillmentId"] for f in made} else f"F{len(made) + 1}"
            )
            made.append(
                {
                    "fulfillmentId": fulfillment_id,
                    "lineItems": items,
                    "shipmentTrackingNumber": number,
                    "shippingCarrierCode": body.get("shippingCarrierCode"),
                    "shippedDate": body.get("shippedDate"),
                }
            )
            order["orderFulfillmentStatus"] = "IN_PROGRESS" if _left_to_ship(order, made) else "FULFILLED"
        location = f"{self.url}/sell/fulfillment/v1/order/{order_id}/shipping_fulfillment/{fulfillment_id}"
        return Response(status=201, headers={"Location": location})

    def _refund(self, order_id: str) -> Response | tuple[Response, int]:
        body = request.get_json(silent=True) or {}
        with self._lock:
            order = self.orders.get(order_id)
            if order is None:
                return _error(404, 32100, f"Order {order_id} not found")
            paid = Decimal(order["pricingSummary"]["total"]["value"])
            summary = order.setdefault("paymentSummary", {})
            refunds = summary.setdefault("refunds", [])
            amounts = [Decimal(item["refundAmount"]["value"]) for item in body.get("refundItems") or []]
            amounts += [Decimal(body["orderLevelRefundAmount"]["value"])] if body.get("orderLevelRefundAmount") else []
            known = {item["lineItemId"] for item in order.get("lineItems") or []}
            if any(item.get("lineItemId") not in known for item in body.get("refundItems") or []):
                return _error(400, 32610, "refundItems names a line item that is not on this order")
            refunded = sum((Decimal(r["amount"]["value"]) for r in refunds), Decimal(0))
            total = sum(amounts, Decimal(0))
            if not body.get("reasonForRefund") or not 0 < total <= paid - refunded:
                return _error(400, 32600, "The refund amount is invalid or more than is left to refund")
            refund_id = f"5{len(refunds) + 1:09d}"
            refunds.append({"refundId": refund_id, "refundStatus": "PENDING", "amount": {"value": f"{total:.2f}"}})
        return jsonify({"refundId": refund_id, "refundStatus": "PENDING"})

    def _cancel(self) -> Response | tuple[Response, int]:
        body = request.get_json(silent=True) or {}
        with self._lock:
            order = next((o for o in self.orders.values() if o.get("legacyOrderId") == body.get("legacyOrderId")), None)
            if order is None:
                return _error(400, 1001, "legacyOrderId is not a valid order")
            if order.get("orderFulfillmentStatus") in ("FULFILLED", "IN_PROGRESS"):
                return _error(400, 1311, "The order has shipped and cannot be cancelled")
            cancel_id = f"5{len(self.posts('/cancellation')):09d}"
            order["cancelStatus"] = {"cancelState": "CANCELED", "cancelRequests": [{"cancelRequestId": cancel_id}]}
        return jsonify({"cancelId": cancel_id}), 201


def _left_to_ship(order: dict[str, Any], made: list[dict[str, Any]]) -> dict[str, int]:
    left = {item["lineItemId"]: int(item["quantity"]) for item in order.get("lineItems") or []}
    for fulfillment in made:
        for item in fulfillment["lineItems"]:
            left[item["lineItemId"]] -= int(item["quantity"])
    return {line: units for line, units in left.items() if units > 0}


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _error(status: int, error_id: int, message: str) -> tuple[Response, int]:
    body = {"errors": [{"errorId": error_id, "domain": "API_FULFILLMENT", "category": "REQUEST", "message": message}]}
    return jsonify(body), status
