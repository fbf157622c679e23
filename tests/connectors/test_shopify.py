"""The Shopify connector against the fake Shopify Admin GraphQL API: the SDK contract, then fulfil, update
tracking, cancel, refund, and the throttled, 5xx and ``userErrors`` answers."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from connectors.shopify import Shopify
from connectors.shopify.config import Config
from hub.canonical import Carrier, Order, Shipment
from hub.sdk import (
    AlreadyDelivered,
    ChannelCancellation,
    ChannelRefund,
    ChannelShipment,
    ConfigurationError,
    Connector,
    PermanentError,
    TransientError,
    UpdateLine,
)
from hub.sdk.testing import ConnectorContract, ContractPartner, InjectedFailure, sample_fulfillment_request
from tests.fakes.shopify_admin import FakeShopifyAdmin

ORDER_ID = "820982911946154508"
LINES = {"1": ("TEE-BLK-M", 2, "25.00"), "2": ("MUG-WHT", 1, "12.00")}


def channel_order() -> Order:
    """The SDK's sample order as a Shopify webhook gives it: each line with its Shopify line item id."""
    order = sample_fulfillment_request().order
    lines = [line.model_copy(update={"channel_line_id": str(9000 + int(line.line_id))}) for line in order.lines]
    return order.model_copy(update={"lines": lines})


def seed(fake: FakeShopifyAdmin) -> None:
    fake.add_order(ORDER_ID, {str(9000 + int(key)): value for key, value in LINES.items()})


def shipment_update(
    shipment_id: str = "shp_1", numbers: tuple[str, ...] = ("1Z999AA10123456784",), **units: int
) -> ChannelShipment:
    order = channel_order()
    wanted = units or {"1": 2, "2": 1}
    lines = tuple(
        UpdateLine(line.line_id, wanted[line.line_id], line.channel_line_id, line.sku)
        for line in order.lines
        if line.line_id in wanted
    )
    shipment = Shipment(
        id=shipment_id,
        order_id=order.id,
        shipped_at=datetime(2026, 12, 6, 9, 0, tzinfo=UTC),
        carrier=Carrier(name="UPS", service="Ground"),
        tracking_numbers=list(numbers),
    )
    url = f"https://www.ups.com/track?tracknum={numbers[0]}" if numbers else None
    return ChannelShipment(order=order, shipment_id=shipment_id, shipment=shipment, lines=lines, tracking_url=url)


class ShopifyPartner:
    """The fake Shopify as the contract suite drives it (the suite confirms a shipment of the sample order)."""

    def __init__(self, fake: FakeShopifyAdmin) -> None:
        self.fake = fake

    def settings(self) -> dict[str, Any]:
        return self.fake.settings(timeout=0.5)

    def fail_next(self, failure: InjectedFailure) -> None:
        if failure.timeout:
            self.fake.hang_next(seconds=1.5)
        elif failure.reset:
            self.fake.reset_next()
        else:
            assert failure.status is not None
            self.fake.fail_next(failure.status, retry_after=failure.retry_after)

    def orders_received(self, request: Any) -> int:
        return 0  # a channel takes no fulfillment orders

    def fulfillments(self) -> int:
        return len(self.fake.fulfillments_of(ORDER_ID))


@pytest.fixture
def shopify() -> Iterator[FakeShopifyAdmin]:
    with FakeShopifyAdmin() as fake:
        seed(fake)
        yield fake


class TestShopifyContract(ConnectorContract):
    connector_class = Shopify
    secret_settings = ("access_token",)
    invalid_settings = (
        ("shop", "not a shop"),
        ("api_version", "2025-13"),
        ("base_url", "ftp://example.com"),
        ("base_url", "https://user:pw@example.com"),
        ("timeout", 0),
    )

    @pytest.fixture
    def partner(self, shopify: FakeShopifyAdmin) -> ContractPartner:
        return ShopifyPartner(shopify)

    def exercise(self, connector: Connector, request: Any) -> object:
        assert isinstance(connector, Shopify)
        return connector.confirm_shipment(shipment_update(), "shipment:shp_1:channel")

    def count_effects(self, partner: ContractPartner, request: Any) -> int:
        assert isinstance(partner, ShopifyPartner)
        return partner.fulfillments()


def connector(fake: FakeShopifyAdmin, **settings: Any) -> Shopify:
    return Shopify(Config.model_validate(fake.settings(**settings)), requests.Session())


# -- fulfil ----------------------------------------------------------------------------------------------------


