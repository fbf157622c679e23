"""Top products by units and revenue, per channel.

- Scope: lines with a SKU of orders placed in the day range (on the channel), test orders left out.
- **units**: units ordered less units cancelled (the line's quantity ledger), so a cancelled order sells none.
- **revenue**: the line totals as ordered (after line discounts) less cancelled units at their unit price, in
  the order's currency (a channel selling in two currencies has a row per currency).
- **orders**: distinct orders with units of the SKU left.
- Per channel the ``TOP`` SKUs by units, then revenue, then SKU; SKUs with no units left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import and_, case, func, select, type_coerce
from sqlalchemy.orm import Session

from hub.db.models import LineQuantityRecord, OrderLineRecord, OrderRecord
from hub.db.models.orders import Amount
from hub.reports.filters import ReportFilters
from hub.reports.sql import order_scope

TOP = 25
CENT = Decimal("0.01")


@dataclass(frozen=True)
class ProductSales:
    channel: str
    rank: int
    sku: str
    currency: str
    units: int
    revenue: Decimal
    orders: int


def top_products(session: Session, filters: ReportFilters, now: datetime) -> list[ProductSales]:
    cancelled = func.coalesce(LineQuantityRecord.cancelled, 0)
    units = func.sum(OrderLineRecord.quantity - cancelled)
    revenue = type_coerce(func.sum(OrderLineRecord.total - OrderLineRecord.unit_price * cancelled), Amount)
    per_sku = (
        select(
            OrderRecord.channel.label("channel"),
            OrderLineRecord.sku.label("sku"),
            OrderRecord.currency.label("currency"),
            units.label("units"),
            revenue.label("revenue"),
            func.count(func.distinct(case((OrderLineRecord.quantity - cancelled > 0, OrderRecord.id)))).label("orders"),
        )
        .join(OrderRecord, OrderRecord.id == OrderLineRecord.order_id)
        .outerjoin(
            LineQuantityRecord,
            and_(
                LineQuantityRecord.order_id == OrderLineRecord.order_id,
                LineQuantityRecord.line_id == OrderLineRecord.line_id,
            ),
        )
        .where(OrderLineRecord.sku.is_not(None), *order_scope(filters))
        .group_by(OrderRecord.channel, OrderLineRecord.sku, OrderRecord.currency)
        .having(units > 0)
        .subquery("per_sku")
    )
    rank = func.row_number().over(
        partition_by=per_sku.c.channel, order_by=(per_sku.c.units.desc(), per_sku.c.revenue.desc(), per_sku.c.sku)
    )
    ranked = select(per_sku, rank.label("rank")).subquery("ranked")
    query = select(ranked).where(ranked.c["rank"] <= TOP).order_by(ranked.c.channel, ranked.c["rank"])
    return [
        ProductSales(
            channel=row.channel,
            rank=row.rank,
            sku=row.sku,
            currency=row.currency,
            units=int(row.units),
            revenue=Decimal(row.revenue).quantize(CENT),
            orders=row.orders,
        )
        for row in session.execute(query)
    ]
