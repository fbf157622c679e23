"""A fake eBay API on loopback: OAuth token refresh and the Sell Fulfillment getOrders call.

* ``POST /identity/v1/oauth2/token``: HTTP Basic client id and secret (else 401 invalid_client), form
  ``grant_type=refresh_token``, ``refresh_token`` (else 400 invalid_grant) and ``scope`` (scopes outside
  ``scopes`` are 400 invalid_scope); answers a user access token living ``token_lifetime`` seconds.
* ``GET /sell/fulfillment/v1/order``: ``filter=lastmodifieddate:[<ISO 8601 with milliseconds>..]`` (inclusive;
  anything else is 400), ``limit`` (at most ``page_size``) and ``offset``; orders oldest modification first;
  the page carries ``total``, ``offset``, ``limit`` and, while more remain, ``next``.
* Every API call needs ``Authorization: Bearer <current token>``, else 401 (eBay's errorId 1001).
* ``fail_next(status, retry_after=..., times=..., after=...)`` answers requests with an error.
"""

from __future__ import annotations

import base64
import itertools
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from flask import Flask, Response, jsonify, request
from flask.typing import ResponseReturnValue

from tests.fakes.server import Failure, FakeServer

FILTER = re.compile(r"lastmodifieddate:\[(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)\.\.\]")
READ_SCOPE = "https://api.ebay.com/oauth/api_scope/sell.fulfillment.readonly"


@dataclass
class ApiFailure(Failure):
    """Only API calls get (and count towards) an injected failure, token requests never."""

    def applies(self, path: str) -> bool:
        return path.startswith("/sell/")


@dataclass
class FakeEbay(FakeServer):
    client_id: str = "Fake-App-PRD-0a1b2c3d4-5e6f7a8b"
    client_secret: str = "PRD-fake-cert-0123456789ab"
    refresh_token: str = "v^1.1#i^1#r^1#fake-refresh"
    scopes: frozenset[str] = frozenset({READ_SCOPE})
    page_size: int = 200
    token_lifetime: int = 7200
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    token_requests: int = 0

    failure_type = ApiFailure

    def __post_init__(self) -> None:
        super().__post_init__()
        self._tokens: set[str] = set()
        self._counter = itertools.count(1)

    # -- set-up, from the test --

    @property
    def url(self) -> str:
        return self.origin

    def put(self, order: dict[str, Any]) -> None:
        with self._lock:
            self.orders[order["orderId"]] = order

    def revoke_tokens(self) -> None:
        with self._lock:
            self._tokens.clear()

    def order_requests(self) -> list[dict[str, str]]:
        return [args for path, args in self.requests if path == "/sell/fulfillment/v1/order"]

    # -- the server --

    def _app(self) -> Flask:
        app = Flask("fake_ebay")
        app.post("/identity/v1/oauth2/token")(self._token)
        app.get("/sell/fulfillment/v1/order")(self._orders)
        return app

    def _seen(self) -> tuple[str, dict[str, str]]:
        return (request.path, dict(request.args))

    def _failure_response(self, failure: Failure) -> Response:
        response, _ = _error(failure.status, 2003, "Internal error (injected)")
        return response

    def _authorize(self) -> ResponseReturnValue | None:
        if request.path.startswith("/sell/"):
            scheme, _, token = request.headers.get("Authorization", "").partition(" ")
            with self._lock:
                if scheme != "Bearer" or token not in self._tokens:
                    return _error(401, 1001, "Invalid access token")
        return None

    def _token(self) -> Response | tuple[Response, int]:
        expected = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        form = request.form
        with self._lock:
            self.token_requests += 1
            if request.headers.get("Authorization") != f"Basic {expected}":
                return jsonify({"error": "invalid_client", "error_description": "client authentication failed"}), 401
            if form.get("grant_type") != "refresh_token" or form.get("refresh_token") != self.refresh_token:
                return jsonify({"error": "invalid_grant", "error_description": "the refresh token is invalid"}), 400
            if not form.get("scope") or not set(form["scope"].split()) <= self.scopes:
                return jsonify({"error": "invalid_scope", "error_description": "the requested scope is invalid"}), 400
            token = f"v^1.1#i^1#p^3#fake-access-{next(self._counter)}"
            self._tokens.add(token)
        return jsonify({"access_token": token, "expires_in": self.token_lifetime, "token_type": "User Access Token"})

    def _orders(self) -> Response | tuple[Response, int]:
        match = FILTER.fullmatch(request.args.get("filter", ""))
        if match is None:
            return _error(400, 30700, "The 'filter' value is invalid: use lastmodifieddate:[<ISO 8601>..]")
        since = datetime.fromisoformat(match.group(1).replace("Z", "+00:00"))
        limit = min(int(request.args.get("limit", 50)), self.page_size)
        offset = int(request.args.get("offset", 0))
        with self._lock:
            matching = sorted(
                (order for order in self.orders.values() if _at(order["lastModifiedDate"]) >= since),
                key=lambda order: order["lastModifiedDate"],
            )
        page: dict[str, Any] = {
            "href": f"{self.url}{request.full_path}",
            "total": len(matching),
            "limit": limit,
            "offset": offset,
            "orders": matching[offset : offset + limit],
            "warnings": [],
        }
        if offset + limit < len(matching):
            query = urlencode({"filter": request.args["filter"], "limit": limit, "offset": offset + limit})
            page["next"] = f"{self.url}/sell/fulfillment/v1/order?{query}"
        return jsonify(page)


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _error(status: int, error_id: int, message: str) -> tuple[Response, int]:
    body = {"errors": [{"errorId": error_id, "domain": "API_FULFILLMENT", "category": "REQUEST", "message": message}]}
    return jsonify(body), status
