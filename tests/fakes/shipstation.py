"""A fake ShipStation (API v1, ``ssapi``) on loopback: the order, shipment and webhook shapes the hub uses, with
ShipStation's rules and failures.

* HTTP Basic auth with the API key and secret, else 401 (``{"Message": ...}``).
* ``X-Rate-Limit-Limit`` / ``-Remaining`` / ``-Reset`` on every answer; past ``rate_limit`` requests in a
  minute, 429 until the window resets.
* ``POST /orders/createorder``: create or update by ``orderKey`` (whole-object replace; a new id and key when
  ``orderKey`` is absent); an update of a shipped or cancelled order is refused; 400
  ``{"Message", "ModelState"}`` for a body that is not an order.
* ``POST /orders/createorders``: at most 100 orders, ``{"hasErrors", "results": [...]}``.
* ``GET /orders/<orderId>``; ``GET /shipments`` by ``orderNumber``, ``orderId``, ``batchId`` or
  ``trackingNumber``, by ``createDateStart``/``createDateEnd`` (timestamps) and ``shipDateStart``/``shipDateEnd``
  (days), sorted by ``sortBy`` (``ShipDate``, ``CreateDate``; by shipment id when absent) and ``sortDir``, paged
  (``page``, ``pageSize`` up to 500, default 100), ``shipmentItems`` only with ``includeShipmentItems=true``,
  voided rows included; ``GET /stores`` and ``GET /warehouses``.
* Timestamps are US Pacific wall-clock time without an offset, as ShipStation v1 writes and reads them.
* Injected failures: ``fail_next(status, retry_after=...)`` (5xx with ShipStation's error body),
  ``hang_next(seconds)`` (answer only after the client gave up; the request is then served, as a real server
  that was merely slow would), ``reset_next()`` (drop the connection unanswered).
* ``ship(...)`` ships an order (labels bought in ShipStation: a shipment, the order ``shipped``) and
  ``notify(url, ...)`` posts the unsigned ``SHIP_NOTIFY`` webhook whose ``resource_url`` reads that shipment
  batch back.

``orders`` holds each order by its ShipStation id; ``requests`` keeps every request (method, path, query and
the Basic auth user) so a test can check what was asked. ``allow(n)`` starts a fresh rate-limit window that
admits ``n`` more requests.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from uuid import uuid4
from zoneinfo import ZoneInfo

import requests
from flask import Flask, Response, jsonify, request
from flask.typing import ResponseReturnValue

from tests.fakes.server import Failure, FakeServer, ResettingRequestHandler

UPDATABLE = frozenset({"awaiting_payment", "awaiting_shipment", "pending_fulfillment", "on_hold"})
STATUSES = UPDATABLE | {"shipped", "cancelled"}
PACIFIC = ZoneInfo("America/Los_Angeles")
SORT_KEYS = {"shipdate": "shipDate", "createdate": "createDate"}


class BadFilter(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


@dataclass
class SeenRequest:
    method: str
    path: str
    args: dict[str, str]
    user: str | None
    body: Any = None


@dataclass
class FakeShipStation(FakeServer):
    api_key: str = "ss-key-4b1f0c2a9d"
    api_secret: str = "ss-secret-7e3a55c0f1"
    prefix: str = ""  # a path the API sits under (as behind a proxy); ShipStation itself has none
    rate_limit: int = 10_000  # requests per minute and key
    hang_seconds: float = 2.0
    orders: dict[int, dict[str, Any]] = field(default_factory=dict)
    shipments: list[dict[str, Any]] = field(default_factory=list)
    requests: list[SeenRequest] = field(default_factory=list)

    failure_type = Failure
    request_handler = ResettingRequestHandler

    def __post_init__(self) -> None:
        super().__post_init__()
        self._next_id = 100_000
        self._window_start = time.monotonic()
        self._window_used = 0

    # -- set-up and checks, from the test --

    @property
    def base_url(self) -> str:
        return f"{self.origin}{self.prefix}"

    def settings(self, **overrides: Any) -> dict[str, Any]:
        """Connector settings that reach this fake with valid credentials."""
        return {"base_url": self.base_url, "api_key": self.api_key, "api_secret": self.api_secret, **overrides}

    def hang_next(self, *, times: int = 1, seconds: float | None = None) -> None:
        """Hold the next requests ``seconds`` before serving them (past the client's timeout)."""
        self._inject(Failure(200, None, times, 0, mode="hang", seconds=seconds or self.hang_seconds))

    def reset_next(self, *, times: int = 1) -> None:
        """Drop the next requests' connections without an answer."""
        self._inject(Failure(0, None, times, 0, mode="reset"))

    def order_by_key(self, order_key: str) -> dict[str, Any] | None:
        with self._lock:
            return next((order for order in self.orders.values() if order["orderKey"] == order_key), None)

    def orders_numbered(self, order_number: str) -> list[dict[str, Any]]:
        """The distinct orders with this order number (a resend without ``orderKey`` would make a second)."""
        with self._lock:
            return [order for order in self.orders.values() if order["orderNumber"] == order_number]

    def allow(self, requests_left: int) -> None:
        """Start a fresh one-minute window in which only ``requests_left`` more requests are served."""
        with self._lock:
            self.rate_limit, self._window_start, self._window_used = requests_left, time.monotonic(), 0

    def calls(self, method: str, path: str) -> list[SeenRequest]:
        return [seen for seen in self.requests if seen.method == method and seen.path == f"{self.prefix}{path}"]

    def ship(
        self,
        order_key: str,
        *,
        items: dict[str, int] | None = None,
        tracking_number: str | None = None,
        carrier_code: str = "ups",
        service_code: str = "ups_ground",
        ship_date: str = "2025-03-15",
        voided: bool = False,
        created: datetime | None = None,
    ) -> dict[str, Any]:
        """Buy a label for the order with ``orderKey`` (its items, or ``items`` by lineItemKey) and mark it
        shipped; returns the shipment, whose ``batchId`` a ``notify`` names. ``created`` (timezone-aware) is
        when the label was bought, now by default."""
        with self._lock:
            order = next(order for order in self.orders.values() if order["orderKey"] == order_key)
            shipped = [
                {**item, "quantity": (items or {}).get(item["lineItemKey"], item["quantity"])}
                for item in order["items"]
                if items is None or item["lineItemKey"] in items
            ]
            shipment_id = self._new_id()
            shipment = {
                "shipmentId": shipment_id,
                "orderId": order["orderId"],
                "orderKey": order["orderKey"],
                "userId": "f8f5c4c2-6b1a-4a51-9a3c-0e0b9d6a1e11",
                "orderNumber": order["orderNumber"],
                "createDate": _now(created),
                "shipDate": ship_date,
                "shipmentCost": 7.31,
                "insuranceCost": 0,
                "trackingNumber": tracking_number or f"1Z999AA1{shipment_id:010d}",
                "isReturnLabel": False,
                "batchNumber": str(shipment_id),
                "batchId": shipment_id,
                "carrierCode": carrier_code,
                "serviceCode": service_code,
                "packageCode": "package",
                "confirmation": "none",
                "warehouseId": 1,
                "voided": voided,
                "voidDate": _now() if voided else None,
                "marketplaceNotified": False,
                "shipTo": order.get("shipTo"),
                "weight": {"value": 16, "units": "ounces"},
                "shipmentItems": [
                    {
                        "orderItemId": item["orderItemId"],
                        "lineItemKey": item.get("lineItemKey"),
                        "sku": item.get("sku"),
                        "name": item.get("name"),
                        "quantity": item["quantity"],
                        "unitPrice": item.get("unitPrice"),
                    }
                    for item in shipped
                ],
                "labelData": None,
            }
            self.shipments.append(shipment)
            if not voided:
                order["orderStatus"] = "shipped"
                order["shipDate"] = ship_date
            return shipment

    def resource_url(self, shipment: dict[str, Any]) -> str:
        """The ``resource_url`` of the SHIP_NOTIFY for a shipment: its batch, items left out (as ShipStation
        sends it)."""
        return f"{self.base_url}/shipments?batchId={shipment['batchId']}&includeShipmentItems=False"

    def notify(
        self,
        target_url: str,
        shipment: dict[str, Any] | None = None,
        *,
        resource_url: str | None = None,
        resource_type: str = "SHIP_NOTIFY",
        headers: dict[str, str] | None = None,
    ) -> requests.Response:
        """POST the webhook ShipStation sends: unsigned, ``{"resource_url", "resource_type"}``."""
        url = resource_url or (self.resource_url(shipment) if shipment else f"{self.base_url}/shipments")
        body = {"resource_url": url, "resource_type": resource_type}
        return requests.post(target_url, json=body, headers=headers or {}, timeout=10)

    # -- the server --

    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def _seen(self) -> SeenRequest:
        auth = request.authorization
        body = request.get_json(silent=True) if request.method == "POST" else None
        return SeenRequest(request.method, request.path, dict(request.args), auth.username if auth else None, body)

    def _failure_response(self, failure: Failure) -> Response:
        if failure.status >= 500:
            return jsonify({"Message": "An error has occurred.", "ExceptionMessage": "Injected failure."})
        return jsonify({"Message": f"Injected failure {failure.status}."})

    def _authorize(self) -> ResponseReturnValue | None:
        auth = request.authorization
        if auth is None or (auth.username, auth.password) != (self.api_key, self.api_secret):
            return jsonify({"Message": "Authorization has been denied for this request."}), 401
        with self._lock:
            now = time.monotonic()
            if now - self._window_start >= 60:
                self._window_start, self._window_used = now, 0
            self._window_used += 1
            over = self._window_used > self.rate_limit
        if over:
            return jsonify({"Message": "Too Many Requests"}), 429
        return None

    def _rate_headers(self, response: Response) -> Response:
        with self._lock:
            remaining = max(0, self.rate_limit - self._window_used)
            reset = max(1, int(60 - (time.monotonic() - self._window_start)))
        response.headers["X-Rate-Limit-Limit"] = str(self.rate_limit)
        response.headers["X-Rate-Limit-Remaining"] = str(remaining)
        response.headers["X-Rate-Limit-Reset"] = str(reset)
        return response

    def _app(self) -> Flask:
        app = Flask("fake-shipstation")
        app.after_request(self._rate_headers)
        p = self.prefix

        @app.post(f"{p}/orders/createorder")
        def _create_order() -> ResponseReturnValue:
            body = request.get_json(silent=True)
            if not isinstance(body, dict):
                return _invalid("order", "The request body is not a JSON order.")
            with self._lock:
                order, problem = self._upsert(body)
            if problem is not None:
                return _invalid(*problem)
            return jsonify(order)

        @app.post(f"{p}/orders/createorders")
        def _create_orders() -> ResponseReturnValue:
            body = request.get_json(silent=True)
            if not isinstance(body, list):
                return _invalid("orders", "The request body is not a JSON array of orders.")
            if len(body) > 100:
                return _invalid("orders", "A maximum of 100 orders can be created or updated at once.")
            results = []
            with self._lock:
                for item in body:
                    order, problem = self._upsert(item) if isinstance(item, dict) else ({}, ("order", "Not an order."))
                    results.append(_result(item, order, problem))
            return jsonify({"hasErrors": any(not r["success"] for r in results), "results": results})

        @app.get(f"{p}/orders/<int:order_id>")
        def _order(order_id: int) -> ResponseReturnValue:
            with self._lock:
                order = self.orders.get(order_id)
            if order is None:
                return jsonify({"Message": f"Order {order_id} not found."}), 404
            return jsonify(order)

        @app.get(f"{p}/shipments")
        def _shipments() -> ResponseReturnValue:
            return self._list_shipments()

        @app.get(f"{p}/stores")
        def _stores() -> ResponseReturnValue:
            return jsonify([{"storeId": 1, "storeName": "Manual Orders", "marketplaceName": "ShipStation"}])

        @app.get(f"{p}/warehouses")
        def _warehouses() -> ResponseReturnValue:
            return jsonify([{"warehouseId": 1, "warehouseName": "Main", "isDefault": True}])

        return app

    def _upsert(self, body: dict[str, Any]) -> tuple[dict[str, Any], tuple[str, str] | None]:
        """Create or replace an order (the caller holds the lock); the ModelState problem when refused."""
        problem = _order_problem(body)
        if problem is not None:
            return {}, problem
        key = body.get("orderKey") or uuid4().hex
        existing = next((order for order in self.orders.values() if order["orderKey"] == key), None)
        if existing is not None and existing["orderStatus"] not in UPDATABLE:
            return {}, (
                "order.orderStatus",
                f"Order {existing['orderId']} is {existing['orderStatus']}: it can no longer be updated.",
            )
        order_id = existing["orderId"] if existing else self._new_id()
        options = dict(body.get("advancedOptions") or {})
        if existing is not None:  # the store is set at creation only
            options["storeId"] = existing["advancedOptions"].get("storeId")
        options.setdefault("storeId", 1)
        items = [{**item, "orderItemId": self._new_id()} for item in body["items"]]
        order = {
            **body,
            "orderId": order_id,
            "orderKey": key,
            "items": items,
            "advancedOptions": options,
            "createDate": existing["createDate"] if existing else _now(),
            "modifyDate": _now(),
        }
        self.orders[order_id] = order
        return order, None

    def _list_shipments(self) -> ResponseReturnValue:
        args = {name.lower(): value for name, value in request.args.items()}
        try:
            matches = _shipment_filter(args)
        except BadFilter as exc:
            return _invalid(exc.field, exc.message)
        try:
            page, size = int(args.get("page", "1")), int(args.get("pagesize", "100"))
        except ValueError:
            return _invalid("page", "page and pageSize must be integers.")
        if page < 1 or not 1 <= size <= 500:
            return _invalid("pageSize", "pageSize must be between 1 and 500.")
        sort_by, sort_dir = args.get("sortby", "").lower(), args.get("sortdir", "ASC").upper()
        if (sort_by and sort_by not in SORT_KEYS) or sort_dir not in ("ASC", "DESC"):
            return _invalid("sortBy", "sortBy must be ShipDate or CreateDate, sortDir ASC or DESC.")
        with self._lock:
            found = [shipment for shipment in self.shipments if matches(shipment)]
        field_name = SORT_KEYS.get(sort_by)
        found.sort(key=lambda row: (str(row[field_name]) if field_name else "", row["shipmentId"]))
        if sort_dir == "DESC":
            found.reverse()
        with_items = args.get("includeshipmentitems", "false").lower() == "true"
        rows = [{**row, "shipmentItems": row["shipmentItems"] if with_items else None} for row in found]
        pages = -(-len(rows) // size)
        return jsonify(
            {"shipments": rows[(page - 1) * size : page * size], "total": len(rows), "page": page, "pages": pages}
        )


def _shipment_filter(args: dict[str, str]) -> Callable[[dict[str, Any]], bool]:
    """The test a shipment must pass for the listing's filters (lower-cased names); ``BadFilter`` for a date
    ShipStation would not read."""
    exact = {"ordernumber": "orderNumber", "orderid": "orderId", "batchid": "batchId"}
    exact["trackingnumber"] = "trackingNumber"
    wanted = {name: args[arg] for arg, name in exact.items() if arg in args}
    created_from, created_to = _moment(args, "createdatestart"), _moment(args, "createdateend")
    shipped_from, shipped_to = _day(args, "shipdatestart"), _day(args, "shipdateend")

    def matches(shipment: dict[str, Any]) -> bool:
        if any(str(shipment[name]) != value for name, value in wanted.items()):
            return False
        created = datetime.fromisoformat(shipment["createDate"][:26])
        shipped = date.fromisoformat(str(shipment["shipDate"])[:10])
        return (
            (created_from is None or created >= created_from)
            and (created_to is None or created <= created_to)
            and (shipped_from is None or shipped >= shipped_from)
            and (shipped_to is None or shipped <= shipped_to)
        )

    return matches


def _moment(args: dict[str, str], name: str) -> datetime | None:
    """A timestamp filter as Pacific wall-clock time (one with an offset is converted)."""
    if not args.get(name):
        return None
    try:
        moment = datetime.fromisoformat(args[name].replace(" ", "T"))
    except ValueError:
        raise BadFilter(name, f"{name} is not a date-time.") from None
    return moment.astimezone(PACIFIC).replace(tzinfo=None) if moment.tzinfo else moment


def _day(args: dict[str, str], name: str) -> date | None:
    if not args.get(name):
        return None
    try:
        return date.fromisoformat(args[name][:10])
    except ValueError:
        raise BadFilter(name, f"{name} is not a date.") from None


def _order_problem(body: dict[str, Any]) -> tuple[str, str] | None:
    number = body.get("orderNumber")
    if not isinstance(number, str) or not number or len(number) > 50:
        return "order.orderNumber", "The orderNumber field is required (at most 50 characters)."
    if not body.get("orderDate"):
        return "order.orderDate", "The orderDate field is required."
    if body.get("orderStatus") not in STATUSES:
        return "order.orderStatus", "The orderStatus field is required and must be a valid status."
    for side in ("billTo", "shipTo"):
        if not isinstance(body.get(side), dict):
            return f"order.{side}", f"The {side} field is required."
    items = body.get("items")
    if not isinstance(items, list) or not all(isinstance(item, dict) and item.get("name") for item in items):
        return "order.items", "Each item needs a name."
    return None


def _result(body: Any, order: dict[str, Any], problem: tuple[str, str] | None) -> dict[str, Any]:
    given = body if isinstance(body, dict) else {}
    return {
        "orderId": order.get("orderId"),
        "orderNumber": order.get("orderNumber", given.get("orderNumber")),
        "orderKey": order.get("orderKey", given.get("orderKey")),
        "success": problem is None,
        "errorMessage": problem[1] if problem else None,
    }


def _invalid(where: str, message: str) -> tuple[Response, int]:
    return jsonify({"Message": "The request is invalid.", "ModelState": {where: [message]}}), 400


def _now(moment: datetime | None = None) -> str:
    """ShipStation's timestamp form: Pacific wall-clock time, seven fraction digits, no offset."""
    return (moment or datetime.now(UTC)).astimezone(PACIFIC).strftime("%Y-%m-%dT%H:%M:%S.%f0")
