"""A fake Walmart Marketplace API (token and Orders v3) on loopback.

* ``POST /v3/token``: HTTP Basic client id and secret, form ``grant_type=client_credentials``, headers
  ``WM_SVC.NAME`` and ``WM_QOS.CORRELATION_ID``; answers an access token living ``token_lifetime`` seconds (900,
  as Walmart's do). Wrong credentials are 401.
* ``GET /v3/orders/<purchaseOrderId>``: ``{"order": ...}``, or 404 for an unknown one.
* ``GET /v3/orders``: orders modified at or after ``lastModifiedStartDate``, oldest first, ``limit`` (at most
  ``page_size``) a page; ``list.meta.nextCursor`` is a query string (``?limit=..&hasMoreElements=true&soIndex=..``)
  that the client appends to ``/v3/orders``. No matching order is 404, as on Walmart.
* The back-channel, each answering ``{"order": ...}`` as it now stands:
  ``POST /v3/orders/<id>/shipping`` (``Shipped`` statuses with a quantity no more than is left and a complete
  ``trackingInfo``; posting a fully shipped line again replaces its tracking), ``POST .../cancel``
  (``Cancelled`` units, refused once a line has shipped) and ``POST .../refund`` (negative charges on shipped
  lines only); anything else is 400 in Walmart's error shape.
* ``throttle_next(replenish_in_ms)`` answers 429 with ``x-current-token-count: 0`` and
  ``x-next-replenishment-time`` (epoch ms), as Walmart's rate limiter does.
* Every Orders call needs ``WM_SEC.ACCESS_TOKEN`` (a current token, else 401), ``WM_SVC.NAME`` and
  ``WM_QOS.CORRELATION_ID`` (else 400) and must accept JSON.
* ``fail_next(status, retry_after=..., times=..., after=..., path=...)`` answers requests with an error.
"""

from __future__ import annotations

import base64
import itertools
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from flask import Flask, Response, jsonify, request
from flask.typing import ResponseReturnValue

from tests.fakes.server import Failure, FakeServer, PathFailure, ResettingRequestHandler
from tests.http import KeepsUnderscoredHeaders

SEEN_HEADERS = ("WM_SVC.NAME", "WM_QOS.CORRELATION_ID", "WM_SEC.ACCESS_TOKEN", "Accept")


@dataclass
class Seen:
    path: str
    args: dict[str, str]
    headers: dict[str, str]
    method: str = "GET"
    body: Any = None


@dataclass
class Throttled(Failure):
    """A 429 from Walmart's rate limiter, with the time its token bucket refills."""

    replenish_in_ms: int = field(default=0, kw_only=True)

    def applies(self, path: str) -> bool:
        return path.startswith("/v3/orders")


class WalmartRequestHandler(ResettingRequestHandler, KeepsUnderscoredHeaders):
    """WM_SEC.*, WM_SVC.*, WM_QOS.* reach the app, as in production; an injected reset drops the connection."""


