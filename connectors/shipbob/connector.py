"""The ShipBob connector: fulfillment orders out as ShipBob orders, shipments back by signed webhook or poll."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from typing import Any, ClassVar

import requests

from connectors.shipbob.client import ShipBobClient
from connectors.shipbob.config import Config as ShipBobConfig
from connectors.shipbob.config import signing_key
from connectors.shipbob.orders import order_payload
from connectors.shipbob.shipments import (
    is_cancelled,
    is_shipped,
    order_ref,
    shipment_notice,
    tracking_number,
    waiting_reason,
)
from connectors.shipbob.webhooks import authenticate, notification_key, read_body, shipments_in
from hub.canonical import FulfillmentRequest
from hub.sdk import (
    ConfigurationError,
    ConnectorKind,
    FulfillmentRef,
    FulfillmentStatus,
    InboundNotification,
    NotificationResult,
    PermanentError,
    ShipmentNotice,
    Submitted,
)

log = logging.getLogger(__name__)

POLL_CHUNK = 50  # orders asked for per GET /order (ShipBob pages at most 250)
SHIPPED_TOPICS = frozenset({"order.shipped", "order.shipment.delivered", "order.delivered"})
WAITING_TOPICS = frozenset({"order.shipment.exception", "order.shipment.on_hold"})
CANCELLED_TOPIC = "order.shipment.cancelled"


class ShipBob:
    """ShipBob (dated API versions): submit, cancel, poll shipments, and signed shipment webhooks.

    ``reference_id`` is the hub's fulfillment order id. ShipBob refuses a second order with it (422), so a
    resend after a lost answer finds the first order, looks it up and answers with its id as if it had just
    been created; every shipment ShipBob reports names the fulfillment order it ships.
    """

    name: ClassVar[str] = "shipbob"
    kind: ClassVar[ConnectorKind] = ConnectorKind.THREE_PL
    Config: ClassVar[type[ShipBobConfig]] = ShipBobConfig

    def __init__(self, config: ShipBobConfig, session: requests.Session) -> None:
        self.config = config
        self.client = ShipBobClient(config, session)

    def __repr__(self) -> str:
        return f"ShipBob({self.config.api_root!r}, channel {self.config.channel_id})"

    def check(self) -> None:
        """List the token's channels: proves the URL, the version and the token, and that ``channel_id`` is
        one of them with the right to write orders; and that ``webhook_secret`` is a ``whsec_`` secret."""
        channels = self.client.get("/channel", channel=False)
        if not isinstance(channels, list):
            raise PermanentError("ShipBob answered GET /channel without a list of channels")
        known = {str(channel.get("id")): channel for channel in channels if isinstance(channel, dict)}
        channel = known.get(self.config.channel_id)
        if channel is None:
            listing = ", ".join(f"{key} ({value.get('name')})" for key, value in known.items()) or "none"
            raise ConfigurationError(
                f"channel_id {self.config.channel_id} is not one of this token's ShipBob channels: {listing}"
            )
        if self.config.webhook_secret is not None:
            try:
                signing_key(self.config.webhook_secret)
            except ValueError as wrong:
                raise ConfigurationError(f"webhook_secret {wrong}: set the subscription's whsec_ secret") from None
        scopes = channel.get("scopes")
        if isinstance(scopes, list) and scopes and "orders_write" not in scopes:
            raise ConfigurationError(
                f"ShipBob channel {self.config.channel_id} ({channel.get('name')}) has no orders_write scope: "
                "it cannot create orders"
            )

    # -- fulfillment orders out --

    def submit_fulfillment(self, request: FulfillmentRequest, idempotency_key: str) -> Submitted:
        """Create the order whose ``reference_id`` is the fulfillment order id; when ShipBob already has one
        (422 on a resend), answer with that order's id."""
        payload = order_payload(request, shipping_method=self.config.shipping_method, base_url=self.config.base_url)
        try:
            answer = self.client.post("/order", payload)
        except PermanentError as refused:
            if refused.status_code != 422:
                raise
            existing = self._order_by_reference(request.id)
            if existing is None:  # a 422 for another reason: the payload itself is refused
                raise
            order_id = _id(existing)
            return Submitted(external_id=order_id, note=f"ShipBob order {order_id} (already created for {request.id})")
        order_id = _id(answer)
        return Submitted(external_id=order_id, note=f"ShipBob order {order_id}")

    def cancel_fulfillment(self, request: FulfillmentRequest, ref: FulfillmentRef, idempotency_key: str) -> None:
        """Cancel the order and its shipments; ``PermanentError`` naming the shipment when one has shipped or
        ShipBob cannot stop it any more. Nothing to do when ShipBob never got it or has cancelled it."""
        order_id = ref.external_id or _id(self._order_by_reference(ref.fulfillment_order_id))
        if order_id is None:
            return
        try:
            shipments = self._shipments(order_id)
        except PermanentError as missing:
            if missing.status_code == 404:
                return
            raise
        shipped = [shipment for shipment in shipments if is_shipped(shipment)]
        if shipped:
            raise PermanentError(
                f"ShipBob order {order_id} ({request.reference}) has already shipped ({_describe(shipped)}): it "
                "cannot be cancelled"
            )
        if shipments and all(is_cancelled(shipment) for shipment in shipments):
            return
        answer = self.client.post(f"/order/{order_id}:cancel")
        results = answer.get("canceled_shipment_results") if isinstance(answer, dict) else None
        failed = [r for r in results or [] if isinstance(r, dict) and r.get("is_success") is False]
        if failed:
            reasons = "; ".join(f"shipment {r.get('shipment_id')}: {r.get('reason') or 'no reason'}" for r in failed)
            raise PermanentError(f"ShipBob could not cancel order {order_id} ({request.reference}): {reasons}")

    # -- shipments back --

    def fetch_status(self, refs: Sequence[FulfillmentRef]) -> list[FulfillmentStatus]:
        """What became of each fulfillment order: its shipped shipments, or that ShipBob cancelled it. Orders
        are read 50 at a time (by ShipBob's id, else by reference_id); ones with nothing new are left out."""
        by_id = {ref.external_id: ref for ref in refs if ref.external_id}
        by_reference = {ref.fulfillment_order_id: ref for ref in refs if not ref.external_id}
        statuses = []
        for order in self._orders("IDs", list(by_id)) + self._orders("ReferenceIds", list(by_reference)):
            ref = by_id.get(str(order.get("id"))) or by_reference.get(str(order.get("reference_id")))
            status = _status(ref, order) if ref is not None else None
            if status is not None:
                statuses.append(status)
        return statuses

    def authenticate(self, notification: InboundNotification) -> None:
        """The request must be signed with the account's ``webhook_secret`` (Standard Webhooks) and recent."""
        authenticate(notification, self.config.webhook_secret)

    def read_notification(self, notification: InboundNotification) -> NotificationResult:
        """Shipped and delivered topics report their shipments; a cancelled shipment cancels the fulfillment
        order once every shipment of its order is cancelled (read back from ShipBob); exceptions and holds
        are noted; other topics are ignored."""
        topic, model = read_body(notification)
        key = notification_key(notification)
        if topic is None or topic in SHIPPED_TOPICS:
            notices = tuple(shipment_notice(s, order) for s, order in shipments_in(model) if is_shipped(s))
            if not notices:
                return NotificationResult(key=key, ignored=True, note=f"ShipBob {topic}: no shipped shipment in it")
            return NotificationResult(key=key, shipments=notices, note=f"{len(notices)} shipment(s) from {topic}")
        if topic == CANCELLED_TOPIC:
            return self._cancelled(key, model)
        if topic in WAITING_TOPICS:
            reasons = [waiting_reason(s) or f"ShipBob shipment {s.get('id')}: {topic}" for s, _ in shipments_in(model)]
            note = "; ".join(reasons) or f"ShipBob {topic}"
            return NotificationResult(key=key, ignored=True, note=f"{note} (recorded once ShipBob ships it)")
        return NotificationResult(key=key, ignored=True, note=f"ShipBob {topic} notifications are not used")

    def _cancelled(self, key: str, model: dict[str, Any]) -> NotificationResult:
        pairs = shipments_in(model)
        shipment, order = pairs[0] if pairs else ({}, model)
        ref = order_ref(shipment, order)
        if ref.external_id is None:
            raise PermanentError("the ShipBob cancellation names no order_id to read back")
        shipments = self._shipments(ref.external_id)  # one shipment of a split order may be cancelled alone
        if shipments and all(is_cancelled(s) for s in shipments):
            note = f"ShipBob cancelled order {ref.external_id} ({ref.fulfillment_order_id})"
            return NotificationResult(key=key, statuses=(FulfillmentStatus(ref=ref, cancelled=True),), note=note)
        left = ", ".join(f"{s.get('id')} ({s.get('status')})" for s in shipments if not is_cancelled(s))
        note = f"ShipBob cancelled shipment {shipment.get('id')}; order {ref.external_id} still has {left or 'none'}"
        return NotificationResult(key=key, ignored=True, note=note)

    # -- reading ShipBob --

    def _order_by_reference(self, reference_id: str) -> dict[str, Any] | None:
        found = self.client.get("/order", {"ReferenceIds": reference_id})
        rows = found if isinstance(found, list) else []
        return next((o for o in rows if isinstance(o, dict) and str(o.get("reference_id")) == reference_id), None)

    def _shipments(self, order_id: str) -> list[dict[str, Any]]:
        answer = self.client.get(f"/order/{order_id}/shipment")
        if not isinstance(answer, list):
            raise PermanentError(f"ShipBob answered the shipments of order {order_id} without a list")
        return [shipment for shipment in answer if isinstance(shipment, dict)]

    def _orders(self, name: str, values: list[str]) -> list[dict[str, Any]]:
        orders: list[dict[str, Any]] = []
        for chunk in _chunks(values, POLL_CHUNK):
            answer = self.client.get("/order", {name: ",".join(chunk), "Limit": "250"})
            if not isinstance(answer, list):
                raise PermanentError("ShipBob answered an order listing without a list")
            orders += [order for order in answer if isinstance(order, dict)]
        return orders


