"""The report pages: the index, one report with its chart and table, filters, the CSV download with the same
numbers, and a bad day refused on the page without a server error."""

from __future__ import annotations

import csv
import io

import pytest

from hub.db.models import ReturnRecord
from hub.reports import REPORTS
from tests.console.conftest import Console
from tests.reports.shop import load_shop


@pytest.fixture
def viewer(console: Console) -> Console:
    load_shop(console.database)
    console.as_role("viewer")
    return console


def test_index_lists_every_report_with_its_csv(viewer: Console) -> None:
    page = viewer.page("/console/reports")
    for name, report in REPORTS.items():
        assert f'href="/console/reports/{name}"' in page and report.title in page
        assert f'href="/console/reports/{name}.csv"' in page
    assert 'href="/console/reports"' in viewer.page("/console/")  # in the navigation


def test_report_page_draws_bars_and_the_table(viewer: Console) -> None:
    page = viewer.page("/console/reports/backorder-age")
    assert "<svg" in page and page.count("<rect") == 5  # one bar per age bucket
    # The page ages against the clock: every backorder of the shop is more than 14 days old by now.
    assert "<title>14 days or more: 5</title>" in page and "<title>1-3 days: 0</title>" in page
    assert '<th scope="col">age</th>' in page and '<td>14 days or more</td><td class="n">5</td>' in page


def test_filters_narrow_the_page_and_the_csv_link_carries_them(viewer: Console) -> None:
    page = viewer.page("/console/reports/top-products?channel=shopify&from=2026-11-01&to=2026-11-30")
    assert "<td>SKU-A</td>" in page and "<td>amazon</td>" not in page
    assert "/console/reports/top-products.csv?" in page and "channel=shopify" in page and "from=2026-11-01" in page
    assert 'name="location"' not in page  # top products are not per location
    page = viewer.page("/console/reports/ship-time?location=west")
    assert "<td>west</td>" in page and "<td>east</td>" not in page
    assert '<option value="acme-ds">' in page and '<option value="east">' in page  # the locations there are


def test_csv_has_the_pages_numbers(viewer: Console) -> None:
    response = viewer.client.get("/console/reports/late-shipments.csv?channel=shopify")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    table = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert table[0] == ["channel", "promised", "on_time", "late", "open_late", "on_time_rate", "days_late_max"]
    assert table[1:] == [["shopify", "2", "1", "1", "0", "0.5", "1"]]


def test_a_bad_day_is_named_on_the_page(viewer: Console) -> None:
    response = viewer.client.get("/console/reports/ship-time?from=2026-13-01")
    text = response.get_data(as_text=True)
    assert response.status_code == 400 and "from &#39;2026-13-01&#39; is not a day" in text
    assert 'value="2026-13-01"' in text  # what was typed stays in the form
    assert viewer.client.get("/console/reports/ship-time.csv?to=soon").status_code == 400
    assert viewer.client.get("/console/reports/no-such-report").status_code == 404


def test_reports_need_a_login(console: Console) -> None:
    response = console.client.get("/console/reports/top-products")
    assert response.status_code == 302 and "/console/login" in response.headers["Location"]


def test_csv_never_hands_a_spreadsheet_a_formula(viewer: Console) -> None:
    with viewer.database.session() as session:
        session.get(ReturnRecord, "r1").reason = '=HYPERLINK("http://example.com","refund")'  # type: ignore[union-attr]
    text = viewer.client.get("/console/reports/returns-by-reason.csv").get_data(as_text=True)
    assert list(csv.reader(io.StringIO(text)))[1:] == [
        ["(none)", "1", "1", "0.5", "0.0909"],
        ['\'=HYPERLINK("http://example.com","refund")', "1", "1", "0.5", "0.0909"],
    ]
