"""ShipBob shipments as the hub's shipment notices, and what a shipment's status means for its order.

An order at ShipBob becomes one shipment, or several when ShipBob splits it; each carries the order's
``reference_id`` (the hub's fulfillment order id) and ``order_id`` (ShipBob's id), a ``status`` and, once a
label is bought, ``tracking``. A notice is keyed by the shipment's id, so a shipment reported by the shipped
webhook, again by the delivered one and again by a poll is recorded once.

Statuses: ``Completed`` (label printed and shipped) and ``LabeledCreated`` (label bought; ShipBob's own
spelling, and ``LabelCreated`` as its tracking webhook writes it) count as shipped, as does any shipment
that carries a tracking number and is not cancelled, on hold or in exception. ``Cancelled`` shipments ship
nothing. ``Exception`` (out of stock, for one) and ``OnHold`` (a bad address) wait for someone at ShipBob;
they are reported as a note, never as a refusal, because ShipBob still ships once the cause is cleared.

Shipped units are read per product: ``quantity`` where the product carries one, else the sum of its
``inventory_items`` quantities (the shape of the shipment's products in the API reference).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from hub.canonical import Carrier, Shipment, ShipmentItem
from hub.canonical.shipment import ShipmentStatus
from hub.sdk import FulfillmentRef, PermanentError, ShipmentNotice

SHIPPED = frozenset({"Completed", "LabeledCreated", "LabelCreated"})
CANCELLED = frozenset({"Cancelled"})
WAITING = frozenset({"Exception", "OnHold"})


def is_shipped(shipment: dict[str, Any]) -> bool:
    status = str(shipment.get("status") or "")
    if status in SHIPPED:
        return True
    return status not in CANCELLED | WAITING and bool(tracking_number(shipment))


def is_cancelled(shipment: dict[str, Any]) -> bool:
    return str(shipment.get("status") or "") in CANCELLED


def waiting_reason(shipment: dict[str, Any]) -> str | None:
    """Why a shipment in exception or on hold waits (its status details), or None for any other status."""
    status = str(shipment.get("status") or "")
    if status not in WAITING:
        return None
    details = [
        str(detail.get("description") or detail.get("name"))
        for detail in shipment.get("status_details") or []
        if isinstance(detail, dict) and (detail.get("description") or detail.get("name"))
    ]
    what = "in exception" if status == "Exception" else "on hold"
    return f"ShipBob shipment {shipment.get('id')} is {what}" + (f": {'; '.join(details)}" if details else "")


def tracking_number(shipment: dict[str, Any]) -> str | None:
    """The tracking number (``tracking_number`` in the API reference; ``tracking_id`` in ShipBob's tracking
    webhook)."""
    tracking = shipment.get("tracking")
    if not isinstance(tracking, dict):
        return None
    number = tracking.get("tracking_number") or tracking.get("tracking_id")
    return (str(number).strip() or None) if number else None


def order_ref(shipment: dict[str, Any], order: dict[str, Any] | None = None) -> FulfillmentRef:
    """The fulfillment order a shipment (or its order) belongs to: ``reference_id`` is the hub's id."""
    context = order or {}
    reference = shipment.get("reference_id") or context.get("reference_id")
    order_id = shipment.get("order_id") or context.get("id")
    if not reference and order_id in (None, ""):
        raise PermanentError(f"ShipBob shipment {shipment.get('id')} names neither its order nor its reference_id")
    external_id = str(order_id) if order_id not in (None, "") else None
    return FulfillmentRef(
        fulfillment_order_id=str(reference or ""), external_id=external_id, reference=context.get("order_number")
    )


def shipment_notice(shipment: dict[str, Any], order: dict[str, Any] | None = None) -> ShipmentNotice:
    """The notice of one shipped shipment; ``PermanentError`` when it cannot be read."""
    shipment_id = shipment.get("id")
    if shipment_id in (None, ""):
        raise PermanentError("a ShipBob shipment without an id cannot be recorded")
    ref = order_ref(shipment, order)
    tracking: dict[str, Any] = shipment["tracking"] if isinstance(shipment.get("tracking"), dict) else {}
    try:
        document = Shipment(
            shipment_number=str(shipment_id),
            channel_order_id=ref.reference or ref.fulfillment_order_id or ref.external_id,
            status=ShipmentStatus.DELIVERED if shipment.get("delivery_date") else ShipmentStatus.SHIPPED,
            shipped_at=_moment(shipment.get("actual_fulfillment_date") or shipment.get("created_date")),
            carrier=_carrier(tracking),
            tracking_numbers=[number] if (number := tracking_number(shipment)) else [],
            items=_items(shipment),
        )
    except (ValidationError, ValueError, TypeError) as exc:
        raise PermanentError(f"ShipBob shipment {shipment_id} cannot be read: {_reason(exc)}") from None
    url = tracking.get("tracking_url")
    return ShipmentNotice(
        key=str(shipment_id),
        shipment=document,
        fulfillment_order_id=ref.fulfillment_order_id or None,
        external_id=ref.external_id,
        tracking_url=str(url) if url else None,
    )


def _items(shipment: dict[str, Any]) -> list[ShipmentItem]:
    """Units per product, by SKU (the product's ``reference_id``, which the hub sent as the SKU)."""
    products = [product for product in shipment.get("products") or [] if isinstance(product, dict)]
    if not products:
        raise ValueError("it lists no products, so what shipped is unknown")
    items = []
    for product in products:
        sku = product.get("reference_id") or product.get("sku")
        if not sku:
            raise ValueError(f"product {product.get('id')} has neither a reference_id nor a SKU")
        quantity = _quantity(product)
        if quantity > 0:
            items.append(ShipmentItem(sku=str(sku), quantity=quantity))
    return items


def _quantity(product: dict[str, Any]) -> int:
    if product.get("quantity") is not None:
        return int(product["quantity"])
    inventory = [item for item in product.get("inventory_items") or [] if isinstance(item, dict)]
    if not inventory or any(item.get("quantity") is None for item in inventory):
        raise ValueError(f"product {product.get('reference_id') or product.get('id')} carries no quantity")
    return sum(int(item["quantity"]) for item in inventory)


def _carrier(tracking: dict[str, Any]) -> Carrier | None:
    name, service = tracking.get("carrier"), tracking.get("carrier_service")
    if not name and not service:
        return None
    return Carrier(name=str(name) if name else None, service=str(service) if service else None)


def _moment(value: Any) -> datetime | None:
    """ShipBob timestamps are ISO 8601 in UTC ("2025-03-15T14:15:22Z", sometimes seven decimals, sometimes
    without the zone, which is then UTC)."""
    if not value:
        return None
    text = re.sub(r"(\.\d{6})\d+", r"\1", str(value).strip().replace("Z", "+00:00"))  # at most six decimals
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
    return str(exc)
