"""What the hub tells Walmart, in the Orders API's shapes: shipped, cancelled and refunded quantities per
purchase order line (``lineNumber``, kept as ``channel_line_id``). No HTTP here."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from hub.canonical import Order, OrderLine
from hub.sdk import (
    ChannelRefund,
    ChannelShipment,
    PermanentError,
    UpdateLine,
    carrier_code,
    carrier_name,
    reason_code,
    required_line_id,
    tracking_numbers,
    unit_share,
)

# Walmart's carrier names (trackingInfo.carrierName.carrier); any other carrier goes as otherCarrier
CARRIERS = {
    name.lower(): name for name in ("UPS", "USPS", "FedEx", "DHL", "OnTrac", "LaserShip", "Purolator", "Canada Post")
}
METHODS = {"Standard", "Express", "OneDay", "Freight", "WhiteGlove", "Value"}
REASONS = (  # words in the operator's reason -> Walmart refundReason
    ("damaged", "DamagedItem"),
    ("defective", "DefectiveItem"),
    ("late", "CustomerReceivedItemLate"),
    ("not received", "ItemNotReceivedByCustomer"),
    ("wrong item", "IncorrectItemReceived"),
)


def line_number(order: Order, line: UpdateLine) -> str:
    return required_line_id(order, line, "Walmart lineNumber")


def tracking_info(update: ChannelShipment) -> dict[str, Any]:
    """trackingInfo of a shipment: when, who (a Walmart carrier name or otherCarrier), how, which number."""
    shipment = update.shipment
    numbers = tracking_numbers(shipment)
    if not numbers:
        raise PermanentError(f"shipment {update.shipment_id} has no tracking number: Walmart requires one")
    known = carrier_code(shipment, CARRIERS)
    carrier = {"carrier": known} if known else {"otherCarrier": carrier_name(shipment) or "Other"}
    method = update.order.shipping_method if update.order.shipping_method in METHODS else "Standard"
    shipped = shipment.shipped_at or datetime.now(UTC)  # required; a shipment reported without one left by now
    info: dict[str, Any] = {
        "shipDateTime": int(shipped.timestamp() * 1000),
        "carrierName": carrier,
        "methodCode": method,
        "trackingNumber": numbers[0],
    }
    if update.tracking_url:
        info["trackingURL"] = update.tracking_url
    return {key: value for key, value in info.items() if value is not None}


def shipping_payload(update: ChannelShipment, numbers: list[str]) -> dict[str, Any]:
    info = tracking_info(update)
    lines = [
        {
            "lineNumber": number,
            "orderLineStatuses": {
                "orderLineStatus": [{"status": "Shipped", "statusQuantity": _each(line.quantity), "trackingInfo": info}]
            },
        }
        for line, number in zip(update.lines, numbers, strict=True)
    ]
    return {"orderShipment": {"orderLines": {"orderLine": lines}}}


def cancel_payload(lines: list[tuple[str, int]]) -> dict[str, Any]:
    order_lines = [
        {
            "lineNumber": number,
            "orderLineStatuses": {
                "orderLineStatus": [
                    {"status": "Cancelled", "cancellationReason": "CANCEL_BY_SELLER", "statusQuantity": _each(units)}
                ]
            },
        }
        for number, units in lines
    ]
    return {"orderCancellation": {"orderLines": {"orderLine": order_lines}}}


def refund_payload(refund: ChannelRefund, comments: str, reason: str) -> dict[str, Any]:
    """Negative PRODUCT charges (with their tax) for each line's units; the shipping on the first line."""
    order = refund.order
    if not refund.lines or refund.amount is not None:
        raise PermanentError("Walmart refunds order lines: name the lines (and the shipping), not an amount")
    order_lines = []
    for index, line in enumerate(refund.lines):
        kept = _order_line(order, line)
        charges = [
            _charge(
                "PRODUCT",
                "Item Price",
                unit_share(kept.total.amount, line.quantity, kept.quantity),
                unit_share(kept.tax.amount, line.quantity, kept.quantity) if kept.tax else None,
                order,
                reason,
            )
        ]
        if refund.shipping and index == 0:
            charges.append(_charge("SHIPPING", "Shipping Price", order.totals.shipping.amount, None, order, reason))
        order_lines.append(
            {
                "lineNumber": line_number(order, line),
                "refunds": {"refund": [{"refundComments": comments, "refundCharges": {"refundCharge": charges}}]},
            }
        )
    return {"orderRefund": {"purchaseOrderId": order.channel_order_id, "orderLines": {"orderLine": order_lines}}}


def refund_reason(reason: str, default: str) -> str:
    return reason_code(reason, REASONS, default)


def line_statuses(document: Any) -> dict[str, list[dict[str, Any]]]:
    """lineNumber -> the line's statuses, from a ``GET /v3/orders/{id}`` answer."""
    order = document.get("order") if isinstance(document, dict) else None
    lines = ((order or {}).get("orderLines") or {}).get("orderLine") or []
    return {
        str(line.get("lineNumber")): list(((line.get("orderLineStatuses") or {}).get("orderLineStatus")) or [])
        for line in lines
        if isinstance(line, dict)
    }


def line_refunds(document: Any) -> dict[str, Any]:
    """lineNumber -> the line's refund block (None when nothing was refunded)."""
    order = document.get("order") if isinstance(document, dict) else None
    lines = ((order or {}).get("orderLines") or {}).get("orderLine") or []
    return {str(line.get("lineNumber")): line.get("refund") for line in lines if isinstance(line, dict)}


def _charge(kind: str, name: str, amount: Decimal, tax: Decimal | None, order: Order, reason: str) -> dict[str, Any]:
    charge: dict[str, Any] = {
        "chargeType": kind,
        "chargeName": name,
        "chargeAmount": {"currency": order.currency, "amount": float(-amount)},
    }
    if tax:
        charge["tax"] = {"taxName": "Tax1", "taxAmount": {"currency": order.currency, "amount": float(-tax)}}
    return {"refundReason": reason, "charge": charge}


def _order_line(order: Order, line: UpdateLine) -> OrderLine:
    found = next((kept for kept in order.lines if kept.line_id == line.line_id), None)
    if found is None or not 0 < line.quantity <= found.quantity:
        raise PermanentError(f"line {line.line_id}: cannot refund {line.quantity} units of it")
    return found


def _each(units: int) -> dict[str, str]:
    return {"unitOfMeasurement": "EACH", "amount": str(units)}
