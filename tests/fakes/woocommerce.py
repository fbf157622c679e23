"""A fake WooCommerce store (REST API v3) on loopback: the order endpoints the hub reads, with WooCommerce's rules.

* ``GET /wp-json/wc/v3/orders``: ``modified_after`` (exclusive; read as UTC only with ``dates_are_gmt=true``,
  otherwise in the shop's time zone, ``shop_utc_offset`` hours), ``orderby`` (date, id, modified),
  ``order`` (asc, desc), ``per_page`` (10 by default, at most 100 and at most ``page_size``), ``page``; the
  answer carries ``X-WP-Total`` and ``X-WP-TotalPages``.
* ``GET /wp-json/wc/v3/orders/<id>``; 404 for an unknown order.
* HTTP Basic auth with the consumer key and secret, or 401 as WooCommerce answers it.
* ``fail_next(status, retry_after=..., times=..., after=...)`` answers requests with an error (429, 500 ...).

Every request is kept in ``requests`` (path, query and the Basic auth user), so a test can check what was asked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, Response, jsonify, request
from flask.typing import ResponseReturnValue

from tests.fakes.server import Failure, FakeServer

PREFIX = "/wp-json/wc/v3"
ORDERBY = {"date": "date_created_gmt", "id": "id", "modified": "date_modified_gmt"}


@dataclass
class SeenRequest:
    path: str
    args: dict[str, str]
    user: str | None


@dataclass
class FakeWooCommerce(FakeServer):
    consumer_key: str = "ck_fake_0123456789abcdef"
    consumer_secret: str = "cs_fake_fedcba9876543210"
    page_size: int = 100
    shop_utc_offset: int = 1  # the shop's time zone, for modified_after without dates_are_gmt
    orders: dict[int, dict[str, Any]] = field(default_factory=dict)
    requests: list[SeenRequest] = field(default_factory=list)

    # -- set-up, from the test --

    @property
    def base_url(self) -> str:
        return f"{self.origin}{PREFIX}"

    def put(self, *orders: dict[str, Any]) -> None:
        with self._lock:
            for order in orders:
                self.orders[int(order["id"])] = order

    # -- the server --

    def _seen(self) -> SeenRequest:
        auth = request.authorization
        return SeenRequest(request.path, dict(request.args), auth.username if auth else None)

    def _failure_response(self, failure: Failure) -> Response:
        return jsonify({"code": "fake_failure", "message": "Injected failure.", "data": {}})

    def _authorize(self) -> ResponseReturnValue | None:
        auth = request.authorization
        if auth is None or (auth.username, auth.password) != (self.consumer_key, self.consumer_secret):
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

        return app

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


def _invalid(message: str) -> tuple[Response, int]:
    return jsonify({"code": "rest_invalid_param", "message": message, "data": {"status": 400}}), 400
