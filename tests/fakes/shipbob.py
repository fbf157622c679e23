"""A fake ShipBob API on loopback: the order, shipment, channel and webhook shapes the hub uses, with
ShipBob's rules and failures. What ShipBob documents is followed; what it leaves open is marked
"unconfirmed" below and kept to the most plausible reading.

* Paths under ``/<version>/`` (``1.0``, ``2.0``, ``2025-07``, ``2026-01``, ``2026-07``; another version: 404).
* ``Authorization: Bearer <token>``, else 401 (empty body with ``WWW-Authenticate: Bearer``; the body is
  unconfirmed).
* 150 requests a minute (sliding window, ``rate_limit``): then 429 with ``x-retry-after`` (seconds),
  ``x-remaining-calls: 0`` and ``{"statusCode": 429, "message": "Rate limit is exceeded. Try again in N
  seconds."}``, as documented.
* ``GET /channel``: the token's channels (``id``, ``name``, ``application_name``, ``scopes``).
* ``POST /order``: the ``shipbob_channel_id`` header is required (documented; the status without it is
  unconfirmed: 400 here, and 403 for a channel that is not the token's). The body needs ``reference_id``
  (1-300), ``shipping_method``, ``recipient`` (name; address1, city, country), ``products`` (``reference_id``
  or ``id``, quantity) and ``type`` (DropShip and B2B also need ``retailer_program_data`` and
  ``shipping_terms``, else 422, as documented). 201 with the Order (``id``, ``reference_id``, ``products``,
  ``shipments`` ...). A ``reference_id`` the account already has: 422 "Duplicate reference ID" (documented;
  the body's shape is unconfirmed: validation errors here are ``{field: [messages]}``, the 1.0 shape).
* ``GET /order`` with ``IDs`` / ``ReferenceIds`` (comma-separated), ``Page``, ``Limit`` (at most 250);
  ``GET /order/<id>``; ``GET /order/<id>/shipment``.
* ``POST /order/<id>:cancel`` (dated versions; ``/order/<id>/cancel`` on 1.0/2.0), channel header required:
  cancels every shipment not yet shipped and answers ``{"canceled_shipment_results": [...], "order",
  "order_id", "status"}``. An order with a shipped shipment is refused with 422 (unconfirmed: ShipBob only
  says the order "must be in a cancellable state").
* Shipments have ``id``, ``order_id``, ``reference_id``, ``status`` (Processing, Completed, Exception, OnHold,
  Cancelled ...), ``status_details``, ``tracking`` (``carrier``, ``carrier_service``, ``tracking_number``,
  ``tracking_url``: the keys of the 1.0 reference; the dated ones are unconfirmed), ``products`` whose units
  are in ``inventory_items[].quantity`` (the reference's shape), dates and ``location``.
* Failures: ``fail_next(status, retry_after=...)``, ``hang_next(seconds)`` (served after the client gave up),
  ``reset_next()`` (connection dropped unanswered).
* ``ship``, ``hold`` and ``cancel_at_shipbob`` change an order as ShipBob's warehouse would; ``notify`` posts
  a dated webhook (``x-webhook-topic``, body = the shipment, or its order) signed per Standard Webhooks with
  the subscription's ``whsec_`` secret, by the real ``standardwebhooks`` library.
"""

from __future__ import annotations

import base64
import copy
import json
import math
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from uuid import uuid4

import requests
from flask import Flask, Response, jsonify, request
from flask.typing import ResponseReturnValue
from requests import Response as HttpResponse  # the fake's own `requests` field shadows the module
from standardwebhooks.webhooks import Webhook

from tests.fakes.server import Failure, FakeServer, ResettingRequestHandler

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

VERSIONS = frozenset({"1.0", "2.0", "2025-07", "2026-01", "2026-07"})
SHIPPED = frozenset({"Completed", "LabeledCreated"})
OPEN = frozenset({"Processing", "Exception", "OnHold"})
CHANNEL_HEADER = "shipbob_channel_id"
DEFAULT_SECRET = "whsec_" + base64.b64encode(b"fake-shipbob-webhook-signing-key").decode()


@dataclass
class SeenRequest:
    method: str
    path: str  # without the version
    version: str
    args: dict[str, str]
    token: str | None
    channel: str | None
    body: Any = None


class ShipBobRequestHandler(ResettingRequestHandler):
    """Keeps headers whose names hold underscores (``shipbob_channel_id``: werkzeug's server drops them, ShipBob
    reads them), and resets connections as the shared handler does."""

    def make_environ(self) -> WSGIEnvironment:
        environ = super().make_environ()
        for key, value in self.headers.items():
            if "_" in key:
                environ[f"HTTP_{key.upper()}"] = value.replace("\r\n", "")
        return environ


