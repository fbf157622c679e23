"""The channel back-channel through the engine: a recorded shipment becomes one fulfillment at the order's Shopify
(the fake Shopify Admin API); tracking changes, cancellations and refunds follow it; an order nobody can tell
says why, on its timeline and in ``orderhub deliveries list``; a channel cancellation coming in withdraws the
order's fulfillment order at its 3PL."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from hub.canonical import Order
from hub.canonical.order import OrderStatus
from hub.channels.apply import apply_order
from hub.cli import main
from hub.db.models import Delivery, DeliveryStatus, FulfillmentOrderRecord, InboxMessage, OrderEvent, OrderRecord
from hub.db.models.base import utcnow
from hub.db.session import Database
from hub.delivery import channel_updates
from hub.delivery.accounts import save_account
from hub.delivery.outbox import queue_for
from hub.delivery.replay import make_pending
from hub.delivery.shipments import record_shipment
from hub.orders.store import add_order
from tests.delivery.conftest import add_account, add_location, route, run
from tests.delivery.fake3pl import Fake3plServer
from tests.delivery.shipment_setup import notice
from tests.fakes.shopify_admin import FakeShopifyAdmin
from tests.routing.builders import order_data

TOKEN_ENV = "SHOPIFY_TEST_ACCESS_TOKEN"


@pytest.fixture
def shop(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeShopifyAdmin]:
    with FakeShopifyAdmin() as fake:
        monkeypatch.setenv(TOKEN_ENV, fake.access_token)
        yield fake


def add_shopify(database: Database, fake: FakeShopifyAdmin, account: str = "main") -> None:
    settings = {"shop": fake.shop, "base_url": fake.origin, "timeout": 5}
    with database.session() as session:
        save_account(session, "shopify", account, settings, {"access_token": f"env:{TOKEN_ENV}"})


def shopify_order(database: Database, fake: FakeShopifyAdmin | None, number: str, channel: str = "shopify") -> str:
    """An order of LAMP x2 (line 1) and SHADE x1 (line 2) as a Shopify webhook gives it (line item ids kept),
    held by the fake shop too."""
    lines = [
        {"line_id": "1", "sku": "LAMP", "quantity": 2, "channel_line_id": f"{number}01"},
        {"line_id": "2", "sku": "SHADE", "quantity": 1, "channel_line_id": f"{number}02"},
    ]
    short = {"channel": channel, "channel_order_id": number, "number": f"#{number}", "lines": lines}
    short["ship_to"] = {"country": "US", "region": "NY", "postal_code": "10001"}
    with database.session() as session:
        stored = add_order(session, Order.model_validate(order_data(short)), account="main")
    if fake is not None:
        fake.add_order(number, {f"{number}01": ("LAMP", 2, "10.00"), f"{number}02": ("SHADE", 1, "10.00")})
    assert stored.id is not None
    return stored.id


def ship(database: Database, order_id: str, key: str, units: dict[str, int], tracking: str = "") -> str:
    """Route the order to the operator's own location (once) and record a shipment of ``units`` from it."""
    with database.session() as session:
        fo = session.scalars(select(FulfillmentOrderRecord).where(FulfillmentOrderRecord.order_id == order_id)).first()
    fo_id = fo.id if fo is not None else next(iter(route(database, order_id).fulfillment_orders))
    items = [{"line_id": line, "quantity": count} for line, count in units.items()]
    shipped = notice(key, order_id, items, fulfillment_order_id=fo_id, tracking_numbers=[tracking or f"1Z{key}"])
    with database.session() as session:
        return record_shipment(session, source="cli", notice=shipped, actor="test").shipment_id


def channel_deliveries(database: Database, order_id: str) -> list[Delivery]:
    with database.session() as session:
        rows = channel_updates.deliveries_of(session, order_id)
        session.expunge_all()
    return rows


def events(database: Database, order_id: str, kind: str) -> list[dict[str, Any]]:
    with database.session() as session:
        query = select(OrderEvent.data).where(OrderEvent.order_id == order_id, OrderEvent.type == kind)
        return [dict(data) for data in session.scalars(query.order_by(OrderEvent.id))]


@pytest.fixture
def stocked(database: Database) -> None:
    add_location(database, "wh-own", "self", LAMP=10, SHADE=10)


pytestmark = pytest.mark.usefixtures("stocked")


