"""Late shipments against each channel's promised ship-by date, per channel (and a ``(all)`` row).

- **Promised**: the order's ship-by day (``orders.ship_by``): the ``requested_ship_date`` the channel sent,
  else the channel account's promise, ``ship_within_days`` business days after it was placed
  (``hub.orders.ship_by``); orders without one are not counted. ``promised`` counts orders with one,
  cancelled orders that never shipped left out.
- **on_time** / **late**: the order's first shipment (``shipped_at``, as a UTC day) on or before the day,
  or after it. ``days_late_max``: the most days any first shipment came after its day.
- **open_late**: nothing shipped yet and the day is past (before today, UTC).
- **on_time_rate**: on_time / (on_time + late + open_late); orders not shipped and not yet due are left out.
- Scope: orders placed in the day range on the channel, test orders left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, Subquery, and_, case, cast, func, select
from sqlalchemy.orm import Session

from hub.db.models import OrderRecord, ShipmentRecord
from hub.reports.filters import ReportFilters
from hub.reports.sql import days_between, order_scope, rate, utc_day

ALL = "(all)"


@dataclass(frozen=True)
class LateShipments:
    channel: str
    promised: int
    on_time: int
    late: int
    open_late: int
    on_time_rate: float | None
    days_late_max: int | None


def first_order_shipments() -> Subquery:
    return (
        select(ShipmentRecord.order_id.label("order_id"), func.min(ShipmentRecord.shipped_at).label("shipped_at"))
        .where(ShipmentRecord.shipped_at.is_not(None))
        .group_by(ShipmentRecord.order_id)
        .subquery("first_shipment")
    )


def late_shipments(session: Session, filters: ReportFilters, now: datetime) -> list[LateShipments]:
    first = first_order_shipments()
    ship_by = cast(OrderRecord.ship_by, String)  # YYYY-MM-DD, comparable with the shipped day's text
    shipped_day = utc_day(first.c.shipped_at)
    today = now.date().isoformat()
    promised = (
        select(OrderRecord.channel.label("channel"), ship_by.label("ship_by"), shipped_day.label("shipped_day"))
        .outerjoin(first, first.c.order_id == OrderRecord.id)
        .where(ship_by.is_not(None), *order_scope(filters))
        .where(~and_(OrderRecord.status == "cancelled", first.c.shipped_at.is_(None)))
        .subquery("promised")
    )
    p = promised.c
    query = (
        select(
            p.channel,
            func.count(),
            func.sum(case((p.shipped_day <= p.ship_by, 1), else_=0)),
            func.sum(case((p.shipped_day > p.ship_by, 1), else_=0)),
            func.sum(case((and_(p.shipped_day.is_(None), p.ship_by < today), 1), else_=0)),
            func.max(case((p.shipped_day > p.ship_by, days_between(p.shipped_day, p.ship_by)))),
        )
        .group_by(p.channel)
        .order_by(p.channel)
    )
    rows = [_row(channel, *counts) for channel, *counts in session.execute(query)]
    if len(rows) > 1:
        worst = max((row.days_late_max for row in rows if row.days_late_max is not None), default=None)
        rows.append(_row(ALL, sum(r.promised for r in rows), sum(r.on_time for r in rows), sum(r.late for r in rows),
                         sum(r.open_late for r in rows), worst))  # fmt: skip
    return rows


def _row(channel: str, promised: int, on_time: int | None, late: int | None, open_late: int | None,
         worst: int | None) -> LateShipments:  # fmt: skip
    on_time, late, open_late = int(on_time or 0), int(late or 0), int(open_late or 0)
    due = on_time + late + open_late
    return LateShipments(channel, int(promised), on_time, late, open_late, rate(on_time, due),
                         None if worst is None else int(worst))  # fmt: skip
