"""The Walmart back-channel against the fake Marketplace API: the SDK contract, then shipping, tracking
changes, cancellations and refunds on purchase order lines."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from connectors.walmart import Walmart
from connectors.walmart.config import Config
from hub.canonical import FulfillmentRequest, Order
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
from tests.fakes.walmart import FakeWalmart

PO = "1796277083022"
LINE_IDS = {"1": "1", "2": "2"}
ORDERED_MS = 1741944413000


def purchase_order() -> dict[str, Any]:
    """Purchase order PO as Walmart holds it once acknowledged: line 1 two tees, line 2 one mug."""

    def line(number: str, units: int) -> dict[str, Any]:
        quantity = {"unitOfMeasurement": "EACH", "amount": str(units)}
        return {
            "lineNumber": number,
            "statusDate": ORDERED_MS,
            "orderLineQuantity": dict(quantity),
            "orderLineStatuses": {"orderLineStatus": [{"status": "Acknowledged", "statusQuantity": dict(quantity)}]},
        }

    return {"purchaseOrderId": PO, "orderDate": ORDERED_MS, "orderLines": {"orderLine": [line("1", 2), line("2", 1)]}}


def order(**changes: Any) -> Order:
    return channel_order("walmart", PO, LINE_IDS, shipping_method="Value", **changes)


@pytest.fixture
def walmart() -> Iterator[FakeWalmart]:
    with FakeWalmart() as fake:
        fake.put(purchase_order())
        yield fake


def shipped(fake: FakeWalmart, number: str) -> list[dict[str, Any]]:
    return [s for s in fake.line(PO, number)["orderLineStatuses"]["orderLineStatus"] if s["status"] == "Shipped"]


class TestWalmartContract(ConfirmsShipmentExercise, ConnectorContract):
    connector_class = Walmart
    secret_settings = ("client_secret",)
    invalid_settings = (("base_url", "ftp://marketplace.walmartapis.com"), ("client_id", ""), ("timeout", 0))

    @pytest.fixture
    def partner(self, walmart: FakeWalmart) -> ContractPartner:
        return FakePartner(walmart, walmart.settings(timeout=0.5), lambda: len(walmart.posts("/shipping")))

    @pytest.fixture
    def fulfillment_request(self) -> FulfillmentRequest:
        return request_for(order())


def connector(fake: FakeWalmart, **settings: Any) -> Walmart:
    return Walmart(Config.model_validate(fake.settings(**settings)), requests.Session())


# -- shipping ------------------------------------------------------------------------------------------------------


def test_a_shipment_marks_its_lines_shipped_with_tracking(walmart: FakeWalmart) -> None:
    update = shipment_update(order(), tracking_url="https://ups.example/1Z")
    submitted = connector(walmart).confirm_shipment(update, "k")
    assert submitted.external_id == "1Z999AA10123456784"
    (status,) = shipped(walmart, "1")
    assert status["statusQuantity"]["amount"] == "2"
    assert status["trackingInfo"] == {
        "shipDateTime": 1742139000000,
        "carrierName": {"carrier": "UPS"},
        "methodCode": "Value",
        "trackingNumber": "1Z999AA10123456784",
        "trackingURL": "https://ups.example/1Z",
    }
    (post,) = walmart.posts("/shipping")
    assert post.headers["WM_SVC.NAME"] and post.headers["WM_QOS.CORRELATION_ID"] and post.headers["WM_SEC.ACCESS_TOKEN"]


def test_a_carrier_walmart_does_not_list_goes_as_other_carrier(walmart: FakeWalmart) -> None:
    connector(walmart).confirm_shipment(shipment_update(order(), carrier="Speedy Freight", units={"2": 1}), "k")
    (status,) = shipped(walmart, "2")
    assert status["trackingInfo"]["carrierName"] == {"otherCarrier": "Speedy Freight"} and shipped(walmart, "1") == []


def test_a_resend_posts_nothing_and_a_partial_resend_posts_only_what_is_missing(walmart: FakeWalmart) -> None:
    wm = connector(walmart)
    wm.confirm_shipment(shipment_update(order(), units={"1": 2}), "k")
    again = wm.confirm_shipment(shipment_update(order(), units={"1": 2}), "k")
    assert "shows these lines shipped" in again.note and len(walmart.posts("/shipping")) == 1
    wm.confirm_shipment(shipment_update(order()), "k2")  # line 1 already carries this tracking: only line 2 goes
    assert [
        line["lineNumber"] for line in walmart.posts("/shipping")[-1].body["orderShipment"]["orderLines"]["orderLine"]
    ] == ["2"]


def test_a_tracking_change_is_posted_on_the_shipped_lines(walmart: FakeWalmart) -> None:
    wm = connector(walmart)
    first = wm.confirm_shipment(shipment_update(order()), "k")
    assert first.external_id is not None
    wm.update_tracking(shipment_update(order(), tracking=("9400111",), carrier="USPS"), first.external_id, "t")
    (status,) = shipped(walmart, "1")
    assert status["trackingInfo"]["trackingNumber"] == "9400111"
    assert status["trackingInfo"]["carrierName"] == {"carrier": "USPS"}


def test_a_walmart_fulfilled_order_has_no_back_channel(walmart: FakeWalmart) -> None:
    wfs = order(attributes={"ship_node_type": "WFSFulfilled"})
    for call in (
        lambda: connector(walmart).confirm_shipment(shipment_update(wfs), "k"),
        lambda: connector(walmart).cancel_order(cancellation(wfs), "c"),
        lambda: connector(walmart).refund_order(refund(wfs, {"1": 1}), "r"),
    ):
        with pytest.raises(NoBackChannel, match="fulfilled by Walmart"):
            call()
    assert walmart.requests == []


def test_throttling_waits_for_the_bucket_to_refill(walmart: FakeWalmart) -> None:
    walmart.throttle_next(replenish_in_ms=20_000)
    with pytest.raises(TransientError) as throttled:
        connector(walmart).confirm_shipment(shipment_update(order()), "k")
    assert throttled.value.status_code == 429 and 15 <= (throttled.value.retry_after or 0) <= 20


def test_an_expired_token_is_replaced_once_and_wrong_credentials_are_configuration(walmart: FakeWalmart) -> None:
    wm = connector(walmart)
    wm.check()
    walmart.revoke_tokens()
    wm.confirm_shipment(shipment_update(order()), "k")
    assert walmart.token_requests == 2
    with pytest.raises(ConfigurationError, match="UNAUTHORIZED.GMP_GATEWAY_API"):
        connector(walmart, client_secret="wrong").check()


def test_errors_carry_walmarts_code_and_description(walmart: FakeWalmart) -> None:
    with pytest.raises(PermanentError, match="CONTENT_NOT_FOUND.GMP_ORDER_API: purchase order 42 not found"):
        connector(walmart).confirm_shipment(shipment_update(channel_order("walmart", "42", LINE_IDS)), "k")
    walmart.fail_next(503, path="/shipping")
    with pytest.raises(TransientError, match="SYSTEM_ERROR.GMP_GATEWAY_API"):
        connector(walmart).confirm_shipment(shipment_update(order()), "k")


# -- cancellations and refunds -------------------------------------------------------------------------------------


def test_a_cancellation_cancels_the_units_once(walmart: FakeWalmart) -> None:
    wm = connector(walmart)
    wm.cancel_order(cancellation(order(), {"2": 1}), "c")
    statuses = walmart.line(PO, "2")["orderLineStatuses"]["orderLineStatus"]
    assert [(s["status"], s["statusQuantity"]["amount"]) for s in statuses] == [("Cancelled", "1")]
    (post,) = walmart.posts("/cancel")
    status = post.body["orderCancellation"]["orderLines"]["orderLine"][0]["orderLineStatuses"]["orderLineStatus"][0]
    assert status["cancellationReason"] == "CANCEL_BY_SELLER"
    again = wm.cancel_order(cancellation(order(), {"2": 1}), "c")
    assert "cancelled" in again.note and len(walmart.posts("/cancel")) == 1


def test_a_whole_order_cancellation_names_every_line_and_a_shipped_line_is_refused(walmart: FakeWalmart) -> None:
    wm = connector(walmart)
    wm.confirm_shipment(shipment_update(order(), units={"1": 2}), "k")
    with pytest.raises(PermanentError, match="line 1 has shipped 2 unit"):
        wm.cancel_order(cancellation(order()), "c")
    wm.cancel_order(cancellation(order(), {"2": 1}), "c")
    assert walmart.line(PO, "2")["orderLineStatuses"]["orderLineStatus"][-1]["status"] == "Cancelled"


def test_a_refund_posts_negative_charges_once(walmart: FakeWalmart) -> None:
    wm = connector(walmart)
    wm.confirm_shipment(shipment_update(order()), "k")
    wm.refund_order(refund(order(), {"1": 1}, shipping=True, reason="arrived damaged"), "r1")
    made = walmart.line(PO, "1")["refund"]
    charges = [
        (c["refundReason"], c["charge"]["chargeType"], c["charge"]["chargeAmount"]["amount"])
        for c in made["refundCharges"]["refundCharge"]
    ]
    assert charges == [("DamagedItem", "PRODUCT", -25.0), ("DamagedItem", "SHIPPING", -5.0)]
    assert made["refundComments"] == "arrived damaged (ref r1)"
    wm.refund_order(refund(order(), {"1": 1}, shipping=True, reason="arrived damaged"), "r1")
    assert len(walmart.posts("/refund")) == 1


def test_a_refund_walmart_refuses_is_permanent_with_its_reason(walmart: FakeWalmart) -> None:
    with pytest.raises(PermanentError, match="has not shipped: cancel it instead"):
        connector(walmart).refund_order(refund(order(), {"2": 1}), "r")
    with pytest.raises(PermanentError, match="name the lines"):
        connector(walmart).refund_order(refund(order(), amount="5.00"), "r")
