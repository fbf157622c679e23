"""What the hub tells BigCommerce, in BigCommerce's shapes: a v2 shipment (one address, ``order_product_id``
quantities, the carrier as BigCommerce and AfterShip name it) and the items of a v3 refund. No HTTP here."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hub.canonical import Order, Shipment
from hub.sdk import (
    ChannelRefund,
    ChannelShipment,
    PermanentError,
    UpdateLine,
    carrier_code,
    carrier_name,
    required_line_id,
    tracking_numbers,
)

ADDRESS_ATTRIBUTE = "order_address_id"  # kept on the canonical order by the intake mapping
TRACKING_MAX = 50  # characters BigCommerce takes in tracking_number

# carrier name (lower case, as a 3PL or an 856 reports it) -> (shipping_provider, tracking_carrier AfterShip slug)
CARRIERS = {
    "ups": ("ups", "ups"),
    "fedex": ("fedex", "fedex"),
    "usps": ("usps", "usps"),
    "canada post": ("canadapost", "canada-post"),
    "royal mail": ("royalmail", "royal-mail"),
    "australia post": ("auspost", "australia-post"),
    "auspost": ("auspost", "australia-post"),
    "dhl": ("", "dhl"),
}


def order_product_id(order: Order, line: UpdateLine) -> int:
    """BigCommerce's order product id of an update line (kept as ``channel_line_id`` at intake)."""
    value = required_line_id(order, line, "BigCommerce order product id")
    if not value.isdigit():
        raise PermanentError(f"order line {line.line_id}: {value!r} is not a BigCommerce order product id")
    return int(value)


def carrier_fields(shipment: Shipment, tracking_url: str | None) -> dict[str, Any]:
    """tracking_number, shipping_provider, tracking_carrier, tracking_link and shipping_method of a shipment.
    Only one tracking number fits a BigCommerce shipment: the others are listed in its comments."""
    carrier, name = shipment.carrier, carrier_name(shipment)
    provider, slug = carrier_code(shipment, CARRIERS) or ("", "")
    numbers = tracking_numbers(shipment)
    fields: dict[str, Any] = {
        "tracking_number": numbers[0][:TRACKING_MAX] if numbers else "",
        "shipping_provider": provider,
        "tracking_carrier": slug,
        "shipping_method": " ".join(part for part in (name, carrier.service if carrier else None) if part),
    }
    if tracking_url:
        fields["tracking_link"] = tracking_url[:500]
    if len(numbers) > 1:
        fields["comments"] = "Further tracking numbers: " + ", ".join(numbers[1:])
    return fields


def shipment_items(update: ChannelShipment) -> list[dict[str, int]]:
    items = [
        {"order_product_id": order_product_id(update.order, line), "quantity": line.quantity} for line in update.lines
    ]
    if not items:
        raise PermanentError(f"shipment {update.shipment_id} names no order lines")
    return items


def same_shipment(existing: dict[str, Any], tracking: str, items: list[dict[str, int]]) -> bool:
    """Whether a shipment BigCommerce lists is this one: the same tracking number and the same units."""
    listed = sorted(
        (int(item.get("order_product_id", 0)), int(item.get("quantity", 0)))
        for item in existing.get("items") or []
        if isinstance(item, dict)
    )
    ours = sorted((item["order_product_id"], item["quantity"]) for item in items)
    return str(existing.get("tracking_number") or "") == tracking and listed == ours


def refund_items(refund: ChannelRefund, order_id: int, address_id: int | None) -> list[dict[str, Any]]:
    """The v3 refund items: products by quantity, the shipping of the order's address, or an amount on the
    whole order."""
    items: list[dict[str, Any]] = [
        {"item_type": "PRODUCT", "item_id": order_product_id(refund.order, line), "quantity": line.quantity}
        for line in refund.lines
    ]
    if refund.shipping:
        if address_id is None:
            raise PermanentError("the order has no shipping address at BigCommerce: its shipping cannot be refunded")
        shipping = refund.order.totals.shipping.amount
        items.append({"item_type": "SHIPPING", "item_id": address_id, "amount": float(shipping)})
    if refund.amount is not None:
        items.append({"item_type": "ORDER", "item_id": order_id, "amount": float(Decimal(refund.amount))})
    if not items:
        raise PermanentError("the refund comes to nothing: name lines, the shipping or an amount")
    return items


def same_refund(existing: dict[str, Any], reason: str, items: list[dict[str, Any]]) -> bool:
    """Whether a refund BigCommerce lists is this one (BigCommerce keeps no key of ours): same reason, same items."""

    def key(item: dict[str, Any]) -> tuple[str, int, int, str]:
        quantity = int(item.get("quantity") or 0)
        amount = None if quantity else item.get("amount", item.get("requested_amount"))  # quantity-bound: computed
        shown = f"{Decimal(str(amount)):.2f}" if amount is not None else ""
        return (str(item.get("item_type")), int(item.get("item_id") or 0), quantity, shown)

    listed = sorted(key(item) for item in existing.get("items") or [] if isinstance(item, dict))
    return existing.get("reason") == reason and listed == sorted(key(item) for item in items)
