"""What the hub tells eBay, in the Fulfillment and Post-Order APIs' shapes: shipping fulfillments (one per
tracked package), refund items and amounts, cancellation reasons. No HTTP here."""

from __future__ import annotations

from datetime import UTC
from decimal import Decimal
from typing import Any

from hub.canonical import Order
from hub.sdk import (
    ChannelRefund,
    ChannelShipment,
    PermanentError,
    UpdateLine,
    carrier_code,
    carrier_name,
    required_line_id,
    tracking_numbers,
    unit_share,
)

CENT = Decimal("0.01")
CARRIERS = {"ups": "UPS", "usps": "USPS", "fedex": "FEDEX", "dhl": "DHL"}
REFUND_REASONS = (  # words in the operator's reason -> eBay reasonForRefund
    ("return", "BUYER_RETURN"),
    ("not received", "ITEM_NOT_RECEIVED"),
    ("wrong item", "SELLER_WRONG_ITEM"),
    ("out of stock", "SELLER_OUT_OF_STOCK"),
    ("cancel", "BUYER_CANCEL"),
)
CANCEL_REASONS = (("buyer", "BUYER_ASKED_CANCEL"), ("address", "ADDRESS_ISSUES"))


def line_item_id(order: Order, line: UpdateLine) -> str:
    return required_line_id(order, line, "eBay lineItemId")


def ebay_carrier_code(update: ChannelShipment) -> str:
    """eBay's code for the carrier: the common ones by name, others as their name without spaces
    ("Royal Mail" -> "RoyalMail"), which is how eBay spells its carrier codes."""
    shipment = update.shipment
    return carrier_code(shipment, CARRIERS) or "".join(carrier_name(shipment).split()) or "Other"


def fulfillments(update: ChannelShipment) -> list[dict[str, Any]]:
    """One fulfillment per package that lists its own items and tracking, or else one holding every unit under
    the shipment's first tracking number."""
    shipment, order = update.shipment, update.order
    common: dict[str, Any] = {"shippingCarrierCode": ebay_carrier_code(update)}
    if shipment.shipped_at:
        common["shippedDate"] = shipment.shipped_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    boxes = [package for package in shipment.packages if package.tracking_number and package.items]
    if boxes:
        by_id = {line.line_id: line for line in update.lines}
        made = []
        for box in boxes:
            lines = [
                by_id.get(item.line_id or "") or UpdateLine(item.line_id or "?", item.quantity) for item in box.items
            ]
            items = [
                {"lineItemId": line_item_id(order, line), "quantity": item.quantity}
                for line, item in zip(lines, box.items, strict=True)
            ]
            made.append({**common, "trackingNumber": box.tracking_number, "lineItems": items})
        return made
    numbers = tracking_numbers(shipment)
    items = [{"lineItemId": line_item_id(order, line), "quantity": line.quantity} for line in update.lines]
    if not items:
        raise PermanentError(f"shipment {update.shipment_id} names no order lines")
    return [{**common, **({"trackingNumber": numbers[0]} if numbers else {}), "lineItems": items}]


def same_fulfillment(existing: dict[str, Any], wanted: dict[str, Any]) -> bool:
    def units(items: Any) -> list[tuple[str, int]]:
        return sorted(
            (str(i.get("lineItemId")), int(i.get("quantity") or 0)) for i in items or [] if isinstance(i, dict)
        )

    return existing.get("shipmentTrackingNumber") == wanted.get("trackingNumber") and units(
        existing.get("lineItems")
    ) == units(wanted["lineItems"])


def refund_body(refund: ChannelRefund, reason_code: str) -> tuple[dict[str, Any], Decimal]:
    """The issue_refund body and the total it refunds: each line's share of its total and tax, and the
    shipping or the operator's amount at the order level."""
    order, currency = refund.order, refund.order.currency
    items, total = [], Decimal(0)
    for line in refund.lines:
        kept = next((k for k in order.lines if k.line_id == line.line_id), None)
        if kept is None or not 0 < line.quantity <= kept.quantity:
            raise PermanentError(f"line {line.line_id}: cannot refund {line.quantity} units of it")
        amount = unit_share(kept.total.amount + (kept.tax.amount if kept.tax else 0), line.quantity, kept.quantity)
        items.append({"lineItemId": line_item_id(order, line), "refundAmount": _money(amount, currency)})
        total += amount
    order_level = Decimal(0)
    if refund.shipping:
        order_level += order.totals.shipping.amount
    if refund.amount is not None:
        order_level += Decimal(refund.amount)
    body: dict[str, Any] = {"reasonForRefund": reason_code, "comment": refund.reason[:100]}
    if items:
        body["refundItems"] = items
    if order_level:
        body["orderLevelRefundAmount"] = _money(order_level, currency)
    if total + order_level <= 0:
        raise PermanentError("the refund comes to nothing: name lines, the shipping or an amount")
    return body, total + order_level


def _money(amount: Decimal, currency: str) -> dict[str, str]:
    return {"value": f"{amount.quantize(CENT):.2f}", "currency": currency}
