"""Which timeline entries are published, under which event type, with what data.

A published type is a promise to subscribers: its name and the fields of ``data`` only ever gain fields.
Timeline types not listed here (the hub's own bookkeeping) are never published.
"""

from __future__ import annotations

from typing import Any

PUBLISHED: dict[str, str] = {
    "order.received": "order.created",
    "order.routed": "order.routed",
    "order.backordered": "order.backordered",
    "line.backordered": "order.backordered",
    "order.shipped": "order.shipped",
    "order.partially_shipped": "order.partially_shipped",
    "line.delivered": "order.delivered",
    "order.cancelled": "order.cancelled",
    "order.lines_cancelled": "order.cancelled",
    "order.auto_cancelled": "order.cancelled",
    "order.refund_recorded": "order.refunded",
    "return.refunded": "order.refunded",
    "return.received": "order.returned",
}


def event_data(order: dict[str, Any], timeline_type: str, details: dict[str, Any]) -> dict[str, Any]:
    """The ``data`` of an order event: who the order is, what happened (the timeline's own type), and the
    details the timeline recorded (tracking, lines, reasons)."""
    return {
        "order_id": order["id"],
        "channel": order["channel"],
        "account": order["account"],
        "channel_order_id": order["channel_order_id"],
        "number": order["number"],
        "status": order["status"],
        "timeline_type": timeline_type,
        "details": details,
    }


def low_stock_data(row: Any, threshold: int) -> dict[str, Any]:
    """The ``data`` of ``inventory.low``: which listing, its figure now and before, and the threshold."""
    return {
        "channel": row.channel,
        "account": row.account,
        "sku": row.sku,
        "available": row.new_quantity,
        "previous": row.old_quantity,
        "threshold": threshold,
    }
