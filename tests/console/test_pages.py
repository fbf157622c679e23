"""Each page renders what is stored: dashboard (with its live panels), orders with filters and pages, one
order, failures, inventory."""

from __future__ import annotations

from sqlalchemy import select

from hub.db.models import Delivery
from tests.api.data import failed_message, make_dead, stored_order
from tests.console.conftest import Console
from tests.delivery.shipment_setup import routed_order


def test_dashboard_shows_orders_backlog_and_low_stock(console: Console) -> None:
    console.as_role("viewer")
    routed = routed_order(console.database, number="7001", lamps=10)  # all of wh-nj's LAMP: none left to sell
    stored_order(console.database, "7002", requested_ship_date="2020-01-02")
    page = console.page("/console/")
    assert "Orders per hour, last 24 hours (2)" in page and "<rect" in page and "shopify" in page
    assert "#7001" in page and "#7002" in page  # oldest unfilled; 7002 is also late
    assert page.count("#7002") == 2
    assert "LAMP" in page and "wh-nj" in page  # low stock
    panel = console.page("/console/backlog")
    assert 'hx-trigger="every 10s"' in panel and "deliver" in panel
    with console.database.session() as session:
        assert session.scalars(select(Delivery).where(Delivery.order_id == routed.order_id)).first() is not None


def test_order_list_filters_and_pages(console: Console) -> None:
    console.as_role("viewer")
    for n in range(3):
        stored_order(console.database, f"710{n}", po_number=f"PO-{n}")
    page = console.page("/console/orders?po_number=PO-1")
    assert "#7101" in page and "#7100" not in page and "#7102" not in page
    first = console.page("/console/orders?channel=shopify&cursor=")
    assert all(f"#710{n}" in first for n in range(3))
    bad = console.page("/console/orders?status=lost&placed_from=yesterday")
    assert "status" in bad and "placed_from" in bad and 'role="alert"' in bad  # named, not a 500
    assert "#7101" not in console.page("/console/orders?sku=NOPE")
    late = stored_order(console.database, "7103", requested_ship_date="2020-01-02")
    only_late = console.page("/console/orders?late=true")
    assert "#7103" in only_late and "#7101" not in only_late and late
    assert "#7103" not in console.page("/console/orders?late=false") and "#7101" in console.page(
        "/console/orders?stuck=false"
    )


def test_order_list_cursor_pages_the_rest(console: Console) -> None:
    console.as_role("viewer")
    for n in range(52):
        stored_order(console.database, f"8{n:03d}")
    first = console.page("/console/orders")
    assert 'rel="next"' in first and "#8051" in first and "#8000" not in first
    link = first.split('rel="next" href="')[1].split('"')[0].replace("&amp;", "&")
    rest = console.page(link)
    assert "#8000" in rest and "#8001" in rest and "#8051" not in rest and 'rel="next"' not in rest


def test_order_page_shows_lines_fulfillment_deliveries_and_timeline(console: Console) -> None:
    console.as_role("viewer")
    routed = routed_order(console.database, number="7201")
    page = console.page(f"/console/orders/{routed.order_id}")
    for text in ("LAMP", "SHADE", routed.nj, routed.pa, "wh-nj", "edi:ACME", "Timeline", "order.routed", "Routing"):
        assert text in page, text
    assert "Ship by hand" not in page and "Route now" not in page  # a viewer sees no actions
    missing = console.client.get("/console/orders/ord_nope")
    assert missing.status_code == 404 and "ord_nope" in missing.get_data(as_text=True)


def test_failures_page_lists_dead_deliveries_and_failed_messages(console: Console) -> None:
    console.as_role("operator")
    routed = routed_order(console.database, number="7301")
    with console.database.session() as session:
        delivery_id = session.scalars(select(Delivery.id).where(Delivery.order_id == routed.order_id)).first()
    assert delivery_id is not None
    make_dead(console.database, delivery_id, "HTTP 422: refused by the partner")
    message_id = failed_message(console.database)
    page = console.page("/console/failures")
    assert "HTTP 422: refused by the partner" in page and "ValueError: not JSON" in page
    assert f'name="delivery_id" value="{delivery_id}"' in page and f'name="inbox_id" value="{message_id}"' in page
    assert 'hx-trigger="every 10s"' in page
    assert "refused by the partner" in console.page("/console/failures/part")
    assert f'href="/console/inbox/{message_id}"' in page
    raw = console.page(f"/console/inbox/{message_id}")
    assert "{&#34;id&#34;: 1, &#34;broken&#34;:" in raw and "ValueError: not JSON" in raw and ">Replay<" in raw


def test_inventory_across_locations(console: Console) -> None:
    console.as_role("viewer")
    routed_order(console.database, number="7401", lamps=3)
    page = console.page("/console/inventory?sku=LAMP")
    assert "wh-nj" in page and "SHADE" not in page
    everything = console.page("/console/inventory")
    assert "LAMP" in everything and "SHADE" in everything and "wh-pa" in everything
