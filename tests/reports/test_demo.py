"""The demo's week of orders gives every report something to show, late shipments against the shops' promises
and the drop-ship supplier's performance included."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hub.db.session import Database
from hub.demo import DemoOptions, load_demo
from hub.reports import REPORTS, ReportFilters, run_report


def test_demo_data_yields_every_report(database: Database, tmp_path: Path) -> None:
    load_demo(database, tmp_path, DemoOptions(orders=40))
    with database.session() as session:
        found = {name: run_report(session, name, ReportFilters()).records() for name in REPORTS}
    assert [name for name, rows in found.items() if not rows] == []
    assert {row["channel"] for row in found["top-products"]} >= {"shopify", "woocommerce"}
    assert sum(int(row["units"] or 0) for row in found["top-products"]) > 0
    assert all(row["shipped"] and row["p50_hours"] is not None for row in found["ship-time"])
    assert sum(int(row["returned_units"] or 0) for row in found["returns-by-sku"]) >= 1
    assert sum(int(row["units"] or 0) for row in found["backorder-age"]) > 0
    late = {row["channel"]: row for row in found["late-shipments"]}
    assert set(late) == {"shopify", "woocommerce", "(all)"}
    assert late["(all)"]["on_time"] and late["(all)"]["late"] and late["(all)"]["open_late"]
    (supplier,) = found["supplier-performance"]
    assert supplier["supplier"] == "LUMEN" and supplier["rejected"] == 1
    assert supplier["purchase_orders"] > supplier["acknowledged"] > supplier["shipped"] > 0


@pytest.mark.parametrize("weekday", range(7))
def test_the_demo_has_late_and_on_time_shipments_whatever_the_day_it_is_loaded(weekday: int, tmp_path: Path) -> None:
    """The demo's late shipments are late against each order's own ship-by day, so a weekend in the week of
    orders does not turn them all on time (loaded on a Saturday afternoon, none was)."""
    now = datetime(2026, 12, 7, 15, 30, tzinfo=UTC) + timedelta(days=weekday)  # a Monday, then each day after
    database = Database(f"sqlite:///{tmp_path / 'hub.db'}")
    load_demo(database, tmp_path, DemoOptions(orders=40), now=now)
    with database.session() as session:
        rows = run_report(session, "late-shipments", ReportFilters(), now).records()
    everything = next(row for row in rows if row["channel"] == "(all)")
    assert everything["on_time"] > everything["late"] > 0