def test_a_recorded_shipment_becomes_one_fulfillment_at_the_orders_shop(
    database: Database, shop: FakeShopifyAdmin
) -> None:
    add_shopify(database, shop)
    order_id = shopify_order(database, shop, "5101")
    shipment_id = ship(database, order_id, "S1", {"1": 2, "2": 1}, tracking="1Z999AA10123456784")

    (planned,) = channel_deliveries(database, order_id)
    assert (planned.operation, planned.destination, planned.queue) == (
        "channel.shipment",
        "shopify:main",
        "deliver.channel",
    )
    assert planned.idempotency_key == f"shipment:{shipment_id}:channel" and planned.status == "pending"
    run(database)
    run(database)  # nothing is sent twice

    (made,) = shop.fulfillments_of("5101")
    assert made["tracking"] == [
        {
            "company": "UPS",
            "number": "1Z999AA10123456784",
            "url": "https://www.ups.com/track?tracknum=1Z999AA10123456784",
        }
    ]
    assert sorted(made["lines"]) == [("gid://shopify/LineItem/510101", 2), ("gid://shopify/LineItem/510102", 1)]
    (sent,) = channel_deliveries(database, order_id)
    assert sent.status == "delivered" and sent.external_id == made["id"]
    assert events(database, order_id, "channel.shipment_confirmed")[0]["external_id"] == made["id"]


def test_each_shipment_is_its_own_fulfillment(database: Database, shop: FakeShopifyAdmin) -> None:
    add_shopify(database, shop)
    order_id = shopify_order(database, shop, "5102")
    ship(database, order_id, "A", {"1": 1})
    ship(database, order_id, "A", {"1": 1})  # the same report again: one shipment, one delivery
    ship(database, order_id, "B", {"1": 1, "2": 1})
    run(database)
    assert [f["tracking"][0]["number"] for f in shop.fulfillments_of("5102")] == ["1ZA", "1ZB"]
    assert [d.status for d in channel_deliveries(database, order_id)] == ["delivered", "delivered"]


def test_an_order_whose_channel_account_has_no_connector_account_says_why(
    database: Database, shop: FakeShopifyAdmin, orderhub: Any
) -> None:
    order_id = shopify_order(database, shop, "5103")
    ship(database, order_id, "S1", {"1": 2, "2": 1})

    (skipped,) = channel_deliveries(database, order_id)
    assert skipped.status == "cancelled" and skipped.last_error is not None
    assert skipped.last_error.startswith("not sent: no active connector account 'shopify:main'")
    (event,) = events(database, order_id, "channel.update_skipped")
    assert event["operation"] == "channel.shipment" and "orderhub connector add shopify main" in event["reason"]
    code, listed = orderhub("deliveries", "list", "--order", order_id)
    assert code == 0 and "cancelled" in listed and "no active connector account" in listed

    add_shopify(database, shop)  # the operator adds the account and replays the delivery
    with database.session() as session:
        make_pending(session, [skipped.id])
    run(database)
    assert len(shop.fulfillments_of("5103")) == 1


def test_a_channel_without_a_back_channel_for_the_order_records_why(database: Database, marketplace: str) -> None:
    order_id = shopify_order(database, None, "5104", channel="fakemarket")
    with database.session() as session:
        save_account(session, "fakemarket", "main", {}, {})
    ship(database, order_id, "S1", {"1": 2})
    run(database)

    (delivery,) = channel_deliveries(database, order_id)
    assert delivery.status == "cancelled"
    assert delivery.last_error == "not sent: the marketplace ships this order itself (fulfilled by the marketplace)"
    (event,) = events(database, order_id, "channel.update_skipped")
    assert event["reason"] == "the marketplace ships this order itself (fulfilled by the marketplace)"
    assert events(database, order_id, "channel.update_failed") == []


def test_an_x12_partners_order_is_not_sent_to_the_partner_as_a_channel_update(database: Database) -> None:
    order_id = shopify_order(database, None, "5105", channel="edi")
    with database.session() as session:
        record = session.get(OrderRecord, order_id)
        assert record is not None
        record.account = "ACME"
    ship(database, order_id, "S1", {"1": 2})
    (delivery,) = channel_deliveries(database, order_id)
    assert delivery.destination == "edi:ACME" and delivery.status == "cancelled"
    assert "X12 trading partner" in (delivery.last_error or "")


