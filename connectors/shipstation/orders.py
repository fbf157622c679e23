"""A fulfillment request as the ShipStation order ``POST /orders/createorder`` takes.

``orderKey`` is the hub's fulfillment order id: ShipStation updates the order it already holds under that key
instead of making a second, so a resend is harmless, and the shipments it reports later carry the key back.
``createorder`` replaces the whole order, so a cancellation re-posts the same order with another status.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hub.canonical import Address, FulfillmentRequest
from hub.sdk import PermanentError

MAX_ORDER_NUMBER = 50
TEST_ORDER_NOTE = "TEST ORDER from orderhub: do not ship"


def _account_time_zone() -> ZoneInfo | None:
    # v1 reads dates without an offset as US Pacific time, the zone of its own timestamps.
    try:
        return ZoneInfo("America/Los_Angeles")
    except ZoneInfoNotFoundError:
        return None


PACIFIC = _account_time_zone()


def order_payload(
    request: FulfillmentRequest, *, store_id: int | None, status: str = "awaiting_shipment"
) -> dict[str, Any]:
    """The createorder body for ``request``; ``PermanentError`` when the order cannot be shipped as it is."""
    order = request.order
    ship_to = order.ship_to
    if ship_to is None:
        raise PermanentError(f"fulfillment order {request.id}: the order has no ship-to address")
    payload: dict[str, Any] = {
        "orderNumber": request.reference[:MAX_ORDER_NUMBER],
        "orderKey": request.id,
        "orderDate": account_timestamp(order.placed_at),
        "orderStatus": "on_hold" if request.test and status != "cancelled" else status,
        "customerEmail": order.customer.email if order.customer else None,
        "billTo": _address(order.bill_to or ship_to),
        "shipTo": _address(ship_to),
        "items": [_item(request, line.line_id, line.sku, line.quantity) for line in request.lines],
        "requestedShippingService": order.shipping_method
        or (order.shipping_lines[0].title if order.shipping_lines else None),
        "customerNotes": order.notes,
        "internalNotes": TEST_ORDER_NOTE if request.test else None,
    }
    if order.requested_ship_date is not None:
        payload["shipByDate"] = order.requested_ship_date.isoformat()
    if store_id is not None:
        payload["advancedOptions"] = {"storeId": store_id}
    return {key: value for key, value in payload.items() if value is not None}


def _item(request: FulfillmentRequest, line_id: str, sku: str | None, quantity: int) -> dict[str, Any]:
    line = request.order_line(line_id)
    return {
        "lineItemKey": line_id,
        "sku": sku or line.sku,
        "name": line.name,
        "quantity": quantity,
        "unitPrice": float(line.unit_price.amount),
    }


def _address(address: Address) -> dict[str, Any]:
    return {
        "name": address.name or address.company or "",
        "company": address.company,
        "street1": address.line1,
        "street2": address.line2,
        "city": address.city,
        "state": address.region,
        "postalCode": address.postal_code,
        "country": address.country,
        "phone": address.phone,
    }


def account_timestamp(moment: datetime) -> str:
    """``moment`` as ShipStation v1 writes and reads timestamps: Pacific wall-clock time, no offset."""
    local = moment.astimezone(PACIFIC) if PACIFIC is not None else moment
    return local.replace(tzinfo=None).isoformat(timespec="seconds")
