"""Fake partners on loopback for the connector tests, and the fulfillment requests sent to them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hub.canonical import FulfillmentRequest
from hub.sdk.testing import sample_fulfillment_request
from tests.fakes.shipstation import FakeShipStation

WEBHOOK_SECRET = "whk-3b8c1f0e6a2d4975"


@pytest.fixture
def shipstation() -> Iterator[FakeShipStation]:
    with FakeShipStation() as fake:
        yield fake


def fulfillment_request(fo_id: str = "ful_0001", **order_changes: object) -> FulfillmentRequest:
    """The SDK's sample request under another fulfillment order id, with changes to its order."""
    sample = sample_fulfillment_request(fo_id)
    if not order_changes:
        return sample
    order = sample.order.model_copy(update=order_changes)
    return FulfillmentRequest.model_validate({**sample.model_dump(), "order": order.model_dump()})
