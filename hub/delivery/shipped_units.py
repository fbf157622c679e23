"""Which fulfillment order lines a reported shipment ships: its units mapped by ``line_id``, else by SKU.

Pure: ``plan_units`` reads the shipment and the fulfillment orders it may be about (one the partner named,
or the open ones at the partner's locations) and returns units per fulfillment order and line, or raises
``ShipmentRejected`` naming the units that fit nowhere (more than are left to ship, a line or SKU the
fulfillment orders do not hold). An item whose ``line_id`` is on the fulfillment order ships that line
unless its SKU says otherwise; a SKU on several lines or fulfillment orders fills them oldest first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hub.canonical import Shipment
from hub.errors import InputRejected
from hub.lifecycle import FulfillmentOrder
from hub.sdk import ShipmentNotice


class ShipmentRejected(InputRejected):
    """The shipment does not fit the order (unknown fulfillment order, too many units, a SKU it does not
    hold); the message says what, and nothing of the shipment was recorded."""


@dataclass
class _Slot:
    fo_id: str
    line_id: str
    sku: str | None
    room: int  # units still to ship from this fulfillment order line


def shipped_items(shipment: Shipment) -> list[tuple[str | None, str | None, int]]:
    """``(line_id, sku, units)`` the shipment reports, summed per line and SKU: its items, else every
    package's items; items of no units (a 945 line that shipped nothing) are left out."""
    items = list(shipment.items) or [item for package in shipment.packages for item in package.items]
    totals: dict[tuple[str | None, str | None], int] = {}
    for item in items:
        if item.quantity:
            key = (item.line_id, item.sku)
            totals[key] = totals.get(key, 0) + int(item.quantity)
    return [(line_id, sku, units) for (line_id, sku), units in totals.items()]


def plan_units(
    notice: ShipmentNotice, fulfillment_orders: Sequence[FulfillmentOrder], where: str
) -> dict[str, dict[str, int]]:
    """Units to ship per fulfillment order and line; ``ShipmentRejected`` for units that fit nowhere.

    A shipment that lists no items ships every open unit, when it can only be about one fulfillment order."""
    items = shipped_items(notice.shipment)
    if not items:
        if notice.shipment.items or notice.shipment.packages:
            raise ShipmentRejected(f"shipment {notice.key} reports no shipped units for {where}")
        if len(fulfillment_orders) > 1:
            names = ", ".join(fo.id for fo in fulfillment_orders)
            raise ShipmentRejected(
                f"shipment {notice.key} lists no items, and {where} are several ({names}): it must say what shipped"
            )
        return {fulfillment_orders[0].id: fulfillment_orders[0].open_by_line()}
    slots = [
        _Slot(fo.id, line.line_id, line.sku, line.open)
        for fo in fulfillment_orders
        for line in fo.lines.values()
        if line.open
    ]
    plan: dict[str, dict[str, int]] = {}
    for line_id, sku, units in items:
        _place(notice.key, where, _slots_for(notice.key, where, slots, line_id, sku), line_id, sku, units, plan)
    return plan


def _slots_for(key: str, where: str, slots: list[_Slot], line_id: str | None, sku: str | None) -> list[_Slot]:
    by_line = [slot for slot in slots if line_id is not None and slot.line_id == line_id]
    if by_line and (sku is None or all(slot.sku in (None, sku) for slot in by_line)):
        return by_line
    by_sku = [slot for slot in slots if sku is not None and slot.sku == sku]
    if by_sku:
        return by_sku
    if line_id is None and sku is None:
        raise ShipmentRejected(f"shipment {key} has an item with neither a line_id nor a SKU the hub knows")
    raise ShipmentRejected(f"shipment {key} ships {_describe(line_id, sku)}, which {where} does not have to ship")


def _place(
    key: str,
    where: str,
    slots: list[_Slot],
    line_id: str | None,
    sku: str | None,
    units: int,
    plan: dict[str, dict[str, int]],
) -> None:
    room = sum(slot.room for slot in slots)
    if units > room:
        raise ShipmentRejected(
            f"shipment {key} ships {units} units of {_describe(line_id, sku)} but {where} has only {room} left "
            "to ship; an over-shipment is refused and nothing was recorded"
        )
    left = units
    for slot in slots:
        taken = min(left, slot.room)
        if taken:
            slot.room -= taken
            lines = plan.setdefault(slot.fo_id, {})
            lines[slot.line_id] = lines.get(slot.line_id, 0) + taken
            left -= taken


def _describe(line_id: str | None, sku: str | None) -> str:
    parts = [f"line {line_id}" if line_id else "", f"SKU {sku}" if sku else ""]
    return " / ".join(part for part in parts if part)