def test_a_shipment_becomes_one_fulfillment_with_its_tracking(shopify: FakeShopifyAdmin) -> None:
    submitted = connector(shopify).confirm_shipment(shipment_update(), "shipment:shp_1:channel")

    (made,) = shopify.fulfillments_of(ORDER_ID)
    assert submitted.external_id == made["id"]
    assert made["tracking"] == [
        {
            "company": "UPS",
            "number": "1Z999AA10123456784",
            "url": "https://www.ups.com/track?tracknum=1Z999AA10123456784",
        }
    ]
    assert sorted(made["lines"]) == [("gid://shopify/LineItem/9001", 2), ("gid://shopify/LineItem/9002", 1)]
    assert made["notify_customer"] is True
    assert shopify.order(ORDER_ID)["fulfillment_orders"][0]["status"] == "CLOSED"
    sent = shopify.calls("fulfillmentCreate")[0].variables["fulfillment"]
    assert sent["lineItemsByFulfillmentOrder"][0]["fulfillmentOrderId"].startswith("gid://shopify/FulfillmentOrder/")
    assert shopify.requests[0].path == "/admin/api/2025-10/graphql.json"


def test_a_resend_finds_the_fulfillment_made_before(shopify: FakeShopifyAdmin) -> None:
    first = connector(shopify).confirm_shipment(shipment_update(), "k")
    again = connector(shopify).confirm_shipment(shipment_update(), "k")
    assert again.external_id == first.external_id
    assert len(shopify.fulfillments_of(ORDER_ID)) == 1 and len(shopify.calls("fulfillmentCreate")) == 1


def test_two_partial_shipments_make_two_fulfillments_and_a_third_is_already_there(shopify: FakeShopifyAdmin) -> None:
    shop = connector(shopify)
    shop.confirm_shipment(shipment_update("shp_a", ("TRK-A",), **{"1": 1}), "a")
    shop.confirm_shipment(shipment_update("shp_b", ("TRK-B",), **{"1": 1, "2": 1}), "b")
    assert [f["tracking"][0]["number"] for f in shopify.fulfillments_of(ORDER_ID)] == ["TRK-A", "TRK-B"]
    with pytest.raises(AlreadyDelivered, match="already fulfilled"):
        shop.confirm_shipment(shipment_update("shp_c", (), **{"2": 1}), "c")  # no number to find it by
    assert len(shopify.fulfillments_of(ORDER_ID)) == 2


def test_lines_without_a_shopify_id_are_matched_by_sku(shopify: FakeShopifyAdmin) -> None:
    update = shipment_update()
    update = replace(update, lines=tuple(replace(line, channel_line_id=None) for line in update.lines))
    connector(shopify).confirm_shipment(update, "k")
    assert len(shopify.fulfillments_of(ORDER_ID)) == 1


def test_an_unknown_order_or_line_is_permanent(shopify: FakeShopifyAdmin) -> None:
    update = shipment_update()
    missing = replace(update, order=update.order.model_copy(update={"channel_order_id": "1"}))
    with pytest.raises(PermanentError, match="no order"):
        connector(shopify).confirm_shipment(missing, "k")
    stranger = replace(update, lines=(UpdateLine("9", 1, "555", "OTHER"),))
    with pytest.raises(PermanentError, match="line item 555"):
        connector(shopify).confirm_shipment(stranger, "k")
    assert shopify.fulfillments_of(ORDER_ID) == []


def test_user_errors_are_classified(shopify: FakeShopifyAdmin) -> None:
    """Shopify answers refusals with HTTP 200 and ``userErrors``: a line fulfilled meanwhile is already
    delivered; an unknown fulfillment is permanent."""
    shop = connector(shopify)
    order = shopify.order(ORDER_ID)
    real_read = shopify._do_order

    def stale(variables: dict[str, Any]) -> Any:  # what the connector read before someone fulfilled the lines
        view = real_read(variables)
        for fo in order["fulfillment_orders"]:
            for item in fo["items"]:
                item["remaining"] = 0
        return view

    shopify._do_order = stale  # type: ignore[method-assign]
    with pytest.raises(AlreadyDelivered, match="quantity"):
        shop.confirm_shipment(shipment_update(), "k")
    shopify._do_order = real_read  # type: ignore[method-assign]
    with pytest.raises(PermanentError, match="does not exist"):
        shop.update_tracking(shipment_update(), "gid://shopify/Fulfillment/42", "t")


# -- tracking, cancel, refund ------------------------------------------------------------------------------------


def test_tracking_is_updated_on_the_fulfillment(shopify: FakeShopifyAdmin) -> None:
    shop = connector(shopify)
    made = shop.confirm_shipment(shipment_update(), "k")
    changed = shipment_update(numbers=("1ZNEW0000000000001",))
    shop.update_tracking(changed, made.external_id or "", "t")
    (fulfillment,) = shopify.fulfillments_of(ORDER_ID)
    assert [info["number"] for info in fulfillment["tracking"]] == ["1ZNEW0000000000001"]
    # the changed shipment is now found by its new number: a resend of the confirmation makes nothing new
    assert shop.confirm_shipment(changed, "k").external_id == made.external_id


