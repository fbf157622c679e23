"""Shopify Payments payouts, read from the Admin REST API with the channel account's ``base_url`` and
``access_token`` (as order pulls are): ``shopify_payments/payouts.json`` lists the payouts, and
``shopify_payments/balance_transactions.json?payout_id=`` the charges, refunds and adjustments each one paid.

A balance transaction's ``amount`` is what the buyer paid (negative for a refund), ``fee`` what Shopify
kept, ``net`` the difference; ``source_order_id`` names the order. The transaction of type ``payout`` is the
transfer itself and is not a line. Pages are followed through the ``Link: rel="next"`` header, whose
``page_info`` cursor is sent to the account's own ``base_url`` only.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any
from urllib.parse import parse_qs, urlsplit

from hub.channels.accounts import AccountContext
from hub.payouts.model import LineKind, Payout, PayoutLine, PayoutRejected, date_of, decimal_of

PAGE_SIZE = 250
KINDS = {"charge": LineKind.SALE, "refund": LineKind.REFUND, "adjustment": LineKind.ADJUSTMENT}
SKIPPED = {"payout", "payout_failure", "payout_cancellation"}


def fetch_payouts(account: AccountContext, start: date | None = None, end: date | None = None) -> Iterator[Payout]:
    """Every payout dated from ``start`` to ``end`` (all of them without), with its lines."""
    params = {"limit": str(PAGE_SIZE)}
    if start is not None:
        params["date_min"] = start.isoformat()
    if end is not None:
        params["date_max"] = end.isoformat()
    for payout in _pages(account, "shopify_payments/payouts.json", "payouts", params):
        payout_id = str(payout.get("id") or "")
        if not payout_id:
            raise PayoutRejected("Shopify listed a payout without an id")
        query = {"payout_id": payout_id, "limit": str(PAGE_SIZE)}
        transactions = _pages(account, "shopify_payments/balance_transactions.json", "transactions", query)
        yield payout_of(account.account, payout, list(transactions))


def payout_of(account: str, payout: dict[str, Any], transactions: list[dict[str, Any]]) -> Payout:
    where = f"Shopify payout {payout.get('id')}"
    lines = []
    for transaction in transactions:
        kind = str(transaction.get("type") or "")
        if kind in SKIPPED:
            continue
        here = f"{where}, transaction {transaction.get('id')}"
        order = transaction.get("source_order_id")
        lines.append(
            PayoutLine(
                str(order) if order not in (None, "") else None,
                KINDS.get(kind, LineKind.ADJUSTMENT),
                decimal_of(transaction.get("amount"), here),
                decimal_of(transaction.get("fee") or "0", here),
            )
        )
    currency = str(payout.get("currency") or "").upper()
    if len(currency) != 3:
        raise PayoutRejected(f"{where}: currency {currency!r} is not an ISO 4217 code")
    day = date_of(payout.get("date"), where)
    net = decimal_of(payout.get("amount"), where)
    return Payout("shopify", account, str(payout["id"]), day, currency, net, tuple(lines))


def _pages(account: AccountContext, path: str, key: str, params: dict[str, str]) -> Iterator[dict[str, Any]]:
    url = f"{account.base_url}/{path}"
    headers = {"X-Shopify-Access-Token": account.secret("access_token"), "Accept": "application/json"}
    while True:
        data, response = account.request_json("GET", url, headers=headers, params=params)
        items = data.get(key) if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise PayoutRejected(f"Shopify answered {path} without a {key!r} list")
        yield from (item for item in items if isinstance(item, dict))
        link = response.links.get("next", {}).get("url")
        cursor = parse_qs(urlsplit(link).query).get("page_info", [None])[0] if link else None
        if not cursor:
            return
        params = {"limit": str(PAGE_SIZE), "page_info": cursor}
