"""The BigCommerce connector: tells a store what the hub did with its orders (shipped, cancelled, refunded)."""

from __future__ import annotations

from typing import Any, ClassVar

import requests

from connectors.bigcommerce.client import BigCommerceClient
from connectors.bigcommerce.config import Config as BigCommerceConfig
from connectors.bigcommerce.updates import (
    ADDRESS_ATTRIBUTE,
    carrier_fields,
    refund_items,
    same_refund,
    same_shipment,
    shipment_items,
)
from hub.canonical import Order
from hub.sdk import (
    AlreadyDelivered,
    ChannelCancellation,
    ChannelRefund,
    ChannelShipment,
    ConnectorKind,
    NoBackChannel,
    PermanentError,
    Submitted,
    names_whole_order,
)

CANCELLED = 5
SHIPPED_STATUSES = {2: "Shipped", 3: "Partially Shipped", 10: "Completed", 4: "Refunded"}
NOTHING_LEFT = ("greater than the quantity", "already been shipped", "already shipped")


class BigCommerce:
    """BigCommerce, the back-channel: a v2 shipment per hub shipment (``order_address_id`` and
    ``order_product_id`` quantities, tracking and carrier), tracking changes on that shipment, ``Cancelled``
    (status 5) for a whole-order cancellation, and refunds through the v3 refund quote and refund.

    BigCommerce takes no key of ours on a shipment or a refund: before creating one, the connector lists the
    order's shipments and reuses the one with the same tracking number and units; a refund's reason carries
    the hub's key, and a listed refund with that reason and the same items is not made again."""

    name: ClassVar[str] = "bigcommerce"
    kind: ClassVar[ConnectorKind] = ConnectorKind.CHANNEL
    Config: ClassVar[type[BigCommerceConfig]] = BigCommerceConfig

    def __init__(self, config: BigCommerceConfig, session: requests.Session) -> None:
        self.config = config
        self.client = BigCommerceClient(config, session)

    def __repr__(self) -> str:
        return f"BigCommerce({self.config.base_url!r})"

    def check(self) -> None:
        """List one order: proves the store URL and the token."""
        self.client.call("GET", "/v2/orders", params={"limit": 1})

    # -- shipments --

    def confirm_shipment(self, update: ChannelShipment, idempotency_key: str) -> Submitted:
        order_id = _order_id(update.order)
        items = shipment_items(update)
        fields = carrier_fields(update.shipment, update.tracking_url)
        for existing in self._listed(f"/v2/orders/{order_id}/shipments"):
            if same_shipment(existing, fields["tracking_number"], items):
                return Submitted(external_id=str(existing["id"]), note=f"shipment {existing['id']} already there")
        body = {"order_address_id": self._address_id(update.order), "items": items, **fields}
        try:
            created = self.client.call("POST", f"/v2/orders/{order_id}/shipments", body=body)
        except PermanentError as exc:
            if any(phrase in str(exc).lower() for phrase in NOTHING_LEFT):
                raise AlreadyDelivered(f"BigCommerce has these units shipped already: {exc}") from None
            raise
        return Submitted(external_id=str(created["id"]), note=f"BigCommerce shipment {created['id']}")

    def update_tracking(self, update: ChannelShipment, external_id: str, idempotency_key: str) -> Submitted:
        """Change the tracking of the shipment BigCommerce holds (a PUT: sending it again changes nothing)."""
        order_id = _order_id(update.order)
        fields = carrier_fields(update.shipment, update.tracking_url)
        self.client.call("PUT", f"/v2/orders/{order_id}/shipments/{external_id}", body=fields)
        return Submitted(
            external_id=external_id, note=f"tracking of shipment {external_id} is now {fields['tracking_number']}"
        )

    def _address_id(self, order: Order) -> int:
        """The order's shipping address id: kept at intake, else read from the store."""
        kept = order.attributes.get(ADDRESS_ATTRIBUTE, "")
        if kept.isdigit():
            return int(kept)
        addresses = self._listed(f"/v2/orders/{_order_id(order)}/shipping_addresses")
        if not addresses:
            raise NoBackChannel(f"BigCommerce order {order.channel_order_id} has no shipping address: nothing ships")
        return int(addresses[0]["id"])

    def _listed(self, path: str) -> list[dict[str, Any]]:
        """A v2 listing's first page of 250 (204 when empty); an order holds far fewer shipments or addresses."""
        answer = self.client.call("GET", path, params={"limit": 250})
        return [row for row in answer or [] if isinstance(row, dict)]

    # -- cancellations and refunds --

    def cancel_order(self, cancellation: ChannelCancellation, idempotency_key: str) -> Submitted:
        order = cancellation.order
        if not names_whole_order(order, cancellation.lines):
            raise NoBackChannel("BigCommerce cancels whole orders only: cancelling some units needs a refund of them")
        order_id = _order_id(order)
        current = self.client.call("GET", f"/v2/orders/{order_id}") or {}
        status = int(current.get("status_id", -1))
        if status == CANCELLED:
            return Submitted(external_id=str(order_id), note="the order was already cancelled")
        if status in SHIPPED_STATUSES:
            raise PermanentError(f"BigCommerce order {order_id} is {SHIPPED_STATUSES[status]}: it cannot be cancelled")
        self.client.call("PUT", f"/v2/orders/{order_id}", body={"status_id": CANCELLED})
        return Submitted(external_id=str(order_id), note="order cancelled (status 5)")

    def refund_order(self, refund: ChannelRefund, idempotency_key: str) -> Submitted:
        """Ask for a refund quote, then refund with the payment option ``refund_payment`` picks."""
        order_id = _order_id(refund.order)
        address = refund.order.attributes.get(ADDRESS_ATTRIBUTE, "")
        address_id = int(address) if address.isdigit() else None
        if refund.shipping and address_id is None:
            address_id = self._address_id(refund.order)
        items = refund_items(refund, order_id, address_id)
        reason = f"{refund.reason} (ref {idempotency_key})"  # BigCommerce keeps no key of ours but the reason
        base = f"/v3/orders/{order_id}/payment_actions"
        for existing in (self.client.call("GET", f"{base}/refunds") or {}).get("data") or []:
            if isinstance(existing, dict) and same_refund(existing, reason, items):
                return Submitted(external_id=str(existing["id"]), note=f"refund {existing['id']} already made")
        quote = (self.client.call("POST", f"{base}/refund_quotes", body={"items": items}) or {}).get("data") or {}
        payments = self._payments(quote)
        body = {"items": items, "payments": payments, "reason": reason}
        made = (self.client.call("POST", f"{base}/refunds", body=body) or {}).get("data") or {}
        total = quote.get("total_refund_amount")
        return Submitted(external_id=str(made.get("id")), note=f"refund {made.get('id')} of {total}")

    def _payments(self, quote: dict[str, Any]) -> list[dict[str, Any]]:
        methods = [method for method in quote.get("refund_methods") or [] if isinstance(method, list) and method]
        if self.config.refund_payment == "offline":
            methods = [method for method in methods if all(part.get("offline") for part in method)]
        if not methods:
            raise PermanentError(f"BigCommerce offers no {self.config.refund_payment} way to pay this refund back")
        return [
            {"provider_id": part["provider_id"], "amount": part["amount"], "offline": bool(part.get("offline"))}
            for part in methods[0]
        ]


def _order_id(order: Order) -> int:
    if not order.channel_order_id.isdigit():
        raise PermanentError(f"{order.channel_order_id!r} is not a BigCommerce order id")
    return int(order.channel_order_id)
