"""eBay: orders are polled from the Sell Fulfillment API (getOrders filtered by last modification date).

Calls carry a user access token minted from the seller's refresh token (OAuth refresh grant, HTTP Basic with
the application's client id and secret). Account settings: ``base_url`` (https://api.ebay.com), secrets
``client_id``, ``client_secret`` and ``refresh_token`` (references), and optionally ``identity_url``
(https://api.ebay.com), ``scope`` (space-separated; default: read-only fulfillment), ``marketplace_id`` (sent
as X-EBAY-C-MARKETPLACE-ID), ``initial_days`` (30; eBay keeps 90 days) and ``overlap_minutes`` (5).

eBay's REST notifications (signed with ECDSA keys fetched from eBay) are not received yet: orders arrive by
polling only.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from hub.channels.accounts import AccountContext
from hub.channels.base import Action, Channel, Pulled, Topic, parse_instant
from hub.channels.oauth import Grant, TokenCache, request_token
from hub.sdk.errors import PermanentError

DEFAULT_IDENTITY_URL = "https://api.ebay.com"
DEFAULT_SCOPE = "https://api.ebay.com/oauth/api_scope/sell.fulfillment.readonly"
ORDERS_PER_PAGE = 200  # eBay's maximum

_tokens = TokenCache()


def _fetch_token(account: AccountContext, url: str) -> tuple[str, float]:
    credentials = f"{account.secret('client_id')}:{account.secret('client_secret')}".encode()
    return request_token(
        account,
        url,
        data={
            "grant_type": "refresh_token",
            "refresh_token": account.secret("refresh_token"),
            "scope": str(account.settings.get("scope") or DEFAULT_SCOPE),
        },
        headers={"Authorization": "Basic " + base64.b64encode(credentials).decode(), "Accept": "application/json"},
    )


def _grant(account: AccountContext) -> Grant:
    identity = str(account.settings.get("identity_url") or DEFAULT_IDENTITY_URL).rstrip("/")
    return Grant(f"{identity}/identity/v1/oauth2/token", _fetch_token)


class Ebay(Channel):
    name = "ebay"
    verifier = None
    pulls = True
    topics = {"order": Topic(Action.ORDER, "ebay/order")}

    def pull(self, account: AccountContext, since: datetime | None) -> Iterator[Pulled]:
        start = account.pull_start(since)
        stamp = start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{start.microsecond // 1000:03d}Z"
        extra = {}
        if account.settings.get("marketplace_id"):
            extra["X-EBAY-C-MARKETPLACE-ID"] = str(account.settings["marketplace_id"])
        offset = 0
        while True:
            # Offsets rather than the absolute `next` link: every request stays on the configured base URL.
            params = {"filter": f"lastmodifieddate:[{stamp}..]", "limit": ORDERS_PER_PAGE, "offset": offset}
            data, _ = _tokens.request_json(
                account,
                _grant(account),
                lambda token: {"Authorization": f"Bearer {token}", "Accept": "application/json"},
                "GET",
                "/sell/fulfillment/v1/order",
                params=params,
                headers=extra,
            )
            if not isinstance(data, dict):
                raise PermanentError("ebay getOrders answered with something other than an object")
            orders = data.get("orders") or []
            for order in orders:
                yield self._pulled(order)
            offset += len(orders)
            total = data.get("total")
            if not orders or not isinstance(total, int) or offset >= total:
                return

    def _pulled(self, order: Any) -> Pulled:
        if not isinstance(order, dict) or not order.get("orderId"):
            raise PermanentError("ebay getOrders returned an order without orderId")
        updated = order.get("lastModifiedDate") or order.get("creationDate")
        return Pulled(
            topic="order",
            key=f"order:{order['orderId']}:{updated}",
            body=json.dumps(order, sort_keys=True).encode(),
            updated_at=parse_instant(updated),
        )