def test_a_tracking_change_reaches_the_fulfillment(database: Database, shop: FakeShopifyAdmin) -> None:
    add_shopify(database, shop)
    order_id = shopify_order(database, shop, "5106")
    shipment_id = ship(database, order_id, "S1", {"1": 2, "2": 1}, tracking="1ZOLD")
    run(database)
    with database.session() as session:
        ids = channel_updates.change_tracking(
            session, shipment_id, carrier="FedEx", tracking_numbers=["7946NEW"], tracking_url=None, actor="test"
        )
    assert len(ids) == 1
    run(database)
    (fulfillment,) = shop.fulfillments_of("5106")
    assert fulfillment["tracking"] == [{"company": "FedEx", "number": "7946NEW", "url": None}]
    assert [d.operation for d in channel_deliveries(database, order_id)] == ["channel.shipment", "channel.tracking"]
    assert events(database, order_id, "channel.tracking_updated")[0]["external_id"] == fulfillment["id"]


def test_a_tracking_change_before_the_confirmation_went_rides_with_it(
    database: Database, shop: FakeShopifyAdmin
) -> None:
    add_shopify(database, shop)
    order_id = shopify_order(database, shop, "5107")
    shipment_id = ship(database, order_id, "S1", {"1": 2}, tracking="1ZOLD")
    with database.session() as session:
        ids = channel_updates.change_tracking(
            session, shipment_id, carrier=None, tracking_numbers=["1ZNEW"], tracking_url=None, actor="test"
        )
    assert ids == []
    run(database)
    (fulfillment,) = shop.fulfillments_of("5107")
    assert [info["number"] for info in fulfillment["tracking"]] == ["1ZNEW"]
    assert len(channel_deliveries(database, order_id)) == 1


def test_a_tracking_change_after_the_confirmation_died_goes_with_its_replay(
    database: Database, shop: FakeShopifyAdmin
) -> None:
    add_shopify(database, shop)
    order_id = shopify_order(database, shop, "5113")
    shipment_id = ship(database, order_id, "S1", {"1": 2}, tracking="1ZOLD")
    (confirmation,) = channel_deliveries(database, order_id)
    shop.fail_next(400)  # refused once: dead
    run(database)
    assert channel_deliveries(database, order_id)[0].status == "dead"
    with database.session() as session:
        ids = channel_updates.change_tracking(
            session, shipment_id, carrier=None, tracking_numbers=["1ZFIXED"], tracking_url=None, actor="test"
        )
        make_pending(session, [confirmation.id])
    assert ids == []
    run(database)
    (fulfillment,) = shop.fulfillments_of("5113")
    assert [info["number"] for info in fulfillment["tracking"]] == ["1ZFIXED"]
    assert [d.operation for d in channel_deliveries(database, order_id)] == ["channel.shipment"]
    assert events(database, order_id, "channel.update_failed")[0]["reason"].startswith("HTTP 400")


def test_the_hub_cancelling_units_tells_the_channel(database: Database, shop: FakeShopifyAdmin) -> None:
    add_shopify(database, shop)
    order_id = shopify_order(database, shop, "5108")
    with database.session() as session:
        first = channel_updates.plan_channel_cancellation(session, order_id, "no stock by the deadline", lines={"2": 1})
        again = channel_updates.plan_channel_cancellation(session, order_id, "no stock by the deadline", lines={"2": 1})
        whole = channel_updates.plan_channel_cancellation(session, order_id, "supplier rejected, no other source")
    assert len(first) == 1 and again == [] and len(whole) == 1
    run(database)
    order = shop.order("5108")
    assert [refund["lines"] for refund in order["refunds"]] == [[(1, "CANCEL")]]
    assert order["cancelled_at"] and order["cancel"]["refund"] is True
    assert len(events(database, order_id, "channel.cancelled")) == 2