def test_cancelling_the_order_cancels_it_once(shopify: FakeShopifyAdmin) -> None:
    shop = connector(shopify, refund_on_cancel=False)
    cancellation = ChannelCancellation(order=channel_order(), reason="out of stock past the deadline")
    shop.cancel_order(cancellation, "c")
    assert shopify.order(ORDER_ID)["cancel"] == {
        "reason": "INVENTORY", "refund": False, "restock": False, "staffNote": "out of stock past the deadline",
    }  # fmt: skip
    again = shop.cancel_order(cancellation, "c")
    assert "already cancelled" in again.note and len(shopify.calls("orderCancel")) == 1


def test_cancelling_some_units_refunds_them_as_cancelled(shopify: FakeShopifyAdmin) -> None:
    line = channel_order().lines[1]
    cancellation = ChannelCancellation(
        order=channel_order(), reason="supplier rejected", lines=(UpdateLine("2", 1, line.channel_line_id, line.sku),)
    )
    connector(shopify).cancel_order(cancellation, "order:o:channel_cancel:x")
    (refund,) = shopify.order(ORDER_ID)["refunds"]
    assert refund["lines"] == [(1, "CANCEL")] and refund["transactions"][0]["amount"] == "12.00"


def test_a_refund_uses_shopifys_suggested_transactions_and_is_made_once(shopify: FakeShopifyAdmin) -> None:
    line = channel_order().lines[0]
    lines = (UpdateLine("1", 1, line.channel_line_id, line.sku),)
    refund = ChannelRefund(order=channel_order(), reason="damaged", lines=lines, shipping=True)
    shop = connector(shopify)
    first = shop.refund_order(refund, "order:o:refund:abc")
    again = shop.refund_order(refund, "order:o:refund:abc")
    (made,) = shopify.order(ORDER_ID)["refunds"]
    assert first.external_id == again.external_id == made["id"]
    assert made["transactions"] == [
        {"orderId": f"gid://shopify/Order/{ORDER_ID}", "parentId": "gid://shopify/OrderTransaction/1",
         "amount": "30.00", "gateway": "bogus", "kind": "REFUND"}
    ]  # fmt: skip
    assert made["lines"] == [(1, "NO_RESTOCK")] and made["shipping"] == {"fullRefund": True}
    with pytest.raises(PermanentError, match="more items"):
        shop.refund_order(replace(refund, lines=(UpdateLine("1", 5, line.channel_line_id),)), "order:o:refund:def")


# -- throttle and failures ---------------------------------------------------------------------------------------


def test_throttled_is_transient_with_the_time_the_bucket_needs(shopify: FakeShopifyAdmin) -> None:
    shopify.throttle_next()
    with pytest.raises(TransientError, match="throttled") as raised:
        connector(shopify).confirm_shipment(shipment_update(), "k")
    assert raised.value.retry_after is not None and raised.value.retry_after >= 1
    assert shopify.fulfillments_of(ORDER_ID) == []
    time.sleep(raised.value.retry_after)  # as the retry policy would
    connector(shopify).confirm_shipment(shipment_update(), "k")
    assert len(shopify.fulfillments_of(ORDER_ID)) == 1


def test_a_small_bucket_is_respected_by_waiting_or_failing_fast() -> None:
    """With a bucket that refills slowly, the client waits briefly for it instead of earning THROTTLED answers;
    when the bucket was drained (another app of the shop) it fails fast with how long to wait, sending nothing."""
    with FakeShopifyAdmin(maximum=60, restore_rate=5) as fake:
        fake.add_order(ORDER_ID, {"9001": ("TEE-BLK-M", 10, "25.00")})
        shop = connector(fake)
        for number in range(6):
            shop.confirm_shipment(shipment_update(f"shp_{number}", (f"T{number}",), **{"1": 1}), f"k{number}")
        assert len(fake.fulfillments_of(ORDER_ID)) == 6 and not [seen for seen in fake.requests if seen.root is None]
        fake.drain()
        fresh = connector(fake)  # no reading yet: it learns the bucket is empty from the THROTTLED answer
        with pytest.raises(TransientError, match="throttled"):
            fresh.check()
        sent = len(fake.requests)
        with pytest.raises(TransientError, match="bucket") as raised:
            fresh.confirm_shipment(shipment_update("shp_9", ("T9",), **{"1": 1}), "k9")
        assert raised.value.retry_after is not None and raised.value.retry_after > 2
        assert len(fake.requests) == sent


def test_5xx_and_401_are_classified(shopify: FakeShopifyAdmin) -> None:
    shopify.fail_next(503)
    with pytest.raises(TransientError, match="503"):
        connector(shopify).confirm_shipment(shipment_update(), "k")
    with pytest.raises(ConfigurationError, match="401"):
        connector(shopify, access_token="shpat_wrong_value_123").check()
    connector(shopify).confirm_shipment(shipment_update(), "k")
    assert len(shopify.fulfillments_of(ORDER_ID)) == 1


def test_config_normalises_the_shop_domain() -> None:
    config = Config.model_validate({"shop": "Example-Goods", "access_token": "x"})
    assert config.shop == "example-goods.myshopify.com"
    assert config.endpoint == "https://example-goods.myshopify.com/admin/api/2025-10/graphql.json"
