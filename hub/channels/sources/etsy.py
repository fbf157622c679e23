"""Etsy: thin Standard Webhooks deliveries (``whsec_`` secret) naming a receipt by URL; the receipt is read
back from Etsy's API v3 and mapped. Pulling (reconciliation) lists the shop's receipts by update time.

A delivery is ``{"event_type": "order.paid", "resource_url": "https://.../receipts/123", "shop_id": ...}``.
The URL comes from the request body, so it is fetched only when it lies under the account's own API base
(same scheme, host, port and path prefix): a signed but hostile or mistaken payload must not make the hub
call an arbitrary address with the shop's credentials (SSRF).

Account settings: ``base_url`` (``https://openapi.etsy.com/v3``), ``shop_id`` (Etsy's numeric shop id),
``api_key`` and ``access_token`` (secret references, sent as ``x-api-key`` and ``Authorization: Bearer``)
and ``webhook_secrets`` (the endpoint's ``whsec_`` signing secret).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote, urlsplit

from hub.channels.accounts import AccountContext
from hub.channels.base import Action, Channel, Pulled, Topic
from hub.channels.limits import is_ascii_digits, text_value
from hub.channels.paging import keyset_pages
from hub.channels.verifiers import StandardWebhooks
from hub.errors import ConfigurationError
from hub.mapping import MappingInputError
from hub.sdk.errors import PermanentError

READ_BACK = Topic(Action.READ_BACK)
PAGE_SIZE = 100  # Etsy's maximum limit
OUTSIDE = "resource_url outside the account's API base"
MAX_URL_LENGTH = 2048
MAX_EPOCH_SECONDS = 253_402_300_800  # 10000-01-01T00:00:00Z


class Etsy(Channel):
    name = "etsy"
    verifier = StandardWebhooks()
    event_id_headers = ("webhook-id",)
    triggered_at_headers = ("webhook-timestamp",)
    topics = {
        "order.paid": READ_BACK,
        "order.canceled": READ_BACK,
        "receipt": Topic(Action.ORDER, "etsy/receipt"),  # what a read-back or pull stores
    }
    pulls = True

    def payload_topic(self, payload: Any) -> str | None:
        event = payload.get("event_type") if isinstance(payload, dict) else None
        return None if event is None else text_value(event, "event_type")

    def reference(self, topic: str, payload: Any) -> dict[str, Any]:
        url = payload.get("resource_url") if isinstance(payload, dict) else None
        if not isinstance(url, str) or not url.strip():
            raise MappingInputError(f"{topic} event has no resource_url", source="resource_url")
        if len(url) > MAX_URL_LENGTH:
            raise MappingInputError(f"resource_url is longer than {MAX_URL_LENGTH} characters")
        return {"resource_url": url.strip()}

    def read_back(self, reference: dict[str, Any], account: AccountContext) -> Pulled:
        url = inside_base(reference.get("resource_url"), account.base_url)
        receipt, _ = account.request_json("GET", url, headers=_headers(account))
        return pulled_receipt(receipt)

    def pull(self, account: AccountContext, since: datetime | None) -> Iterator[Pulled]:
        """The shop's receipts by update time, oldest first, read by keyset (hub.channels.paging)."""
        shop_id = str(account.setting("shop_id")).strip()
        if not is_ascii_digits(shop_id):
            raise ConfigurationError(f"etsy account {account.account}: shop_id must be Etsy's numeric shop id")

        def fetch(modified_since: datetime | None, page: int) -> list[Pulled]:
            params: dict[str, Any] = {"sort_on": "updated", "sort_order": "asc", "limit": PAGE_SIZE}
            params["offset"] = (page - 1) * PAGE_SIZE
            if modified_since is not None:  # inclusive: the boundary receipt is read again, a no-op
                params["min_last_modified"] = int(modified_since.timestamp())
            answer, _ = account.request_json(
                "GET", f"application/shops/{shop_id}/receipts", params=params, headers=_headers(account)
            )
            results = answer.get("results") if isinstance(answer, dict) else None
            if not isinstance(results, list):
                raise PermanentError("etsy receipts list was answered without results")
            return [pulled_receipt(receipt) for receipt in results]

        yield from keyset_pages(fetch, since)


def inside_base(url: Any, base_url: str) -> str:
    """``url`` if it names a resource under ``base_url``; PermanentError otherwise (never fetched)."""
    if not isinstance(url, str) or any(ord(char) <= 0x20 or char == "\\" for char in url):
        raise PermanentError(OUTSIDE)
    target, base = urlsplit(url), urlsplit(base_url)
    try:
        same_origin = (
            target.scheme.lower() == base.scheme.lower()
            and target.hostname is not None
            and target.hostname == base.hostname
            and target.port == base.port
            and target.username is None
            and target.password is None
        )
    except ValueError:  # a port that is not a number
        raise PermanentError(OUTSIDE) from None
    prefix = base.path.rstrip("/") + "/"
    segments = unquote(target.path).split("/")
    if not same_origin or not target.path.startswith(prefix) or "." in segments or ".." in segments:
        raise PermanentError(OUTSIDE)
    return url


def pulled_receipt(receipt: Any) -> Pulled:
    """One ShopReceipt as an inbox message, keyed by its id and update time."""
    if not isinstance(receipt, dict):
        raise PermanentError("etsy answered something other than a receipt")
    receipt_id = receipt.get("receipt_id")
    updated = receipt.get("updated_timestamp", receipt.get("update_timestamp"))
    if not isinstance(receipt_id, int) or isinstance(updated, bool) or not isinstance(updated, int):
        raise PermanentError("etsy answered a receipt without receipt_id or updated_timestamp")
    if not 0 <= updated < MAX_EPOCH_SECONDS:
        raise PermanentError(f"etsy answered receipt {receipt_id} with an updated_timestamp that is not a date")
    return Pulled(
        topic="receipt",
        key=f"receipt:{receipt_id}:{updated}",
        body=json.dumps(receipt, ensure_ascii=False).encode(),
        updated_at=datetime.fromtimestamp(updated, tz=UTC),
    )


def _headers(account: AccountContext) -> dict[str, str]:
    return {
        "x-api-key": account.secret("api_key"),
        "Authorization": f"Bearer {account.secret('access_token')}",
        "Accept": "application/json",
    }
