"""A fake Shopify Admin GraphQL API on loopback: the fulfillment back-channel (fulfillment orders, fulfillments,
tracking, order cancellation, refunds) with Shopify's rules and failures.

* ``POST /admin/api/<YYYY-MM>/graphql.json`` with ``X-Shopify-Access-Token``, else 401
  (``{"errors": "[API] Invalid API key or access token ..."}``); another path or version shape is 404.
* Requests are ``{"query", "variables"}``; the fake serves the root fields the connector uses, recognised in
  the query text: ``shop``, ``order(id:)`` (``fulfillments``, ``fulfillmentOrders``, ``refunds``,
  ``cancelledAt``, ``suggestedRefund``), ``fulfillmentCreate``, ``fulfillmentTrackingInfoUpdate``,
  ``orderCancel``, ``refundCreate``. A query naming none of them is a GraphQL error.
* Mutations check their input as Shopify documents it and answer refusals as ``userErrors`` (HTTP 200, beside
  ``data``): more units than a fulfillment order line item has left, a fulfillment order that is closed or
  unknown, a tracking URL without a number, an unknown fulfillment, an order cancelled twice, a refund of more
  units than are left, ``LEGACY_RESTOCK``.
* The cost throttle: a leaky bucket (``maximum`` points, ``restore_rate`` a second); queries cost
  ``QUERY_COST``, mutations ``MUTATION_COST``; ``extensions.cost`` on every answer; a call that costs more than
  is available is refused ``THROTTLED`` (HTTP 200, no ``data``). ``throttle_next(times)`` refuses the next
  calls that way whatever the bucket holds.
* Injected failures from ``FakeServer``: ``fail_next(status)`` (5xx/4xx with ``{"errors": ...}``),
  ``hang_next``, ``reset_next``.

``add_order`` (or ``add_webhook_order`` with an ``orders/create`` body) makes an order with one open fulfillment
order holding every line. ``fulfillments_of``, ``created`` (successful ``fulfillmentCreate`` calls) and
``calls`` let a test count what reached the shop.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask import Flask, Response, jsonify, request
from flask.typing import ResponseReturnValue

from tests.fakes.server import Failure, FakeServer, ResettingRequestHandler

PATH = re.compile(r"^/admin/api/(\d{4}-\d{2}|unstable)/graphql\.json$")
QUERY_COST, MUTATION_COST = 5, 10
RESTOCK_TYPES = {"CANCEL", "RETURN", "NO_RESTOCK"}
CANCEL_REASONS = {"CUSTOMER", "DECLINED", "FRAUD", "INVENTORY", "OTHER", "STAFF"}
TRACKING_KEYS = {"company", "number", "numbers", "url", "urls"}


@dataclass
class SeenRequest:
    path: str
    token: str | None
    root: str | None  # the root field served (fulfillmentCreate, order ...)
    variables: dict[str, Any]


class Refusal(Exception):
    """A ``userErrors`` entry: the mutation is refused, nothing changes."""

    def __init__(self, message: str, field_path: list[str] | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.entry: dict[str, Any] = {"field": field_path, "message": message}
        if code is not None:
            self.entry["code"] = code


@dataclass
class FakeShopifyAdmin(FakeServer):
    access_token: str = "shpat_fake_0c1d2e3f4a5b6c7d"
    shop: str = "e2e-goods.myshopify.com"
    maximum: float = 1000.0
    restore_rate: float = 100.0
    hang_seconds: float = 2.0
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)  # by order gid
    fulfillments: dict[str, dict[str, Any]] = field(default_factory=dict)  # by fulfillment gid
    requests: list[SeenRequest] = field(default_factory=list)

    failure_type = Failure
    request_handler = ResettingRequestHandler

    def __post_init__(self) -> None:
        super().__post_init__()
        self._next = 1000
        self._available = self.maximum
        self._refilled_at = time.monotonic()
        self._throttle = 0

    # -- set-up and inspection, from the test --

    def settings(self, **overrides: Any) -> dict[str, Any]:
        """Connector settings that reach this fake with valid credentials."""
        return {"shop": self.shop, "base_url": self.origin, "access_token": self.access_token, **overrides}

    def hang_next(self, *, times: int = 1, seconds: float | None = None, after: int = 0) -> None:
        """Hold the next requests ``seconds`` (once ``after`` more were answered), then serve them: a slow shop
        whose answer the client may no longer be there to read."""
        self._inject(Failure(200, None, times, after, mode="hang", seconds=seconds or self.hang_seconds))

    def reset_next(self, *, times: int = 1) -> None:
        self._inject(Failure(0, None, times, 0, mode="reset"))

    def throttle_next(self, times: int = 1) -> None:
        """Refuse the next ``times`` calls with ``THROTTLED`` (the bucket shown nearly empty)."""
        with self._lock:
            self._throttle += times

    def drain(self) -> None:
        """Empty the cost bucket (as another app of the same shop would)."""
        with self._lock:
            self._available, self._refilled_at = 0.0, time.monotonic()

    def add_order(
        self, order_id: int | str, lines: dict[str, tuple[str | None, int, str]], shipping: str = "5.00"
    ) -> str:
        """An order ``{line item id: (sku, quantity, unit price)}`` with one open fulfillment order of every
        line; returns the order's gid."""
        order_gid = f"gid://shopify/Order/{order_id}"
        with self._lock:
            fo_id = self._id("FulfillmentOrder")
            items = [
                {"id": self._id("FulfillmentOrderLineItem"), "line_item": f"gid://shopify/LineItem/{line_id}",
                 "sku": sku, "remaining": quantity}
                for line_id, (sku, quantity, _price) in lines.items()
            ]  # fmt: skip
            self.orders[order_gid] = {
                "id": order_gid,
                "cancelled_at": None,
                "line_items": {
                    f"gid://shopify/LineItem/{line_id}": {
                        "sku": sku,
                        "quantity": quantity,
                        "price": Decimal(price),
                        "refunded": 0,
                    }
                    for line_id, (sku, quantity, price) in lines.items()
                },  # fmt: skip
                "shipping": Decimal(shipping),
                "fulfillment_orders": [{"id": fo_id, "status": "OPEN", "items": items}],
                "fulfillments": [],
                "refunds": [],
            }
        return order_gid

    def add_webhook_order(self, body: dict[str, Any]) -> str:
        """The order an ``orders/create`` webhook body describes."""
        lines = {
            str(item["id"]): (item.get("sku"), int(item["quantity"]), str(item["price"])) for item in body["line_items"]
        }
        return self.add_order(body["id"], lines)

    def fulfillments_of(self, order_id: int | str) -> list[dict[str, Any]]:
        order_gid = order_id if str(order_id).startswith("gid://") else f"gid://shopify/Order/{order_id}"
        with self._lock:
            return [self.fulfillments[f] for f in self.orders[str(order_gid)]["fulfillments"]]

    def order(self, order_id: int | str) -> dict[str, Any]:
        order_gid = order_id if str(order_id).startswith("gid://") else f"gid://shopify/Order/{order_id}"
        return self.orders[str(order_gid)]

    def calls(self, root: str) -> list[SeenRequest]:
        with self._lock:
            return [seen for seen in self.requests if seen.root == root]

    def _id(self, kind: str) -> str:
        self._next += 1
        return f"gid://shopify/{kind}/{self._next}"

    # -- the server --

    def _app(self) -> Flask:
        app = Flask("fake-shopify-admin")
        app.add_url_rule("/<path:path>", "graphql", self._graphql, methods=["POST", "GET"])
        return app

    def _seen(self) -> SeenRequest:
        body = request.get_json(silent=True) or {}
        variables = body.get("variables") if isinstance(body, dict) else None
        query = str(body.get("query", "")) if isinstance(body, dict) else ""
        return SeenRequest(request.path, request.headers.get("X-Shopify-Access-Token"), _root(query), variables or {})

    def _failure_response(self, failure: Failure) -> Response:
        messages = {429: "Exceeded 2 calls per second for api client.", 404: "Not Found"}
        return jsonify({"errors": messages.get(failure.status, "Internal Server Error")})

    def _authorize(self) -> ResponseReturnValue | None:
        if request.method != "POST" or not PATH.match(request.path):
            return jsonify({"errors": "Not Found"}), 404
        if request.headers.get("X-Shopify-Access-Token") != self.access_token:
            return jsonify(
                {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}
            ), 401
        return None

    def _graphql(self, path: str) -> ResponseReturnValue:
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not isinstance(body.get("query"), str):
            return jsonify({"errors": [{"message": "Parse error: no query"}]}), 400
        query, variables = body["query"], body.get("variables") or {}
        root = _root(query)
        cost = MUTATION_COST if query.lstrip().startswith("mutation") else QUERY_COST
        with self._lock:
            if not self._spend(cost):
                return jsonify(self._throttled(cost))
            if root is None:
                return jsonify({"errors": [{"message": "Field doesn't exist on type 'QueryRoot'"}], **self._cost(cost)})
            data = {root if root != "suggestedRefund" else "order": getattr(self, f"_do_{root}")(variables)}
            return jsonify({"data": data, **self._cost(cost)})

    # -- the throttle --

    def _spend(self, cost: float) -> bool:
        now = time.monotonic()
        self._available = min(self.maximum, self._available + (now - self._refilled_at) * self.restore_rate)
        self._refilled_at = now
        if self._throttle > 0:
            self._throttle -= 1
            self._available = min(self._available, cost / 2)
            return False
        if self._available < cost:
            return False
        self._available -= cost
        return True

    def _status(self) -> dict[str, Any]:
        return {
            "maximumAvailable": self.maximum,
            "currentlyAvailable": int(self._available),
            "restoreRate": self.restore_rate,
        }

    def _cost(self, cost: float) -> dict[str, Any]:
        return {
            "extensions": {
                "cost": {"requestedQueryCost": cost, "actualQueryCost": cost, "throttleStatus": self._status()}
            }
        }

    def _throttled(self, cost: float) -> dict[str, Any]:
        error = {
            "message": "Throttled",
            "extensions": {"code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits"},
        }
        extensions = {"cost": {"requestedQueryCost": cost, "actualQueryCost": None, "throttleStatus": self._status()}}
        return {"errors": [error], "extensions": extensions}

    # -- queries --

    def _do_shop(self, variables: dict[str, Any]) -> dict[str, Any]:
        return {"name": self.shop.split(".")[0]}

    def _do_order(self, variables: dict[str, Any]) -> dict[str, Any] | None:
        order = self.orders.get(str(variables.get("id")))
        if order is None:
            return None
        return {
            "id": order["id"],
            "cancelledAt": order["cancelled_at"],
            "fulfillments": [self._fulfillment_view(self.fulfillments[f]) for f in order["fulfillments"]],
            "fulfillmentOrders": {"nodes": [self._fo_view(fo) for fo in order["fulfillment_orders"]]},
            "refunds": [{"id": r["id"], "note": r["note"]} for r in order["refunds"]],
        }

    def _do_suggestedRefund(self, variables: dict[str, Any]) -> dict[str, Any] | None:  # noqa: N802 - the field's name
        order = self.orders.get(str(variables.get("id")))
        if order is None:
            return None
        amount = Decimal("0")
        for line in variables.get("lines") or []:
            item = order["line_items"].get(line.get("lineItemId"))
            if item is not None:
                amount += item["price"] * min(int(line.get("quantity", 0)), item["quantity"] - item["refunded"])
        if variables.get("shipping"):
            amount += order["shipping"]
        transactions = []
        if amount > 0:
            transactions.append(
                {"amountSet": {"shopMoney": {"amount": str(amount)}}, "gateway": "bogus", "kind": "SUGGESTED_REFUND",
                 "parentTransaction": {"id": "gid://shopify/OrderTransaction/1"}}
            )  # fmt: skip
        suggested = {"amountSet": {"shopMoney": {"amount": str(amount), "currencyCode": "USD"}}}
        return {"suggestedRefund": suggested | {"suggestedTransactions": transactions}}

    @staticmethod
    def _fulfillment_view(fulfillment: dict[str, Any]) -> dict[str, Any]:
        return {"id": fulfillment["id"], "status": fulfillment["status"], "trackingInfo": fulfillment["tracking"]}

    @staticmethod
    def _fo_view(fo: dict[str, Any]) -> dict[str, Any]:
        items = [
            {
                "id": item["id"],
                "remainingQuantity": item["remaining"],
                "sku": item["sku"],
                "lineItem": {"id": item["line_item"]},
            }
            for item in fo["items"]
        ]
        return {"id": fo["id"], "status": fo["status"], "lineItems": {"nodes": items}}

    # -- mutations --

    def _do_fulfillmentCreate(self, variables: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        try:
            fulfillment = self._create_fulfillment(variables.get("fulfillment") or {})
        except Refusal as refusal:
            return {"fulfillment": None, "userErrors": [refusal.entry]}
        return {"fulfillment": {"id": fulfillment["id"], "status": "SUCCESS"}, "userErrors": []}

    def _create_fulfillment(self, given: dict[str, Any]) -> dict[str, Any]:
        groups = given.get("lineItemsByFulfillmentOrder")
        if not isinstance(groups, list) or not groups:
            raise Refusal("Line items by fulfillment order is required", ["fulfillment", "lineItemsByFulfillmentOrder"])
        tracking = _tracking(given.get("trackingInfo") or {})
        taken: list[tuple[dict[str, Any], int]] = []
        owners = set()
        for group in groups:
            fo_id = group.get("fulfillmentOrderId")
            order, fo = self._fo(fo_id)
            owners.add(order["id"])
            if fo["status"] not in ("OPEN", "IN_PROGRESS"):
                raise Refusal(f"Fulfillment order {fo_id} has an unfulfillable status= {fo['status'].lower()}.")
            chosen = group.get("fulfillmentOrderLineItems") or [
                {"id": item["id"], "quantity": item["remaining"]} for item in fo["items"]
            ]
            for wanted in chosen:
                item = next((i for i in fo["items"] if i["id"] == wanted.get("id")), None)
                quantity = wanted.get("quantity")
                if item is None:
                    raise Refusal("Fulfillment order line item does not exist.", ["fulfillment"])
                if not isinstance(quantity, int) or quantity < 1 or quantity > item["remaining"]:
                    raise Refusal("Invalid fulfillment order line item quantity requested.", ["fulfillment"])
                taken.append((item, quantity))
        if len(owners) != 1:
            raise Refusal("All fulfillment orders must belong to the same order.", ["fulfillment"])
        for item, quantity in taken:
            item["remaining"] -= quantity
        fulfillment = {
            "id": self._id("Fulfillment"),
            "order": owners.pop(),
            "status": "SUCCESS",
            "tracking": tracking,
            "notify_customer": bool(given.get("notifyCustomer", False)),
            "lines": [(item["line_item"], quantity) for item, quantity in taken],
        }
        self.fulfillments[fulfillment["id"]] = fulfillment
        order = self.orders[fulfillment["order"]]
        order["fulfillments"].append(fulfillment["id"])
        for fo in order["fulfillment_orders"]:
            left = sum(item["remaining"] for item in fo["items"])
            fo["status"] = (
                "CLOSED" if left == 0 else ("IN_PROGRESS" if fo["status"] == "OPEN" and taken else fo["status"])
            )
        return fulfillment

    def _fo(self, fo_id: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        for order in self.orders.values():
            for fo in order["fulfillment_orders"]:
                if fo["id"] == fo_id:
                    return order, fo
        raise Refusal("Fulfillment order does not exist.", ["fulfillment", "lineItemsByFulfillmentOrder"])

    def _do_fulfillmentTrackingInfoUpdate(self, variables: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        fulfillment = self.fulfillments.get(str(variables.get("fulfillmentId")))
        if fulfillment is None:
            refusal = Refusal("Fulfillment does not exist.", ["fulfillmentId"])
            return {"fulfillment": None, "userErrors": [refusal.entry]}
        try:
            fulfillment["tracking"] = _tracking(variables.get("trackingInfoInput") or {})
        except Refusal as refusal:
            return {"fulfillment": None, "userErrors": [refusal.entry]}
        return {"fulfillment": {"id": fulfillment["id"]}, "userErrors": []}

    def _do_orderCancel(self, variables: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        order = self.orders.get(str(variables.get("orderId")))
        problem = None
        if order is None:
            problem = Refusal("Order does not exist.", ["orderId"], "NOT_FOUND")
        elif variables.get("reason") not in CANCEL_REASONS:
            problem = Refusal("Reason is not a valid OrderCancelReason.", ["reason"], "INVALID")
        elif not isinstance(variables.get("refund"), bool) or not isinstance(variables.get("restock"), bool):
            problem = Refusal("refund and restock are required.", ["refund"], "INVALID")
        elif order["cancelled_at"]:
            problem = Refusal("Order has already been cancelled.", ["orderId"], "INVALID")
        if problem is not None:
            return {"job": None, "orderCancelUserErrors": [problem.entry]}
        assert order is not None
        order["cancelled_at"] = "2026-12-06T10:00:00Z"
        order["cancel"] = {key: variables.get(key) for key in ("reason", "refund", "restock", "staffNote")}
        return {"job": {"id": self._id("Job")}, "orderCancelUserErrors": []}

    def _do_refundCreate(self, variables: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        given = variables.get("input") or {}
        try:
            refund = self._refund(given)
        except Refusal as refusal:
            return {"refund": None, "userErrors": [refusal.entry]}
        return {"refund": {"id": refund["id"]}, "userErrors": []}

    def _refund(self, given: dict[str, Any]) -> dict[str, Any]:
        order = self.orders.get(str(given.get("orderId")))
        if order is None:
            raise Refusal("Order does not exist.", ["orderId"])
        lines = []
        for line in given.get("refundLineItems") or []:
            item = order["line_items"].get(line.get("lineItemId"))
            if item is None:
                raise Refusal("Line item does not exist.", ["refundLineItems", "lineItemId"])
            if line.get("restockType") not in RESTOCK_TYPES:
                raise Refusal(
                    f"Restock type {line.get('restockType')} is not allowed.", ["refundLineItems", "restockType"]
                )
            quantity = line.get("quantity")
            if not isinstance(quantity, int) or quantity < 1 or quantity > item["quantity"] - item["refunded"]:
                raise Refusal("Quantity cannot refund more items than were purchased.", ["refundLineItems", "quantity"])
            lines.append((item, quantity, line["restockType"]))
        for transaction in given.get("transactions") or []:
            missing = [key for key in ("amount", "gateway", "kind", "orderId") if not transaction.get(key)]
            if missing:
                raise Refusal(f"Transaction is missing {', '.join(missing)}.", ["transactions"])
        for item, quantity, _restock in lines:
            item["refunded"] += quantity
        refund = {
            "id": self._id("Refund"),
            "note": given.get("note"),
            "lines": [(quantity, restock) for _item, quantity, restock in lines],
            "shipping": given.get("shipping"),
            "transactions": given.get("transactions") or [],
        }
        order["refunds"].append(refund)
        return refund


ROOTS = ("fulfillmentCreate", "fulfillmentTrackingInfoUpdate", "orderCancel", "refundCreate", "suggestedRefund")


def _root(query: str) -> str | None:
    """The root field a query asks for (the fake serves one per request)."""
    for name in ROOTS:
        if re.search(rf"\b{name}\s*\(", query):
            return name
    if re.search(r"\border\s*\(", query):
        return "order"
    if re.search(r"\bshop\s*\{", query):
        return "shop"
    return None


def _tracking(given: dict[str, Any]) -> list[dict[str, Any]]:
    """``FulfillmentTrackingInput`` as the fulfillment's ``trackingInfo`` list; a URL needs a number."""
    unknown = set(given) - TRACKING_KEYS
    if unknown:
        raise Refusal(f"Unknown tracking field {sorted(unknown)[0]}.", ["trackingInfo"])
    numbers = given.get("numbers") or ([given["number"]] if given.get("number") else [])
    urls = given.get("urls") or ([given["url"]] if given.get("url") else [])
    if urls and not numbers:
        raise Refusal("Tracking url requires a tracking number.", ["trackingInfo", "url"])
    company = given.get("company")
    return [
        {"company": company, "number": number, "url": urls[index] if index < len(urls) else None}
        for index, number in enumerate(numbers)
    ] or ([{"company": company, "number": None, "url": None}] if company else [])
