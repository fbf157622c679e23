"""``GET /api/v1/reports/<name>``: the report's rows as JSON with a read token, filters validated by name."""

from __future__ import annotations

import pytest

from tests.api.conftest import Api, problem
from tests.reports.shop import load_shop


@pytest.fixture
def reader(api: Api) -> tuple[Api, str]:
    load_shop(api.database)
    return api, api.token("read")


def test_rows_with_a_read_token(reader: tuple[Api, str]) -> None:
    api, token = reader
    response = api.get("/reports/supplier-performance?from=2026-11-01&to=2026-11-30&location=acme-ds", token)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["report"] == "supplier-performance" and body["columns"][:3] == [
        "supplier",
        "purchase_orders",
        "acknowledged",
    ]
    assert body["rows"] == [{
        "supplier": "acme", "purchase_orders": 2, "acknowledged": 2, "ack_p50_hours": 2.0, "ack_p90_hours": 4.0,
        "shipped": 1, "ship_p50_hours": 71.0, "ship_p90_hours": 71.0, "rejected": 1, "rejection_rate": 0.5,
    }]  # fmt: skip
    top = api.get("/reports/top-products?channel=amazon", token).get_json()["rows"]
    assert top[0] == {"channel": "amazon", "rank": 1, "sku": "SKU-B", "currency": "USD", "units": 5,
                      "revenue": "25.00", "orders": 1}  # fmt: skip


def test_bad_filters_and_names(reader: tuple[Api, str]) -> None:
    api, token = reader
    assert problem(api.get("/reports/ship-time?from=2026-02-30", token), 400)["errors"][0]["name"] == "from"
    assert "after" in problem(api.get("/reports/ship-time?from=2026-11-02&to=2026-11-01", token), 400)["detail"]
    assert problem(api.get("/reports/backorder-age?location=east", token), 400)["errors"][0]["name"] == "location"
    assert problem(api.get("/reports/ship-time?since=2026-11-01", token), 400)["errors"][0]["name"] == "since"
    assert "top-products" in problem(api.get("/reports/bestsellers", token), 404)["detail"]
    assert api.get("/reports/ship-time", None).status_code == 401