@dataclass
class FakeShipBob(FakeServer):
    access_token: str = "sb-pat-5f0e2c9a7b41d3e8"
    channel_id: int = 271828
    channel_scopes: tuple[str, ...] = ("orders_read", "orders_write", "products_read", "webhooks_write")
    webhook_secret: str = DEFAULT_SECRET
    api_version: str = "2026-01"  # the version ``settings`` and ``calls`` use
    tracking_key: str = "tracking_number"  # ShipBob's tracking webhook calls it tracking_id
    rate_limit: int = 150  # requests per minute
    hang_seconds: float = 2.0
    orders: dict[int, dict[str, Any]] = field(default_factory=dict)
    requests: list[SeenRequest] = field(default_factory=list)

    failure_type = Failure
    request_handler = ShipBobRequestHandler

    def __post_init__(self) -> None:
        super().__post_init__()
        self._next_id = 500_000
        self._product_ids: dict[str, int] = {}
        self._window: deque[float] = deque()

    # -- set-up and checks, from the test --

    def settings(self, **overrides: Any) -> dict[str, Any]:
        """Connector settings that reach this fake with valid credentials."""
        return {
            "base_url": self.origin,
            "api_version": self.api_version,
            "access_token": self.access_token,
            "channel_id": str(self.channel_id),
            **overrides,
        }

    def hang_next(self, *, times: int = 1, seconds: float | None = None) -> None:
        """Hold the next requests ``seconds`` before serving them (past the client's timeout)."""
        self._inject(Failure(200, None, times, 0, mode="hang", seconds=seconds or self.hang_seconds))

    def reset_next(self, *, times: int = 1) -> None:
        """Drop the next requests' connections without an answer."""
        self._inject(Failure(0, None, times, 0, mode="reset"))

    def order_by_reference(self, reference_id: str) -> dict[str, Any] | None:
        with self._lock:
            found = next((o for o in self.orders.values() if o["reference_id"] == reference_id), None)
            return copy.deepcopy(found)

    def orders_with_reference(self, reference_id: str) -> int:
        with self._lock:
            return sum(1 for order in self.orders.values() if order["reference_id"] == reference_id)

    def calls(self, method: str, path: str) -> list[SeenRequest]:
        return [seen for seen in self.requests if seen.method == method and seen.path == path]

    # -- what happens at ShipBob's warehouse --

    def ship(
        self,
        reference_id: str,
        *,
        items: dict[str, int] | None = None,
        carrier: str = "USPS",
        carrier_service: str = "Priority",
        tracking_number: str | None = None,
        status: str = "Completed",
    ) -> dict[str, Any]:
        """Ship the order's open units (or ``items``, units by SKU, splitting the shipment) with a label;
        returns the shipped shipment."""
        with self._lock:
            order = self._order_by_reference(reference_id)
            open_shipment = next(s for s in order["shipments"] if s["status"] in OPEN)
            shipment = open_shipment if items is None else self._split(order, open_shipment, items)
            number = tracking_number or f"9400{shipment['id']:018d}"
            shipment["status"] = status
            shipment["status_details"] = []
            shipment["tracking"] = {
                "carrier": carrier,
                "carrier_service": carrier_service,
                self.tracking_key: number,
                "tracking_url": f"https://tools.usps.com/go/TrackConfirmAction?tLabels={number}",
            }
            shipment["actual_fulfillment_date"] = shipment["last_update_at"] = _now()
            left = [s for s in order["shipments"] if s["status"] in OPEN]
            order["status"] = "PartiallyFulfilled" if left else "Fulfilled"
            return copy.deepcopy(shipment)

    def hold(self, reference_id: str, *, status: str = "Exception", reason: str = "Out of stock") -> dict[str, Any]:
        """Put the order's open shipment in exception (or on hold) with a reason, as the warehouse does."""
        with self._lock:
            order = self._order_by_reference(reference_id)
            shipment = next(s for s in order["shipments"] if s["status"] in OPEN)
            shipment["status"] = status
            shipment["status_details"] = [{"id": 2, "name": reason.replace(" ", ""), "description": reason}]
            order["status"] = "Exception"
            return copy.deepcopy(shipment)

    def cancel_at_shipbob(self, reference_id: str) -> list[dict[str, Any]]:
        """Someone at ShipBob cancels the order's unshipped shipments; returns them."""
        with self._lock:
            order = self._order_by_reference(reference_id)
            return [copy.deepcopy(shipment) for shipment in self._cancel(order)]

    def order_of(self, shipment: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            return copy.deepcopy(self.orders[shipment["order_id"]])

    # -- webhooks --

    def signed_headers(
        self,
        body: bytes,
        *,
        topic: str | None = "order.shipped",
        message_id: str | None = None,
        timestamp: float | None = None,
        secret: str | None = None,
    ) -> dict[str, str]:
        """The headers ShipBob sends with a dated webhook (Standard Webhooks, signed by the reference library)."""
        message_id = message_id or f"msg_{uuid4().hex}"
        moment = datetime.fromtimestamp(time.time() if timestamp is None else timestamp, tz=UTC)
        signature = Webhook(secret or self.webhook_secret).sign(message_id, moment, body)
        headers = {
            "content-type": "application/json",
            "webhook-id": message_id,
            "webhook-timestamp": str(math.floor(moment.timestamp())),
            "webhook-signature": signature,
        }
        if topic is not None:
            headers["x-webhook-topic"] = topic
        return headers

    def webhook_body(self, shipment: dict[str, Any], *, as_order: bool = False) -> bytes:
        """The body ShipBob sends: the shipment as the GET endpoint returns it, or its whole order."""
        model = self.order_of(shipment) if as_order else shipment
        return json.dumps(model).encode()

    def notify(
        self,
        target_url: str,
        shipment: dict[str, Any],
        *,
        topic: str = "order.shipped",
        as_order: bool = False,
        **sign: Any,
    ) -> HttpResponse:
        """POST a signed dated webhook about ``shipment`` to ``target_url``."""
        body = self.webhook_body(shipment, as_order=as_order)
        return requests.post(target_url, data=body, headers=self.signed_headers(body, topic=topic, **sign), timeout=10)

    # -- the server: requests and failures --

    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def _seen(self) -> SeenRequest:
        version, _, rest = request.path.lstrip("/").partition("/")
        auth = request.headers.get("Authorization", "")
        body = request.get_json(silent=True) if request.method == "POST" else None
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else None
        return SeenRequest(
            request.method, f"/{rest}", version, dict(request.args), token, request.headers.get(CHANNEL_HEADER), body
        )

    def _failure_response(self, failure: Failure) -> Response:
        if failure.status == 429:
            response = jsonify({"statusCode": 429, "message": "Rate limit is exceeded. Try again in 25 seconds."})
            response.headers["x-remaining-calls"] = "0"
            return response
        return jsonify({"statusCode": failure.status, "message": f"Injected failure {failure.status}."})

    def _authorize(self) -> ResponseReturnValue | None:
        version = request.path.lstrip("/").partition("/")[0]
        if version not in VERSIONS:
            return Response(status=404)
        if request.headers.get("Authorization") != f"Bearer {self.access_token}":
            return Response(status=401, headers={"WWW-Authenticate": "Bearer"})
        with self._lock:
            now = time.monotonic()
            while self._window and now - self._window[0] >= 60:
                self._window.popleft()
            if len(self._window) < self.rate_limit:
                self._window.append(now)
                return None
            wait = max(1, math.ceil(60 - (now - self._window[0])))
        body = {"statusCode": 429, "message": f"Rate limit is exceeded. Try again in {wait} seconds."}
        return jsonify(body), 429, {"x-retry-after": str(wait), "x-remaining-calls": "0"}

    def _channel_problem(self) -> ResponseReturnValue | None:
        given = request.headers.get(CHANNEL_HEADER)
        if not given:
            return _invalid(CHANNEL_HEADER, "The shipbob_channel_id header is required.")
        if given.strip() != str(self.channel_id):
            return jsonify({"message": f"Channel {given} is not accessible with this token."}), 403
        return None

    # -- the server: routes --

    def _app(self) -> Flask:
        app = Flask("fake-shipbob")

        @app.get("/<version>/channel")
        def _channels(version: str) -> ResponseReturnValue:
            return jsonify(
                [
                    {
                        "id": self.channel_id,
                        "name": "orderhub",
                        "application_name": "SMA",
                        "scopes": list(self.channel_scopes),
                    }
                ]
            )

        @app.post("/<version>/order")
        def _create(version: str) -> ResponseReturnValue:
            return self._channel_problem() or self._create_order(request.get_json(silent=True))

        @app.get("/<version>/order")
        def _list(version: str) -> ResponseReturnValue:
            return self._list_orders()

        @app.get("/<version>/order/<int:order_id>")
        def _order(version: str, order_id: int) -> ResponseReturnValue:
            with self._lock:
                order = copy.deepcopy(self.orders.get(order_id))
            return jsonify(order) if order is not None else _not_found(order_id)

        @app.get("/<version>/order/<int:order_id>/shipment")
        def _shipments(version: str, order_id: int) -> ResponseReturnValue:
            with self._lock:
                order = copy.deepcopy(self.orders.get(order_id))
            return jsonify(order["shipments"]) if order is not None else _not_found(order_id)

        @app.post("/<version>/order/<int:order_id>:cancel")
        def _cancel(version: str, order_id: int) -> ResponseReturnValue:
            if "-" not in version:
                return Response(status=404)
            return self._channel_problem() or self._cancel_order(order_id)

        @app.post("/<version>/order/<int:order_id>/cancel")
        def _cancel_legacy(version: str, order_id: int) -> ResponseReturnValue:
            if "-" in version:
                return Response(status=404)
            return self._channel_problem() or self._cancel_order(order_id)

        return app

    def _create_order(self, body: Any) -> ResponseReturnValue:
        problem = _order_problem(body)
        if problem is not None:
            return problem
        with self._lock:
            if any(order["reference_id"] == body["reference_id"] for order in self.orders.values()):
                return _invalid("reference_id", "Duplicate reference ID", status=422)
            order = self._new_order(body)
            self.orders[order["id"]] = order
            return jsonify(copy.deepcopy(order)), 201

    def _new_order(self, body: dict[str, Any]) -> dict[str, Any]:
        order_id, now = self._new_id(), _now()
        products = [self._product(item) for item in body["products"]]
        shipment = {
            "id": self._new_id(),
            "order_id": order_id,
            "reference_id": body["reference_id"],
            "recipient": body["recipient"],
            "created_date": now,
            "last_update_at": now,
            "status": "Processing",
            "status_details": [],
            "location": {"id": 9, "name": "Cicero (IL)"},
            "ship_option": body["shipping_method"],
            "tracking": None,
            "products": [_shipment_product(product, product["quantity"]) for product in products],
            "actual_fulfillment_date": None,
            "delivery_date": None,
            "is_tracking_uploaded": False,
            "estimated_fulfillment_date_status": "PendingOnTime",
            "package_material_type": "Unknown",
            "require_signature": False,
        }
        return {
            "id": order_id,
            "created_date": now,
            "purchase_date": body.get("purchase_date"),
            "reference_id": body["reference_id"],
            "order_number": body.get("order_number") or body["reference_id"],
            "status": "Processing",
            "type": body["type"],
            "channel": {"id": self.channel_id, "name": "orderhub"},
            "shipping_method": body["shipping_method"],
            "recipient": body["recipient"],
            "products": products,
            "tags": body.get("tags") or [],
            "shipments": [shipment],
        }

    def _product(self, item: dict[str, Any]) -> dict[str, Any]:
        """The order's product, created the first time its reference_id is seen (the reference_id model)."""
        sku = str(item.get("reference_id") or f"product-{item['id']}")
        product_id = self._product_ids.setdefault(sku, int(item.get("id") or self._new_id()))
        return {
            "id": product_id,
            "reference_id": sku,
            "sku": sku,
            "name": item.get("name"),
            "quantity": item["quantity"],
        }

    def _split(self, order: dict[str, Any], shipment: dict[str, Any], items: dict[str, int]) -> dict[str, Any]:
        """Take ``items`` out of ``shipment`` into a new shipment of the order (the caller holds the lock)."""
        shipped = copy.deepcopy(shipment)
        shipped["id"] = self._new_id()
        shipped["products"] = []
        for product in shipment["products"]:
            units = items.get(product["reference_id"], 0)
            have = product["inventory_items"][0]["quantity"]
            if units:
                shipped["products"].append(_shipment_product(product, units))
                product["inventory_items"][0]["quantity"] = have - units
        shipment["products"] = [p for p in shipment["products"] if p["inventory_items"][0]["quantity"] > 0]
        if not shipment["products"]:
            order["shipments"].remove(shipment)
        order["shipments"].append(shipped)
        return shipped

    def _cancel(self, order: dict[str, Any]) -> list[dict[str, Any]]:
        """Cancel the order's open shipments (the caller holds the lock)."""
        cancelled = [s for s in order["shipments"] if s["status"] in OPEN]
        for shipment in cancelled:
            shipment["status"], shipment["last_update_at"] = "Cancelled", _now()
        if all(s["status"] == "Cancelled" for s in order["shipments"]):
            order["status"] = "Cancelled"
        return cancelled

    def _cancel_order(self, order_id: int) -> ResponseReturnValue:
        with self._lock:
            order = self.orders.get(order_id)
            if order is None:
                return _not_found(order_id)
            shipped = [s["id"] for s in order["shipments"] if s["status"] in SHIPPED]
            if shipped:
                message = f"Order {order_id} is not in a cancellable state: shipment(s) {shipped} already shipped."
                return _invalid("order", message, status=422)
            cancelled = self._cancel(order)
            results = [
                {"action": "Cancel", "is_success": True, "reason": None, "shipment_id": s["id"]} for s in cancelled
            ]
            answer = {"canceled_shipment_results": results, "order": order, "order_id": order_id, "status": "Success"}
            return jsonify(copy.deepcopy(answer))

    def _list_orders(self) -> ResponseReturnValue:
        args = {name.lower(): value for name, value in request.args.items()}
        try:
            page, limit = int(args.get("page", "1")), int(args.get("limit", "50"))
            ids = {int(value) for value in args["ids"].split(",") if value} if "ids" in args else None
        except ValueError:
            return _invalid("Page", "Page, Limit and IDs must be integers.")
        if page < 1 or not 1 <= limit <= 250:
            return _invalid("Limit", "Limit must be between 1 and 250.")
        references = set(args["referenceids"].split(",")) if "referenceids" in args else None
        with self._lock:
            found = [
                copy.deepcopy(order)
                for order in self.orders.values()
                if (ids is None or order["id"] in ids) and (references is None or order["reference_id"] in references)
            ]
        return jsonify(found[(page - 1) * limit : page * limit])

    def _order_by_reference(self, reference_id: str) -> dict[str, Any]:
        """The order with ``reference_id`` (the caller holds the lock)."""
        return next(order for order in self.orders.values() if order["reference_id"] == reference_id)


def _shipment_product(product: dict[str, Any], units: int) -> dict[str, Any]:
    """A product as a shipment lists it: its units are in ``inventory_items``."""
    return {
        "id": product["id"],
        "reference_id": product["reference_id"],
        "sku": product.get("sku") or product["reference_id"],
        "name": product.get("name"),
        "inventory_items": [{"id": product["id"] + 7, "name": product.get("name"), "quantity": units}],
    }


def _order_problem(body: Any) -> ResponseReturnValue | None:
    """The validation error ShipBob answers for a create-order body, or None when it is acceptable."""
    if not isinstance(body, dict):
        return _invalid("order", "The request body is not a JSON order.")
    reference = body.get("reference_id")
    if not isinstance(reference, str) or not 1 <= len(reference) <= 300:
        return _invalid("reference_id", "reference_id is required (1 to 300 characters).")
    if not isinstance(body.get("shipping_method"), str) or not body["shipping_method"]:
        return _invalid("shipping_method", "shipping_method is required.")
    recipient = body.get("recipient")
    address = recipient.get("address") if isinstance(recipient, dict) else None
    if not isinstance(recipient, dict) or not recipient.get("name") or not isinstance(address, dict):
        return _invalid("recipient", "recipient with a name and an address is required.")
    for name in ("address1", "city", "country"):
        if not address.get(name):
            return _invalid(f"recipient.address.{name}", f"{name} is required.")
    products = body.get("products")
    if not isinstance(products, list) or not products:
        return _invalid("products", "At least one product is required.")
    for index, item in enumerate(products):
        if not isinstance(item, dict) or not (item.get("reference_id") or item.get("id")):
            return _invalid(f"products[{index}]", "Each product needs a reference_id or an id.")
        if not isinstance(item.get("quantity"), int) or item["quantity"] < 1:
            return _invalid(f"products[{index}].quantity", "quantity must be a whole number above zero.")
    kind = body.get("type")
    if kind not in ("DTC", "DropShip", "B2B"):
        return _invalid("type", "type must be DTC, DropShip or B2B.")
    if kind != "DTC" and not (body.get("retailer_program_data") and body.get("shipping_terms")):
        return _invalid("retailer_program_data", f"{kind} orders need retailer_program_data and shipping_terms.", 422)
    return None


def _invalid(where: str, message: str, status: int = 400) -> tuple[Response, int]:
    return jsonify({where: [message]}), status


def _not_found(order_id: int) -> tuple[Response, int]:
    return jsonify({"message": f"Order {order_id} was not found."}), 404


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f0Z")
