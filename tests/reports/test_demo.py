"""The demo's week of orders gives every report something to show (it carries no requested ship dates, so
late shipments has nothing to judge)."""

from __future__ import annotations

from pathlib import Path

from hub.db.session import Database
from hub.demo import DemoOptions, load_demo
from hub.reports import REPORTS, ReportFilters, run_report

NOTHING_TO_JUDGE = {"late-shipments"}


def test_demo_data_yields_reports(database: Database, tmp_path: Path) -> None:
    load_demo(database, tmp_path, DemoOptions(orders=40))
    with database.session() as session:
        found = {name: run_report(session, name, ReportFilters()).records() for name in REPORTS}
    assert {name for name, rows in found.items() if not rows} <= NOTHING_TO_JUDGE
    assert {row["channel"] for row in found["top-products"]} >= {"shopify", "woocommerce"}
    assert sum(int(row["units"] or 0) for row in found["top-products"]) > 0
    assert all(row["shipped"] and row["p50_hours"] is not None for row in found["ship-time"])
    assert sum(int(row["returned_units"] or 0) for row in found["returns-by-sku"]) >= 1
    assert any(row["purchase_orders"] for row in found["supplier-performance"])
