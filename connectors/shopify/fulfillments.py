"""A hub shipment as a Shopify fulfillment: found again when it exists, else created on the order's fulfillment
orders, mapping each shipped order line (its ``channel_line_id`` is the Shopify line item id) onto the
fulfillment order line items that still have units to fulfil.

The order is read with connections small enough to stay well under Shopify's 1,000-point limit on one
query's requested cost (ten fulfillment orders of fifty lines each).

A resend must never make a second fulfillment. Shopify's fulfillments carry no field of ours, so a
fulfillment already made for this shipment is recognised by its tracking numbers (an open fulfillment of the
order with the same numbers), and a shipment without numbers by having nothing left to fulfil on its lines
(``AlreadyDelivered``).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from connectors.shopify.client import ShopifyClient, user_errors
from connectors.shopify.ids import gid
from hub.sdk import (
    AlreadyDelivered,
    ChannelShipment,
    PermanentError,
    Submitted,
    UpdateLine,
    carrier_name,
    tracking_numbers,
)

OPEN_ORDERS = {"OPEN", "IN_PROGRESS", "SCHEDULED", "ON_HOLD", "INCOMPLETE"}

ORDER_FULFILLMENT = """
query OrderFulfillment($id: ID!) {
  order(id: $id) {
    id
    cancelledAt
    fulfillments(first: 50) { id status trackingInfo(first: 5) { company number url } }
    fulfillmentOrders(first: 10) {
      nodes { id status lineItems(first: 50) { nodes { id remainingQuantity sku lineItem { id } } } }
    }
  }
}
"""

FULFILLMENT_CREATE = """
mutation FulfillmentCreate($fulfillment: FulfillmentInput!) {
  fulfillmentCreate(fulfillment: $fulfillment) {
    fulfillment { id status }
    userErrors { field message }
  }
}
"""

TRACKING_UPDATE = """
mutation TrackingUpdate($fulfillmentId: ID!, $trackingInfoInput: FulfillmentTrackingInput!, $notifyCustomer: Boolean) {
  fulfillmentTrackingInfoUpdate(
    fulfillmentId: $fulfillmentId, trackingInfoInput: $trackingInfoInput, notifyCustomer: $notifyCustomer
  ) {
    fulfillment { id }
    userErrors { field message }
  }
}
"""


def confirm(client: ShopifyClient, update: ChannelShipment) -> Submitted:
    order_id = gid("Order", update.order.channel_order_id, "the order's channel id")
    order = read_order(client, order_id)
    numbers = tracking_numbers(update.shipment)
    made = _fulfillment_with(order, numbers)
    if made is not None:
        return Submitted(external_id=made, note=f"Shopify fulfillment {made} (made before, found by its tracking)")
    if order.get("cancelledAt"):
        raise PermanentError(f"Shopify order {order_id} was cancelled: it cannot be fulfilled")
    by_fulfillment_order, short = allocate(order, update.lines)
    if not by_fulfillment_order:
        raise AlreadyDelivered(f"every unit of shipment {update.shipment_id} is already fulfilled at Shopify")
    fulfillment: dict[str, Any] = {
        "lineItemsByFulfillmentOrder": [
            {"fulfillmentOrderId": fo_id, "fulfillmentOrderLineItems": items}
            for fo_id, items in by_fulfillment_order.items()
        ],
        "notifyCustomer": update.notify_customer,
    }
    tracking = tracking_input(update)
    if tracking:
        fulfillment["trackingInfo"] = tracking
    data = client.execute(FULFILLMENT_CREATE, {"fulfillment": fulfillment}, what="fulfillmentCreate")
    payload = data.get("fulfillmentCreate") or {}
    user_errors(payload, "fulfillmentCreate")
    created = (payload.get("fulfillment") or {}).get("id")
    if not created:
        raise PermanentError("Shopify fulfillmentCreate answered without a fulfillment")
    note = f"Shopify fulfillment {created}" + (f" ({short} units were already fulfilled there)" if short else "")
    return Submitted(external_id=str(created), note=note)


def update_tracking(client: ShopifyClient, update: ChannelShipment, external_id: str) -> Submitted:
    fulfillment_id = gid("Fulfillment", external_id, "the fulfillment id")
    variables = {
        "fulfillmentId": fulfillment_id,
        "trackingInfoInput": tracking_input(update),
        "notifyCustomer": update.notify_customer,
    }
    data = client.execute(TRACKING_UPDATE, variables, what="fulfillmentTrackingInfoUpdate")
    payload = data.get("fulfillmentTrackingInfoUpdate") or {}
    user_errors(payload, "fulfillmentTrackingInfoUpdate")
    return Submitted(external_id=fulfillment_id, note=f"tracking of Shopify fulfillment {fulfillment_id} updated")


def read_order(client: ShopifyClient, order_id: str) -> dict[str, Any]:
    data = client.execute(ORDER_FULFILLMENT, {"id": order_id}, what="order fulfillment orders")
    order = data.get("order")
    if not isinstance(order, dict):
        raise PermanentError(f"Shopify has no order {order_id}")
    return order


def tracking_input(update: ChannelShipment) -> dict[str, Any]:
    """``FulfillmentTrackingInput``: the carrier, every number, and the link (Shopify takes a URL only beside a
    number; a known carrier lets it build the links itself)."""
    company = carrier_name(update.shipment)
    numbers = tracking_numbers(update.shipment)
    tracking: dict[str, Any] = {}
    if company:
        tracking["company"] = company
    if numbers:
        tracking["numbers"] = numbers
        if update.tracking_url:
            tracking["urls"] = [update.tracking_url]
    return tracking


def _fulfillment_with(order: dict[str, Any], numbers: list[str]) -> str | None:
    if not numbers:
        return None
    for fulfillment in order.get("fulfillments") or []:
        if fulfillment.get("status") in ("CANCELLED", "ERROR", "FAILURE"):
            continue
        theirs = {info.get("number") for info in fulfillment.get("trackingInfo") or []}
        if theirs and set(numbers) <= theirs:
            return str(fulfillment["id"])
    return None


def allocate(order: dict[str, Any], lines: tuple[UpdateLine, ...]) -> tuple[dict[str, list[dict[str, Any]]], int]:
    """The units of ``lines`` spread over the open fulfillment order line items that still have units left,
    by Shopify line item (else by SKU): ``{fulfillment order id: [{id, quantity}]}``, and how many units found
    nothing left to fulfil. A line that no fulfillment order holds at all is refused."""
    candidates = [
        (fo["id"], item)
        for fo in (order.get("fulfillmentOrders") or {}).get("nodes") or []
        if fo.get("status") in OPEN_ORDERS or fo.get("status") == "CLOSED"
        for item in (fo.get("lineItems") or {}).get("nodes") or []
    ]
    chosen: dict[str, list[dict[str, Any]]] = defaultdict(list)
    short = 0
    for line in lines:
        matching = [(fo_id, item) for fo_id, item in candidates if _matches(item, line)]
        if not matching:
            what = f"line item {line.channel_line_id}" if line.channel_line_id else f"SKU {line.sku}"
            raise PermanentError(f"no fulfillment order of the Shopify order holds {what} (order line {line.line_id})")
        wanted = line.quantity
        for fo_id, item in matching:
            take = min(wanted, int(item.get("remainingQuantity") or 0))
            if take > 0:
                chosen[fo_id].append({"id": item["id"], "quantity": take})
                item["remainingQuantity"] = int(item["remainingQuantity"]) - take
                wanted -= take
        short += wanted
    return dict(chosen), short


def _matches(item: dict[str, Any], line: UpdateLine) -> bool:
    if line.channel_line_id:
        return bool((item.get("lineItem") or {}).get("id") == gid("LineItem", line.channel_line_id, "line item id"))
    return bool(line.sku) and item.get("sku") == line.sku
