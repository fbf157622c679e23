"""The console in a real headless Chromium (Debian's ``chromium`` package, driven by Playwright; no browser
is downloaded): log in, find an order by PO number, read its timeline, replay a failed delivery, ship a
fulfillment order by hand, and see a new failure appear on the failures page without reloading it.
Screenshots of the dashboard and the order page are saved under the test's tmp dir.
``scripts/services install`` installs the browser; without it this test fails, it is never skipped."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright
from sqlalchemy import select
from werkzeug.serving import make_server

from hub.console.users import add_user
from hub.db.models import Delivery, DeliveryStatus, OrderEvent, ShipmentRecord
from hub.db.session import Database
from hub.web.app import create_app
from tests.api.data import make_dead
from tests.console.conftest import PASSWORD
from tests.delivery.shipment_setup import routed_order

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def console_url(make_settings, database: Database, database_url: str) -> Iterator[str]:  # type: ignore[no-untyped-def]
    app = create_app(make_settings(database_url=database_url))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture
def page(console_url: str) -> Iterator[Page]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            yield browser.new_page(base_url=console_url, viewport={"width": 1280, "height": 1000})
        finally:
            browser.close()


def test_find_an_order_replay_its_delivery_and_ship_it_by_hand(page: Page, database: Database, tmp_path: Path) -> None:
    routed = routed_order(database, number="9501", po_number="PO-9501")
    with database.session() as session:
        add_user(session, "desk@example.com", "operator", PASSWORD)
        dead_id = session.scalars(select(Delivery.id).where(Delivery.order_id == routed.order_id)).first()
    assert dead_id is not None
    make_dead(database, dead_id, "HTTP 422: refused by the partner")
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)

    page.goto("/console/")
    page.get_by_label("Email").fill("desk@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    page.wait_for_load_state("load")
    assert page.evaluate("typeof window.htmx") == "object"  # the vendored htmx ran under the CSP
    page.screenshot(path=tmp_path / "dashboard.png", full_page=True)

    page.get_by_role("link", name="Orders").click()
    page.get_by_label("PO number").fill("PO-9501")
    page.get_by_role("button", name="Find").click()
    page.get_by_role("link", name="#9501").click()
    expect(page.get_by_role("heading", name="Timeline")).to_be_visible()
    expect(page.locator("ol.timeline")).to_contain_text("order.routed")

    page.locator("article.delivery.dead").get_by_role("button", name="Replay").click()
    expect(page.locator(".flash.done")).to_contain_text(f"replayed deliveries {dead_id}")
    expect(page.locator("ol.timeline")).to_contain_text("console:desk@example.com")

    at_pa = page.locator("article.fo", has_text="wh-pa")
    at_pa.get_by_label("Carrier").fill("UPS")
    at_pa.get_by_label("Tracking").fill("1ZBROWSER")
    at_pa.get_by_role("button", name="Ship by hand").click()
    expect(page.locator(".flash.done")).to_contain_text("recorded shipment")
    expect(page.get_by_role("link", name="1ZBROWSER")).to_be_visible()
    page.screenshot(path=tmp_path / "order.png", full_page=True)

    page.get_by_role("link", name="Failures").click()
    expect(page.locator("#failures")).not_to_contain_text("refused by the partner")  # replayed: no longer dead
    make_dead(database, dead_id, "HTTP 500: failed again")
    expect(page.locator("#failures")).to_contain_text("failed again", timeout=15_000)  # the 10 s poll, no reload

    with database.session() as session:
        assert session.get(Delivery, dead_id).status == DeliveryStatus.DEAD  # type: ignore[union-attr]
        assert session.get(Delivery, dead_id).attempts == 0  # type: ignore[union-attr]  # replay reset the budget
        assert session.scalars(select(ShipmentRecord)).one().tracking_numbers == ["1ZBROWSER"]
        sources = set(session.scalars(select(OrderEvent.source).where(OrderEvent.order_id == routed.order_id)))
    assert "console:desk@example.com" in sources
    assert all((tmp_path / name).stat().st_size > 10_000 for name in ("dashboard.png", "order.png"))
    assert not errors, errors  # no script error and no Content-Security-Policy violation
