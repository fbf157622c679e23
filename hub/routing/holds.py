"""Reasons to hold an order before routing it, and lines routing leaves alone.

Order holds come from the hub's own state (a cancelled order) and from the rule's ``hold`` policy
(payment status, tags, test orders, a missing ship-to address). A held order is routed again when it
changes or on the rule's schedule; nothing about it is allocated meanwhile.
"""

from __future__ import annotations

from hub.canonical import Order, OrderLine, OrderStatus
from hub.routing.ruleset import Holds, matches_any


def order_holds(order: Order, holds: Holds, ships_anything: bool) -> list[tuple[str, str]]:
    """Every reason the order is held, as (code, reason), in the order a person should look at them."""
    found: list[tuple[str, str]] = []
    if order.status == OrderStatus.CANCELLED:
        found.append(("cancelled", "the order is cancelled; nothing is allocated for it"))
    if order.test and holds.test_orders:
        found.append(("test_order", "this is a test order and the rule holds test orders"))
    if order.payment_status in holds.payment_statuses:
        found.append(("payment", f"payment status is {order.payment_status}, which the rule holds until it changes"))
    tagged = [tag for tag in order.tags if matches_any(tag, holds.tags)]
    if tagged:
        found.append(("tag", f"the order is tagged {', '.join(map(repr, tagged))}, which the rule holds"))
    if ships_anything and order.ship_to is None and holds.missing_ship_to:
        found.append(("no_ship_to", "the order has lines to ship but no ship-to address; add one to route it"))
    return found


def unrouted_note(line: OrderLine) -> str | None:
    """Why a line needs no location at all, or None when it does."""
    if not line.requires_shipping:
        return "nothing to ship (gift card, service or download)"
    if line.quantity == 0:
        return "quantity is 0"
    return None


NO_SKU = ("no_sku", "the line has no SKU, so no stock can be found for it; map a SKU for this product")