@dataclass
class FakeWalmart(FakeServer):
    client_id: str = "f2a6c1e0-walmart-client"
    client_secret: str = "wm-5d1e93b07c2a84f6"  # shares no 8 characters with the client id
    page_size: int = 100
    token_lifetime: int = 900
    orders: dict[str, tuple[dict[str, Any], int]] = field(default_factory=dict)  # id -> (order, modified ms)
    requests: list[Seen] = field(default_factory=list)
    token_requests: int = 0

    request_handler = WalmartRequestHandler

    def __post_init__(self) -> None:
        super().__post_init__()
        self._tokens: set[str] = set()
        self._counter = itertools.count(1)

    # -- set-up, from the test --

    @property
    def url(self) -> str:
        return self.origin

    def put(self, order: dict[str, Any], modified_ms: int | None = None) -> None:
        """Add or replace an order; it counts as modified at its newest line status date unless told."""
        stamps = [line["statusDate"] for line in order["orderLines"]["orderLine"]] + [order["orderDate"]]
        with self._lock:
            self.orders[order["purchaseOrderId"]] = (order, modified_ms if modified_ms is not None else max(stamps))

    def revoke_tokens(self) -> None:
        with self._lock:
            self._tokens.clear()

    def fail_next(
        self, status: int, *, retry_after: str | None = None, times: int = 1, after: int = 0, path: str | None = None
    ) -> None:
        self._inject(PathFailure(status, retry_after, times, after, path))

    def settings(self, **extra: Any) -> dict[str, Any]:
        """Settings for the back-channel connector that reach this fake."""
        return {"base_url": self.url, "client_id": self.client_id, "client_secret": self.client_secret, **extra}

    def throttle_next(self, replenish_in_ms: int) -> None:
        self._inject(Throttled(429, None, 1, 0, replenish_in_ms=replenish_in_ms))

    def posts(self, suffix: str) -> list[Seen]:
        return [seen for seen in self.requests if seen.method == "POST" and seen.path.endswith(suffix)]

    def line(self, order_id: str, number: str) -> dict[str, Any]:
        return next(
            line for line in self.orders[order_id][0]["orderLines"]["orderLine"] if line["lineNumber"] == number
        )

    def api_requests(self) -> list[Seen]:
        return [seen for seen in self.requests if seen.path.startswith("/v3/orders")]

    # -- the server --

    def _app(self) -> Flask:
        app = Flask("fake_walmart")
        app.post("/v3/token")(self._token)
        app.get("/v3/orders")(self._list)
        app.get("/v3/orders/<order_id>")(self._order)
        app.post("/v3/orders/<order_id>/<any(shipping, cancel, refund):action>")(self._update)
        return app

    def _seen(self) -> Seen:
        headers = {name: request.headers.get(name, "") for name in SEEN_HEADERS}
        body = request.get_json(silent=True) if request.method == "POST" and request.is_json else None
        return Seen(request.path, dict(request.args), headers, request.method, body)

    def _failure_response(self, failure: Failure) -> Response:
        if isinstance(failure, Throttled):
            response, _ = _error(429, "REQUEST_THRESHOLD_VIOLATED.GMP_GATEWAY_API", "too many requests")
            refill = int(time.time() * 1000) + failure.replenish_in_ms
            response.headers.update({"x-current-token-count": "0", "x-next-replenishment-time": str(refill)})
            return response
        response, _ = _error(failure.status, "SYSTEM_ERROR.GMP_GATEWAY_API", "injected failure")
        return response

    def _authorize(self) -> ResponseReturnValue | None:
        if not request.headers.get("WM_SVC.NAME") or not request.headers.get("WM_QOS.CORRELATION_ID"):
            return _error(400, "INVALID_REQUEST_HEADER.GMP_GATEWAY_API", "WM_SVC.NAME and WM_QOS.CORRELATION_ID")
        if request.path.startswith("/v3/orders"):
            if "application/json" not in request.headers.get("Accept", ""):
                return _error(406, "NOT_ACCEPTABLE.GMP_GATEWAY_API", "Accept must be application/json")
            with self._lock:
                if request.headers.get("WM_SEC.ACCESS_TOKEN") not in self._tokens:
                    return _error(401, "UNAUTHORIZED.GMP_GATEWAY_API", "Invalid or expired access token")
        return None

    def _token(self) -> Response | tuple[Response, int]:
        expected = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        with self._lock:
            self.token_requests += 1
            if request.headers.get("Authorization") != f"Basic {expected}":
                return _error(401, "UNAUTHORIZED.GMP_GATEWAY_API", "Invalid client credentials")
            if request.form.get("grant_type") != "client_credentials":
                return _error(400, "INVALID_REQUEST.GMP_GATEWAY_API", "grant_type must be client_credentials")
            token = f"eyJraWQiOi-fake-{next(self._counter)}"
            self._tokens.add(token)
        return jsonify({"access_token": token, "token_type": "Bearer", "expires_in": self.token_lifetime})

    def _order(self, order_id: str) -> Response | tuple[Response, int]:
        with self._lock:
            found = self.orders.get(order_id)
        if found is None:
            return _error(404, "CONTENT_NOT_FOUND.GMP_ORDER_API", f"purchase order {order_id} not found")
        return jsonify({"order": found[0]})

    def _list(self) -> Response | tuple[Response, int]:
        args = request.args
        start = args.get("lastModifiedStartDate")
        since = int(datetime.fromisoformat(start.replace("Z", "+00:00")).timestamp() * 1000) if start else 0
        limit = min(int(args.get("limit", self.page_size)), self.page_size)
        offset = int(args.get("soIndex", 0)) if args.get("hasMoreElements") == "true" else 0
        with self._lock:
            matching = sorted((kept for kept in self.orders.values() if kept[1] >= since), key=lambda kept: kept[1])
        if not matching:
            return _error(404, "CONTENT_NOT_FOUND.GMP_ORDER_API", "No orders found for the given criteria")
        page = [order for order, _ in matching[offset : offset + limit]]
        meta: dict[str, Any] = {"totalCount": len(matching), "limit": limit}
        if offset + limit < len(matching):
            cursor = {"limit": limit, "hasMoreElements": "true", "soIndex": offset + limit, "poIndex": offset + limit}
            if start:
                cursor["lastModifiedStartDate"] = start
            meta["nextCursor"] = "?" + urlencode(cursor)
        return jsonify({"list": {"meta": meta, "elements": {"order": page}}})

    # -- the back-channel --

    def _update(self, order_id: str, action: str) -> Response | tuple[Response, int]:
        body = request.get_json(silent=True) or {}
        envelope = {"shipping": "orderShipment", "cancel": "orderCancellation", "refund": "orderRefund"}[action]
        lines = ((body.get(envelope) or {}).get("orderLines") or {}).get("orderLine")
        with self._lock:
            found = self.orders.get(order_id)
            if found is None:
                return _error(404, "CONTENT_NOT_FOUND.GMP_ORDER_API", f"purchase order {order_id} not found")
            if not isinstance(lines, list) or not lines:
                return _invalid(f"{envelope}.orderLines.orderLine is required")
            order = found[0]
            by_number = {line["lineNumber"]: line for line in order["orderLines"]["orderLine"]}
            for line in lines:
                kept = by_number.get(str(line.get("lineNumber")))
                if kept is None:
                    return _invalid(f"lineNumber {line.get('lineNumber')} is not on purchase order {order_id}")
                problem = getattr(self, f"_{action}_line")(kept, line)
                if problem:
                    return _invalid(problem)
            return jsonify({"order": order})

    @staticmethod
    def _shipping_line(kept: dict[str, Any], line: dict[str, Any]) -> str | None:
        (status,) = line["orderLineStatuses"]["orderLineStatus"]
        info = status.get("trackingInfo") or {}
        if status.get("status") != "Shipped" or not all(
            info.get(key) for key in ("shipDateTime", "carrierName", "methodCode", "trackingNumber")
        ):
            return "a Shipped status with shipDateTime, carrierName, methodCode and trackingNumber is required"
        units, statuses = int(status["statusQuantity"]["amount"]), kept["orderLineStatuses"]["orderLineStatus"]
        left = _ordered(kept) - _units(statuses, "Cancelled") - _units(statuses, "Shipped")
        shipped = [s for s in statuses if s["status"] == "Shipped"]
        if left == 0 and shipped:  # posted again: the tracking changes
            shipped[-1]["trackingInfo"] = info
            return None
        if not 0 < units <= left:
            return f"line {kept['lineNumber']}: {units} unit(s) cannot ship, {left} left to ship"
        _settle(statuses, units)
        statuses.append({"status": "Shipped", "statusQuantity": status["statusQuantity"], "trackingInfo": info})
        return None

    @staticmethod
    def _cancel_line(kept: dict[str, Any], line: dict[str, Any]) -> str | None:
        (status,) = line["orderLineStatuses"]["orderLineStatus"]
        statuses = kept["orderLineStatuses"]["orderLineStatus"]
        if _units(statuses, "Shipped"):
            return f"line {kept['lineNumber']} has shipped and cannot be cancelled"
        units = int(status["statusQuantity"]["amount"])
        if status.get("status") != "Cancelled" or not 0 < units <= _ordered(kept) - _units(statuses, "Cancelled"):
            return f"line {kept['lineNumber']}: {units} unit(s) cannot be cancelled"
        _settle(statuses, units)
        statuses.append({"status": "Cancelled", "statusQuantity": status["statusQuantity"]})
        return None

    @staticmethod
    def _refund_line(kept: dict[str, Any], line: dict[str, Any]) -> str | None:
        if not _units(kept["orderLineStatuses"]["orderLineStatus"], "Shipped"):
            return f"line {kept['lineNumber']} has not shipped: cancel it instead of refunding it"
        (refund,) = line["refunds"]["refund"]
        charges = refund["refundCharges"]["refundCharge"]
        if not charges or any(charge["charge"]["chargeAmount"]["amount"] >= 0 for charge in charges):
            return "refund charges must be negative amounts"
        kept["refund"] = {"refundId": f"rf-{kept['lineNumber']}-{len(charges)}", **refund}
        return None


def _ordered(line: dict[str, Any]) -> int:
    return int(line["orderLineQuantity"]["amount"])


def _units(statuses: list[dict[str, Any]], name: str) -> int:
    return sum(int(status["statusQuantity"]["amount"]) for status in statuses if status["status"] == name)


def _settle(statuses: list[dict[str, Any]], units: int) -> None:
    """Units moving on leave their Created/Acknowledged status."""
    for status in statuses:
        if status["status"] in ("Created", "Acknowledged"):
            status["statusQuantity"]["amount"] = str(max(0, int(status["statusQuantity"]["amount"]) - units))
    statuses[:] = [
        s for s in statuses if s["status"] not in ("Created", "Acknowledged") or int(s["statusQuantity"]["amount"])
    ]


def _invalid(description: str) -> tuple[Response, int]:
    return _error(400, "INVALID_REQUEST_CONTENT.GMP_ORDER_API", description)


def _error(status: int, code: str, description: str) -> tuple[Response, int]:
    return jsonify({"errors": [{"code": code, "field": None, "description": description, "severity": "ERROR"}]}), status
