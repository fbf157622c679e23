"""A fake BigCommerce store API (REST v2 orders) on loopback, with BigCommerce's rules.

* ``GET /stores/<hash>/v2/orders``: ``min_date_modified`` (inclusive; RFC 2822 or ISO 8601), ``sort``
  (``date_modified:asc`` ...), ``limit`` (50 by default, at most 250 and at most ``page_size``), ``page``; a
  page with nothing on it is ``204 No Content``, as BigCommerce answers an empty list.
* ``GET /stores/<hash>/v2/orders/<id>``, ``.../products`` and ``.../shipping_addresses`` (both paged with
  ``limit``/``page``, 204 when empty); 404 for an unknown order.
* ``X-Auth-Token`` must match (401 otherwise) and ``Accept`` must allow JSON (406 otherwise).
* ``fail_next(status, retry_after=..., times=..., after=...)`` answers requests with an error (429, 500 ...).

Orders are kept as the documents the hub stores: ``{"order": ..., "products": [...], "shipping_addresses": [...]}``.
Every request is kept in ``requests`` (path, query, token), so a test can check what the hub asked for.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from flask import Flask, Response, jsonify, request
from flask.typing import ResponseReturnValue

from tests.fakes.server import Failure, FakeServer

STORE_HASH = "abc123"
PREFIX = f"/stores/{STORE_HASH}"


@dataclass
class SeenRequest:
    path: str
    args: dict[str, str]
    token: str | None


@dataclass
class FakeBigCommerce(FakeServer):
    token: str = "bc_fake_access_token"
    page_size: int = 250
    documents: dict[int, dict[str, Any]] = field(default_factory=dict)
    requests: list[SeenRequest] = field(default_factory=list)

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

    # -- the server --

    def _seen(self) -> SeenRequest:
        return SeenRequest(request.path, dict(request.args), request.headers.get("X-Auth-Token"))

    def _failure_response(self, failure: Failure) -> Response:
        return jsonify([{"status": failure.status, "message": "Injected failure."}])

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

        return app

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


def _not_found() -> tuple[Response, int]:
    return jsonify([{"status": 404, "message": "The requested resource was not found."}]), 404


def _instant(text: str) -> datetime:
    try:
        parsed = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
