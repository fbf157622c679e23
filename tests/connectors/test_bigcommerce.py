"""The BigCommerce back-channel against the fake store: the SDK contract, then shipments, tracking changes,
cancellations and refunds as the store records them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from connectors.bigcommerce import BigCommerce
from connectors.bigcommerce.config import Config
from hub.canonical import FulfillmentRequest, Order
from hub.sdk import AlreadyDelivered, NoBackChannel, PermanentError, TransientError
from hub.sdk.testing import ConnectorContract, ContractPartner
from tests.connectors.channel_samples import (
    ConfirmsShipmentExercise,
    cancellation,
    channel_order,
    refund,
    request_for,
    shipment_update,
)
from tests.connectors.partners import FakePartner
from tests.fakes.bigcommerce import FakeBigCommerce

ORDER_ID = 4101
ADDRESS_ID = 77
LINE_IDS = {"1": "501", "2": "502"}


def put_order(fake: FakeBigCommerce, status_id: int = 11) -> None:
    """Order 4101 as the store holds it: 2 tees at 25.00 and a mug at 12.00, one shipping address."""
    order = {"id": ORDER_ID, "status_id": status_id, "total_inc_tax": "67.00"}
    products = [
        {"id": 501, "quantity": 2, "price_inc_tax": "25.00"},
        {"id": 502, "quantity": 1, "price_inc_tax": "12.00"},
    ]
    fake.put(order, products, [{"id": ADDRESS_ID}])


def order(**attributes: str) -> Order:
    return channel_order("bigcommerce", str(ORDER_ID), LINE_IDS, attributes=attributes)


@pytest.fixture
def store() -> Iterator[FakeBigCommerce]:
    with FakeBigCommerce() as fake:
        put_order(fake)
        yield fake


class TestBigCommerceContract(ConfirmsShipmentExercise, ConnectorContract):
    connector_class = BigCommerce
    secret_settings = ("access_token",)
    invalid_settings = (
        ("base_url", "ftp://api.bigcommerce.com/stores/abc"),
        ("base_url", "https://api.bigcommerce.com/v2"),
        ("refund_payment", "cash"),
        ("timeout", 0),
    )

    @pytest.fixture
    def partner(self, store: FakeBigCommerce) -> ContractPartner:
        return FakePartner(store, store.settings(timeout=0.5), lambda: len(store.shipments.get(ORDER_ID, [])))

    @pytest.fixture
    def fulfillment_request(self) -> FulfillmentRequest:
        return request_for(order())


def connector(fake: FakeBigCommerce, **settings: Any) -> BigCommerce:
    return BigCommerce(Config.model_validate(fake.settings(**settings)), requests.Session())


# -- shipments ---------------------------------------------------------------------------------------------------


def test_a_shipment_names_the_address_the_order_products_and_the_carrier(store: FakeBigCommerce) -> None:
    update = shipment_update(order(order_address_id=str(ADDRESS_ID)), tracking=("1ZAAA", "1ZBBB"))
    submitted = connector(store).confirm_shipment(update, "k")
    (made,) = store.shipments[ORDER_ID]
    assert submitted.external_id == str(made["id"])
    assert made["order_address_id"] == ADDRESS_ID
    assert made["items"] == [{"order_product_id": 501, "quantity": 2}, {"order_product_id": 502, "quantity": 1}]
    assert (made["tracking_number"], made["shipping_provider"], made["tracking_carrier"]) == ("1ZAAA", "ups", "ups")
    assert made["shipping_method"] == "UPS Ground" and made["comments"] == "Further tracking numbers: 1ZBBB"
    assert store.documents[ORDER_ID]["order"]["status_id"] == 2  # Shipped
    assert store.calls("GET", "/shipping_addresses") == []  # the address id kept at intake is used


def test_without_the_address_id_it_is_read_from_the_order(store: FakeBigCommerce) -> None:
    connector(store).confirm_shipment(shipment_update(order(), units={"1": 1}, carrier="Someone Local"), "k")
    (made,) = store.shipments[ORDER_ID]
    assert made["order_address_id"] == ADDRESS_ID and len(store.calls("GET", "/shipping_addresses")) == 1
    assert (made["shipping_provider"], made["tracking_carrier"]) == ("", "")
    assert store.documents[ORDER_ID]["order"]["status_id"] == 3  # Partially Shipped


def test_a_resend_finds_the_shipment_already_made(store: FakeBigCommerce) -> None:
    update = shipment_update(order())
    first = connector(store).confirm_shipment(update, "k")
    again = connector(store).confirm_shipment(update, "k")
    assert first.external_id == again.external_id and len(store.shipments[ORDER_ID]) == 1


def test_units_the_store_already_shipped_count_as_delivered(store: FakeBigCommerce) -> None:
    connector(store).confirm_shipment(shipment_update(order(), tracking=("BYHAND",)), "k")
    with pytest.raises(AlreadyDelivered, match="available to ship"):
        connector(store).confirm_shipment(shipment_update(order(), "shp_2", tracking=("1ZOTHER",)), "k2")


def test_a_tracking_change_updates_the_shipment(store: FakeBigCommerce) -> None:
    first = connector(store).confirm_shipment(shipment_update(order()), "k")
    assert first.external_id is not None
    changed = shipment_update(order(), tracking=("7700112233",), carrier="FedEx", tracking_url="https://f.example/77")
    connector(store).update_tracking(changed, first.external_id, "t")
    (made,) = store.shipments[ORDER_ID]
    assert (made["tracking_number"], made["shipping_provider"], made["tracking_link"]) == (
        "7700112233",
        "fedex",
        "https://f.example/77",
    )


def test_a_spent_rate_limit_waits_for_the_window_and_a_bare_429_is_platform_load(store: FakeBigCommerce) -> None:
    store.rate_limit_next(reset_ms=4500)
    bc = connector(store)
    with pytest.raises(TransientError) as throttled:
        bc.confirm_shipment(shipment_update(order()), "k")
    assert throttled.value.status_code == 429 and throttled.value.retry_after == 4.5
    with pytest.raises(TransientError, match="rate limit spent"):  # no call until the window resets
        bc.confirm_shipment(shipment_update(order()), "k")
    assert len(store.requests) == 1
    store.fail_next(429)
    with pytest.raises(TransientError) as loaded:
        connector(store).confirm_shipment(shipment_update(order()), "k")
    assert loaded.value.retry_after is None


def test_errors_carry_the_stores_message(store: FakeBigCommerce) -> None:
    store.fail_next(503)
    with pytest.raises(TransientError, match="Injected failure"):
        connector(store).confirm_shipment(shipment_update(order()), "k")
    bad = channel_order("bigcommerce", str(ORDER_ID), {"1": "999", "2": "502"})
    with pytest.raises(PermanentError, match="order product 999 does not belong"):
        connector(store).confirm_shipment(shipment_update(bad), "k")


# -- cancellations and refunds -------------------------------------------------------------------------------------


def test_a_whole_order_is_cancelled_with_status_5_once(store: FakeBigCommerce) -> None:
    connector(store).cancel_order(cancellation(order()), "c")
    assert store.documents[ORDER_ID]["order"]["status_id"] == 5
    again = connector(store).cancel_order(cancellation(order()), "c")
    assert "already cancelled" in again.note and len(store.calls("PUT")) == 1


def test_a_partial_or_shipped_cancellation_is_refused(store: FakeBigCommerce) -> None:
    with pytest.raises(NoBackChannel, match="whole orders only"):
        connector(store).cancel_order(cancellation(order(), {"2": 1}), "c")
    put_order(store, status_id=2)
    with pytest.raises(PermanentError, match="is Shipped"):
        connector(store).cancel_order(cancellation(order()), "c")


def test_a_refund_is_quoted_then_paid_back_the_first_way_offered(store: FakeBigCommerce) -> None:
    submitted = connector(store).refund_order(refund(order(order_address_id="77"), {"1": 1}, shipping=True), "r")
    (quote,) = store.calls("POST", "/refund_quotes")
    expected = [
        {"item_type": "PRODUCT", "item_id": 501, "quantity": 1},
        {"item_type": "SHIPPING", "item_id": 77, "amount": 5.0},
    ]
    assert quote.body == {"items": expected}
    (made,) = store.refunds[ORDER_ID]
    assert submitted.external_id == str(made["id"]) and made["total_amount"] == 30.0
    assert made["payments"] == [{"provider_id": "braintree", "amount": 30.0, "offline": False}]
    assert made["reason"] == "damaged in transit (ref r)"


def test_a_refund_resent_is_made_once_and_offline_is_honoured(store: FakeBigCommerce) -> None:
    bc = connector(store, refund_payment="offline")
    first = bc.refund_order(refund(order(), amount="10.00"), "r")
    again = bc.refund_order(refund(order(), amount="10.00"), "r")
    assert first.external_id == again.external_id and len(store.refunds[ORDER_ID]) == 1
    assert store.refunds[ORDER_ID][0]["payments"][0]["offline"] is True


def test_a_refund_beyond_what_is_left_is_permanent_with_the_stores_title(store: FakeBigCommerce) -> None:
    with pytest.raises(PermanentError, match="more than is left to refund"):
        connector(store).refund_order(refund(order(), amount="100.00"), "r")
    assert store.refunds.get(ORDER_ID, []) == []
