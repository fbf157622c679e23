"""A fake Shopify Admin API (REST) on loopback: the parts the hub reads, with Shopify's rules.

* ``GET /admin/api/<version>/orders.json``: ``status`` (open, closed, cancelled, any; open by default),
  ``updated_at_min`` (inclusive), ``order`` (``updated_at asc``, ``updated_at desc``, ``id asc``; ``id desc``
  by default), ``limit`` (50 by default, at most 250 and at most ``page_size``), and cursor pagination: a
  ``Link: <...page_info=...>; rel="next"`` header, where a ``page_info`` request may carry only ``limit`` (any
  other parameter is 400, as on Shopify).
* ``GET /admin/api/<version>/orders/<id>/fulfillment_orders.json``.
* ``X-Shopify-Access-Token`` must match, or 401.
* ``fail_next(status, retry_after=..., times=..., after=...)`` answers requests with an error (429, 500 ...).

Every request is kept in ``requests`` (path and query), so a test can check what the hub asked for.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, jsonify, request
from flask.typing import ResponseReturnValue

from tests.fakes.server import Failure, FakeServer

API_VERSION = "2025-10"
ORDERINGS = {"updated_at asc", "updated_at desc", "id asc", "id desc"}
FILTERS = {"status", "updated_at_min", "updated_at_max", "created_at_min", "created_at_max", "order", "ids"}


@dataclass
class SeenRequest:
    path: str
    args: dict[str, str]


@dataclass
class FakeShopify(FakeServer):
    token: str = "shpat_fake_token"
    page_size: int = 250
    orders: list[dict[str, Any]] = field(default_factory=list)
    fulfillment_orders: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    requests: list[SeenRequest] = field(default_factory=list)

    # -- set-up, from the test --

    @property
    def base_url(self) -> str:
        return f"{self.origin}/admin/api/{API_VERSION}"

    def add_order(self, order: dict[str, Any]) -> None:
        with self._lock:
            self.orders = [kept for kept in self.orders if kept["id"] != order["id"]] + [order]

    def order_requests(self) -> list[SeenRequest]:
        return [seen for seen in self.requests if seen.path.endswith("/orders.json")]

    # -- the server --

    def _seen(self) -> SeenRequest:
        return SeenRequest(request.path, dict(request.args))

    def _failure_response(self, failure: Failure) -> Response:
        message = "Exceeded 2 calls per second for api client. Reduce request rates."
        return jsonify({"errors": message if failure.status == 429 else "Internal Server Error"})

    def _authorize(self) -> ResponseReturnValue | None:
        if request.headers.get("X-Shopify-Access-Token") != self.token:
            message = "[API] Invalid API key or access token (unrecognized login or wrong password)"
            return jsonify({"errors": message}), 401
        return None

    def _app(self) -> Flask:
        app = Flask("fake-shopify")

        @app.get(f"/admin/api/{API_VERSION}/orders.json")
        def _orders() -> Response | tuple[Response, int]:
            return self._list_orders()

        @app.get(f"/admin/api/{API_VERSION}/orders/<int:order_id>/fulfillment_orders.json")
        def _fulfillment_orders(order_id: int) -> Response | tuple[Response, int]:
            if not any(order["id"] == order_id for order in self.orders):
                return jsonify({"errors": "Not Found"}), 404
            return jsonify({"fulfillment_orders": self.fulfillment_orders.get(str(order_id), [])})

        return app

    def _list_orders(self) -> Response | tuple[Response, int]:
        args = request.args
        try:
            limit = int(args.get("limit", "50"))
        except ValueError:
            return jsonify({"errors": {"limit": "must be a number"}}), 400
        if not 1 <= limit <= 250:
            return jsonify({"errors": {"limit": "must be between 1 and 250"}}), 400
        if "page_info" in args:
            extra = set(args) - {"page_info", "limit"}
            if extra:
                return jsonify({"errors": {"page_info": f"page_info cannot be used with {sorted(extra)}"}}), 400
            try:
                query = json.loads(base64.urlsafe_b64decode(args["page_info"]))
            except ValueError:
                return jsonify({"errors": {"page_info": "Invalid value."}}), 400
        else:
            unknown = set(args) - FILTERS - {"limit"}
            if unknown:
                return jsonify({"errors": {"query": f"unknown parameters {sorted(unknown)}"}}), 400
            query = {"status": args.get("status", "open"), "order": args.get("order", "id desc"), "offset": 0}
            if "updated_at_min" in args:
                try:
                    _instant(args["updated_at_min"])
                except ValueError:
                    return jsonify({"errors": {"updated_at_min": "Invalid value."}}), 400
                query["updated_at_min"] = args["updated_at_min"]
            if query["order"] not in ORDERINGS:
                return jsonify({"errors": {"order": "Invalid value."}}), 400
        matching = self._matching(query)
        offset = int(query["offset"])
        page = matching[offset : offset + min(limit, self.page_size)]
        response = jsonify({"orders": page})
        if offset + len(page) < len(matching):
            cursor = base64.urlsafe_b64encode(json.dumps(query | {"offset": offset + len(page)}).encode()).decode()
            response.headers["Link"] = f'<{self.base_url}/orders.json?limit={limit}&page_info={cursor}>; rel="next"'
        return response

    def _matching(self, query: dict[str, Any]) -> list[dict[str, Any]]:
        with self._lock:
            orders = list(self.orders)
        status = query["status"]
        if status == "open":
            orders = [order for order in orders if not order.get("cancelled_at") and not order.get("closed_at")]
        elif status == "closed":
            orders = [order for order in orders if order.get("closed_at")]
        elif status == "cancelled":
            orders = [order for order in orders if order.get("cancelled_at")]
        if "updated_at_min" in query:
            since = _instant(query["updated_at_min"])
            orders = [order for order in orders if _instant(order["updated_at"]) >= since]
        key, direction = query["order"].split()
        orders.sort(
            key=lambda order: (_instant(order["updated_at"]), order["id"]) if key == "updated_at" else order["id"],
            reverse=direction == "desc",
        )
        return orders


def _instant(text: str) -> datetime:
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
