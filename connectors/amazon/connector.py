"""The Amazon connector: confirms to Amazon the shipments of orders the seller fulfils (MFN)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import quote

import requests

from connectors.amazon.client import AmazonClient
from connectors.amazon.config import Config as AmazonConfig
from connectors.amazon.feeds import CONTENT_TYPE, FEED_TYPE, acknowledgement_feed
from hub.canonical import Order, Shipment
from hub.sdk import (
    ChannelCancellation,
    ChannelRefund,
    ChannelShipment,
    ConfigurationError,
    ConnectorKind,
    NoBackChannel,
    PermanentError,
    Submitted,
    UpdateLine,
    carrier_code,
    carrier_name,
    names_whole_order,
    required_line_id,
    tracking_numbers,
)

# carrier name (lower case) -> SP-API CarrierCode; any other carrier is "Other" with its name in carrierName
CARRIER_CODES = {
    "ups": "UPS",
    "usps": "USPS",
    "fedex": "FedEx",
    "dhl": "DHL",
    "ontrac": "OnTrac",
    "royal mail": "Royal Mail",
}
FEEDS = "/feeds/2021-06-30"
SHIPPED = {"Shipped", "PartiallyShipped", "InvoiceUnconfirmed"}
REFUND_REASON = (
    "Amazon takes a seller's refund only as a payment adjustment feed (POST_PAYMENT_ADJUSTMENT_DATA through the "
    "Feeds API), whose outcome arrives later in a processing report the hub does not read: refund the order in "
    "Seller Central"
)


class Amazon:
    """Selling Partner API (Orders v0), the back-channel: ``confirmShipment`` per package, with carrier, tracking,
    ship date and the order items it holds; the same call again changes the tracking. A whole-order
    cancellation goes as an order acknowledgement feed (``connectors.amazon.feeds``).

    ``packageReferenceId`` is derived from the hub's shipment id: Amazon treats a confirmation with a known
    reference as an edit of that package, so a resend changes nothing and makes no second package. A
    cancellation reads the order first: one Amazon shows ``Canceled`` is not sent again. Orders Amazon fulfils
    (AFN), cancellations of some units only, and refunds raise ``NoBackChannel`` with the reason."""

    name: ClassVar[str] = "amazon"
    kind: ClassVar[ConnectorKind] = ConnectorKind.CHANNEL
    Config: ClassVar[type[AmazonConfig]] = AmazonConfig

    def __init__(self, config: AmazonConfig, session: requests.Session) -> None:
        self.config = config
        self.client = AmazonClient(config, session)

    def __repr__(self) -> str:
        return f"Amazon({self.config.base_url!r})"

    def check(self) -> None:
        """Get an access token: proves the app credentials and the seller's refresh token."""
        self.client.token()

    def confirm_shipment(self, update: ChannelShipment, idempotency_key: str) -> Submitted:
        _seller_fulfils(update.order)
        references = [self._confirm(update, reference, body) for reference, body in _packages(update)]
        return Submitted(external_id=",".join(references), note=f"{len(references)} package(s) confirmed to Amazon")

    def update_tracking(self, update: ChannelShipment, external_id: str, idempotency_key: str) -> Submitted:
        """Confirm the same packages again (same references): Amazon edits them."""
        _seller_fulfils(update.order)
        for reference, body in _packages(update):
            self._confirm(update, reference, body)
        return Submitted(external_id=external_id, note="package tracking edited at Amazon")

    def _confirm(self, update: ChannelShipment, reference: str, detail: dict[str, Any]) -> str:
        order = update.order
        body = {
            "marketplaceId": order.attributes.get("marketplace_id") or self.config.marketplace_id,
            "packageDetail": {"packageReferenceId": reference, **detail},
        }
        path = f"/orders/v0/orders/{quote(order.channel_order_id, safe='')}/shipmentConfirmation"
        self.client.call("POST", path, body=body)
        return reference

    def cancel_order(self, cancellation: ChannelCancellation, idempotency_key: str) -> Submitted:
        """Send the order acknowledgement feed that cancels the whole order, unless Amazon shows it cancelled;
        an order with anything shipped is refused (Amazon would refund all of it). Amazon processes the feed
        later: ``external_id`` is the feed id."""
        order = cancellation.order
        _seller_fulfils(order)
        if not names_whole_order(order, cancellation.lines):
            raise NoBackChannel(
                "Amazon's order acknowledgement feed cancels whole orders: cancelling some units needs the "
                "seller to do it in Seller Central"
            )
        if not self.config.seller_id:
            raise ConfigurationError("cancelling an Amazon order needs the seller_id setting (the feed's merchant id)")
        current = self.client.call("GET", f"/orders/v0/orders/{quote(order.channel_order_id, safe='')}") or {}
        status = (current.get("payload") or {}).get("OrderStatus")
        if status == "Canceled":
            return Submitted(external_id=None, note="Amazon shows the order canceled")
        if status in SHIPPED:
            raise PermanentError(f"Amazon order {order.channel_order_id} is {status}: it can no longer be cancelled")
        feed = acknowledgement_feed(cancellation, self.config.seller_id)
        document = self.client.call("POST", f"{FEEDS}/documents", body={"contentType": CONTENT_TYPE}) or {}
        self.client.upload(str(document.get("url")), feed, CONTENT_TYPE)
        marketplace = order.attributes.get("marketplace_id") or self.config.marketplace_id
        body = {
            "feedType": FEED_TYPE,
            "marketplaceIds": [marketplace],
            "inputFeedDocumentId": document.get("feedDocumentId"),
        }
        created = self.client.call("POST", f"{FEEDS}/feeds", body=body) or {}
        feed_id = str(created.get("feedId"))
        return Submitted(external_id=feed_id, note=f"cancellation feed {feed_id} sent; Amazon processes it later")

    def refund_order(self, refund: ChannelRefund, idempotency_key: str) -> Submitted:
        _seller_fulfils(refund.order)
        raise NoBackChannel(REFUND_REASON)


