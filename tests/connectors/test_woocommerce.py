"""The WooCommerce back-channel against the fake store: the SDK contract, then shipments, cancellations and
refunds as a buyer and a merchant would see them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from connectors.woocommerce import WooCommerce
from connectors.woocommerce.config import Config
from hub.canonical import FulfillmentRequest, Order
from hub.sdk import NoBackChannel, PermanentError, TransientError
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
from tests.fakes.woocommerce import FakeWooCommerce

ORDER_ID = "727"
LINE_IDS = {"1": "311", "2": "312"}


def store_order(status: str = "processing") -> dict[str, Any]:
    """Order 727 as the store holds it: 2 tees and a mug, 67.00 in all."""
    items = [{"id": 311, "quantity": 2, "sku": "TEE-BLK-M"}, {"id": 312, "quantity": 1, "sku": "MUG-WHT"}]
    stamp = "2025-03-14T09:26:53"
    return {
        "id": int(ORDER_ID),
        "status": status,
        "total": "67.00",
        "line_items": items,
        "meta_data": [],
        "date_created_gmt": stamp,
        "date_modified_gmt": stamp,
    }


def order() -> Order:
    return channel_order("woocommerce", ORDER_ID, LINE_IDS)


@pytest.fixture
def woo() -> Iterator[FakeWooCommerce]:
    with FakeWooCommerce() as fake:
        fake.put(store_order())
        yield fake


class TestWooCommerceContract(ConfirmsShipmentExercise, ConnectorContract):
    connector_class = WooCommerce
    secret_settings = ("consumer_key", "consumer_secret")
    invalid_settings = (
        ("base_url", "ftp://shop.example.com/wp-json/wc/v3"),
        ("base_url", "http://shop.example.com/wp-json/wc/v3"),
        ("auth", "oauth"),
        ("timeout", 0),
    )

    @pytest.fixture
    def partner(self, woo: FakeWooCommerce) -> ContractPartner:
        return FakePartner(woo, woo.settings(timeout=0.5), lambda: len(woo.notes.get(int(ORDER_ID), [])))

    @pytest.fixture
    def fulfillment_request(self) -> FulfillmentRequest:
        return request_for(order())


def connector(fake: FakeWooCommerce, **settings: Any) -> WooCommerce:
    return WooCommerce(Config.model_validate(fake.settings(**settings)), requests.Session())


def shipped_meta(fake: FakeWooCommerce) -> dict[str, Any]:
    metas = fake.orders[int(ORDER_ID)]["meta_data"]
    return json.loads(next(meta["value"] for meta in metas if meta["key"] == "_orderhub_shipped"))


# -- shipments ---------------------------------------------------------------------------------------------------


def test_a_shipment_of_everything_notes_the_tracking_and_completes_the_order(woo: FakeWooCommerce) -> None:
    update = shipment_update(order(), tracking=("1ZAAA", "1ZBBB"), tracking_url="https://ups.example/1ZAAA")
    submitted = connector(woo).confirm_shipment(update, "shp_0001:confirm")
    (note,) = woo.notes[int(ORDER_ID)]
    assert note["customer_note"] is True
    assert note["note"] == (
        "Your order has shipped. Carrier: UPS (Ground). Tracking numbers: 1ZAAA, 1ZBBB. "
        "Track it at https://ups.example/1ZAAA"
    )
    assert submitted.external_id == str(note["id"])
    assert woo.orders[int(ORDER_ID)]["status"] == "completed"
    assert shipped_meta(woo) == {"shp_0001": {"note": note["id"], "lines": {"311": 2, "312": 1}}}


def test_the_order_completes_only_when_its_last_units_ship(woo: FakeWooCommerce) -> None:
    woo_connector = connector(woo)
    woo_connector.confirm_shipment(shipment_update(order(), "shp_A", units={"1": 1}), "a")
    woo_connector.confirm_shipment(shipment_update(order(), "shp_B", tracking=("1ZB",), units={"2": 1}), "b")
    assert woo.orders[int(ORDER_ID)]["status"] == "processing"
    woo_connector.confirm_shipment(shipment_update(order(), "shp_C", tracking=("1ZC",), units={"1": 1}), "c")
    assert woo.orders[int(ORDER_ID)]["status"] == "completed"
    assert len(woo.notes[int(ORDER_ID)]) == 3


def test_a_line_nothing_ships_for_does_not_hold_the_order_open(woo: FakeWooCommerce) -> None:
    ebook = order().lines[1].model_copy(update={"requires_shipping": False})
    with_download = order().model_copy(update={"lines": [order().lines[0], ebook]})
    connector(woo).confirm_shipment(shipment_update(with_download, units={"1": 2}), "k")
    assert woo.orders[int(ORDER_ID)]["status"] == "completed"


def test_a_resend_posts_no_second_note(woo: FakeWooCommerce) -> None:
    update = shipment_update(order())
    first = connector(woo).confirm_shipment(update, "k")
    again = connector(woo).confirm_shipment(update, "k")
    assert first.external_id == again.external_id and len(woo.notes[int(ORDER_ID)]) == 1
    assert len(woo.calls("PUT")) == 1


def test_a_resend_after_the_note_but_before_the_order_was_marked_finds_the_note(woo: FakeWooCommerce) -> None:
    update = shipment_update(order())
    woo.fail_next(500, after=3)  # GET order, GET notes, POST note answered; the PUT fails
    with pytest.raises(TransientError):
        connector(woo).confirm_shipment(update, "k")
    submitted = connector(woo).confirm_shipment(update, "k")
    (note,) = woo.notes[int(ORDER_ID)]
    assert submitted.external_id == str(note["id"]) and woo.orders[int(ORDER_ID)]["status"] == "completed"


def test_a_tracking_change_is_a_new_note(woo: FakeWooCommerce) -> None:
    woo_connector = connector(woo)
    first = woo_connector.confirm_shipment(shipment_update(order()), "k")
    assert first.external_id is not None
    changed = shipment_update(order(), tracking=("1ZNEW",), carrier="FedEx", service=None)
    woo_connector.update_tracking(changed, first.external_id, "k2")
    woo_connector.update_tracking(changed, first.external_id, "k2")  # a resend: the same note is not repeated
    texts = [note["note"] for note in woo.notes[int(ORDER_ID)]]
    assert texts[1:] == ["The tracking of your shipment has changed. Carrier: FedEx. Tracking number: 1ZNEW."]


def test_query_string_auth_reaches_a_store_that_strips_the_header(woo: FakeWooCommerce) -> None:
    connector(woo, auth="query").confirm_shipment(shipment_update(order()), "k")
    assert all(seen.user is None and seen.args["consumer_key"] == woo.consumer_key for seen in woo.requests)


def test_a_line_without_a_woocommerce_id_is_refused_before_anything_is_posted(woo: FakeWooCommerce) -> None:
    bare = channel_order("woocommerce", ORDER_ID, {})
    with pytest.raises(PermanentError, match="line 1 has no WooCommerce line item id"):
        connector(woo).confirm_shipment(shipment_update(bare), "k")
    assert woo.calls("POST") == [] and woo.calls("PUT") == []


def test_throttled_and_failing_answers(woo: FakeWooCommerce) -> None:
    woo.fail_next(429, retry_after="30")
    with pytest.raises(TransientError) as throttled:
        connector(woo).confirm_shipment(shipment_update(order()), "k")
    assert throttled.value.retry_after == 30
    with pytest.raises(PermanentError, match="woocommerce_rest_shop_order_invalid_id: Invalid ID"):
        connector(woo).confirm_shipment(shipment_update(channel_order("woocommerce", "999", LINE_IDS)), "k")


# -- cancellations and refunds -------------------------------------------------------------------------------------


def test_a_whole_order_cancellation_cancels_it_once(woo: FakeWooCommerce) -> None:
    woo_connector = connector(woo)
    woo_connector.cancel_order(cancellation(order(), reason="the supplier has none left"), "c")
    assert woo.orders[int(ORDER_ID)]["status"] == "cancelled"
    assert [n["note"] for n in woo.notes[int(ORDER_ID)]] == ["Order cancelled: the supplier has none left"]
    again = woo_connector.cancel_order(cancellation(order(), reason="the supplier has none left"), "c")
    assert "already cancelled" in again.note and len(woo.calls("PUT")) == 1


def test_cancelling_some_units_has_no_back_channel_and_a_completed_order_is_refused(woo: FakeWooCommerce) -> None:
    with pytest.raises(NoBackChannel, match="whole orders only"):
        connector(woo).cancel_order(cancellation(order(), {"1": 1}), "c")
    woo.put(store_order("completed"))
    with pytest.raises(PermanentError, match="is completed"):
        connector(woo).cancel_order(cancellation(order()), "c")
    assert woo.calls("PUT") == []


def test_a_refund_of_a_line_and_shipping_is_recorded_without_the_gateway_by_default(woo: FakeWooCommerce) -> None:
    submitted = connector(woo).refund_order(refund(order(), {"1": 1}, shipping=True, restock=True), "r1")
    (made,) = woo.refunds[int(ORDER_ID)]
    assert submitted.external_id == str(made["id"]) and "the merchant pays it back" in submitted.note
    assert made["amount"] == "30.00"  # one tee (25.00) and the shipping (5.00)
    assert made["line_items"] == [{"id": 311, "quantity": 1, "refund_total": "25.00"}]
    assert (made["api_refund"], made["restock_items"], made["reason"]) == (False, True, "damaged in transit")


def test_a_refund_resent_is_made_once_and_the_gateway_setting_is_honoured(woo: FakeWooCommerce) -> None:
    woo_connector = connector(woo, refund_through_gateway=True)
    first = woo_connector.refund_order(refund(order(), amount="10.00"), "r2")
    again = woo_connector.refund_order(refund(order(), amount="10.00"), "r2")
    assert first.external_id == again.external_id and len(woo.refunds[int(ORDER_ID)]) == 1
    assert woo.refunds[int(ORDER_ID)][0]["api_refund"] is True


def test_a_refund_the_store_refuses_is_permanent_with_its_reason(woo: FakeWooCommerce) -> None:
    with pytest.raises(PermanentError, match="Invalid refund amount"):
        connector(woo).refund_order(refund(order(), amount="500.00"), "r3")
    with pytest.raises(PermanentError, match="comes to nothing"):
        connector(woo).refund_order(refund(order()), "r4")
