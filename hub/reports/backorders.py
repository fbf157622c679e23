"""Backorder age: units waiting for stock, by how long their order has waited.

- **units**: the ``backordered`` units of each line's quantity ledger now (units the hub could not allocate
  and is waiting to route); ``lines`` and ``orders`` count those with any.
- **age**: now minus the order's ``placed_at``, in buckets (under 1 day, 1-3, 3-7, 7-14, 14 days or more;
  each bucket includes its lower bound). Every bucket is listed, empty ones with zeros.
- Scope: orders placed in the day range on the channel, test orders left out. No location: backordered
  units are not at any location yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from hub.db.models import LineQuantityRecord, OrderRecord
from hub.reports.filters import ReportFilters
from hub.reports.sql import order_scope

BUCKETS = ((1, "under 1 day"), (3, "1-3 days"), (7, "3-7 days"), (14, "7-14 days"))
OLDEST = "14 days or more"


@dataclass(frozen=True)
class BackorderAge:
    age: str
    units: int
    lines: int
    orders: int


def backorder_ages(session: Session, filters: ReportFilters, now: datetime) -> list[BackorderAge]:
    lq = LineQuantityRecord
    # Younger than the bucket's upper bound: placed after now - bound (bounds are parameters, so portable).
    bucket = case(
        *((OrderRecord.placed_at > now - timedelta(days=days), label) for days, label in BUCKETS), else_=OLDEST
    ).label("age")
    waiting = (
        select(bucket, lq.backordered, lq.id, lq.order_id)
        .join(OrderRecord, OrderRecord.id == lq.order_id)
        .where(lq.backordered > 0, *order_scope(filters))
        .subquery("waiting")
    )
    # Grouped outside: PostgreSQL would not match a CASE with bound parameters in SELECT and GROUP BY.
    query = select(
        waiting.c.age, func.sum(waiting.c.backordered), func.count(waiting.c.id),
        func.count(func.distinct(waiting.c.order_id)),
    ).group_by(waiting.c.age)  # fmt: skip
    found = {age: (int(units), lines, orders) for age, units, lines, orders in session.execute(query)}
    labels = [label for _, label in BUCKETS] + [OLDEST]
    return [BackorderAge(label, *found.get(label, (0, 0, 0))) for label in labels]