def _status(ref: FulfillmentRef, order: dict[str, Any]) -> FulfillmentStatus | None:
    """The shipped shipments of one polled order, or that it is cancelled; None when neither."""
    shipments = [shipment for shipment in order.get("shipments") or [] if isinstance(shipment, dict)]
    notices: list[ShipmentNotice] = []
    for shipment in shipments:
        reason = waiting_reason(shipment)
        if reason is not None:
            log.info("%s (order %s, %s)", reason, order.get("id"), ref.fulfillment_order_id)
        if not is_shipped(shipment):
            continue
        try:
            notices.append(shipment_notice(shipment, order))
        except PermanentError as unreadable:  # the other orders of the poll are still reported
            log.warning("ShipBob order %s: %s", order.get("id"), unreadable)
    everything_cancelled = bool(shipments) and all(is_cancelled(shipment) for shipment in shipments)
    cancelled = not notices and (order.get("status") == "Cancelled" or everything_cancelled)
    if not notices and not cancelled:
        return None
    return FulfillmentStatus(ref=ref, shipments=tuple(notices), cancelled=cancelled)


def _id(order: Any) -> str | None:
    order_id = order.get("id") if isinstance(order, dict) else None
    return str(order_id) if order_id not in (None, "") else None


def _describe(shipments: list[dict[str, Any]]) -> str:
    parts = []
    for shipment in shipments:
        number = tracking_number(shipment)
        parts.append(f"shipment {shipment.get('id')}" + (f", tracking {number}" if number else ""))
    return "; ".join(parts)


def _chunks(values: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]
