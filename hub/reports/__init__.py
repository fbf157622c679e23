"""Reports people ask for, each one query module with a typed row, shown three ways from one code path:
console pages (``hub.console.reports``), CSV (the same result written out) and ``orderhub report`` (and
``GET /api/v1/reports/NAME``).

::

    filters         the day range, channel and location, parsed once for every door
    sql             dialect-specific expressions (seconds between, UTC day) and nearest-rank percentiles
    table           Report (name, row type, query, chart) and ReportResult (rows, CSV, chart bars)
    top_products, ship_time, fill_rate, backorders, returns, late_shipments, suppliers
                    one report each; its module docstring defines every figure exactly

Every figure is aggregated in SQL: only result rows come back, never every order.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from hub.db.models.base import utcnow
from hub.errors import InputRejected
from hub.reports.backorders import BackorderAge, backorder_ages
from hub.reports.fill_rate import FillRate, fill_rates
from hub.reports.filters import ReportFilters, make_filters, parse_filters
from hub.reports.late_shipments import LateShipments, late_shipments
from hub.reports.returns import ReasonReturns, SkuReturns, returns_by_reason, returns_by_sku
from hub.reports.ship_time import ShipTime, ship_times
from hub.reports.suppliers import SupplierPerformance, supplier_performance
from hub.reports.table import Chart, Report, ReportResult
from hub.reports.top_products import ProductSales, top_products

__all__ = ["REPORTS", "Report", "ReportFilters", "ReportResult", "find_report", "make_filters", "parse_filters",
           "run_report"]  # fmt: skip

_ALL = (
    Report("top-products", "Top products", "Units and revenue per SKU, the top 25 per channel.",
           ProductSales, top_products, chart=Chart(("channel", "sku"), "units", "Units sold")),
    Report("ship-time", "Order-to-ship time", "Hours from order placed to first shipment, p50/p90/p99 per location.",
           ShipTime, ship_times, uses_location=True, chart=Chart(("location",), "p90_hours", "p90 hours to ship")),
    Report("fill-rate", "Fill and split rate",
           "Lines and units shipped complete from the first location; orders split over more than one location.",
           FillRate, fill_rates, uses_location=True, chart=Chart(("channel",), "unit_fill_rate", "Unit fill rate")),
    Report("backorder-age", "Backorder age", "Units waiting for stock, by how long their order has waited.",
           BackorderAge, backorder_ages, chart=Chart(("age",), "units", "Backordered units")),
    Report("returns-by-sku", "Return rate by SKU", "Units returned over units shipped, per SKU.",
           SkuReturns, returns_by_sku),
    Report("returns-by-reason", "Returns by reason", "Units returned per reason given, and their share.",
           ReasonReturns, returns_by_reason, chart=Chart(("reason",), "returned_units", "Returned units")),
    Report("late-shipments", "Late shipments", "First shipments against the channel's requested ship-by day.",
           LateShipments, late_shipments, chart=Chart(("channel",), "late", "Shipped late")),
    Report("supplier-performance", "Drop-ship suppliers",
           "Acknowledgment and ship time (p50/p90 hours) and rejection rate per supplier.",
           SupplierPerformance, supplier_performance, uses_location=True,
           chart=Chart(("supplier",), "ack_p90_hours", "p90 hours to acknowledge")),
)  # fmt: skip
REPORTS: dict[str, Report] = {report.name: report for report in _ALL}


def find_report(name: str) -> Report:
    report = REPORTS.get(name)
    if report is None:
        raise InputRejected(f"no report named {name[:60]!r}; the reports are: {', '.join(REPORTS)}")
    return report


def run_report(session: Session, name: str, filters: ReportFilters, now: datetime | None = None) -> ReportResult:
    return find_report(name).run(session, filters, now or utcnow())
