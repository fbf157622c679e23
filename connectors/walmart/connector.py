"""The Walmart connector: tells Walmart Marketplace what the hub did with a purchase order's lines."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, ClassVar
from urllib.parse import quote

import requests

from connectors.walmart.client import WalmartClient
from connectors.walmart.config import Config as WalmartConfig
from connectors.walmart.updates import (
    cancel_payload,
    line_number,
    line_refunds,
    line_statuses,
    refund_payload,
    refund_reason,
    shipping_payload,
)
from hub.canonical import Order
from hub.sdk import (
    ChannelCancellation,
    ChannelRefund,
    ChannelShipment,
    ConnectorKind,
    NoBackChannel,
    PermanentError,
    Submitted,
    tracking_numbers,
)

WFS = "WFSFulfilled"  # ship node type of orders Walmart Fulfillment Services ships itself


class Walmart:
    """Walmart Marketplace Orders API v3, the back-channel: ``Shipped`` line statuses with tracking
    (``/shipping``), the same call again to change the tracking, ``Cancelled`` line statuses (``/cancel``) and
    line refunds (``/refund``). Orders Walmart fulfils (WFS) have no back-channel.

    Walmart takes no key of ours: before shipping, the connector reads the purchase order and leaves out lines
    that already carry this tracking number (a resend posts nothing); a cancellation leaves out cancelled
    units; a refund carries its key in ``refundComments`` and is not repeated on lines that show it."""

    name: ClassVar[str] = "walmart"
    kind: ClassVar[ConnectorKind] = ConnectorKind.CHANNEL
    Config: ClassVar[type[WalmartConfig]] = WalmartConfig

    def __init__(self, config: WalmartConfig, session: requests.Session) -> None:
        self.config = config
        self.client = WalmartClient(config, session)

    def __repr__(self) -> str:
        return f"Walmart({self.config.base_url!r})"

    def check(self) -> None:
        """Fetch a token: proves the URL and the client credentials."""
        self.client.token()

    # -- shipments --

    def confirm_shipment(self, update: ChannelShipment, idempotency_key: str) -> Submitted:
        _walmart_ships(update.order)
        numbers = [line_number(update.order, line) for line in update.lines]
        if not numbers:
            raise PermanentError(f"shipment {update.shipment_id} names no order lines")
        tracking = tracking_numbers(update.shipment)[:1]
        statuses = line_statuses(self.client.call("GET", _path(update.order)))
        told = {number for number in numbers if _shipped_with(statuses.get(number, []), tracking)}
        if told == set(numbers):
            return Submitted(external_id=tracking[0] if tracking else None, note="Walmart shows these lines shipped")
        pending = [(line, number) for line, number in zip(update.lines, numbers, strict=True) if number not in told]
        partial = replace(update, lines=tuple(line for line, _ in pending))
        body = shipping_payload(partial, [number for _, number in pending])
        self.client.call("POST", f"{_path(update.order)}/shipping", body=body)
        tracked = body["orderShipment"]["orderLines"]["orderLine"][0]["orderLineStatuses"]["orderLineStatus"][0]
        number = tracked["trackingInfo"]["trackingNumber"]
        return Submitted(
            external_id=number, note=f"lines {', '.join(n for _, n in pending)} shipped, tracking {number}"
        )

    def update_tracking(self, update: ChannelShipment, external_id: str, idempotency_key: str) -> Submitted:
        """Walmart replaces a shipped line's tracking when the same lines are posted shipped again."""
        _walmart_ships(update.order)
        numbers = [line_number(update.order, line) for line in update.lines]
        body = shipping_payload(update, numbers)
        self.client.call("POST", f"{_path(update.order)}/shipping", body=body)
        return Submitted(external_id=external_id, note=f"tracking now {tracking_numbers(update.shipment)[0]}")

    # -- cancellations and refunds --

    def cancel_order(self, cancellation: ChannelCancellation, idempotency_key: str) -> Submitted:
        order = cancellation.order
        _walmart_ships(order)
        wanted = [(line_number(order, line), line.quantity) for line in cancellation.lines] or [
            (kept.channel_line_id or kept.line_id, kept.quantity) for kept in order.lines
        ]
        statuses = line_statuses(self.client.call("GET", _path(order)))
        pending = []
        for number, units in wanted:
            shipped = _units(statuses.get(number, []), "Shipped")
            if shipped:
                raise PermanentError(f"Walmart line {number} has shipped {shipped} unit(s): it cannot be cancelled")
            left = units - _units(statuses.get(number, []), "Cancelled")
            if left > 0:
                pending.append((number, left))
        if not pending:
            return Submitted(external_id=order.channel_order_id, note="Walmart shows these units cancelled")
        self.client.call("POST", f"{_path(order)}/cancel", body=cancel_payload(pending))
        return Submitted(external_id=order.channel_order_id, note=f"cancelled lines {', '.join(n for n, _ in pending)}")

    def refund_order(self, refund: ChannelRefund, idempotency_key: str) -> Submitted:
        order = refund.order
        _walmart_ships(order)
        comments = f"{refund.reason} (ref {idempotency_key})"[:200]
        body = refund_payload(refund, comments, refund_reason(refund.reason, self.config.refund_reason))
        refunds = line_refunds(self.client.call("GET", _path(order)))
        lines = body["orderRefund"]["orderLines"]["orderLine"]
        if all(_refunded_with(refunds.get(line["lineNumber"]), comments) for line in lines):
            return Submitted(external_id=order.channel_order_id, note="Walmart shows this refund made")
        self.client.call("POST", f"{_path(order)}/refund", body=body)
        return Submitted(
            external_id=order.channel_order_id, note=f"refunded lines {', '.join(line['lineNumber'] for line in lines)}"
        )


def _path(order: Order) -> str:
    return f"/v3/orders/{quote(order.channel_order_id, safe='')}"


def _walmart_ships(order: Order) -> None:
    if order.attributes.get("ship_node_type") == WFS or "fulfilled-by-walmart" in order.tags:
        raise NoBackChannel(
            f"Walmart order {order.channel_order_id} is fulfilled by Walmart (WFS): Walmart ships, cancels and "
            "refunds it itself, so the seller's Orders API takes no update for it"
        )


def _shipped_with(statuses: list[dict[str, Any]], tracking: list[str]) -> bool:
    for status in statuses:
        info = status.get("trackingInfo")
        if status.get("status") == "Shipped" and isinstance(info, dict) and info.get("trackingNumber") in tracking:
            return True
    return False


def _units(statuses: list[dict[str, object]], name: str) -> int:
    total = 0
    for status in statuses:
        quantity = status.get("statusQuantity")
        if status.get("status") == name and isinstance(quantity, dict):
            total += int(quantity.get("amount") or 0)
    return total


def _refunded_with(refund: object, comments: str) -> bool:
    if not isinstance(refund, dict):
        return False
    listed = refund.get("refunds", {}).get("refund") if isinstance(refund.get("refunds"), dict) else [refund]
    return any(isinstance(made, dict) and made.get("refundComments") == comments for made in listed or [])
