"""Order-to-ship time per location: p50, p90 and p99, in hours.

- One measurement per fulfillment order that has shipped anything: from the order's ``placed_at`` (the
  channel's time of purchase) to the ``shipped_at`` of the fulfillment order's first shipment. Shipments
  without a ship time or a fulfillment order are left out.
- Grouped by the fulfillment order's location; scope: orders placed in the day range on the channel, test
  orders left out; the location filter keeps one location.
- Percentiles are nearest-rank: the p-th is the smallest measurement with at least p% of them at or below it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Subquery, func, select
from sqlalchemy.orm import Session

from hub.db.models import FulfillmentOrderRecord, OrderRecord, ShipmentRecord
from hub.reports.filters import ReportFilters
from hub.reports.sql import hours, order_scope, percentiles, seconds_between


@dataclass(frozen=True)
class ShipTime:
    location: str
    shipped: int  # fulfillment orders measured
    p50_hours: float | None
    p90_hours: float | None
    p99_hours: float | None


def first_shipments() -> Subquery:
    """Per fulfillment order, when its first shipment left."""
    return (
        select(
            ShipmentRecord.fulfillment_order_id.label("fulfillment_order_id"),
            func.min(ShipmentRecord.shipped_at).label("shipped_at"),
        )  # fmt: skip
        .where(ShipmentRecord.fulfillment_order_id.is_not(None), ShipmentRecord.shipped_at.is_not(None))
        .group_by(ShipmentRecord.fulfillment_order_id)
        .subquery("first_shipment")
    )


def ship_times(session: Session, filters: ReportFilters, now: datetime) -> list[ShipTime]:
    first = first_shipments()
    fo = FulfillmentOrderRecord
    measured = (
        select(
            fo.location_id.label("location"),
            seconds_between(first.c.shipped_at, OrderRecord.placed_at).label("seconds"),
        )  # fmt: skip
        .join(first, first.c.fulfillment_order_id == fo.id)
        .join(OrderRecord, OrderRecord.id == fo.order_id)
        .where(*order_scope(filters), *([fo.location_id == filters.location] if filters.location else []))
        .subquery("measured")
    )
    query = percentiles(measured, ["location"])
    rows = sorted(session.execute(query), key=lambda row: row.location)
    return [ShipTime(row.location, row.n, hours(row.p50), hours(row.p90), hours(row.p99)) for row in rows]
