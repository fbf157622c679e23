"""Return rate by SKU and by reason.

- **returned units**: units on returns (RMAs) that were not rejected, less units cancelled off them
  (``requested - cancelled`` of each return line): what buyers are sending or sent back.
- **shipped units**: the ``shipped`` units of the line quantity ledgers.
- **return_rate**: returned units / shipped units of the same scope.
- By SKU: the ``TOP`` SKUs with units shipped or returned, most returned first (then the highest rate). By
  reason: the return's reason as given (``(none)`` when blank), the ``TOP`` with most units, with its
  ``share`` of all returned units and its ``return_rate`` against all shipped units in scope. Both are
  capped because SKUs and reasons (free text from the channels) can number in the thousands.
- Scope: orders placed in the day range on the channel (a return counts with the order it returns), test
  orders left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.db.models import LineQuantityRecord, OrderRecord, ReturnLineRecord, ReturnRecord
from hub.reports.filters import ReportFilters
from hub.reports.sql import order_scope, rate

NO_REASON = "(none)"
TOP = 500  # rows at most in either report


@dataclass(frozen=True)
class SkuReturns:
    sku: str
    shipped_units: int
    returned_units: int
    return_rate: float | None
    returns: int


@dataclass(frozen=True)
class ReasonReturns:
    reason: str
    returns: int
    returned_units: int
    share: float | None
    return_rate: float | None


def _returned(filters: ReportFilters, key: Any) -> Any:
    units = func.sum(ReturnLineRecord.requested - ReturnLineRecord.cancelled)
    return (
        select(key, units, func.count(func.distinct(ReturnRecord.id)))
        .join(ReturnRecord, ReturnRecord.id == ReturnLineRecord.return_id)
        .join(OrderRecord, OrderRecord.id == ReturnRecord.order_id)
        .where(ReturnRecord.state != "rejected", *order_scope(filters))
        .group_by(key)
    )


def _shipped(session: Session, filters: ReportFilters) -> dict[str, int]:
    query = (
        select(LineQuantityRecord.sku, func.sum(LineQuantityRecord.shipped))
        .join(OrderRecord, OrderRecord.id == LineQuantityRecord.order_id)
        .where(LineQuantityRecord.sku.is_not(None), *order_scope(filters))
        .group_by(LineQuantityRecord.sku)
    )
    return {str(sku): int(units or 0) for sku, units in session.execute(query)}


def returns_by_sku(session: Session, filters: ReportFilters, now: datetime) -> list[SkuReturns]:
    shipped = _shipped(session, filters)
    returned: dict[str, tuple[int, int]] = {}
    for sku, units, count in session.execute(_returned(filters, ReturnLineRecord.sku)):
        if sku is not None:
            returned[sku] = (int(units or 0), count)
    rows = []
    for sku in shipped.keys() | returned.keys():
        out, (back, count) = shipped.get(sku, 0), returned.get(sku, (0, 0))
        if out or back:
            rows.append(SkuReturns(sku, out, back, rate(back, out), count))
    return sorted(rows, key=lambda row: (-row.returned_units, -(row.return_rate or 0), row.sku))[:TOP]


def returns_by_reason(session: Session, filters: ReportFilters, now: datetime) -> list[ReasonReturns]:
    shipped = sum(_shipped(session, filters).values())
    merged: dict[str, tuple[int, int]] = {}
    for given, units, count in session.execute(_returned(filters, ReturnRecord.reason)):
        why = (given or "").strip() or NO_REASON  # blank and missing reasons are one row
        before = merged.get(why, (0, 0))
        merged[why] = (before[0] + int(units or 0), before[1] + count)
    found = [(why, units, count) for why, (units, count) in merged.items()]
    total = sum(units for _, units, _ in found)
    rows = [ReasonReturns(why, count, units, rate(units, total), rate(units, shipped)) for why, units, count in found]
    return sorted(rows, key=lambda row: (-row.returned_units, row.reason))[:TOP]
