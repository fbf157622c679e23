"""The eBay back-channel against the fake eBay APIs: the SDK contract, then shipping fulfillments, refunds,
cancellations, and what eBay cannot take."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from connectors.ebay import Ebay
from connectors.ebay.config import Config
from hub.canonical import FulfillmentRequest, Order
from hub.sdk import ConfigurationError, Connector, NoBackChannel, PermanentError, TransientError
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
from tests.fakes.ebay import READ_SCOPE, WRITE_SCOPE, FakeEbay

ORDER_ID = "12-13456-78901"
LEGACY_ID = "110588014268-2989385683017"
LINE_IDS = {"1": "10059451234017", "2": "10059451234018"}


def ebay_order() -> dict[str, Any]:
    items = [
        {"lineItemId": line_id, "quantity": units} for line_id, units in zip(LINE_IDS.values(), (2, 1), strict=True)
    ]
    return {
        "orderId": ORDER_ID,
        "legacyOrderId": LEGACY_ID,
        "lastModifiedDate": "2025-03-14T09:30:00.000Z",
        "orderFulfillmentStatus": "NOT_STARTED",
        "cancelStatus": {"cancelState": "NONE_REQUESTED", "cancelRequests": []},
        "pricingSummary": {"total": {"value": "67.00", "currency": "USD"}},
        "lineItems": items,
    }


def order() -> Order:
    return channel_order("ebay", ORDER_ID, LINE_IDS, attributes={"legacy_order_id": LEGACY_ID})


@pytest.fixture
def ebay() -> Iterator[FakeEbay]:
    with FakeEbay(scopes=frozenset({READ_SCOPE, WRITE_SCOPE})) as fake:
        fake.put(ebay_order())
        yield fake


class TestEbayContract(ConfirmsShipmentExercise, ConnectorContract):
    connector_class = Ebay
    secret_settings = ("client_secret", "refresh_token")
    invalid_settings = (("base_url", "https://api.ebay.com/sell"), ("scopes", ""), ("timeout", 0))

    @pytest.fixture
    def partner(self, ebay: FakeEbay) -> ContractPartner:
        fulfillments = lambda: len(ebay.fulfillments.get(ORDER_ID, []))  # noqa: E731
        return FakePartner(ebay, ebay.settings(timeout=0.5), fulfillments, refused_twice=True)

    @pytest.fixture
    def fulfillment_request(self) -> FulfillmentRequest:
        return request_for(order())


class TestEbayRefundContract(TestEbayContract):
    """The contract with a refund as the call that reaches eBay. eBay cannot tell a refund sent again from a
    second one, so a resend makes two (stated, and asserted, by ``resend_duplicates``); the connector's answer to
    that is to refuse, permanently, a refund whose answer was lost in transit (a timeout, a reset connection)
    instead of retrying it, so only a person's replay can send it again."""

    resend_duplicates = (
        "eBay keeps no key of ours on a refund and lists refunds only by amount, so a refund sent again cannot be "
        "told from a second refund of the same size"
    )
    expected_errors = {"timeout": PermanentError, "connection-reset": PermanentError}

    @pytest.fixture
    def partner(self, ebay: FakeEbay) -> ContractPartner:
        refunds = lambda: len(ebay.orders[ORDER_ID].get("paymentSummary", {}).get("refunds", []))  # noqa: E731
        return FakePartner(ebay, ebay.settings(timeout=0.5), refunds, refused_twice=True)

    def exercise(self, connector: Connector, request: FulfillmentRequest) -> object:
        assert isinstance(connector, Ebay)
        return connector.refund_order(refund(request.order, {"1": 1}), "order:o:refund:r1")


def connector(fake: FakeEbay, **settings: Any) -> Ebay:
    return Ebay(Config.model_validate(fake.settings(**settings)), requests.Session())


def test_a_shipment_becomes_a_fulfillment_whose_id_comes_from_location(ebay: FakeEbay) -> None:
    submitted = connector(ebay).confirm_shipment(shipment_update(order()), "k")
    (made,) = ebay.fulfillments[ORDER_ID]
    assert submitted.external_id == made["fulfillmentId"] == "1Z999AA10123456784"
    (body,) = ebay.posts("/shipping_fulfillment")
    assert body == {
        "shippingCarrierCode": "UPS",
        "shippedDate": "2025-03-16T15:30:00.000Z",
        "trackingNumber": "1Z999AA10123456784",
        "lineItems": [{"lineItemId": LINE_IDS["1"], "quantity": 2}, {"lineItemId": LINE_IDS["2"], "quantity": 1}],
    }
    assert ebay.orders[ORDER_ID]["orderFulfillmentStatus"] == "FULFILLED"


