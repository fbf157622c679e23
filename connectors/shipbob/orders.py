"""A fulfillment request as the order ``POST /{version}/order`` takes.

``reference_id`` is the hub's fulfillment order id. ShipBob keeps it unique per account and refuses a second
order with it (422, "Duplicate reference ID"), so a resend can never make a second order, and every shipment
ShipBob reports carries it back. Products go by ``reference_id`` = SKU (ShipBob creates a product it does not
know yet), one entry per SKU: shipments name products, not order lines, so the hub maps them back by SKU.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from hub.canonical import Address, FulfillmentRequest
from hub.sdk import PermanentError

MAX_REFERENCE_ID = 300
MAX_ORDER_NUMBER = 400
PRODUCTION_HOSTS = frozenset({"api.shipbob.com"})


def order_payload(request: FulfillmentRequest, *, shipping_method: str, base_url: str) -> dict[str, Any]:
    """The create-order body for ``request``; ``PermanentError`` when the order cannot be sent as it is."""
    order = request.order
    if request.test and urlsplit(base_url).hostname in PRODUCTION_HOSTS:
        raise PermanentError(
            f"fulfillment order {request.id} is a test order: it is not sent to ShipBob's production API "
            "(use an account whose base_url is the sandbox, https://sandbox-api.shipbob.com)"
        )
    if len(request.id) > MAX_REFERENCE_ID:
        raise PermanentError(f"fulfillment order id {request.id[:40]}... is longer than ShipBob's reference_id")
    payload: dict[str, Any] = {
        "reference_id": request.id,
        "order_number": request.reference[:MAX_ORDER_NUMBER],
        "type": "DTC",
        "shipping_method": _shipping_method(request) or shipping_method,
        "recipient": recipient(request),
        "products": products(request),
        "purchase_date": order.placed_at.isoformat(),
    }
    if request.test:
        payload["tags"] = [{"name": "orderhub", "value": "test order"}]
    return payload


def recipient(request: FulfillmentRequest) -> dict[str, Any]:
    """Who receives it: ShipBob needs a name, ``address1``, the city and the country."""
    order = request.order
    ship_to = order.ship_to
    if ship_to is None:
        raise PermanentError(f"fulfillment order {request.id}: the order has no ship-to address")
    customer = order.customer
    name = ship_to.name or (customer.name if customer else None) or ship_to.company
    required = (("name", name), ("line1", ship_to.line1), ("city", ship_to.city))
    missing = [label for label, value in required if not value]
    if missing:
        raise PermanentError(
            f"fulfillment order {request.id}: the ship-to address has no {', '.join(missing)}, which ShipBob requires"
        )
    return {
        "name": name,
        "address": _address(ship_to),
        "email": ship_to.email or (customer.email if customer else None),
        "phone_number": ship_to.phone or (customer.phone if customer else None),
    }


def products(request: FulfillmentRequest) -> list[dict[str, Any]]:
    """One product per SKU (lines of the same SKU are added up), by ``reference_id``."""
    by_sku: dict[str, dict[str, Any]] = {}
    for line in request.lines:
        order_line = request.order_line(line.line_id)
        sku = line.sku or order_line.sku
        if not sku:
            raise PermanentError(
                f"fulfillment order {request.id}: line {line.line_id} has no SKU, and ShipBob picks by SKU"
            )
        entry = by_sku.setdefault(sku, {"reference_id": sku, "name": order_line.name, "quantity": 0})
        entry["quantity"] += line.quantity
    return list(by_sku.values())


def _shipping_method(request: FulfillmentRequest) -> str | None:
    order = request.order
    return order.shipping_method or (order.shipping_lines[0].title if order.shipping_lines else None)


def _address(address: Address) -> dict[str, Any]:
    return {
        "address1": address.line1,
        "address2": address.line2,
        "company_name": address.company,
        "city": address.city,
        "state": address.region,
        "zip_code": address.postal_code,
        "country": address.country,
    }