@pytest.fixture
def orderhub(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Any:
    """``orderhub ARGS`` in this process against the test database: (exit code, stdout + stderr)."""
    monkeypatch.setenv("HUB_DATABASE_URL", database_url)
    monkeypatch.setenv("HUB_DATA_DIR", str(tmp_path))

    def run_command(*args: str) -> tuple[int, str]:
        try:
            main(list(args))
            code = 0
        except SystemExit as exited:
            code = int(exited.code or 0)
        captured = capsys.readouterr()
        return code, captured.out + captured.err

    return run_command


def test_orderhub_order_refund_asks_the_channel_once(database: Database, shop: FakeShopifyAdmin, orderhub: Any) -> None:
    add_shopify(database, shop)
    order_id = shopify_order(database, shop, "5109")
    code, asked = orderhub("order", "refund", order_id, "--line", "LAMP=1", "--shipping", "--reason", "arrived broken")
    assert code == 0 and "refund for shopify:main: delivery" in asked, asked
    code, again = orderhub("order", "refund", "#5109", "--line", "LAMP=1", "--shipping", "--reason", "arrived broken")
    assert code == 0 and "asked for before" in again
    run(database)
    (refund,) = shop.order("5109")["refunds"]
    assert refund["lines"] == [(1, "NO_RESTOCK")] and refund["transactions"][0]["amount"] == "15.00"
    assert "arrived broken" in refund["note"]
    assert [d.status for d in channel_deliveries(database, order_id)] == ["delivered"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--line", "NOPE=1"], "no line with SKU or line id 'NOPE'"),
        (["--line", "LAMP=3"], "3 units of LAMP asked for, the line has 2"),
        (["--line", "LAMP"], "is not SKU=QTY"),
        ([], "name what to refund"),
    ],
)
def test_a_refund_of_what_the_order_does_not_hold_is_refused_in_one_line(
    database: Database, args: list[str], message: str, orderhub: Any
) -> None:
    order_id = shopify_order(database, None, "5110")
    code, refused = orderhub("order", "refund", order_id, *args, "--reason", "x")
    assert code != 0 and message in refused and "Traceback" not in refused
    assert len(refused.strip().splitlines()) == 1
    assert channel_deliveries(database, order_id) == []


@pytest.mark.usefixtures("fake3pl_installed")
def test_a_channel_cancellation_coming_in_withdraws_the_order_at_its_3pl(
    database: Database, fake: Fake3plServer
) -> None:
    add_location(database, "wh-3pl", add_account(database, fake.origin), LAMP=5, SHADE=5)
    order_id = shopify_order(database, None, "5111")
    (fo_id,) = [fo for fo, location in route(database, order_id).fulfillment_orders.items() if location == "wh-3pl"]
    run(database)  # the 3PL accepted it
    with database.session() as session:
        record = session.get(OrderRecord, order_id)
        assert record is not None
        cancelled = Order.model_validate(record.document).model_copy(
            update={"status": OrderStatus.CANCELLED, "updated_at": utcnow() + timedelta(minutes=1)}
        )
        message = InboxMessage(
            source="webhook", channel="shopify", account="main", topic="orders/cancelled", body=b"{}"
        )
        session.add(message)
        session.flush()
        assert apply_order(session, cancelled, message).outcome == "cancelled"
    run(database)
    assert fake.cancelled == [f"fo:{fo_id}:cancel"]
    with database.session() as session:
        assert session.get(FulfillmentOrderRecord, fo_id).state == "cancelled"  # type: ignore[union-attr]
        assert session.get(OrderRecord, order_id).status == "cancelled"  # type: ignore[union-attr]


# -- a channel connector that has no back-channel for its orders ------------------------------------------------

MARKETPLACE = """
from hub.sdk import ConnectorConfig, ConnectorKind, NoBackChannel


class FakeMarket:
    name = "fakemarket"
    kind = ConnectorKind.CHANNEL

    class Config(ConnectorConfig):
        pass

    def __init__(self, config, session):
        self.config = config

    def check(self):
        return None

    def confirm_shipment(self, update, idempotency_key):
        raise NoBackChannel("the marketplace ships this order itself (fulfilled by the marketplace)")
"""


@pytest.fixture
def marketplace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A ``fakemarket`` channel connector registered through a real dist-info entry point."""
    (tmp_path / "fakemarket_connector.py").write_text(MARKETPLACE)
    dist = tmp_path / "fakemarket_connector-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: fakemarket-connector\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[orderhub.connectors]\nfakemarket = fakemarket_connector:FakeMarket\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    queue_for.cache_clear()
    yield "fakemarket"
    sys.modules.pop("fakemarket_connector", None)
    queue_for.cache_clear()


def test_delivery_rows_say_what_they_hold(database: Database, shop: FakeShopifyAdmin, orderhub: Any) -> None:
    """``orderhub deliveries show`` gives the channel's ids the connector works from."""
    add_shopify(database, shop)
    order_id = shopify_order(database, shop, "5112")
    ship(database, order_id, "S1", {"1": 2})
    (planned,) = channel_deliveries(database, order_id)
    shown = json.loads(orderhub("deliveries", "show", str(planned.id), "--json")[1])
    assert shown["payload"]["order"]["channel_order_id"] == "5112"
    assert shown["payload"]["lines"] == [{"line_id": "1", "quantity": 2, "channel_line_id": "511201", "sku": "LAMP"}]
    assert shown["status"] == DeliveryStatus.PENDING