def test_a_resend_reuses_the_fulfillment_and_another_carrier_keeps_its_name(ebay: FakeEbay) -> None:
    update = shipment_update(order(), carrier="Royal Mail", tracking=("RM123GB",), units={"1": 1})
    first = connector(ebay).confirm_shipment(update, "k")
    again = connector(ebay).confirm_shipment(update, "k")
    assert first.external_id == again.external_id and len(ebay.posts("/shipping_fulfillment")) == 1
    assert ebay.fulfillments[ORDER_ID][0]["shippingCarrierCode"] == "RoyalMail"
    assert ebay.orders[ORDER_ID]["orderFulfillmentStatus"] == "IN_PROGRESS"


def test_tracking_cannot_be_changed_through_ebay(ebay: FakeEbay) -> None:
    with pytest.raises(NoBackChannel, match="cannot change the tracking"):
        connector(ebay).update_tracking(shipment_update(order()), "1Z999AA10123456784", "t")
    assert ebay.requests == []


def test_units_shipped_already_are_refused_with_ebays_message(ebay: FakeEbay) -> None:
    connector(ebay).confirm_shipment(shipment_update(order()), "k")
    with pytest.raises(PermanentError, match="32400: lineItem .* cannot ship"):
        connector(ebay).confirm_shipment(shipment_update(order(), "shp_2", tracking=("OTHER",)), "k2")


def test_throttled_and_failing_answers(ebay: FakeEbay) -> None:
    ebay.fail_next(429, retry_after="60")
    with pytest.raises(TransientError) as throttled:
        connector(ebay).confirm_shipment(shipment_update(order()), "k")
    assert throttled.value.retry_after == 60
    ebay.fail_next(500, after=1)  # the listing answers, the create fails
    with pytest.raises(TransientError, match="2003: Internal error"):
        connector(ebay).confirm_shipment(shipment_update(order()), "k")
    assert ebay.fulfillments.get(ORDER_ID, []) == []


def test_an_expired_token_is_refreshed_and_a_missing_scope_is_configuration(ebay: FakeEbay) -> None:
    eb = connector(ebay)
    eb.check()
    ebay.revoke_tokens()
    eb.confirm_shipment(shipment_update(order()), "k")
    assert ebay.token_requests == 2
    with pytest.raises(ConfigurationError, match="invalid_scope"):
        connector(ebay, scopes="https://api.ebay.com/oauth/api_scope/sell.finances").check()


def test_a_refund_is_issued_with_line_amounts_and_shipping(ebay: FakeEbay) -> None:
    submitted = connector(ebay).refund_order(refund(order(), {"1": 1}, shipping=True, reason="item not received"), "r")
    (body,) = ebay.posts("/issue_refund")
    assert body == {
        "reasonForRefund": "ITEM_NOT_RECEIVED",
        "comment": "item not received",
        "refundItems": [{"lineItemId": LINE_IDS["1"], "refundAmount": {"value": "25.00", "currency": "USD"}}],
        "orderLevelRefundAmount": {"value": "5.00", "currency": "USD"},
    }
    assert submitted.external_id == ebay.orders[ORDER_ID]["paymentSummary"]["refunds"][0]["refundId"]


def test_a_refund_whose_answer_was_lost_is_not_retried_on_its_own(ebay: FakeEbay) -> None:
    ebay._inject(type(ebay).failure_type(0, None, 1, 0, mode="hang", seconds=1.5))
    with pytest.raises(PermanentError, match="may have been made; check the order in Seller Hub"):
        connector(ebay, timeout=0.5).refund_order(refund(order(), amount="10.00"), "r")
    with pytest.raises(PermanentError, match="more than is left to refund"):
        connector(ebay).refund_order(refund(order(), amount="100.00"), "r2")


def test_a_whole_order_is_cancelled_through_post_order_once(ebay: FakeEbay) -> None:
    submitted = connector(ebay).cancel_order(cancellation(order(), reason="buyer asked to cancel"), "c")
    (body,) = ebay.posts("/post-order/v2/cancellation")
    assert body == {"legacyOrderId": LEGACY_ID, "cancelReason": "BUYER_ASKED_CANCEL"}
    assert submitted.external_id == ebay.orders[ORDER_ID]["cancelStatus"]["cancelRequests"][0]["cancelRequestId"]
    again = connector(ebay).cancel_order(cancellation(order()), "c")
    assert "CANCELED" in again.note and len(ebay.posts("/cancellation")) == 1


def test_a_partial_or_shipped_cancellation_is_refused(ebay: FakeEbay) -> None:
    with pytest.raises(NoBackChannel, match="whole orders only"):
        connector(ebay).cancel_order(cancellation(order(), {"1": 1}), "c")
    connector(ebay).confirm_shipment(shipment_update(order(), units={"2": 1}), "k")
    with pytest.raises(PermanentError, match="has shipped"):
        connector(ebay).cancel_order(cancellation(order()), "c")
