"""The Amazon back-channel against the fake SP-API: the SDK contract, then shipment confirmations, tracking
edits, and the orders and updates Amazon takes no confirmation for."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from xml.etree import ElementTree

import pytest
import requests

from connectors.amazon import Amazon
from connectors.amazon.config import Config
from connectors.amazon.connector import package_reference
from hub.canonical import FulfillmentRequest, Order, Package, ShipmentItem
from hub.sdk import ConfigurationError, NoBackChannel, PermanentError, TransientError
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
from tests.fakes.amazon import FakeAmazon

ORDER_ID = "113-5510978-2245823"
LINE_IDS = {"1": "46311522100123", "2": "46311522100124"}


def bundle(channel: str = "MFN", status: str = "Unshipped") -> dict[str, Any]:
    order = {
        "AmazonOrderId": ORDER_ID,
        "FulfillmentChannel": channel,
        "OrderStatus": status,
        "MarketplaceId": "ATVPDKIKX0DER",
        "PurchaseDate": "2025-03-14T09:26:53Z",
        "LastUpdateDate": "2025-03-14T09:30:00Z",
    }
    items = [
        {"OrderItemId": item_id, "QuantityOrdered": units}
        for item_id, units in zip(LINE_IDS.values(), (2, 1), strict=True)
    ]
    return {"order": order, "items": items, "address": {}}


def order(**attributes: str) -> Order:
    kept = {"fulfillment_channel": "MFN", "marketplace_id": "ATVPDKIKX0DER", **attributes}
    return channel_order("amazon", ORDER_ID, LINE_IDS, attributes=kept)


@pytest.fixture
def amazon() -> Iterator[FakeAmazon]:
    with FakeAmazon() as fake:
        fake.put(bundle())
        yield fake


class TestAmazonContract(ConfirmsShipmentExercise, ConnectorContract):
    connector_class = Amazon
    secret_settings = ("client_secret", "refresh_token")
    invalid_settings = (("base_url", "ftp://sellingpartnerapi-na.amazon.com"), ("token_url", "nowhere"), ("timeout", 0))

    @pytest.fixture
    def partner(self, amazon: FakeAmazon) -> ContractPartner:
        return FakePartner(amazon, amazon.settings(timeout=0.5), lambda: len(amazon.packages.get(ORDER_ID, {})))

    @pytest.fixture
    def fulfillment_request(self) -> FulfillmentRequest:
        return request_for(order())


def connector(fake: FakeAmazon, **settings: Any) -> Amazon:
    return Amazon(Config.model_validate(fake.settings(**settings)), requests.Session())


def test_a_shipment_is_confirmed_with_carrier_tracking_and_order_items(amazon: FakeAmazon) -> None:
    submitted = connector(amazon).confirm_shipment(shipment_update(order()), "k")
    reference = package_reference("shp_0001", 0)
    assert submitted.external_id == reference
    ((order_id, body),) = amazon.confirmations
    assert order_id == ORDER_ID and body["marketplaceId"] == "ATVPDKIKX0DER"
    assert body["packageDetail"] == {
        "packageReferenceId": reference,
        "carrierCode": "UPS",
        "shippingMethod": "Ground",
        "trackingNumber": "1Z999AA10123456784",
        "shipDate": "2025-03-16T15:30:00+00:00",
        "orderItems": [{"orderItemId": LINE_IDS["1"], "quantity": 2}, {"orderItemId": LINE_IDS["2"], "quantity": 1}],
    }


def test_each_package_with_its_own_items_is_its_own_confirmation(amazon: FakeAmazon) -> None:
    update = shipment_update(order(), tracking=(), carrier="Speedy Freight", service=None)
    boxes = [
        Package(tracking_number="SF-1", items=[ShipmentItem(line_id="1", quantity=2)]),
        Package(tracking_number="SF-2", items=[ShipmentItem(line_id="2", quantity=1)]),
    ]
    update = type(update)(
        update.order, update.shipment_id, update.shipment.model_copy(update={"packages": boxes}), update.lines
    )
    connector(amazon).confirm_shipment(update, "k")
    details = [body["packageDetail"] for _, body in amazon.confirmations]
    assert [(d["trackingNumber"], d["orderItems"]) for d in details] == [
        ("SF-1", [{"orderItemId": LINE_IDS["1"], "quantity": 2}]),
        ("SF-2", [{"orderItemId": LINE_IDS["2"], "quantity": 1}]),
    ]
    assert all((d["carrierCode"], d["carrierName"]) == ("Other", "Speedy Freight") for d in details)
    assert len({d["packageReferenceId"] for d in details}) == 2


def test_a_resend_and_a_tracking_change_edit_the_same_package(amazon: FakeAmazon) -> None:
    az = connector(amazon)
    first = az.confirm_shipment(shipment_update(order()), "k")
    az.confirm_shipment(shipment_update(order()), "k")
    assert first.external_id is not None
    az.update_tracking(
        shipment_update(order(), tracking=("9400111",), carrier="USPS", service=None), first.external_id, "t"
    )
    (package,) = amazon.packages[ORDER_ID].values()
    assert (package["carrierCode"], package["trackingNumber"]) == ("USPS", "9400111")


def test_an_order_amazon_fulfils_has_no_back_channel(amazon: FakeAmazon) -> None:
    afn = order(fulfillment_channel="AFN")
    with pytest.raises(NoBackChannel, match="fulfilled by Amazon"):
        connector(amazon).confirm_shipment(shipment_update(afn), "k")
    assert amazon.requests == []


def test_a_whole_order_cancellation_is_an_acknowledgement_feed_sent_once(amazon: FakeAmazon) -> None:
    az = connector(amazon, seller_id="A2SELLER0TOKEN")
    submitted = az.cancel_order(cancellation(order(), reason="the supplier has none left"), "c")
    (feed,) = amazon.feeds
    assert submitted.external_id == feed["feedId"] and feed["processingStatus"] == "DONE"
    assert (feed["feedType"], feed["marketplaceIds"]) == ("POST_ORDER_ACKNOWLEDGEMENT_DATA", ["ATVPDKIKX0DER"])
    root = ElementTree.fromstring(amazon.feed_documents[feed["inputFeedDocumentId"]] or b"")  # noqa: S314
    assert root.findtext("Header/MerchantIdentifier") == "A2SELLER0TOKEN"
    acknowledgement = root.find("Message/OrderAcknowledgement")
    assert acknowledgement is not None and acknowledgement.findtext("StatusCode") == "Failure"
    items = [(i.findtext("AmazonOrderItemCode"), i.findtext("CancelReason")) for i in acknowledgement.iter("Item")]
    assert items == [(LINE_IDS["1"], "NoInventory"), (LINE_IDS["2"], "NoInventory")]
    assert amazon.bundles[ORDER_ID]["order"]["OrderStatus"] == "Canceled"
    again = az.cancel_order(cancellation(order()), "c")
    assert "canceled" in again.note and len(amazon.feeds) == 1


def test_cancellations_amazon_cannot_take_are_refused_with_the_reason(amazon: FakeAmazon) -> None:
    with pytest.raises(NoBackChannel, match="cancels whole orders"):
        connector(amazon, seller_id="A2SELLER0TOKEN").cancel_order(cancellation(order(), {"1": 1}), "c")
    with pytest.raises(ConfigurationError, match="seller_id"):
        connector(amazon).cancel_order(cancellation(order()), "c")
    amazon.put(bundle(status="PartiallyShipped"))
    with pytest.raises(PermanentError, match="is PartiallyShipped"):
        connector(amazon, seller_id="A2SELLER0TOKEN").cancel_order(cancellation(order()), "c")
    assert amazon.feeds == []


def test_refunds_have_no_back_channel_and_say_where_to_do_them(amazon: FakeAmazon) -> None:
    with pytest.raises(NoBackChannel, match="POST_PAYMENT_ADJUSTMENT_DATA.*Seller Central"):
        connector(amazon).refund_order(refund(order(), {"1": 1}), "r")
    assert amazon.requests == []


def test_a_throttled_confirmation_waits_for_its_share_of_the_rate(amazon: FakeAmazon) -> None:
    amazon.throttle_next("0.5")
    with pytest.raises(TransientError, match="QuotaExceeded") as throttled:
        connector(amazon).confirm_shipment(shipment_update(order()), "k")
    assert throttled.value.status_code == 429 and throttled.value.retry_after == 2


def test_an_expired_token_is_refreshed_once_and_a_revoked_refresh_token_is_configuration(amazon: FakeAmazon) -> None:
    az = connector(amazon)
    az.check()
    amazon.revoke_tokens()
    az.confirm_shipment(shipment_update(order()), "k")
    assert amazon.token_requests == 2
    with pytest.raises(ConfigurationError, match="invalid_grant"):
        connector(amazon, refresh_token="Atzr|revoked").check()


def test_a_refused_confirmation_is_permanent_with_amazons_reason(amazon: FakeAmazon) -> None:
    amazon.put(bundle(status="Canceled"))
    with pytest.raises(PermanentError, match="InvalidInput: The order is canceled"):
        connector(amazon).confirm_shipment(shipment_update(order()), "k")
    amazon.fail_next(503, path="/shipmentConfirmation")
    with pytest.raises(TransientError):
        connector(amazon).confirm_shipment(shipment_update(order()), "k")


def test_a_shipment_reported_without_a_date_is_confirmed_as_shipped_now(amazon: FakeAmazon) -> None:
    update = shipment_update(order())
    undated = type(update)(
        update.order, update.shipment_id, update.shipment.model_copy(update={"shipped_at": None}), update.lines
    )
    before = datetime.now(UTC)
    connector(amazon).confirm_shipment(undated, "k")
    ((_, body),) = amazon.confirmations
    assert datetime.fromisoformat(body["packageDetail"]["shipDate"]) >= before
