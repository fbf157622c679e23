"""The channel back-channel on PostgreSQL + RabbitMQ with real ``orderhub serve``, ``worker`` and ``beat``
processes: a signed Shopify order goes to the fake ShipStation, ShipStation ships it (its webhook), and the
fake Shopify Admin API ends up with exactly one fulfillment carrying the shipment's tracking, and the order
shipped,

* while the shop throttles (``THROTTLED``) and answers 503 for a while;
* when the worker sending the fulfillment is killed (SIGKILL) while the shop holds its ``fulfillmentCreate``
  (the shop makes the fulfillment after the worker is gone: the resend finds it by its tracking).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hub.db.models import Delivery
from tests.e2e.setup import Hub, add_shipstation, eventually, running_hub, shopify_order, stack_for
from tests.fakes.shipstation import FakeShipStation
from tests.fakes.shopify_admin import FakeShopifyAdmin

ACCOUNT = "shop1"  # the channel account the signed webhooks arrive under


@pytest.fixture(scope="module")
def shop() -> Iterator[FakeShopifyAdmin]:
    with FakeShopifyAdmin() as fake:
        yield fake


@pytest.fixture(scope="module")
def hub(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, shop: FakeShopifyAdmin
) -> Iterator[Hub]:
    root = tmp_path_factory.mktemp("channel")
    for stack in stack_for(request, "production", root):
        with running_hub(stack, root, "serve", "beat", "worker") as running:
            token = running.secret("shopify-token", shop.access_token)
            running.cli(
                "connector", "add", "shopify", ACCOUNT, "--set", f"shop={shop.shop}",
                "--set", f"base_url={shop.origin}", "--set", "timeout=10", "--secret", f"access_token={token}",
            )  # fmt: skip
            yield running


def channel_deliveries(hub: Hub, order_id: str) -> list[Delivery]:
    return [d for d in hub.deliveries(f"shopify:{ACCOUNT}") if d.order_id == order_id]


def shipped_at_shipstation(hub: Hub, shop: FakeShopifyAdmin, account: str, number: int, tracking: str) -> str:
    """A signed Shopify order of one SKU stocked at a ShipStation location, accepted there, then shipped with
    ``tracking`` (ShipStation's webhook); returns the order id."""
    sku = f"{account.upper()}-SKU"
    with FakeShipStation() as shipstation:
        webhook = add_shipstation(hub, account, shipstation)
        hub.location(f"wh-{account}", f"shipstation:{account}", **{sku: 10})
        shop.add_webhook_order(shopify_order(number, {sku: 2}))
        hub.place(number, {sku: 2})
        order_id = hub.wait_order(number)
        fo = eventually(lambda: next(iter(hub.fulfillment_orders(order_id).values()), None), "the fulfillment order")
        eventually(lambda: shipstation.order_by_key(fo.id), "ShipStation to receive the order")
        eventually(lambda: hub.fulfillment_orders(order_id)[f"wh-{account}"].state == "accepted", "its acceptance")
        answer = shipstation.notify(webhook, shipstation.ship(fo.id, tracking_number=tracking))
        assert answer.status_code == 200, answer.text
        hub.wait_status(order_id, "shipped")
    return order_id


def one_fulfillment(hub: Hub, shop: FakeShopifyAdmin, number: int, order_id: str, tracking: str) -> Delivery:
    """Exactly one fulfillment at the shop for the order, of both units, with the tracking; the delivery that
    made it delivered."""
    delivered = lambda: [d for d in channel_deliveries(hub, order_id) if d.status == "delivered"]  # noqa: E731
    (delivery,) = eventually(delivered, "the shipment confirmed to Shopify", limit=150)
    (made,) = shop.fulfillments_of(7_100_000_000_000 + number)
    assert [info["number"] for info in made["tracking"]] == [tracking]
    assert [quantity for _line, quantity in made["lines"]] == [2]
    assert delivery.external_id == made["id"] and delivery.operation == "channel.shipment"
    assert len(channel_deliveries(hub, order_id)) == 1
    return delivery


def outcomes(hub: Hub, delivery_id: int) -> list[tuple[str, int | None]]:
    import json

    shown = json.loads(hub.cli("deliveries", "show", str(delivery_id), "--json"))
    return [(attempt["outcome"], attempt["status_code"]) for attempt in shown["attempts"]]


def test_throttled_and_5xx_for_a_while_then_one_fulfillment(hub: Hub, shop: FakeShopifyAdmin) -> None:
    shop.throttle_next(2)
    shop.fail_next(503, times=2)
    order_id = shipped_at_shipstation(hub, shop, "chanflaky", 6101, "1ZCHANFLAKY0000001")

    delivery = one_fulfillment(hub, shop, 6101, order_id, "1ZCHANFLAKY0000001")
    tried = outcomes(hub, delivery.id)
    assert tried[-1][0] == "delivered"
    assert ("transient", 503) in tried and sum(1 for outcome, _code in tried if outcome == "transient") >= 3, tried
    assert [e.data["external_id"] for e in hub.events(order_id, "channel.shipment_confirmed")] == [delivery.external_id]
    assert hub.tracebacks() == [], hub.log_text()[-4000:]


def test_a_worker_killed_mid_send_leaves_one_fulfillment(hub: Hub, shop: FakeShopifyAdmin) -> None:
    shop.hang_next(after=1, seconds=20)  # the order is read, then fulfillmentCreate is held past the time-out
    creates = len(shop.calls("fulfillmentCreate"))
    order_id = shipped_at_shipstation(hub, shop, "chancrash", 6102, "1ZCHANCRASH0000001")
    eventually(lambda: len(shop.calls("fulfillmentCreate")) > creates, "the fulfillmentCreate to be on its way")
    hub.kill("worker")
    hub.start_part("worker")

    delivery = one_fulfillment(hub, shop, 6102, order_id, "1ZCHANCRASH0000001")
    tried = [outcome for outcome, _code in outcomes(hub, delivery.id)]
    assert tried[0] in ("lost", "transient") and tried[-1] == "delivered", tried
    assert hub.tracebacks() == [], hub.log_text()[-4000:]
