"""The console in a real headless Chromium (Debian's ``chromium`` package, driven by Playwright; no browser
is downloaded): log in, find an order by PO number, read its timeline, replay a failed delivery, ship a
fulfillment order by hand, run a routing simulation, replay a partner's failed X12 file, and see a new
failure appear on the failures page without reloading it.

Every page visited is checked with axe-core (bundled by the ``axe-playwright-python`` test dependency, so
nothing is fetched at run time); a violation of impact serious or critical fails the test, naming the rule
and the elements. Screenshots of the dashboard, an order, the simulator and the partners are kept under
``var/test-artifacts/console/``. ``scripts/services install`` installs the browser; without it this test
fails, it is never skipped."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect, sync_playwright
from sqlalchemy import select
from werkzeug.serving import make_server

from hub.console.users import add_user
from hub.db.models import Delivery, DeliveryStatus, InboxMessage, OrderEvent, ShipmentRecord
from hub.db.session import Database
from hub.delivery.shipments import record_shipment
from hub.edi.partners import parse_profile, save_partner
from hub.lifecycle.commands import DeliverLines, RequestReturn
from hub.lifecycle.store import execute
from hub.oms.stock_effects import execute_with_stock
from hub.web.app import create_app
from tests.api.data import make_dead, stored_order
from tests.console.conftest import PASSWORD
from tests.console.test_partners import receive_file
from tests.delivery.shipment_setup import notice, routed_order
from tests.edi.test_inbound import profile
from tests.edi.x12text import group, interchange, purchase_order, transaction

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts" / "console"
BLOCKING = ("serious", "critical")


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


class Accessibility:
    """axe-core run on each page visited; what it found of impact serious or critical, per page."""

    def __init__(self) -> None:
        self.axe = Axe()
        self.checked: list[str] = []
        self.found: list[str] = []

    def check(self, page: Page) -> None:
        page.wait_for_load_state("load")
        results: dict[str, Any] = self.axe.run(page).response
        path = page.url.split("/console", 1)[-1] or "/"
        self.checked.append(path)
        for violation in results["violations"]:
            if violation["impact"] in BLOCKING:
                where = "; ".join(node["html"][:160] for node in violation["nodes"][:3])
                self.found.append(f"{path}: {violation['id']} ({violation['impact']}): {violation['help']} at {where}")


def _partner_files(database: Database) -> int:
    """Partner acme with an 850 received and applied, and a ship notice naming an unknown PO (failed)."""
    with database.session() as session:
        save_partner(session, "acme", name="Acme Retail", kind="trading_partner", profile=parse_profile(profile()))
    received = interchange(group("PO", 1, purchase_order("PO-X1", ("VN:SKU-1", 2, "3.50"))), control_number=11)
    receive_file(database, received, "acme")
    asn = transaction("856", "0001", "BSN*00*SHIP-2*20261122*0930", "HL*1**S", "HL*2*1*O", "PRF*NOPE", "CTT*2")
    return receive_file(database, interchange(group("SH", 4, asn), control_number=4), "acme")


def _returned_order(database: Database) -> None:
    """An order shipped and delivered, with one unit of SHADE on its way back (a return awaiting its RMA)."""
    order = routed_order(database, number="9503")
    with database.session() as session:
        for fo in (order.nj, order.pa):
            record_shipment(session, source="test", notice=notice(f"k{fo}", order.order_id, fulfillment_order_id=fo),
                            actor="test")  # fmt: skip
        execute(session, order.order_id, DeliverLines(lines={"1": 3, "2": 2}), source="carrier")
        execute_with_stock(session, order.order_id, RequestReturn(lines={"2": 1}, reason="too big"), source="test")


def _log_in(page: Page, axe: Accessibility) -> None:
    page.goto("/console/")
    axe.check(page)
    page.get_by_label("Email").fill("desk@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    page.wait_for_load_state("load")
    assert page.evaluate("typeof window.htmx") == "object"  # the vendored htmx ran under the CSP
    axe.check(page)
    page.screenshot(path=ARTIFACTS / "dashboard.png", full_page=True)


def _order_by_po(page: Page, axe: Accessibility, dead_id: int) -> None:
    """Find the order by PO number, read its timeline, replay its dead delivery, ship wh-pa's part by hand."""
    page.get_by_role("link", name="Orders").click()
    page.get_by_label("PO number").fill("PO-9501")
    page.get_by_role("button", name="Find").click()
    axe.check(page)
    page.get_by_role("link", name="#9501").click()
    expect(page.get_by_role("heading", name="Timeline")).to_be_visible()
    expect(page.locator("ol.timeline")).to_contain_text("order.routed")
    axe.check(page)

    page.locator("article.delivery.dead").get_by_role("button", name="Replay").click()
    expect(page.locator(".flash.done")).to_contain_text(f"replayed deliveries {dead_id}")
    expect(page.locator("ol.timeline")).to_contain_text("console:desk@example.com")

    at_pa = page.locator("article.fo", has_text="wh-pa")
    at_pa.get_by_label("Carrier").fill("UPS")
    at_pa.get_by_label("Tracking").fill("1ZBROWSER")
    at_pa.get_by_role("button", name="Ship by hand").click()
    expect(page.locator(".flash.done")).to_contain_text("recorded shipment")
    expect(page.get_by_role("link", name="1ZBROWSER")).to_be_visible()
    axe.check(page)
    page.screenshot(path=ARTIFACTS / "order.png", full_page=True)


