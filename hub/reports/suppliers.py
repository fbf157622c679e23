"""Drop-ship supplier performance, per supplier (the X12 partner a purchase order went to).

- **purchase_orders**: POs (850s) sent for orders placed in the day range on the channel (test orders left
  out); the location filter keeps POs for that supplier location.
- **ack time**: from the PO's ``created_at`` (when it was sent) to ``acknowledged_at`` (the first 855, or
  997 when the partner's profile says a 997 acknowledges); ``acknowledged`` counts POs with one.
- **ship time**: from the PO's ``created_at`` to the first shipment recorded for its fulfillment order.
- p50 and p90 are nearest-rank percentiles in hours over the POs measured.
- **rejection_rate**: POs the supplier rejected (status ``rejected``) / purchase_orders.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from hub.db.models import OrderRecord, SupplierPurchaseOrder
from hub.reports.filters import ReportFilters
from hub.reports.ship_time import first_shipments
from hub.reports.sql import hours, order_scope, percentiles, rate, seconds_between

PERCENTS = (50, 90)


@dataclass(frozen=True)
class SupplierPerformance:
    supplier: str
    purchase_orders: int
    acknowledged: int
    ack_p50_hours: float | None
    ack_p90_hours: float | None
    shipped: int
    ship_p50_hours: float | None
    ship_p90_hours: float | None
    rejected: int
    rejection_rate: float | None


def _scoped(query: Any, filters: ReportFilters) -> Any:
    po = SupplierPurchaseOrder
    query = query.join(OrderRecord, OrderRecord.id == po.order_id).where(*order_scope(filters))
    return query.where(po.location_id == filters.location) if filters.location else query


def _times(session: Session, filters: ReportFilters, until: Any, join: Any = None) -> dict[str, Any]:
    po = SupplierPurchaseOrder
    query = select(po.partner_id.label("supplier"), seconds_between(until, po.created_at).label("seconds"))
    if join is not None:
        query = query.join(join, join.c.fulfillment_order_id == po.fulfillment_order_id)
    measured = _scoped(query.where(until.is_not(None)), filters).subquery("measured")
    return {row.supplier: row for row in session.execute(percentiles(measured, ["supplier"], PERCENTS))}


def supplier_performance(session: Session, filters: ReportFilters, now: datetime) -> list[SupplierPerformance]:
    po = SupplierPurchaseOrder
    counts = _scoped(
        select(po.partner_id, func.count(), func.sum(case((po.status == "rejected", 1), else_=0))), filters
    ).group_by(po.partner_id)
    acks = _times(session, filters, po.acknowledged_at)
    first = first_shipments()
    ships = _times(session, filters, first.c.shipped_at, first)
    rows = []
    for supplier, sent, rejected in sorted(session.execute(counts)):
        ack, ship = acks.get(supplier), ships.get(supplier)
        rows.append(
            SupplierPerformance(
                supplier,
                sent,
                ack.n if ack else 0,
                hours(ack.p50) if ack else None,
                hours(ack.p90) if ack else None,
                ship.n if ship else 0,
                hours(ship.p50) if ship else None,
                hours(ship.p90) if ship else None,
                int(rejected or 0),
                rate(int(rejected or 0), sent),
            )  # fmt: skip
        )
    return rows
