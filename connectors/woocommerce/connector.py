"""The WooCommerce connector: tells a store what the hub did with its orders (shipped, cancelled, refunded)."""

from __future__ import annotations

import json
from typing import Any, ClassVar

import requests

from connectors.woocommerce.client import WooCommerceClient
from connectors.woocommerce.config import Config as WooCommerceConfig
from connectors.woocommerce.updates import (
    REFUND_KEY,
    SHIPPED_KEY,
    fully_shipped,
    line_item_id,
    refund_payload,
    shipment_note,
    shipped_record,
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
    names_whole_order,
)

FINAL = frozenset({"completed", "refunded"})  # a shipped or refunded order can no longer be cancelled


class WooCommerce:
    """WooCommerce REST v3, the back-channel: a customer note with carrier and tracking for each shipment (the
    order turns ``completed`` once every line item has shipped), ``cancelled`` for a whole-order cancellation,
    and refunds through ``/orders/{id}/refunds``.

    Shipments already told are kept in the order's meta (``_orderhub_shipped``), so a resend finds them; a
    note is looked for by its text before it is posted, so a crash between the note and the meta does not
    post it twice. A refund carries the hub's key in its meta and is looked for before it is made.
    """

    name: ClassVar[str] = "woocommerce"
    kind: ClassVar[ConnectorKind] = ConnectorKind.CHANNEL
    Config: ClassVar[type[WooCommerceConfig]] = WooCommerceConfig

    def __init__(self, config: WooCommerceConfig, session: requests.Session) -> None:
        self.config = config
        self.client = WooCommerceClient(config, session)

    def __repr__(self) -> str:
        return f"WooCommerce({self.config.base_url!r})"

    def check(self) -> None:
        """Read one order: proves the URL, the key pair and its read permission."""
        self.client.call("GET", "/orders", params={"per_page": 1})

    # -- shipments --

    def confirm_shipment(self, update: ChannelShipment, idempotency_key: str) -> Submitted:
        """Post the customer note, record the units on the order, complete it when everything has shipped."""
        order_id = _order_id(update.order)
        document = self.client.call("GET", f"/orders/{order_id}")
        record = shipped_record(document)
        told = record.get(update.shipment_id)
        if told:
            return Submitted(external_id=str(told.get("note")), note=f"note {told.get('note')} already posted")
        lines = {str(line_item_id(update.order, line)): line.quantity for line in update.lines}
        if not lines:
            raise PermanentError(f"shipment {update.shipment_id} names no order lines")
        text = shipment_note(update.shipment, update.tracking_url)
        note_id = self._note(order_id, text, customer=update.notify_customer)
        record[update.shipment_id] = {"note": note_id, "lines": lines}
        change: dict[str, Any] = {"meta_data": [{"key": SHIPPED_KEY, "value": json.dumps(record, sort_keys=True)}]}
        unshipped = {line.channel_line_id or "" for line in update.order.lines if not line.requires_shipping}
        if fully_shipped(document, record, unshipped) and document.get("status") not in FINAL:
            change["status"] = "completed"
        self.client.call("PUT", f"/orders/{order_id}", body=change)
        done = " and completed the order" if "status" in change else ""
        return Submitted(external_id=str(note_id), note=f"customer note {note_id}{done}")

    def update_tracking(self, update: ChannelShipment, external_id: str, idempotency_key: str) -> Submitted:
        """WooCommerce core keeps no tracking field: the buyer gets a new note with the new tracking."""
        text = shipment_note(update.shipment, update.tracking_url, changed=True)
        note_id = self._note(_order_id(update.order), text, customer=update.notify_customer)
        return Submitted(external_id=external_id, note=f"tracking change in customer note {note_id}")

    def _note(self, order_id: str, text: str, *, customer: bool) -> int:
        """The id of the order note with this text, posted unless an identical one is already there."""
        notes = self.client.call("GET", f"/orders/{order_id}/notes")
        for note in notes if isinstance(notes, list) else []:
            if isinstance(note, dict) and note.get("note") == text and bool(note.get("customer_note")) == customer:
                return int(note["id"])
        created = self.client.call("POST", f"/orders/{order_id}/notes", body={"note": text, "customer_note": customer})
        return int(created["id"])

    # -- cancellations and refunds --

    def cancel_order(self, cancellation: ChannelCancellation, idempotency_key: str) -> Submitted:
        """Set the order ``cancelled`` and note the reason. WooCommerce has no per-line cancellation."""
        order = cancellation.order
        if not names_whole_order(order, cancellation.lines):
            raise NoBackChannel(
                "WooCommerce cancels whole orders only: cancelling some units needs a refund of them instead"
            )
        order_id = _order_id(order)
        document = self.client.call("GET", f"/orders/{order_id}")
        status = document.get("status")
        if status == "cancelled":
            return Submitted(external_id=order_id, note="the order was already cancelled")
        if status in FINAL:
            raise PermanentError(f"WooCommerce order {order_id} is {status}: it can no longer be cancelled")
        self._note(order_id, f"Order cancelled: {cancellation.reason}", customer=cancellation.notify_customer)
        self.client.call("PUT", f"/orders/{order_id}", body={"status": "cancelled"})
        return Submitted(external_id=order_id, note="order cancelled")

    def refund_order(self, refund: ChannelRefund, idempotency_key: str) -> Submitted:
        """Create the refund unless one carrying this key exists. ``refund_through_gateway`` says whether the
        gateway pays the buyer back (``api_refund``) or the merchant does, by hand."""
        order_id = _order_id(refund.order)
        payload = refund_payload(refund, idempotency_key, through_gateway=self.config.refund_through_gateway)
        existing = self.client.call("GET", f"/orders/{order_id}/refunds")
        for made in existing if isinstance(existing, list) else []:
            metas = (made.get("meta_data") if isinstance(made, dict) else None) or []
            mark = {"key": REFUND_KEY, "value": idempotency_key}
            if any(isinstance(meta, dict) and mark.items() <= meta.items() for meta in metas):
                return Submitted(external_id=str(made["id"]), note=f"refund {made['id']} already made")
        created = self.client.call("POST", f"/orders/{order_id}/refunds", body=payload)
        how = "through the gateway" if payload["api_refund"] else "recorded; the merchant pays it back"
        return Submitted(external_id=str(created["id"]), note=f"refund {created['id']} of {payload['amount']} ({how})")


def _order_id(order: Order) -> str:
    if not order.channel_order_id.isdigit():
        raise PermanentError(f"{order.channel_order_id!r} is not a WooCommerce order id")
    return order.channel_order_id