def _simulate_and_partners(page: Page, axe: Accessibility, failed_file: int) -> None:
    page.get_by_role("link", name="Simulator").click()
    axe.check(page)
    page.get_by_label("Stored order: id, PO number or number").fill("PO-9502")
    page.get_by_role("button", name="Simulate").click()
    expect(page.get_by_role("heading", name="Decision: routed")).to_be_visible()
    expect(page.locator("#decision")).to_contain_text("2 at wh-nj")
    axe.check(page)
    page.screenshot(path=ARTIFACTS / "simulator.png", full_page=True)

    page.get_by_role("link", name="Partners").click()
    expect(page.get_by_role("heading", name="Acme Retail")).to_be_visible()
    axe.check(page)
    page.screenshot(path=ARTIFACTS / "partners.png", full_page=True)
    page.get_by_role("button", name="Replay interchange", exact=False).first.click()
    expect(page.locator(".flash.done")).to_contain_text(f"replayed messages {failed_file}")
    page.get_by_role("link", name="raw file of message").first.click()
    expect(page.locator("pre.raw")).to_contain_text("PRF*NOPE")
    axe.check(page)


def _other_pages(page: Page, axe: Accessibility) -> None:
    for name in ("Inventory", "Returns", "Reports"):
        page.get_by_role("navigation").get_by_role("link", name=name, exact=True).click()
        expect(page.get_by_role("heading", name=name, exact=True)).to_be_visible()
        axe.check(page)
        if name == "Returns":  # authorize the waiting return, then check the page with its next steps
            page.get_by_label("RMA number").fill("RMA-B1")
            page.get_by_role("button", name="Authorize").click()
            expect(page.locator(".flash.done")).to_contain_text("return.authorized")
            expect(page.get_by_role("button", name="Receive")).to_be_visible()
            axe.check(page)
    page.get_by_role("main").get_by_role("link").first.click()  # one report, with its chart
    expect(page.get_by_role("link", name="Download CSV")).to_be_visible()
    axe.check(page)


def test_the_console_end_to_end_with_accessibility_checks(page: Page, database: Database) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for stale in ARTIFACTS.glob("*.png"):  # so what is checked at the end was taken by this run
        stale.unlink()
    routed = routed_order(database, number="9501", po_number="PO-9501")
    stored_order(database, "9502", po_number="PO-9502")
    failed_file = _partner_files(database)
    _returned_order(database)
    with database.session() as session:
        add_user(session, "desk@example.com", "operator", PASSWORD)
        dead_id = session.scalars(select(Delivery.id).where(Delivery.order_id == routed.order_id)).first()
    assert dead_id is not None
    make_dead(database, dead_id, "HTTP 422: refused by the partner")
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    axe = Accessibility()

    _log_in(page, axe)
    _order_by_po(page, axe, dead_id)
    _simulate_and_partners(page, axe, failed_file)
    _other_pages(page, axe)

    page.get_by_role("link", name="Failures").click()
    axe.check(page)
    expect(page.locator("#failures")).not_to_contain_text("refused by the partner")  # replayed: no longer dead
    make_dead(database, dead_id, "HTTP 500: failed again")
    expect(page.locator("#failures")).to_contain_text("failed again", timeout=15_000)  # the 10 s poll, no reload
    axe.check(page)

    with database.session() as session:
        assert session.get(Delivery, dead_id).status == DeliveryStatus.DEAD  # type: ignore[union-attr]
        assert session.get(Delivery, dead_id).attempts == 0  # type: ignore[union-attr]  # replay reset the budget
        shipped = select(ShipmentRecord.tracking_numbers).where(ShipmentRecord.order_id == routed.order_id)
        assert session.scalars(shipped).one() == ["1ZBROWSER"]
        sources = set(session.scalars(select(OrderEvent.source).where(OrderEvent.order_id == routed.order_id)))
        assert session.get(InboxMessage, failed_file).attempts == 2  # type: ignore[union-attr]
    assert "console:desk@example.com" in sources
    shots = ("dashboard.png", "order.png", "simulator.png", "partners.png")
    assert all((ARTIFACTS / name).stat().st_size > 10_000 for name in shots)
    assert len(set(axe.checked)) >= 10, axe.checked
    assert not axe.found, "\n".join(axe.found)
    assert not errors, errors  # no script error and no Content-Security-Policy violation
