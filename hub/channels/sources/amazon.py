"""Amazon Selling Partner API: orders are polled from Orders API v0; Amazon sends no HTTP webhooks.

Each order version read becomes one inbox message holding everything the mapping needs::

    {"order": <getOrders entry>, "items": [<getOrderItems entries, every page>], "address": <getOrderAddress>}

Calls carry a Login with Amazon access token in ``x-amz-access-token`` (SP-API no longer needs AWS
signatures). Account settings: ``base_url`` (the regional endpoint, e.g. https://sellingpartnerapi-na.amazon.com),
``marketplace_ids`` (a list or comma-separated text), secrets ``client_id``, ``client_secret`` and
``refresh_token`` (references), and optionally ``lwa_url`` (https://api.amazon.com), ``initial_days`` (how far
back the first poll reads, 30) and ``overlap_minutes`` (how far before the watermark each poll starts, 5).

Personal data in the address (name, street, phone) is only returned with a Restricted Data Token; without one
Amazon returns city, region, postal code and country, which is what the order then carries.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from hub.channels.accounts import AccountContext
from hub.channels.base import Action, Channel, Pulled, Topic, parse_instant
from hub.channels.oauth import Grant, TokenCache, request_token
from hub.errors import ConfigurationError
from hub.sdk.errors import PermanentError

DEFAULT_LWA_URL = "https://api.amazon.com"
ORDERS_PER_PAGE = 100
# SP-API answers 403 (not 401) for an expired or revoked access token; both mean "fetch a new one".
REFUSED_TOKEN = (401, 403)

_tokens = TokenCache()


def _fetch_token(account: AccountContext, url: str) -> tuple[str, float]:
    return request_token(
        account,
        url,
        data={
            "grant_type": "refresh_token",
            "refresh_token": account.secret("refresh_token"),
            "client_id": account.secret("client_id"),
            "client_secret": account.secret("client_secret"),
        },
        headers={"Accept": "application/json"},
    )


def _grant(account: AccountContext) -> Grant:
    lwa = str(account.settings.get("lwa_url") or DEFAULT_LWA_URL).rstrip("/")
    return Grant(f"{lwa}/auth/o2/token", _fetch_token)


def _authorize(token: str) -> dict[str, str]:
    return {"x-amz-access-token": token, "Accept": "application/json"}


def marketplace_ids(account: AccountContext) -> str:
    value = account.setting("marketplace_ids")
    ids = value if isinstance(value, list) else str(value).split(",")
    cleaned = [str(item).strip() for item in ids if str(item).strip()]
    if not cleaned:
        raise ConfigurationError(f"channel account {account.channel}/{account.account} has no marketplace_ids")
    return ",".join(cleaned)


def iso_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _payload(data: Any, call: str) -> dict[str, Any]:
    payload = data.get("payload") if isinstance(data, dict) else None
    if not isinstance(payload, dict):
        raise PermanentError(f"amazon {call} answered without a payload object")
    return payload


class Amazon(Channel):
    name = "amazon"
    verifier = None  # orders come by polling; Amazon's notifications go to SQS/EventBridge, not to HTTP
    pulls = True
    topics = {"order": Topic(Action.ORDER, "amazon/order")}

    def pull(self, account: AccountContext, since: datetime | None) -> Iterator[Pulled]:
        start = account.pull_start(since)
        marketplaces = marketplace_ids(account)
        params: dict[str, Any] = {
            "MarketplaceIds": marketplaces,
            "LastUpdatedAfter": iso_utc(start),
            "MaxResultsPerPage": ORDERS_PER_PAGE,
        }
        while True:
            page = _payload(self._get(account, "/orders/v0/orders", params), "getOrders")
            for order in page.get("Orders") or []:
                yield self._pulled(account, order)
            next_token = page.get("NextToken")
            if not next_token:
                return
            # With a NextToken, Amazon wants only the token (and the marketplaces), not the original filters.
            params = {"NextToken": next_token, "MarketplaceIds": marketplaces}

    def _pulled(self, account: AccountContext, order: dict[str, Any]) -> Pulled:
        order_id = order.get("AmazonOrderId")
        if not isinstance(order_id, str) or not order_id:
            raise PermanentError("amazon getOrders returned an order without AmazonOrderId")
        path = f"/orders/v0/orders/{quote(order_id, safe='')}"
        items = self._items(account, path)
        address = _payload(self._get(account, f"{path}/address", {}), "getOrderAddress")
        body = json.dumps({"order": order, "items": items, "address": address}, sort_keys=True).encode()
        updated = order.get("LastUpdateDate") or order.get("PurchaseDate")
        return Pulled(topic="order", key=f"order:{order_id}:{updated}", body=body, updated_at=parse_instant(updated))

    def _items(self, account: AccountContext, path: str) -> list[Any]:
        items: list[Any] = []
        params: dict[str, Any] = {}
        while True:
            page = _payload(self._get(account, f"{path}/orderItems", params), "getOrderItems")
            items.extend(page.get("OrderItems") or [])
            next_token = page.get("NextToken")
            if not next_token:
                return items
            params = {"NextToken": next_token}

    def _get(self, account: AccountContext, path: str, params: dict[str, Any]) -> Any:
        data, _ = _tokens.request_json(
            account, _grant(account), _authorize, "GET", path, params=params, refresh_on=REFUSED_TOKEN
        )
        return data
