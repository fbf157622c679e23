"""Fake Shopify Payments endpoints, added to the fake Admin API (``tests.fakes.shopify``):

* ``GET /admin/api/<version>/shopify_payments/payouts.json``: ``date_min`` / ``date_max`` (inclusive, by the
  payout's ``date``), newest first as Shopify lists them.
* ``GET /admin/api/<version>/shopify_payments/balance_transactions.json?payout_id=``: the transactions a payout
  paid (charges, refunds, adjustments and the payout transfer itself).

Both page with a ``Link: <...page_info=...>; rel="next"`` header (``page_size`` per page), where a
``page_info`` request may carry only ``limit``, as on Shopify; the access token is checked as for orders.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, Response, jsonify, request

from tests.fakes.shopify import API_VERSION, FakeShopify


@dataclass
class FakeShopifyPayments(FakeShopify):
    payouts: list[dict[str, Any]] = field(default_factory=list)
    transactions: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # payout id -> transactions

    def add_payout(self, payout: dict[str, Any], transactions: list[dict[str, Any]]) -> None:
        with self._lock:
            self.payouts = [kept for kept in self.payouts if kept["id"] != payout["id"]] + [payout]
            self.transactions[str(payout["id"])] = transactions

    def _app(self) -> Flask:
        app = super()._app()
        prefix = f"/admin/api/{API_VERSION}/shopify_payments"

        @app.get(f"{prefix}/payouts.json")
        def _payouts() -> Response | tuple[Response, int]:
            return self._page("payouts.json", "payouts", self._listed_payouts)

        @app.get(f"{prefix}/balance_transactions.json")
        def _transactions() -> Response | tuple[Response, int]:
            return self._page("balance_transactions.json", "transactions", self._listed_transactions)

        return app

    def _listed_payouts(self, query: dict[str, str]) -> list[dict[str, Any]]:
        with self._lock:
            payouts = sorted(self.payouts, key=lambda payout: payout["date"], reverse=True)
        start, end = query.get("date_min"), query.get("date_max")
        return [p for p in payouts if (not start or p["date"] >= start) and (not end or p["date"] <= end)]

    def _listed_transactions(self, query: dict[str, str]) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.transactions.get(query.get("payout_id", ""), []))

    def _page(self, name: str, key: str, listed: Any) -> Response | tuple[Response, int]:
        args = request.args
        limit = int(args.get("limit", "50"))
        if "page_info" in args:
            if set(args) - {"page_info", "limit"}:
                return jsonify({"errors": {"page_info": "page_info cannot be used with other parameters"}}), 400
            query = json.loads(base64.urlsafe_b64decode(args["page_info"]))
        else:
            query = {name: value for name, value in args.items() if name != "limit"} | {"offset": 0}
        items = listed(query)
        offset = int(query["offset"])
        page = items[offset : offset + min(limit, self.page_size)]
        response = jsonify({key: page})
        if offset + len(page) < len(items):
            cursor = base64.urlsafe_b64encode(json.dumps(query | {"offset": offset + len(page)}).encode()).decode()
            link = f"{self.base_url}/shopify_payments/{name}?limit={limit}&page_info={cursor}"
            response.headers["Link"] = f'<{link}>; rel="next"'
        return response
