"""What the hub tells WooCommerce, as WooCommerce takes it: the note a buyer reads, the shipped units kept on
the order, the refund's lines and amount. Pure functions of the update; no HTTP here."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from hub.canonical import Order, OrderLine, Shipment
from hub.sdk import (
    ChannelRefund,
    PermanentError,
    UpdateLine,
    carrier_name,
    required_line_id,
    tracking_numbers,
    unit_share,
)

SHIPPED_KEY = "_orderhub_shipped"  # order meta: {shipment id: {"note": note id, "lines": {line item id: units}}}
REFUND_KEY = "_orderhub_refund_key"  # refund meta: the hub's idempotency key of the refund that made it
CENT = Decimal("0.01")


def carrier_text(shipment: Shipment) -> str:
    name, service = carrier_name(shipment), shipment.carrier.service if shipment.carrier else None
    return f"{name} ({service})" if name and service else name


def shipment_note(shipment: Shipment, tracking_url: str | None, *, changed: bool = False) -> str:
    """The note the buyer reads: who carries the parcel and how to follow it."""
    carrier, numbers = carrier_text(shipment), tracking_numbers(shipment)
    opening = "The tracking of your shipment has changed." if changed else "Your order has shipped."
    parts = [opening]
    if carrier:
        parts.append(f"Carrier: {carrier}.")
    if numbers:
        parts.append(f"Tracking number{'s' if len(numbers) > 1 else ''}: {', '.join(numbers)}.")
    if tracking_url:
        parts.append(f"Track it at {tracking_url}")
    return " ".join(parts)


def line_item_id(order: Order, line: UpdateLine) -> int:
    """WooCommerce's line item id of an update line (kept as ``channel_line_id`` at intake)."""
    value = required_line_id(order, line, "WooCommerce line item id")
    if not value.isdigit():
        raise PermanentError(f"order line {line.line_id}: {value!r} is not a WooCommerce line item id")
    return int(value)


def shipped_record(order_document: dict[str, Any]) -> dict[str, Any]:
    """The shipments already told to this order, from its meta."""
    for meta in order_document.get("meta_data") or []:
        if isinstance(meta, dict) and meta.get("key") == SHIPPED_KEY:
            try:
                value = json.loads(meta.get("value") or "{}")
            except (TypeError, ValueError):
                return {}
            return value if isinstance(value, dict) else {}
    return {}


def fully_shipped(order_document: dict[str, Any], record: dict[str, Any], unshipped: set[str]) -> bool:
    """Whether every line item of the WooCommerce order has shipped in full, counting all recorded shipments;
    ``unshipped`` are the ids of line items nothing ships for (downloads, services)."""
    shipped: dict[str, int] = {}
    for entry in record.values():
        for item_id, units in (entry.get("lines") or {}).items():
            shipped[str(item_id)] = shipped.get(str(item_id), 0) + int(units)
    items = [
        item
        for item in order_document.get("line_items") or []
        if isinstance(item, dict) and str(item.get("id")) not in unshipped
    ]
    return bool(items) and all(shipped.get(str(item.get("id")), 0) >= int(item.get("quantity") or 0) for item in items)


def _order_line(order: Order, line: UpdateLine) -> OrderLine:
    found = next((kept for kept in order.lines if kept.line_id == line.line_id), None)
    if found is None:
        raise PermanentError(f"the refund names line {line.line_id}, which the order does not have")
    if not 0 < line.quantity <= found.quantity:
        raise PermanentError(f"line {line.line_id}: cannot refund {line.quantity} of {found.quantity} units")
    return found


def refund_payload(refund: ChannelRefund, key: str, *, through_gateway: bool) -> dict[str, Any]:
    """``POST /orders/{id}/refunds``: the lines' share of their total and tax, the shipping when asked, or the
    operator's amount. Tax is refunded within ``amount`` but not itemised per tax rate: the canonical order
    does not keep WooCommerce's tax rate ids."""
    order, amount, items = refund.order, Decimal(0), []
    for line in refund.lines:
        kept = _order_line(order, line)
        total = unit_share(kept.total.amount, line.quantity, kept.quantity)
        tax = unit_share(kept.tax.amount, line.quantity, kept.quantity) if kept.tax else Decimal(0)
        items.append({"id": line_item_id(order, line), "quantity": line.quantity, "refund_total": f"{total:.2f}"})
        amount += total + tax
    if refund.shipping:
        amount += order.totals.shipping.amount + sum(
            (shipping.tax.amount for shipping in order.shipping_lines if shipping.tax), Decimal(0)
        )
    if refund.amount is not None:
        amount = Decimal(refund.amount)
    if amount <= 0:
        raise PermanentError("the refund comes to nothing: name lines, the shipping or an amount")
    return {
        "amount": f"{amount.quantize(CENT):.2f}",
        "reason": refund.reason,
        "line_items": items,
        "api_refund": through_gateway,
        "restock_items": refund.restock,
        "meta_data": [{"key": REFUND_KEY, "value": key}],
    }
