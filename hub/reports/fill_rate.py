"""Fill rate and split rate, per channel (and a ``(all)`` row).

- **First location**: an order's first fulfillment order (the lowest position) and its location. The
  location filter keeps orders whose first location is that one.
- **Split rate**: of the orders placed in range that have any fulfillment order (``routed_orders``), those
  whose fulfillment orders are at more than one location (``split_orders``), a re-route after a rejection
  included.
- **Fill rate** counts only orders whose first fulfillment order has its final answer (shipped, closed,
  rejected or cancelled): ``decided_orders``. Over the lines of those orders that need shipping, counting
  the units still wanted (ordered less cancelled on the line, so a line the buyer took off counts for
  nothing): ``lines_filled`` are lines whose every wanted unit shipped in the first fulfillment order, and
  ``units_filled`` the units it shipped (at most those wanted). Rates are fractions of ``lines`` and
  ``units`` (units wanted).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Subquery, and_, case, func, select, true
from sqlalchemy.orm import Session, aliased

from hub.db.models import (
    FulfillmentOrderLineRecord,
    FulfillmentOrderRecord,
    LineQuantityRecord,
    OrderLineRecord,
    OrderRecord,
)
from hub.reports.filters import ReportFilters
from hub.reports.sql import order_scope, rate

FINAL = ("shipped", "closed", "rejected", "cancelled")
ALL = "(all)"


@dataclass(frozen=True)
class FillRate:
    channel: str
    routed_orders: int
    split_orders: int
    split_rate: float | None
    decided_orders: int
    lines: int
    lines_filled: int
    line_fill_rate: float | None
    units: int
    units_filled: int
    unit_fill_rate: float | None


def first_fulfillment_orders(filters: ReportFilters) -> Subquery:
    """Each order's first fulfillment order: id, location and state."""
    later = aliased(FulfillmentOrderRecord)
    fo = FulfillmentOrderRecord
    lowest = select(func.min(later.position)).where(later.order_id == fo.order_id).scalar_subquery()
    query = select(fo.order_id, fo.id, fo.location_id, fo.state).where(fo.position == lowest)
    if filters.location:
        query = query.where(fo.location_id == filters.location)
    return query.subquery("first_fo")


def _splits(session: Session, filters: ReportFilters, first: Subquery) -> dict[str, tuple[int, int]]:
    fo = FulfillmentOrderRecord
    locations = (
        select(fo.order_id, func.count(func.distinct(fo.location_id)).label("locations"))
        .group_by(fo.order_id)
        .subquery("locations")
    )
    query = (
        select(OrderRecord.channel, func.count(), func.sum(case((locations.c.locations > 1, 1), else_=0)))
        .join(first, first.c.order_id == OrderRecord.id)
        .join(locations, locations.c.order_id == OrderRecord.id)
        .where(*order_scope(filters))
        .group_by(OrderRecord.channel)
    )
    return {channel: (int(routed), int(split or 0)) for channel, routed, split in session.execute(query)}


def _fills(session: Session, filters: ReportFilters, first: Subquery) -> dict[str, tuple[int, ...]]:
    lq, fol = LineQuantityRecord, FulfillmentOrderLineRecord
    shipped, wanted = func.coalesce(fol.shipped, 0), lq.ordered - lq.cancelled
    query = (
        select(
            OrderRecord.channel,
            func.count(func.distinct(OrderRecord.id)),
            func.count(lq.id),
            func.sum(case((shipped >= wanted, 1), else_=0)),
            func.sum(wanted),
            func.sum(case((shipped < wanted, shipped), else_=wanted)),
        )
        .join(first, first.c.order_id == lq.order_id)
        .join(OrderRecord, OrderRecord.id == lq.order_id)
        .join(OrderLineRecord, and_(OrderLineRecord.order_id == lq.order_id, OrderLineRecord.line_id == lq.line_id))
        .outerjoin(fol, and_(fol.fulfillment_order_id == first.c.id, fol.line_id == lq.line_id))
        .where(first.c.state.in_(FINAL), OrderLineRecord.requires_shipping == true(), wanted > 0, *order_scope(filters))
        .group_by(OrderRecord.channel)
    )
    return {row[0]: tuple(int(value or 0) for value in row[1:]) for row in session.execute(query)}


def fill_rates(session: Session, filters: ReportFilters, now: datetime) -> list[FillRate]:
    first = first_fulfillment_orders(filters)
    splits, fills = _splits(session, filters, first), _fills(session, filters, first)
    counts: dict[str, tuple[int, ...]] = {
        channel: splits.get(channel, (0, 0)) + fills.get(channel, (0, 0, 0, 0, 0))
        for channel in sorted(splits.keys() | fills.keys())
    }
    if len(counts) > 1:
        counts[ALL] = tuple(sum(column) for column in zip(*counts.values(), strict=True))
    return [_row(channel, values) for channel, values in counts.items()]


def _row(channel: str, values: tuple[int, ...]) -> FillRate:
    routed, split, decided, lines, filled, units, units_filled = values
    return FillRate(channel, routed, split, rate(split, routed), decided, lines, filled, rate(filled, lines),
                    units, units_filled, rate(units_filled, units))  # fmt: skip
