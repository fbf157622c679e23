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

import threading
from collections import deque
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from flask import Flask, Response, jsonify, request
from werkzeug.serving import make_server

PREFIX = "/v3/application"
SORT_ON = {"created": "created_timestamp", "updated": "updated_timestamp", "receipt_id": "receipt_id"}


@dataclass
class Failure:
    status: int
    retry_after: str | None
    remaining: int
    skip: int


@dataclass
class SeenRequest:
    path: str
    args: dict[str, str]


@dataclass
class FakeEtsy:
    shop_id: int = 12345678
    api_key: str = "etsy_fake_keystring"
    access_token: str = "12345678.fake_oauth_access_token"
    page_size: int = 100
    receipts: dict[int, dict[str, Any]] = field(default_factory=dict)
    requests: list[SeenRequest] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._failures: deque[Failure] = deque()
        self._lock = threading.Lock()
        self._server: Any = None
        self._thread: threading.Thread | None = None

    # -- set-up, from the test --

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    @property
    def base_url(self) -> str:
        return f"{self.origin}/v3"

    def receipt_url(self, receipt_id: int) -> str:
        return f"{self.base_url}/application/shops/{self.shop_id}/receipts/{receipt_id}"

    def put(self, *receipts: dict[str, Any]) -> None:
        with self._lock:
            for receipt in receipts:
                self.receipts[int(receipt["receipt_id"])] = receipt

    def fail_next(self, status: int, *, retry_after: str | None = None, times: int = 1, after: int = 0) -> None:
        """Answer ``times`` requests with ``status``, once ``after`` more requests were answered normally."""
        with self._lock:
            self._failures.append(Failure(status, retry_after, times, after))

    # -- the server --

    def __enter__(self) -> FakeEtsy:
        self._server = make_server("127.0.0.1", 0, self._app(), threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self._server.shutdown()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _app(self) -> Flask:
        app = Flask("fake-etsy")

        @app.before_request
        def _gate() -> Response | tuple[Response, int] | None:
            self.requests.append(SeenRequest(request.path, dict(request.args)))
            failure = self._take_failure()
            if failure is not None:
                response = jsonify({"error": "Injected failure."})
                response.status_code = failure.status
                if failure.retry_after is not None:
                    response.headers["Retry-After"] = failure.retry_after
                return response
            if request.headers.get("x-api-key") != self.api_key:
                return jsonify({"error": "Invalid API key"}), 401
            if request.headers.get("Authorization") != f"Bearer {self.access_token}":
                return jsonify({"error": "invalid_token", "error_description": "access token is not valid"}), 401
            return None

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

    def _take_failure(self) -> Failure | None:
        with self._lock:
            if not self._failures:
                return None
            failure = self._failures[0]
            if failure.skip > 0:
                failure.skip -= 1
                return None
            failure.remaining -= 1
            if failure.remaining <= 0:
                self._failures.popleft()
            return failure

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
