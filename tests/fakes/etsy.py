"""A fake Etsy Open API v3 on loopback: the shop receipt endpoints the hub reads, with Etsy's rules.

* ``GET /v3/application/shops/<shop_id>/receipts/<receipt_id>``; 404 for an unknown receipt or another shop.
* ``GET /v3/application/shops/<shop_id>/receipts``: ``min_last_modified`` (epoch seconds, inclusive),
  ``sort_on`` (created, updated, receipt_id), ``sort_order`` (asc, desc ...), ``limit`` (25 by default, at
  most 100 and at most ``page_size``), ``offset``; the answer is ``{"count": N, "results": [...]}``.
* ``x-api-key`` and ``Authorization: Bearer <token>`` must both match, or 401.
* ``fail_next(status, retry_after=..., times=..., after=...)`` answers requests with an error (429, 500 ...).

Every request is kept in ``requests`` (path and query), so a test can check what the hub asked for (or that it
asked nothing at all).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import Flask, Response, jsonify, request
from flask.typing import ResponseReturnValue

from tests.fakes.server import Failure, FakeServer

PREFIX = "/v3/application"
SORT_ON = {"created": "created_timestamp", "updated": "updated_timestamp", "receipt_id": "receipt_id"}


@dataclass
class SeenRequest:
    path: str
    args: dict[str, str]


@dataclass
class FakeEtsy(FakeServer):
    shop_id: int = 12345678
    api_key: str = "etsy_fake_keystring"
    access_token: str = "12345678.fake_oauth_access_token"
    page_size: int = 100
    receipts: dict[int, dict[str, Any]] = field(default_factory=dict)
    requests: list[SeenRequest] = field(default_factory=list)

    # -- set-up, from the test --

    @property
    def base_url(self) -> str:
        return f"{self.origin}/v3"

    def receipt_url(self, receipt_id: int) -> str:
        return f"{self.base_url}/application/shops/{self.shop_id}/receipts/{receipt_id}"

    def put(self, *receipts: dict[str, Any]) -> None:
        with self._lock:
            for receipt in receipts:
                self.receipts[int(receipt["receipt_id"])] = receipt

    # -- the server --

    def _seen(self) -> SeenRequest:
        return SeenRequest(request.path, dict(request.args))

    def _failure_response(self, failure: Failure) -> Response:
        return jsonify({"error": "Injected failure."})

    def _authorize(self) -> ResponseReturnValue | None:
        if request.headers.get("x-api-key") != self.api_key:
            return jsonify({"error": "Invalid API key"}), 401
        if request.headers.get("Authorization") != f"Bearer {self.access_token}":
            return jsonify({"error": "invalid_token", "error_description": "access token is not valid"}), 401
        return None

    def _app(self) -> Flask:
        app = Flask("fake-etsy")

        @app.get(f"{PREFIX}/shops/<int:shop_id>/receipts/<int:receipt_id>")
        def _receipt(shop_id: int, receipt_id: int) -> Response | tuple[Response, int]:
            with self._lock:
                receipt = self.receipts.get(receipt_id) if shop_id == self.shop_id else None
            if receipt is None:
                return jsonify({"error": f"Receipt with id {receipt_id} not found"}), 404
            return jsonify(receipt)

        @app.get(f"{PREFIX}/shops/<int:shop_id>/receipts")
        def _receipts(shop_id: int) -> Response | tuple[Response, int]:
            if shop_id != self.shop_id:
                return jsonify({"error": "Shop not found"}), 404
            return self._list()

        return app

    def _list(self) -> Response | tuple[Response, int]:
        args = request.args
        try:
            limit, offset = int(args.get("limit", "25")), int(args.get("offset", "0"))
            since = int(args["min_last_modified"]) if "min_last_modified" in args else None
        except ValueError:
            return jsonify({"error": "limit, offset and min_last_modified must be integers"}), 400
        sort_on, sort_order = args.get("sort_on", "created"), args.get("sort_order", "desc")
        if not 1 <= limit <= 100 or offset < 0 or sort_on not in SORT_ON:
            return jsonify(
                {"error": "limit must be between 1 and 100, sort_on one of created, updated, receipt_id"}
            ), 400
        if sort_order not in ("asc", "ascending", "desc", "descending", "up", "down"):
            return jsonify({"error": "sort_order is not one of the allowed values"}), 400
        with self._lock:
            receipts = list(self.receipts.values())
        if since is not None:
            receipts = [receipt for receipt in receipts if receipt["updated_timestamp"] >= since]
        key = SORT_ON[sort_on]
        receipts.sort(
            key=lambda receipt: (receipt[key], receipt["receipt_id"]),
            reverse=sort_order in ("desc", "descending", "down"),
        )
        size = min(limit, self.page_size)
        return jsonify({"count": len(receipts), "results": receipts[offset : offset + size]})
