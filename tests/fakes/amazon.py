"""A fake Amazon Selling Partner API (Orders v0) with its Login with Amazon token endpoint, on loopback.

* ``POST /auth/o2/token`` (form: grant_type=refresh_token, refresh_token, client_id, client_secret): a new access
  token that lives ``token_lifetime`` seconds; wrong client credentials are 401 invalid_client, a wrong refresh
  token 400 invalid_grant, as Login with Amazon answers.
* ``GET /orders/v0/orders``: ``MarketplaceIds`` is required; a first page needs ``LastUpdatedAfter`` (inclusive)
  or ``CreatedAfter``; orders come oldest update first, ``page_size`` (or ``MaxResultsPerPage``) a page, with a
  ``NextToken``; a request carrying ``NextToken`` may carry nothing else but ``MarketplaceIds`` (400 otherwise).
* ``GET /orders/v0/orders/<id>`` (getOrder: the order alone),
  ``GET /orders/v0/orders/<id>/orderItems`` (``items_page_size`` a page, ``NextToken`` paging) and
  ``GET /orders/v0/orders/<id>/address``; 404 for an unknown order.
* ``POST /orders/v0/orders/<id>/shipmentConfirmation`` (confirmShipment): ``marketplaceId`` of the order,
  ``packageDetail`` with a positive numeric ``packageReferenceId``, ``carrierCode`` (``carrierName`` too for
  "Other"), ``trackingNumber``, ``shipDate`` and ``orderItems`` within the units ordered; a known reference edits
  that package. Orders fulfilled by Amazon (AFN) and cancelled ones are refused 400 InvalidInput. 204.
* The Feeds API: ``POST /feeds/2021-06-30/documents`` answers a document id and a pre-signed upload URL (here
  ``PUT /feed-uploads/<id>``, which takes no SP-API token), ``POST /feeds/2021-06-30/feeds`` (an uploaded
  document, a known feed type) answers 202 with a feed id; an order acknowledgement feed with status Failure
  is processed at once: its order becomes Canceled (refused as FATAL, left as it was, when it has shipped).
* ``throttle_next(rate)`` answers 429 QuotaExceeded with ``x-amzn-RateLimit-Limit: <rate>`` and no Retry-After.
* Every API call needs a current token in ``x-amz-access-token``: a missing, unknown or revoked one is 403
  Unauthorized, exactly as SP-API answers an expired token.
* ``fail_next(status, retry_after=..., times=..., after=..., path=...)`` answers requests with an error.

Orders are kept as the bundles the hub stores: ``{"order": ..., "items": [...], "address": {...}}``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree

from flask import Flask, Response, jsonify, request
from flask.typing import ResponseReturnValue

from tests.fakes.server import Failure, FakeServer, PathFailure, ResettingRequestHandler

NEXT_TOKEN_PARAMETERS = {"NextToken", "MarketplaceIds"}


@dataclass
class Throttled(PathFailure):
    rate: str = field(default="0.5", kw_only=True)


@dataclass
class FakeAmazon(FakeServer):
    request_handler = ResettingRequestHandler  # an injected reset drops the connection
    client_id: str = "amzn1.application-oa2-client.fake"
    client_secret: str = "amzn1.oa2-cs.v1.fake-secret"
    refresh_token: str = "Atzr|fake-refresh-token"
    marketplace_id: str = "ATVPDKIKX0DER"
    page_size: int = 100
    items_page_size: int = 100
    token_lifetime: int = 3600
    refuse_all_tokens: bool = False  # the API refuses even fresh tokens (an app without the Orders role)
    bundles: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    token_requests: int = 0
    confirmations: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (order id, body) as posted
    packages: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)  # order id -> reference -> detail
    feed_documents: dict[str, bytes | None] = field(default_factory=dict)  # document id -> uploaded content
    feeds: list[dict[str, Any]] = field(default_factory=list)  # each created feed, with its processing status

    def __post_init__(self) -> None:
        super().__post_init__()
        self._tokens: set[str] = set()
        self._pages: dict[str, tuple[str, list[Any]]] = {}
        self._counter = itertools.count(1)

    # -- set-up, from the test --

    @property
    def url(self) -> str:
        return self.origin

    def put(self, bundle: dict[str, Any]) -> None:
        """Add an order, or replace it with a new version."""
        with self._lock:
            self.bundles[bundle["order"]["AmazonOrderId"]] = bundle

    def revoke_tokens(self) -> None:
        """Every access token handed out so far stops working (as when they expire)."""
        with self._lock:
            self._tokens.clear()

    def fail_next(
        self, status: int, *, retry_after: str | None = None, times: int = 1, after: int = 0, path: str | None = None
    ) -> None:
        self._inject(PathFailure(status, retry_after, times, after, path))

    def settings(self, **extra: Any) -> dict[str, Any]:
        """Settings for the back-channel connector that reach this fake."""
        return {
            "base_url": self.url,
            "token_url": f"{self.url}/auth/o2/token",
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "refresh_token": self.refresh_token,
            "marketplace_id": self.marketplace_id,
            **extra,
        }

    def throttle_next(self, rate: str) -> None:
        self._inject(Throttled(429, None, 1, 0, "/shipmentConfirmation", rate=rate))

    def api_requests(self, suffix: str = "") -> list[tuple[str, dict[str, str]]]:
        return [seen for seen in self.requests if seen[0].startswith("/orders/") and seen[0].endswith(suffix)]

    # -- the server --

    def _app(self) -> Flask:
        app = Flask("fake_amazon")
        app.post("/auth/o2/token")(self._token)
        app.get("/orders/v0/orders")(self._orders)
        app.get("/orders/v0/orders/<order_id>")(self._order)
        app.get("/orders/v0/orders/<order_id>/orderItems")(self._items)
        app.get("/orders/v0/orders/<order_id>/address")(self._address)
        app.post("/orders/v0/orders/<order_id>/shipmentConfirmation")(self._confirm)
        app.post("/feeds/2021-06-30/documents")(self._feed_document)
        app.put("/feed-uploads/<document_id>")(self._upload)
        app.post("/feeds/2021-06-30/feeds")(self._feed)
        return app

    def _seen(self) -> tuple[str, dict[str, str]]:
        return (request.path, dict(request.args))

    def _failure_response(self, failure: Failure) -> Response:
        if isinstance(failure, Throttled):
            response = jsonify(
                {
                    "errors": [
                        {"code": "QuotaExceeded", "message": "You exceeded your quota for the requested resource."}
                    ]
                }
            )
            response.headers["x-amzn-RateLimit-Limit"] = failure.rate
            return response
        return jsonify({"errors": [{"code": "QuotaExceeded", "message": "injected failure"}]})

    def _authorize(self) -> ResponseReturnValue | None:
        if request.path.startswith(("/orders/", "/feeds/")):
            with self._lock:
                if self.refuse_all_tokens or request.headers.get("x-amz-access-token") not in self._tokens:
                    return _error(
                        403, "Unauthorized", "The access token you provided is revoked, malformed or invalid."
                    )
        return None

    def _token(self) -> Response | tuple[Response, int]:
        form = request.form
        with self._lock:
            self.token_requests += 1
            if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
                return jsonify({"error": "invalid_client", "error_description": "Client authentication failed"}), 401
            if form.get("grant_type") != "refresh_token" or form.get("refresh_token") != self.refresh_token:
                return jsonify({"error": "invalid_grant", "error_description": "The request has an invalid grant"}), 400
            token = f"Atza|fake-access-{next(self._counter)}"
            self._tokens.add(token)
        return jsonify({"access_token": token, "token_type": "bearer", "expires_in": self.token_lifetime})

    def _orders(self) -> Response | tuple[Response, int]:
        args = request.args
        if args.get("MarketplaceIds") != self.marketplace_id:
            return _error(400, "InvalidInput", "MarketplaceIds is missing or names another marketplace")
        with self._lock:
            if "NextToken" in args:
                if set(args) - NEXT_TOKEN_PARAMETERS:
                    return _error(400, "InvalidInput", "with NextToken, give only NextToken and MarketplaceIds")
                kind, rest = self._pages.pop(args["NextToken"], ("", []))
                if kind != "orders":
                    return _error(400, "InvalidInput", "Invalid NextToken")
            else:
                after = args.get("LastUpdatedAfter") or args.get("CreatedAfter")
                if not after:
                    return _error(400, "InvalidInput", "Either CreatedAfter or LastUpdatedAfter must be given")
                key = "LastUpdateDate" if "LastUpdatedAfter" in args else "PurchaseDate"
                chosen = [b["order"] for b in self.bundles.values() if b["order"][key] >= after]
                rest = sorted(chosen, key=lambda order: order["LastUpdateDate"])
            size = min(self.page_size, int(args.get("MaxResultsPerPage", self.page_size)))
            page, rest = rest[:size], rest[size:]
            payload: dict[str, Any] = {"Orders": page, "LastUpdatedBefore": "2099-01-01T00:00:00Z"}
            if rest:
                payload["NextToken"] = self._remember("orders", rest)
        return jsonify({"payload": payload})

    def _items(self, order_id: str) -> Response | tuple[Response, int]:
        with self._lock:
            bundle = self.bundles.get(order_id)
            if bundle is None:
                return _error(404, "NotFound", f"order {order_id} not found")
            if "NextToken" in request.args:
                kind, rest = self._pages.pop(request.args["NextToken"], ("", []))
                if kind != f"items:{order_id}":
                    return _error(400, "InvalidInput", "Invalid NextToken")
            else:
                rest = list(bundle["items"])
            page, rest = rest[: self.items_page_size], rest[self.items_page_size :]
            payload: dict[str, Any] = {"AmazonOrderId": order_id, "OrderItems": page}
            if rest:
                payload["NextToken"] = self._remember(f"items:{order_id}", rest)
        return jsonify({"payload": payload})

    def _order(self, order_id: str) -> Response | tuple[Response, int]:
        with self._lock:
            bundle = self.bundles.get(order_id)
        if bundle is None:
            return _error(404, "NotFound", f"order {order_id} not found")
        return jsonify({"payload": bundle["order"]})

    def _address(self, order_id: str) -> Response | tuple[Response, int]:
        with self._lock:
            bundle = self.bundles.get(order_id)
        if bundle is None:
            return _error(404, "NotFound", f"order {order_id} not found")
        return jsonify({"payload": bundle["address"]})

    def _confirm(self, order_id: str) -> Response | tuple[Response, int]:
        body = request.get_json(silent=True) or {}
        with self._lock:
            self.confirmations.append((order_id, body))
            bundle = self.bundles.get(order_id)
            if bundle is None:
                return _error(404, "NotFound", f"order {order_id} not found")
            problem = _confirmation_problem(bundle, body, self.marketplace_id)
            if problem:
                return _error(400, "InvalidInput", problem)
            detail = body["packageDetail"]
            self.packages.setdefault(order_id, {})[detail["packageReferenceId"]] = detail
        return Response(status=204)

    def _feed_document(self) -> Response | tuple[Response, int]:
        if not (request.get_json(silent=True) or {}).get("contentType"):
            return _error(400, "InvalidInput", "contentType is required")
        with self._lock:
            document_id = f"amzn1.tortuga.4.na.{next(self._counter)}"
            self.feed_documents[document_id] = None
        return jsonify({"feedDocumentId": document_id, "url": f"{self.url}/feed-uploads/{document_id}"}), 201

    def _upload(self, document_id: str) -> Response | tuple[Response, int]:
        with self._lock:
            if document_id not in self.feed_documents or "x-amz-access-token" in request.headers:
                return Response("<Error><Code>AccessDenied</Code></Error>", status=403, mimetype="application/xml")
            self.feed_documents[document_id] = request.get_data()
        return Response(status=200)

    def _feed(self) -> Response | tuple[Response, int]:
        body = request.get_json(silent=True) or {}
        with self._lock:
            content = self.feed_documents.get(str(body.get("inputFeedDocumentId")))
            if (
                content is None
                or body.get("feedType") != "POST_ORDER_ACKNOWLEDGEMENT_DATA"
                or not body.get("marketplaceIds")
            ):
                return _error(
                    400, "InvalidInput", "an uploaded inputFeedDocumentId, a feedType and marketplaceIds are required"
                )
            feed = {"feedId": str(50000 + next(self._counter)), **body, "processingStatus": self._process(content)}
            self.feeds.append(feed)
        return jsonify({"feedId": feed["feedId"]}), 202

    def _process(self, content: bytes) -> str:
        """Apply an order acknowledgement feed: each Failure message cancels its order unless it shipped."""
        root = ElementTree.fromstring(content)  # noqa: S314 - the test's own document
        for acknowledgement in root.iter("OrderAcknowledgement"):
            bundle = self.bundles.get(acknowledgement.findtext("AmazonOrderID") or "")
            if bundle is None or bundle["order"]["OrderStatus"] in ("Shipped", "PartiallyShipped"):
                return "FATAL"
            if acknowledgement.findtext("StatusCode") == "Failure":
                bundle["order"]["OrderStatus"] = "Canceled"
        return "DONE"

    def _remember(self, kind: str, rest: list[Any]) -> str:
        token = f"next-{next(self._counter)}"
        self._pages[token] = (kind, rest)
        return token


def _confirmation_problem(bundle: dict[str, Any], body: dict[str, Any], marketplace_id: str) -> str | None:
    order = bundle["order"]
    if body.get("marketplaceId") != order.get("MarketplaceId", marketplace_id):
        return "marketplaceId is missing or is not the order's marketplace"
    if order.get("FulfillmentChannel") == "AFN":
        return "The order is fulfilled by Amazon; shipment confirmation is not allowed"
    if order.get("OrderStatus") == "Canceled":
        return "The order is canceled"
    detail = body.get("packageDetail") or {}
    missing = [
        key
        for key in ("packageReferenceId", "carrierCode", "trackingNumber", "shipDate", "orderItems")
        if not detail.get(key)
    ]
    if missing:
        return f"packageDetail lacks {', '.join(missing)}"
    if not str(detail["packageReferenceId"]).isdigit() or int(detail["packageReferenceId"]) <= 0:
        return "packageReferenceId must be a positive number"
    if detail["carrierCode"] == "Other" and not detail.get("carrierName"):
        return "carrierName is required when carrierCode is Other"
    ordered = {item["OrderItemId"]: int(item["QuantityOrdered"]) for item in bundle["items"]}
    for item in detail["orderItems"]:
        if (
            item.get("orderItemId") not in ordered
            or not 0 < int(item.get("quantity", 0)) <= ordered[item["orderItemId"]]
        ):
            return f"orderItem {item.get('orderItemId')} is not on this order or its quantity is wrong"
    return None


def _error(status: int, code: str, details: str) -> tuple[Response, int]:
    return jsonify({"errors": [{"code": code, "message": details, "details": ""}]}), status