def _seller_fulfils(order: Order) -> None:
    if order.attributes.get("fulfillment_channel") == "AFN" or "fulfilled-by-amazon" in order.tags:
        raise NoBackChannel(
            f"Amazon order {order.channel_order_id} is fulfilled by Amazon (AFN): Amazon ships it and tells the "
            "buyer itself, and takes no shipment, cancellation or refund from the seller for it"
        )


def package_reference(shipment_id: str, index: int) -> str:
    """A positive number standing for package ``index`` of the hub's shipment, the same on every resend."""
    digest = hashlib.sha256(f"{shipment_id}:{index}".encode()).hexdigest()
    return str(int(digest[:10], 16) + 1)


def _packages(update: ChannelShipment) -> list[tuple[str, dict[str, Any]]]:
    """(reference, packageDetail without its reference) per tracked package: each package that lists its own
    items, or else one package holding every unit under the shipment's first tracking number."""
    shipment, order = update.shipment, update.order
    carrier = _carrier(shipment)
    # Amazon requires a ship date; a shipment reported without one left no later than now
    shipped = (shipment.shipped_at or datetime.now(UTC)).isoformat()
    boxes = [p for p in shipment.packages if p.tracking_number and p.items]
    if boxes:
        lines = {line.line_id: line for line in update.lines}
        units = [
            [
                UpdateLine(
                    i.line_id or "", i.quantity, lines[i.line_id].channel_line_id if i.line_id in lines else None
                )
                for i in box.items
            ]
            for box in boxes
        ]
        numbers = [box.tracking_number or "" for box in boxes]
    else:
        numbers = tracking_numbers(shipment)[:1]
        if not numbers:
            raise PermanentError(f"shipment {update.shipment_id} has no tracking number: Amazon requires one")
        units = [list(update.lines)]
    return [
        (
            package_reference(update.shipment_id, index),
            {**carrier, "trackingNumber": number, "shipDate": shipped, "orderItems": _items(order, lines)},
        )
        for index, (number, lines) in enumerate(zip(numbers, units, strict=True))
    ]


def _items(order: Order, lines: list[UpdateLine]) -> list[dict[str, Any]]:
    items = [
        {"orderItemId": required_line_id(order, line, "Amazon OrderItemId"), "quantity": line.quantity}
        for line in lines
    ]
    if not items:
        raise PermanentError("the shipment names no order items")
    return items


def _carrier(shipment: Shipment) -> dict[str, str]:
    carrier, name, code = shipment.carrier, carrier_name(shipment), carrier_code(shipment, CARRIER_CODES)
    fields = {"carrierCode": code} if code else {"carrierCode": "Other", "carrierName": name or "Other"}
    if carrier and carrier.service:
        fields["shippingMethod"] = carrier.service
    return fields
