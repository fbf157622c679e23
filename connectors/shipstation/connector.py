"""The ShipStation connector: fulfillment orders out as ShipStation orders, shipments back by webhook or poll."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar

import requests

from connectors.shipstation.client import ShipStationClient
from connectors.shipstation.config import Config as ShipStationConfig
from connectors.shipstation.orders import order_payload
from connectors.shipstation.poll import PAGE_SIZE, read_window, statuses_for, window_start
from connectors.shipstation.shipments import listed_rows, page_count, shipment_notices
from connectors.shipstation.webhooks import SHIP_NOTIFY, authenticate, checked_resource_url, read_body
from hub.canonical import FulfillmentRequest
from hub.sdk import (
    ConnectorError,
    ConnectorKind,
    FulfillmentRef,
    FulfillmentStatus,
    InboundNotification,
    NotificationResult,
    PermanentError,
    Submitted,
    TransientError,
)

BATCH = 100  # orders per POST /orders/createorders, ShipStation's maximum
MAX_PAGES = 20  # of a webhook's resource (one label batch)


class ShipStation:
    """ShipStation v1 (``ssapi``): submit, cancel, poll shipments, and ``SHIP_NOTIFY`` webhooks.

    ``orderKey`` is the hub's fulfillment order id, so a resend updates the order ShipStation holds instead
    of making a second one, and the shipments ShipStation reports name the fulfillment order they ship.
    """

    name: ClassVar[str] = "shipstation"
    kind: ClassVar[ConnectorKind] = ConnectorKind.THREE_PL
    Config: ClassVar[type[ShipStationConfig]] = ShipStationConfig
    # a status poll reads labels by date, so its cost does not grow with the open orders it is handed
    status_ref_limit: ClassVar[int] = 20_000

    def __init__(self, config: ShipStationConfig, session: requests.Session) -> None:
        self.config = config
        self.client = ShipStationClient(config, session)

    def __repr__(self) -> str:
        return f"ShipStation({self.config.base_url!r})"

    def check(self) -> None:
        """List the account's stores: proves the URL and the key pair."""
        self.client.get("/stores")

    # -- fulfillment orders out --

    def submit_fulfillment(self, request: FulfillmentRequest, idempotency_key: str) -> Submitted:
        """Create (or update, on a resend) the order whose ``orderKey`` is the fulfillment order id."""
        answer = self.client.post("/orders/createorder", order_payload(request, store_id=self.config.store_id))
        return Submitted(external_id=_order_id(answer), note=f"ShipStation order {_order_id(answer)}")

    def submit_fulfillments(self, batch: Sequence[tuple[FulfillmentRequest, str]]) -> list[Submitted | ConnectorError]:
        """Several at once through ``POST /orders/createorders`` (100 per call): one answer per request, a
        ``PermanentError`` for each order ShipStation refused. A failure of a whole call raises."""
        answers: list[Submitted | ConnectorError] = []
        for start in range(0, len(batch), BATCH):
            chunk = batch[start : start + BATCH]
            payloads: list[dict[str, Any] | PermanentError] = []
            for request, _key in chunk:
                try:
                    payloads.append(order_payload(request, store_id=self.config.store_id))
                except PermanentError as exc:
                    payloads.append(exc)
            answers += self._create_orders(payloads)
        return answers

    def _create_orders(self, payloads: list[dict[str, Any] | PermanentError]) -> list[Submitted | ConnectorError]:
        sendable = [payload for payload in payloads if isinstance(payload, dict)]
        results = iter(_results(self.client.post("/orders/createorders", sendable), len(sendable)) if sendable else [])
        answers: list[Submitted | ConnectorError] = []
        for payload in payloads:
            if isinstance(payload, PermanentError):
                answers.append(payload)
                continue
            result = next(results)
            if result.get("success"):
                answers.append(Submitted(external_id=_order_id(result), note=f"ShipStation order {result['orderId']}"))
            else:
                reason = str(result.get("errorMessage") or "refused without a reason")[:300]
                answers.append(PermanentError(f"ShipStation refused order {payload['orderNumber']}: {reason}"))
        return answers

    def cancel_fulfillment(self, request: FulfillmentRequest, ref: FulfillmentRef, idempotency_key: str) -> None:
        """Re-post the order with status ``cancelled`` (v1 has no cancel call); ``PermanentError`` when it
        shipped, nothing to do when it is already cancelled."""
        if ref.external_id:
            current = self.client.get(f"/orders/{ref.external_id}")
            status = current.get("orderStatus") if isinstance(current, dict) else None
            if status == "shipped":
                raise PermanentError(
                    f"ShipStation order {ref.external_id} ({request.reference}) has already shipped: it cannot be "
                    "cancelled"
                )
            if status == "cancelled":
                return
        payload = order_payload(request, store_id=self.config.store_id, status="cancelled")
        try:
            self.client.post("/orders/createorder", payload)
        except PermanentError as exc:
            if "shipped" in str(exc).lower():
                raise PermanentError(
                    f"ShipStation order {request.reference} has already shipped: it cannot be cancelled ({exc})",
                    status_code=exc.status_code,
                ) from None
            raise

    # -- shipments back --

    def fetch_status(self, refs: Sequence[FulfillmentRef]) -> list[FulfillmentStatus]:
        """The shipments (not voided) of these fulfillment orders, from one read of the labels bought since
        the oldest was sent (``connectors.shipstation.poll``); orders with none yet are left out."""
        if not refs:
            return []
        rows = read_window(self.client, window_start(refs, datetime.now(UTC)))
        return statuses_for(rows, refs)

    def authenticate(self, notification: InboundNotification) -> None:
        """The request must carry the account's ``webhook_secret`` (URL token or ``X-Orderhub-Token``)."""
        authenticate(notification, self.config.webhook_secret)

    def read_notification(self, notification: InboundNotification) -> NotificationResult:
        """A ``SHIP_NOTIFY``: read its ``resource_url`` back (only from under ``base_url``) and report the
        shipments; other resource types are ignored."""
        resource_type, resource_url = read_body(notification.body)
        key = f"{resource_type}:{resource_url}"[:255]
        if resource_type != SHIP_NOTIFY:
            return NotificationResult(key=key, ignored=True, note=f"{resource_type} notifications are not used")
        url = checked_resource_url(resource_url, self.config.base_url)
        notices = tuple(shipment_notices(self._shipments(url, None)))
        note = f"{len(notices)} shipment(s) read back from ShipStation"
        return NotificationResult(key=key, shipments=notices, note=note)

    def _shipments(self, path_or_url: str, params: dict[str, Any] | None) -> list[dict[str, Any]]:
        """Every shipment of a listing, page after page."""
        rows: list[dict[str, Any]] = []
        for page in range(1, MAX_PAGES + 1):
            paging = {"page": str(page), "pageSize": str(PAGE_SIZE)} if page > 1 or params is not None else {}
            answer = self.client.get(path_or_url, {**(params or {}), **paging} or None)
            rows += listed_rows(answer)
            if page >= page_count(answer):
                return rows
        raise TransientError(f"ShipStation lists more than {MAX_PAGES * PAGE_SIZE} shipments here; read it later")


def _order_id(answer: Any) -> str | None:
    order_id = answer.get("orderId") if isinstance(answer, dict) else None
    return str(order_id) if order_id not in (None, "") else None


def _results(answer: Any, expected: int) -> list[dict[str, Any]]:
    results = answer.get("results") if isinstance(answer, dict) else None
    if not isinstance(results, list) or len(results) != expected:
        raise TransientError("ShipStation's createorders answer does not list one result per order")
    return [result if isinstance(result, dict) else {} for result in results]
