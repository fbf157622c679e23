"""The eBay connector: tells eBay what the hub did with a seller's orders (shipped, cancelled, refunded)."""

from __future__ import annotations

from typing import ClassVar
from urllib.parse import quote

import requests

from connectors.ebay.client import EbayClient
from connectors.ebay.config import Config as EbayConfig
from connectors.ebay.updates import (
    CANCEL_REASONS,
    REFUND_REASONS,
    fulfillments,
    refund_body,
    same_fulfillment,
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
    TransientError,
    names_whole_order,
    reason_code,
)

SHIPPED = {"FULFILLED", "IN_PROGRESS"}  # orderFulfillmentStatus once something has shipped


class Ebay:
    """eBay Sell Fulfillment API, the back-channel: a shipping fulfillment per tracked package
    (``createShippingFulfillment``), refunds (``issue_refund``) and whole-order cancellations through the
    Post-Order API. eBay's REST APIs cannot change a fulfillment's tracking: ``update_tracking`` raises
    ``NoBackChannel`` saying so.

    eBay takes no key of ours: before creating a fulfillment the connector lists the order's fulfillments and
    reuses the one with the same tracking number and line items; a cancelled order is not cancelled again; a
    refund whose answer was lost is not sent again on its own (see ``refund_order``)."""

    name: ClassVar[str] = "ebay"
    kind: ClassVar[ConnectorKind] = ConnectorKind.CHANNEL
    Config: ClassVar[type[EbayConfig]] = EbayConfig

    def __init__(self, config: EbayConfig, session: requests.Session) -> None:
        self.config = config
        self.client = EbayClient(config, session)

    def __repr__(self) -> str:
        return f"Ebay({self.config.base_url!r})"

    def check(self) -> None:
        """Get a user access token: proves the keyset, the refresh token and its scopes."""
        self.client.token()

    # -- shipments --

    def confirm_shipment(self, update: ChannelShipment, idempotency_key: str) -> Submitted:
        path = f"{_order_path(update.order)}/shipping_fulfillment"
        listed, _ = self.client.call("GET", path)
        existing = [f for f in (listed or {}).get("fulfillments") or [] if isinstance(f, dict)]
        made = []
        for wanted in fulfillments(update):
            found = next((f for f in existing if same_fulfillment(f, wanted)), None)
            if found is None:
                _, headers = self.client.call("POST", path, body=wanted)
                location = headers.get("Location") or headers.get("location") or ""
                found = {"fulfillmentId": location.rstrip("/").rsplit("/", 1)[-1] or None}
            made.append(str(found.get("fulfillmentId")))
        return Submitted(external_id=",".join(made), note=f"eBay fulfillment(s) {', '.join(made)}")

    def update_tracking(self, update: ChannelShipment, external_id: str, idempotency_key: str) -> Submitted:
        raise NoBackChannel(
            "eBay's Fulfillment API cannot change the tracking of a shipping fulfillment once made: correct it in "
            "Seller Hub"
        )

    # -- cancellations and refunds --

    def cancel_order(self, cancellation: ChannelCancellation, idempotency_key: str) -> Submitted:
        """A seller cancellation through the Post-Order API (whole orders only, before anything shipped)."""
        order = cancellation.order
        if not names_whole_order(order, cancellation.lines):
            raise NoBackChannel("eBay cancels whole orders only: cancelling some units needs a refund of them")
        document, _ = self.client.call("GET", _order_path(order))
        document = document or {}
        state = (document.get("cancelStatus") or {}).get("cancelState")
        if state in ("CANCELED", "IN_PROGRESS"):
            return Submitted(external_id=order.channel_order_id, note=f"eBay shows the cancellation {state}")
        if document.get("orderFulfillmentStatus") in SHIPPED:
            raise PermanentError(f"eBay order {order.channel_order_id} has shipped: it cannot be cancelled")
        legacy = order.attributes.get("legacy_order_id") or document.get("legacyOrderId")
        if not legacy:
            raise PermanentError(f"eBay order {order.channel_order_id} has no legacy order id to cancel it by")
        reason = reason_code(cancellation.reason, CANCEL_REASONS, "OUT_OF_STOCK_OR_CANNOT_FULFILL")
        answer, _ = self.client.call(
            "POST", "/post-order/v2/cancellation", body={"legacyOrderId": legacy, "cancelReason": reason}
        )
        cancel_id = str((answer or {}).get("cancelId"))
        return Submitted(external_id=cancel_id, note=f"eBay cancellation {cancel_id} ({reason})")

    def refund_order(self, refund: ChannelRefund, idempotency_key: str) -> Submitted:
        """Issue the refund. eBay keeps no key of ours and lists refunds only by amount, which cannot tell a
        resend from a second refund of the same size: so an answer lost in transit (a timeout, a dropped
        connection) is not retried but refused permanently, for a person to check the order before replaying."""
        order = refund.order
        body, total = refund_body(refund, reason_code(refund.reason, REFUND_REASONS, "OTHER"))
        try:
            answer, _ = self.client.call("POST", f"{_order_path(order)}/issue_refund", body=body)
        except TransientError as exc:
            if exc.status_code is not None:
                raise  # eBay answered (429, 5xx): it did not take the refund
            raise PermanentError(
                f"eBay did not answer the refund of {total} on order {order.channel_order_id} ({exc}): it may have "
                "been made; check the order in Seller Hub before replaying this delivery"
            ) from None
        refund_id = str((answer or {}).get("refundId"))
        status = (answer or {}).get("refundStatus")
        return Submitted(external_id=refund_id, note=f"eBay refund {refund_id} of {total} ({status})")


def _order_path(order: Order) -> str:
    return f"/sell/fulfillment/v1/order/{quote(order.channel_order_id, safe='')}"
