"""Polling ShipStation for shipments: one read of the labels bought since the oldest open order was sent, not
one call per order.

A label for a fulfillment order is bought after the hub sent the order, so every shipment the open orders can
have was created after the oldest of them was sent (``FulfillmentRef.sent_at``). The poll lists the labels
created since then, less ``WINDOW_MARGIN`` (clocks that disagree; ``createDateStart`` is read as US Pacific
wall-clock time, like every v1 timestamp), 500 to a page, and matches each to the order it ships. Its calls
follow the account's label volume in that window (one per 500 labels), never the number of open orders.

A read is bounded (``MAX_PAGES``) and stops early once ShipStation says the minute's allowance is spent, or a
later page fails for a while: what was read is reported, and the rest is read by a later poll. Labels come
newest first, so a long window (an order on hold for weeks) cuts off the oldest labels, not the recent ones
whose webhook is the likeliest to be missed.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from connectors.shipstation.orders import MAX_ORDER_NUMBER, account_timestamp
from connectors.shipstation.shipments import listed_rows, notice, page_count
from hub.sdk import FulfillmentRef, FulfillmentStatus, PermanentError, ShipmentNotice, TransientError

log = logging.getLogger(__name__)

WINDOW_MARGIN = timedelta(hours=12)
DEFAULT_LOOKBACK = timedelta(days=30)  # for a fulfillment order that does not say when it was sent
PAGE_SIZE = 500  # ShipStation's maximum
MAX_PAGES = 20  # 10,000 labels, half a minute of the 40 calls a key gets


class Reader(Protocol):
    def get(self, path_or_url: str, params: dict[str, Any] | None = None) -> Any: ...

    def rate_limit_wait(self) -> float: ...


def window_start(refs: Sequence[FulfillmentRef], now: datetime) -> datetime:
    """When the labels worth reading begin: a margin before the oldest of ``refs`` was sent."""
    return min(_aware(ref.sent_at) or now - DEFAULT_LOOKBACK for ref in refs) - WINDOW_MARGIN


def _aware(moment: datetime | None) -> datetime | None:
    """A time without a zone is taken as UTC, the hub's own."""
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def read_window(client: Reader, start: datetime) -> list[dict[str, Any]]:
    """The labels created since ``start``, newest first, as many pages as the bounds allow. A failure of the
    first page raises; a later one ends the read with what came before it."""
    params = {
        "createDateStart": account_timestamp(start),
        "sortBy": "CreateDate",
        "sortDir": "DESC",
        "includeShipmentItems": "true",
        "pageSize": str(PAGE_SIZE),
    }
    rows: list[dict[str, Any]] = []
    for page in range(1, MAX_PAGES + 1):
        wait = client.rate_limit_wait()
        if page > 1 and wait > 0:
            log.info("ShipStation poll: rate limit spent after %d page(s); the rest waits %.0f s", page - 1, wait)
            return rows
        try:
            answer = client.get("/shipments", {**params, "page": str(page)})
        except TransientError as exc:
            if page == 1:
                raise
            log.warning("ShipStation poll: stopped after %d page(s): %s", page - 1, exc)
            return rows
        rows += listed_rows(answer)
        if page >= page_count(answer):
            return rows
    log.warning(
        "ShipStation poll: more than %d labels since %s; the oldest were not read", len(rows), params["createDateStart"]
    )
    return rows


def statuses_for(rows: list[dict[str, Any]], refs: Sequence[FulfillmentRef]) -> list[FulfillmentStatus]:
    """The labels (not voided) that ship one of ``refs``, grouped by fulfillment order, in the order of
    ``refs``. A label of an order the hub did not hand over is someone else's, or already recorded."""
    owner = _Owners(refs)
    found: dict[str, list[ShipmentNotice]] = {}
    seen: set[str] = set()
    for row in rows:
        ref = owner.of(row)
        key = str(row.get("shipmentId"))
        if ref is None or row.get("voided") or key in seen:
            continue
        seen.add(key)
        try:
            shipped = notice(row)
        except PermanentError as exc:  # one unreadable label must not keep every other from being recorded
            log.warning("ShipStation poll: %s", exc)
            continue
        found.setdefault(ref.fulfillment_order_id, []).append(
            replace(shipped, fulfillment_order_id=ref.fulfillment_order_id)
        )
    return [
        FulfillmentStatus(ref=ref, shipments=tuple(found[ref.fulfillment_order_id])) for ref in owner.with_labels(found)
    ]


class _Owners:
    """Which of the handed-over fulfillment orders a label ships: by ``orderKey`` (the fulfillment order id,
    echoed back), else by ShipStation's ``orderId``, else by an order number only one of them was sent with."""

    def __init__(self, refs: Sequence[FulfillmentRef]) -> None:
        self.refs = list(refs)
        self.by_key = {ref.fulfillment_order_id: ref for ref in refs}
        self.by_id = {ref.external_id: ref for ref in refs if ref.external_id}
        self.by_number: dict[str, list[FulfillmentRef]] = {}
        for ref in refs:
            if ref.reference:
                self.by_number.setdefault(ref.reference[:MAX_ORDER_NUMBER], []).append(ref)

    def of(self, row: dict[str, Any]) -> FulfillmentRef | None:
        if row.get("orderKey"):  # ShipStation always keys an order: this one is ours, or not ours at all
            return self.by_key.get(str(row["orderKey"]))
        if row.get("orderId") not in (None, "") and str(row["orderId"]) in self.by_id:
            return self.by_id[str(row["orderId"])]
        sharing = self.by_number.get(str(row.get("orderNumber") or ""), [])
        return sharing[0] if len(sharing) == 1 else None

    def with_labels(self, found: dict[str, list[ShipmentNotice]]) -> list[FulfillmentRef]:
        return [ref for ref in self.refs if ref.fulfillment_order_id in found]
