"""Every report's figures on the hand-worked shop (tests/reports/shop.py), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from hub.db.session import Database
from hub.reports import ReportFilters, run_report
from tests.reports.shop import NOW, at, fulfillment, load_shop, order, places, shipment


@pytest.fixture
def shop(database: Database) -> Database:
    load_shop(database)
    return database


def rows(database: Database, name: str, filters: ReportFilters | None = None) -> list[tuple[object, ...]]:
    with database.session() as session:
        return run_report(session, name, filters or ReportFilters(), NOW).rows


def test_top_products_net_of_cancellations_per_channel(shop: Database) -> None:
    assert rows(shop, "top-products") == [
        ("amazon", 1, "SKU-B", "USD", 5, "25.00", 1),
        ("amazon", 2, "SKU-C", "USD", 4, "10.00", 1),
        ("amazon", 3, "SKU-D", "USD", 2, "14.00", 1),
        ("amazon", 4, "SKU-A", "USD", 1, "12.00", 1),
        ("shopify", 1, "SKU-A", "USD", 5, "50.00", 2),  # the cancelled O6 and the test O7 sell nothing
        ("shopify", 2, "SKU-B", "USD", 1, "5.00", 1),
    ]


def test_day_range_includes_both_days_and_channel_filters(shop: Database) -> None:
    assert rows(shop, "top-products", ReportFilters(date(2026, 11, 12), date(2026, 11, 15))) == [
        ("amazon", 1, "SKU-C", "USD", 4, "10.00", 1),
        ("amazon", 2, "SKU-A", "USD", 1, "12.00", 1),
        ("shopify", 1, "SKU-A", "USD", 3, "30.00", 1),
    ]
    assert [row[0] for row in rows(shop, "top-products", ReportFilters(channel="shopify"))] == ["shopify"] * 2


def test_ship_time_percentiles_per_location(shop: Database) -> None:
    assert rows(shop, "ship-time") == [
        ("acme-ds", 1, 72.0, 72.0, 72.0),
        ("east", 2, 24.0, 36.0, 36.0),
        ("west", 1, 48.0, 48.0, 48.0),
    ]
    assert rows(shop, "ship-time", ReportFilters(location="west")) == [("west", 1, 48.0, 48.0, 48.0)]


def test_percentiles_are_nearest_rank(database: Database) -> None:
    with database.session() as s:
        places(s)
        for hour in range(1, 11):  # ten orders shipped 1 .. 10 hours after they were placed
            order(s, f"N{hour}", "shopify", at(1), [("SKU-A", 1, "1")])
            fulfillment(s, f"n{hour}", f"N{hour}", 0, "west", "shipped", {"L1": ("SKU-A", 1, 1)})
            shipment(s, f"m{hour}", f"N{hour}", f"n{hour}", at(1) + timedelta(hours=hour))
            shipment(s, f"late{hour}", f"N{hour}", f"n{hour}", at(3))  # a second parcel: only the first counts
    assert rows(database, "ship-time") == [("west", 10, 5.0, 9.0, 10.0)]


def test_fill_and_split_rate(shop: Database) -> None:
    assert rows(shop, "fill-rate") == [
        ("amazon", 3, 0, 0.0, 2, 3, 2, 0.6667, 7, 5, 0.7143),
        ("shopify", 2, 1, 0.5, 2, 3, 2, 0.6667, 6, 4, 0.6667),  # O1's line the buyer took off is not counted
        ("(all)", 5, 1, 0.2, 4, 6, 4, 0.6667, 13, 9, 0.6923),
    ]
    assert rows(shop, "fill-rate", ReportFilters(location="acme-ds")) == [
        ("amazon", 2, 0, 0.0, 2, 3, 2, 0.6667, 7, 5, 0.7143)
    ]


def test_backorder_age_buckets(shop: Database) -> None:
    assert rows(shop, "backorder-age") == [
        ("under 1 day", 0, 0, 0),
        ("1-3 days", 3, 1, 1),
        ("3-7 days", 0, 0, 0),
        ("7-14 days", 0, 0, 0),
        ("14 days or more", 2, 1, 1),
    ]


def test_return_rate_by_sku_and_reason(shop: Database) -> None:
    assert rows(shop, "returns-by-sku") == [
        ("SKU-A", 6, 2, 0.3333, 2),  # the rejected return and the test order's units are not counted
        ("SKU-B", 1, 0, 0.0, 0),
        ("SKU-C", 4, 0, 0.0, 0),
    ]
    assert rows(shop, "returns-by-reason") == [("(none)", 1, 1, 0.5, 0.0909), ("damaged", 1, 1, 0.5, 0.0909)]
    assert rows(shop, "returns-by-reason", ReportFilters(channel="amazon")) == []


def test_return_reports_are_capped_most_returned_first(shop: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("hub.reports.returns.TOP", 1)
    assert rows(shop, "returns-by-sku") == [("SKU-A", 6, 2, 0.3333, 2)]
    assert rows(shop, "returns-by-reason") == [("(none)", 1, 1, 0.5, 0.0909)]  # share still of every unit


def test_late_shipments_against_ship_by_day(shop: Database) -> None:
    assert rows(shop, "late-shipments") == [
        ("amazon", 2, 0, 1, 1, 0.0, 2),  # O3 shipped two days after its day; O4 is past its day, unshipped
        ("shopify", 2, 1, 1, 0, 0.5, 1),  # O1 shipped on its day, O2 a day late; cancelled O6 not counted
        ("(all)", 4, 1, 2, 1, 0.25, 2),
    ]


def test_supplier_performance(shop: Database) -> None:
    assert rows(shop, "supplier-performance") == [("acme", 2, 2, 2.0, 4.0, 1, 71.0, 71.0, 1, 0.5)]
    assert rows(shop, "supplier-performance", ReportFilters(start=date(2026, 11, 10))) == [
        ("acme", 1, 1, 4.0, 4.0, 1, 71.0, 71.0, 0, 0.0)
    ]
