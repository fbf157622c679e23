"""A fake BigCommerce store API (REST v2 orders) on loopback, with BigCommerce's rules.

* ``GET /stores/<hash>/v2/orders``: ``min_date_modified`` (inclusive; RFC 2822 or ISO 8601), ``sort``
  (``date_modified:asc`` ...), ``limit`` (50 by default, at most 250 and at most ``page_size``), ``page``; a
  page with nothing on it is ``204 No Content``, as BigCommerce answers an empty list.
* ``GET /stores/<hash>/v2/orders/<id>``, ``.../products`` and ``.../shipping_addresses`` (both paged with
  ``limit``/``page``, 204 when empty); 404 for an unknown order.
* The back-channel: ``GET``/``POST /stores/<hash>/v2/orders/<id>/shipments`` (``order_address_id`` one of the
  order's addresses, ``items`` naming its ``order_product_id``s within what is left to ship, ``tracking_number``
  at most 50 characters, ``shipping_provider`` from BigCommerce's list; the order becomes Shipped or Partially
  Shipped), ``PUT .../shipments/<shipment id>``, ``PUT /v2/orders/<id>`` (``status_id`` 0-14), and the v3
  payment actions ``POST .../v3/orders/<id>/payment_actions/refund_quotes`` and ``.../refunds`` (items within
  what is left to refund, payments adding up to the quote; 422 otherwise) and ``GET .../refunds``.
* ``X-Auth-Token`` must match (401 otherwise) and ``Accept`` must allow JSON (406 otherwise).
* ``rate_limit_next(reset_ms)`` answers the next request 429 with the ``X-Rate-Limit-*`` headers of a spent
  quota; a ``fail_next(429)`` carries none (BigCommerce's platform load).
* ``fail_next(status, retry_after=..., times=..., after=...)`` answers requests with an error (429, 500 ...).

Orders are kept as the documents the hub stores: ``{"order": ..., "products": [...], "shipping_addresses": [...]}``.
Every request is kept in ``requests`` (path, query, token, method, JSON body), so a test can check what the hub
asked for.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import Any

from flask import Flask, Response, jsonify, request
from flask.typing import ResponseReturnValue

from tests.fakes.server import Failure, FakeServer, ResettingRequestHandler

STORE_HASH = "abc123"
PREFIX = f"/stores/{STORE_HASH}"
PROVIDERS = {"", "auspost", "canadapost", "endicia", "usps", "fedex", "royalmail", "ups", "upsready", "shipperhq"}
OVER_SHIPPED = "The quantity specified is greater than the quantity of the product that is available to ship."


@dataclass
class RateLimited(Failure):
    """A 429 with the headers of a spent quota."""

    reset_ms: int = field(default=0, kw_only=True)


@dataclass
class SeenRequest:
    path: str
    args: dict[str, str]
    token: str | None
    method: str = "GET"
    body: Any = None


@dataclass
class FakeBigCommerce(FakeServer):
    request_handler = ResettingRequestHandler  # an injected reset drops the connection
    token: str = "bc-9f2e61d0b7a4c35e"  # shares no 8 characters with a settings repr
    page_size: int = 250
    documents: dict[int, dict[str, Any]] = field(default_factory=dict)
    shipments: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    refunds: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    requests: list[SeenRequest] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__post_init__()
        self._ids = itertools.count(1)

    # -- set-up, from the test --

    @property
    def base_url(self) -> str:
        return f"{self.origin}{PREFIX}"

    def put(
        self, order: dict[str, Any], products: list[dict[str, Any]], shipping_addresses: list[dict[str, Any]]
    ) -> None:
        with self._lock:
            self.documents[int(order["id"])] = {
                "order": order,
                "products": products,
                "shipping_addresses": shipping_addresses,
            }

    def settings(self, **extra: Any) -> dict[str, Any]:
        """Settings for the back-channel connector that reach this store."""
        return {"base_url": self.base_url, "access_token": self.token, **extra}

    def rate_limit_next(self, reset_ms: int) -> None:
        self._inject(RateLimited(429, None, 1, 0, reset_ms=reset_ms))

    def calls(self, method: str, suffix: str = "") -> list[SeenRequest]:
        return [seen for seen in self.requests if seen.method == method and seen.path.endswith(suffix)]

    # -- the server --

    def _seen(self) -> SeenRequest:
        body = request.get_json(silent=True) if request.method in ("POST", "PUT") else None
        return SeenRequest(request.path, dict(request.args), request.headers.get("X-Auth-Token"), request.method, body)

    def _failure_response(self, failure: Failure) -> Response:
        response = jsonify([{"status": failure.status, "message": "Injected failure."}])
        if isinstance(failure, RateLimited):
            response.headers.update(
                {
                    "X-Rate-Limit-Time-Window-Ms": "30000",
                    "X-Rate-Limit-Time-Reset-Ms": str(failure.reset_ms),
                    "X-Rate-Limit-Requests-Quota": "150",
                    "X-Rate-Limit-Requests-Left": "0",
                }
            )
        return response

    def _authorize(self) -> ResponseReturnValue | None:
        if request.headers.get("X-Auth-Token") != self.token:
            return jsonify([{"status": 401, "message": "You are not authorized to access this resource."}]), 401
        if "application/json" not in request.headers.get("Accept", ""):
            return jsonify([{"status": 406, "message": "The requested content type is not acceptable."}]), 406
        return None

    def _app(self) -> Flask:
        app = Flask("fake-bigcommerce")

        @app.get(f"{PREFIX}/v2/orders")
        def _orders() -> Response | tuple[Response, int]:
            return self._list()

        @app.get(f"{PREFIX}/v2/orders/<int:order_id>")
        def _order(order_id: int) -> Response | tuple[Response, int]:
            document = self._document(order_id)
            return _not_found() if document is None else jsonify(document["order"])

        @app.get(f"{PREFIX}/v2/orders/<int:order_id>/<any(products, shipping_addresses):part>")
        def _part(order_id: int, part: str) -> Response | tuple[Response, int]:
            document = self._document(order_id)
            if document is None:
                return _not_found()
            return _page(document[part], request.args, self.page_size)

        app.route(f"{PREFIX}/v2/orders/<int:order_id>/shipments", methods=["GET", "POST"])(self._shipments)
        app.put(f"{PREFIX}/v2/orders/<int:order_id>/shipments/<int:shipment_id>")(self._update_shipment)
        app.put(f"{PREFIX}/v2/orders/<int:order_id>")(self._update_order)
        actions = f"{PREFIX}/v3/orders/<int:order_id>/payment_actions"
        app.post(f"{actions}/refund_quotes")(self._refund_quote)
        app.route(f"{actions}/refunds", methods=["GET", "POST"])(self._refunds)
        return app

    # -- the back-channel --

    def _shipments(self, order_id: int) -> Response | tuple[Response, int]:
        with self._lock:
            document = self.documents.get(order_id)
            if document is None:
                return _not_found()
            listed = self.shipments.setdefault(order_id, [])
            if request.method == "GET":
                return _page(listed, request.args, self.page_size)
            body = request.get_json(silent=True) or {}
            problem = _shipment_problem(document, listed, body)
            if problem:
                return jsonify([{"status": 400, "message": problem}]), 400
            shipment = {"id": next(self._ids), "order_id": order_id, **body}
            shipment["generated_tracking_link"] = body.get("tracking_link") or ""
            listed.append(shipment)
            document["order"]["status_id"] = 2 if not _left_to_ship(document, listed) else 3
            return jsonify(shipment), 201

    def _update_shipment(self, order_id: int, shipment_id: int) -> Response | tuple[Response, int]:
        body = request.get_json(silent=True) or {}
        with self._lock:
            found = next((s for s in self.shipments.get(order_id, []) if s["id"] == shipment_id), None)
            if found is None:
                return _not_found()
            if len(str(body.get("tracking_number", ""))) > 50:
                return jsonify([{"status": 400, "message": "tracking_number is longer than 50 characters"}]), 400
            found.update({key: value for key, value in body.items() if key != "items"})
            return jsonify(found)

    def _update_order(self, order_id: int) -> Response | tuple[Response, int]:
        body = request.get_json(silent=True) or {}
        with self._lock:
            document = self.documents.get(order_id)
            if document is None:
                return _not_found()
            if "status_id" in body and body["status_id"] not in range(15):
                return jsonify([{"status": 400, "message": "The field 'status_id' is invalid."}]), 400
            document["order"].update(body)
            return jsonify(document["order"])

    def _refund_quote(self, order_id: int) -> Response | tuple[Response, int]:
        body = request.get_json(silent=True) or {}
        with self._lock:
            document = self.documents.get(order_id)
            if document is None:
                return _v3_error(404, "Order not found")
            total = _refund_total(document, self.refunds.get(order_id, []), body.get("items") or [])
        if isinstance(total, str):
            return _v3_error(422, total)
        methods = [
            [{"provider_id": "braintree", "provider_description": "Braintree", "amount": total, "offline": False}],
            [{"provider_id": "custom", "provider_description": "Custom", "amount": total, "offline": True}],
        ]
        return jsonify({"data": {"order_id": order_id, "total_refund_amount": total, "refund_methods": methods}})

    def _refunds(self, order_id: int) -> Response | tuple[Response, int]:
        with self._lock:
            document = self.documents.get(order_id)
            if document is None:
                return _v3_error(404, "Order not found")
            made = self.refunds.setdefault(order_id, [])
            if request.method == "GET":
                return jsonify({"data": made, "meta": {}})
            body = request.get_json(silent=True) or {}
            total = _refund_total(document, made, body.get("items") or [])
            if isinstance(total, str):
                return _v3_error(422, total)
            paid = sum(Decimal(str(payment.get("amount", 0))) for payment in body.get("payments") or [])
            if paid != Decimal(str(total)):
                return _v3_error(422, "The payments do not add up to the refund")
            items = [{**item, "requested_amount": item.get("amount")} for item in body["items"]]
            refund = {"id": next(self._ids), "order_id": order_id, "reason": body.get("reason", ""), "items": items}
            refund.update(total_amount=total, payments=body["payments"])
            made.append(refund)
            return jsonify({"data": refund, "meta": {}}), 201

    def _document(self, order_id: int) -> dict[str, Any] | None:
        with self._lock:
            return self.documents.get(order_id)

    def _list(self) -> Response | tuple[Response, int]:
        args = request.args
        with self._lock:
            orders = [document["order"] for document in self.documents.values()]
        if "min_date_modified" in args:
            try:
                since = _instant(args["min_date_modified"])
            except ValueError:
                return jsonify([{"status": 400, "message": "min_date_modified is not a date"}]), 400
            orders = [order for order in orders if _instant(order["date_modified"]) >= since]
        field_name, _, direction = args.get("sort", "id:asc").partition(":")
        if field_name not in ("id", "date_created", "date_modified") or direction not in ("", "asc", "desc"):
            return jsonify([{"status": 400, "message": "sort is not one of the allowed values"}]), 400
        if field_name == "id":
            orders.sort(key=lambda order: order["id"], reverse=direction == "desc")
        else:
            orders.sort(key=lambda order: (_instant(order[field_name]), order["id"]), reverse=direction == "desc")
        return _page(orders, args, self.page_size)


def _page(items: list[Any], args: Any, page_size: int) -> Response | tuple[Response, int]:
    try:
        limit, page = int(args.get("limit", "50")), int(args.get("page", "1"))
    except ValueError:
        return jsonify([{"status": 400, "message": "limit and page must be integers"}]), 400
    if not 1 <= limit <= 250 or page < 1:
        return jsonify([{"status": 400, "message": "limit must be between 1 and 250"}]), 400
    size = min(limit, page_size)
    chunk = items[(page - 1) * size : page * size]
    if not chunk:
        return Response(status=204)
    return jsonify(chunk)


def _shipment_problem(document: dict[str, Any], listed: list[dict[str, Any]], body: dict[str, Any]) -> str | None:
    if body.get("order_address_id") not in [address["id"] for address in document["shipping_addresses"]]:
        return "The field 'order_address_id' is invalid."
    if len(str(body.get("tracking_number", ""))) > 50:
        return "The field 'tracking_number' cannot be longer than 50 characters."
    if body.get("shipping_provider", "") not in PROVIDERS:
        return "The field 'shipping_provider' is invalid."
    left = _left_to_ship(document, listed)
    if not body.get("items"):
        return "The field 'items' is required."
    for item in body["items"]:
        product = item.get("order_product_id")
        if product not in {p["id"] for p in document["products"]}:
            return f"The order product {product} does not belong to this order."
        if int(item.get("quantity", 0)) > left.get(product, 0):
            return OVER_SHIPPED
    return None


def _left_to_ship(document: dict[str, Any], listed: list[dict[str, Any]]) -> dict[int, int]:
    left = {product["id"]: int(product["quantity"]) for product in document["products"]}
    for shipment in listed:
        for item in shipment["items"]:
            left[item["order_product_id"]] -= int(item["quantity"])
    return {product: units for product, units in left.items() if units > 0}


def _refund_total(document: dict[str, Any], made: list[dict[str, Any]], items: list[dict[str, Any]]) -> float | str:
    """The amount these items refund, or why they cannot be refunded."""
    prices = {product["id"]: Decimal(str(product["price_inc_tax"])) for product in document["products"]}
    refunded: dict[int, int] = {}
    for refund in made:
        for item in refund["items"]:
            if item["item_type"] == "PRODUCT":
                refunded[item["item_id"]] = refunded.get(item["item_id"], 0) + int(item["quantity"])
    total = Decimal(0)
    for item in items:
        kind, item_id = item.get("item_type"), item.get("item_id")
        if kind == "PRODUCT":
            quantity = int(item.get("quantity") or 0)
            ordered = next((int(p["quantity"]) for p in document["products"] if p["id"] == item_id), 0)
            if not 0 < quantity <= ordered - refunded.get(item_id, 0):
                return f"Order product {item_id} has fewer than {quantity} refundable units"
            total += prices[item_id] * quantity
        elif kind == "SHIPPING" and item_id in [a["id"] for a in document["shipping_addresses"]]:
            total += Decimal(str(item.get("amount", 0)))
        elif kind == "ORDER" and item_id == document["order"]["id"]:
            total += Decimal(str(item.get("amount", 0)))
        else:
            return f"Refund item {item} is not one of this order's"
    spent = sum((Decimal(str(refund["total_amount"])) for refund in made), Decimal(0))
    if total <= 0 or total + spent > Decimal(str(document["order"]["total_inc_tax"])):
        return "The refund is more than is left to refund on this order"
    return float(total)


def _v3_error(status: int, title: str) -> tuple[Response, int]:
    body = {
        "status": status,
        "title": title,
        "type": "https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes",
        "errors": {},
    }
    return jsonify(body), status


def _not_found() -> tuple[Response, int]:
    return jsonify([{"status": 404, "message": "The requested resource was not found."}]), 404


def _instant(text: str) -> datetime:
    try:
        parsed = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
