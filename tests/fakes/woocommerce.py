"""A fake WooCommerce store (REST API v3) on loopback: the order endpoints the hub reads, with WooCommerce's rules.

* ``GET /wp-json/wc/v3/orders``: ``modified_after`` (exclusive; read as UTC only with ``dates_are_gmt=true``,
  otherwise in the shop's time zone, ``shop_utc_offset`` hours), ``orderby`` (date, id, modified),
  ``order`` (asc, desc), ``per_page`` (10 by default, at most 100 and at most ``page_size``), ``page``; the
  answer carries ``X-WP-Total`` and ``X-WP-TotalPages``.
* ``GET /wp-json/wc/v3/orders/<id>``; 404 for an unknown order.
* The back-channel: ``PUT /wp-json/wc/v3/orders/<id>`` (``status`` from WooCommerce's list, ``meta_data``
  merged by key), ``GET``/``POST .../orders/<id>/notes`` (``note`` required, ``customer_note``) and
  ``GET``/``POST .../orders/<id>/refunds`` (``amount`` no more than what is left to refund, ``line_items``
  naming the order's items within their quantities; ``api_refund`` kept as sent).
* HTTP Basic auth with the consumer key and secret, or both as ``consumer_key``/``consumer_secret`` in the
  query; 401 as WooCommerce answers it otherwise.
* ``fail_next(status, retry_after=..., times=..., after=...)`` answers requests with an error (429, 500 ...).

Every request is kept in ``requests`` (path, query, the Basic auth user, method and JSON body), so a test can
check what was asked.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from flask import Flask, Response, jsonify, request
from flask.typing import ResponseReturnValue

from tests.fakes.server import Failure, FakeServer, ResettingRequestHandler

PREFIX = "/wp-json/wc/v3"
STATUSES = ("pending", "processing", "on-hold", "completed", "cancelled", "refunded", "failed", "trash")
ORDERBY = {"date": "date_created_gmt", "id": "id", "modified": "date_modified_gmt"}


@dataclass
class SeenRequest:
    path: str
    args: dict[str, str]
    user: str | None
    method: str = "GET"
    body: Any = None


@dataclass
class FakeWooCommerce(FakeServer):
    request_handler = ResettingRequestHandler  # an injected reset drops the connection
    consumer_key: str = "ck_fake_0123456789abcdef"
    consumer_secret: str = "cs_fake_fedcba9876543210"
    page_size: int = 100
    shop_utc_offset: int = 1  # the shop's time zone, for modified_after without dates_are_gmt
    orders: dict[int, dict[str, Any]] = field(default_factory=dict)
    notes: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    refunds: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    requests: list[SeenRequest] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__post_init__()
        self._ids = itertools.count(9001)

    # -- set-up, from the test --

    @property
    def base_url(self) -> str:
        return f"{self.origin}{PREFIX}"

    def put(self, *orders: dict[str, Any]) -> None:
        with self._lock:
            for order in orders:
                self.orders[int(order["id"])] = order

    def settings(self, **extra: Any) -> dict[str, Any]:
        """Settings for the back-channel connector that reach this store."""
        return {
            "base_url": self.base_url,
            "consumer_key": self.consumer_key,
            "consumer_secret": self.consumer_secret,
            **extra,
        }

    def calls(self, method: str, suffix: str = "") -> list[SeenRequest]:
        return [seen for seen in self.requests if seen.method == method and seen.path.endswith(suffix)]

    # -- the server --

    def _seen(self) -> SeenRequest:
        auth = request.authorization
        body = request.get_json(silent=True) if request.method in ("POST", "PUT") else None
        return SeenRequest(request.path, dict(request.args), auth.username if auth else None, request.method, body)

    def _failure_response(self, failure: Failure) -> Response:
        return jsonify({"code": "fake_failure", "message": "Injected failure.", "data": {}})

    def _authorize(self) -> ResponseReturnValue | None:
        auth = request.authorization
        pair = (
            (auth.username, auth.password)
            if auth
            else (request.args.get("consumer_key"), request.args.get("consumer_secret"))
        )
        if pair != (self.consumer_key, self.consumer_secret):
            body = {
                "code": "woocommerce_rest_cannot_view",
                "message": "Sorry, you cannot list resources.",
                "data": {"status": 401},
            }
            return jsonify(body), 401
        return None

    def _app(self) -> Flask:
        app = Flask("fake-woocommerce")

        @app.get(f"{PREFIX}/orders")
        def _orders() -> Response | tuple[Response, int]:
            return self._list()

        @app.get(f"{PREFIX}/orders/<int:order_id>")
        def _order(order_id: int) -> Response | tuple[Response, int]:
            with self._lock:
                order = self.orders.get(order_id)
            if order is None:
                body = {
                    "code": "woocommerce_rest_shop_order_invalid_id",
                    "message": "Invalid ID.",
                    "data": {"status": 404},
                }
                return jsonify(body), 404
            return jsonify(order)

        app.put(f"{PREFIX}/orders/<int:order_id>")(self._update)
        app.route(f"{PREFIX}/orders/<int:order_id>/notes", methods=["GET", "POST"])(self._notes)
        app.route(f"{PREFIX}/orders/<int:order_id>/refunds", methods=["GET", "POST"])(self._refunds)
        return app

    # -- the back-channel --

    def _update(self, order_id: int) -> Response | tuple[Response, int]:
        body = request.get_json(silent=True) or {}
        with self._lock:
            order = self.orders.get(order_id)
            if order is None:
                return _invalid_id()
            if "status" in body and body["status"] not in STATUSES:
                return _invalid(f"status is not one of {', '.join(STATUSES)}")
            if "status" in body:
                order["status"] = body["status"]
            metas = order.setdefault("meta_data", [])
            for meta in body.get("meta_data") or []:
                kept = next((m for m in metas if m["key"] == meta["key"]), None)
                if kept is None:
                    metas.append({"id": next(self._ids), "key": meta["key"], "value": meta["value"]})
                else:
                    kept["value"] = meta["value"]
            return jsonify(order)

    def _notes(self, order_id: int) -> Response | tuple[Response, int]:
        with self._lock:
            if order_id not in self.orders:
                return _invalid_id()
            notes = self.notes.setdefault(order_id, [])
            if request.method == "GET":
                return jsonify(list(reversed(notes)))  # newest first, as WooCommerce lists them
            body = request.get_json(silent=True) or {}
            if not body.get("note"):
                return _invalid("note is required")
            note = {"id": next(self._ids), "note": body["note"], "customer_note": bool(body.get("customer_note"))}
            notes.append(note)
            return jsonify(note), 201

    def _refunds(self, order_id: int) -> Response | tuple[Response, int]:
        with self._lock:
            order = self.orders.get(order_id)
            if order is None:
                return _invalid_id()
            refunds = self.refunds.setdefault(order_id, [])
            if request.method == "GET":
                return jsonify(list(reversed(refunds)))
            body = request.get_json(silent=True) or {}
            problem = self._refund_problem(order, refunds, body)
            if problem:
                return jsonify(
                    {"code": "woocommerce_rest_cannot_create_order_refund", "message": problem, "data": {"status": 400}}
                ), 400
            refund = {
                "id": next(self._ids),
                "amount": body["amount"],
                "reason": body.get("reason", ""),
                **{key: body.get(key) for key in ("line_items", "api_refund", "restock_items", "meta_data")},
            }
            refunds.append(refund)
            return jsonify(refund), 201

    @staticmethod
    def _refund_problem(order: dict[str, Any], refunds: list[dict[str, Any]], body: dict[str, Any]) -> str | None:
        try:
            amount = Decimal(str(body["amount"]))
        except (KeyError, ArithmeticError, ValueError):
            return "Invalid refund amount."
        left = Decimal(str(order.get("total", "0"))) - sum((Decimal(r["amount"]) for r in refunds), Decimal(0))
        if not 0 < amount <= left:
            return "Invalid refund amount."
        items = {int(item["id"]): int(item["quantity"]) for item in order.get("line_items") or []}
        for line in body.get("line_items") or []:
            if int(line.get("id", 0)) not in items or int(line.get("quantity", 0)) > items[int(line["id"])]:
                return "Invalid line item in refund."
        return None

    def _list(self) -> Response | tuple[Response, int]:
        args = request.args
        try:
            per_page, page = int(args.get("per_page", "10")), int(args.get("page", "1"))
        except ValueError:
            return _invalid("per_page and page must be integers")
        if not 1 <= per_page <= 100 or page < 1:
            return _invalid("per_page must be between 1 and 100, page at least 1")
        if args.get("orderby", "date") not in ORDERBY or args.get("order", "desc") not in ("asc", "desc"):
            return _invalid("orderby or order is not one of the allowed values")
        with self._lock:
            orders = list(self.orders.values())
        if "modified_after" in args:
            try:
                after = datetime.fromisoformat(args["modified_after"])
            except ValueError:
                return _invalid("modified_after is not an ISO 8601 date")
            if args.get("dates_are_gmt") != "true":
                after -= timedelta(hours=self.shop_utc_offset)
            orders = [order for order in orders if datetime.fromisoformat(order["date_modified_gmt"]) > after]
        key = ORDERBY[args.get("orderby", "date")]
        orders.sort(key=lambda order: (order[key], order["id"]), reverse=args.get("order", "desc") == "desc")
        size = min(per_page, self.page_size)
        pages = max(1, -(-len(orders) // size))
        response = jsonify(orders[(page - 1) * size : page * size])
        response.headers["X-WP-Total"] = str(len(orders))
        response.headers["X-WP-TotalPages"] = str(pages)
        return response


def _invalid_id() -> tuple[Response, int]:
    body = {"code": "woocommerce_rest_shop_order_invalid_id", "message": "Invalid ID.", "data": {"status": 404}}
    return jsonify(body), 404


def _invalid(message: str) -> tuple[Response, int]:
    return jsonify({"code": "rest_invalid_param", "message": message, "data": {"status": 400}}), 400
