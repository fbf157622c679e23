"""The events connector against a fake subscriber that verifies with the ``standardwebhooks`` package."""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from connectors.events import Events
from hub.canonical import FulfillmentRequest
from hub.sdk import (
    ConfigurationError,
    Connector,
    OutboundEvent,
    PermanentError,
    TransientError,
)
from hub.sdk.testing import ConnectorContract, ContractPartner
from tests.connectors.partners import FakePartner
from tests.fakes.subscriber import FakeSubscriber

SECRET = "whsec_" + base64.b64encode(os.urandom(32)).decode()
EVENT = OutboundEvent("evt_1", "order.created", datetime(2026, 12, 6, 9, 0, tzinfo=UTC), {"order_id": "ord_1"})


@pytest.fixture
def subscriber() -> Iterator[FakeSubscriber]:
    with FakeSubscriber(secrets=[SECRET]) as fake:
        yield fake


def settings_for(fake: FakeSubscriber) -> dict[str, Any]:
    return {"url": fake.url, "secret": SECRET, "allow_private_network": True, "timeout": 0.5}


def distinct_events(fake: FakeSubscriber) -> int:
    """A resend is the same event: the subscriber de-duplicates on webhook-id, which must not change."""
    return len({seen.headers.get("webhook-id") for seen in fake.requests if seen.verified})


class TestEventsContract(ConnectorContract):
    connector_class = Events
    secret_settings = ("secret",)
    invalid_settings = (
        ("url", "ftp://hooks.example.com/x"),
        ("url", "https://user:pw@hooks.example.com/x"),
        ("events", "order.exploded"),
        ("timeout", 0),
    )
    # A subscriber's 4xx is retried on the schedule (Standard Webhooks: any non-2xx is a failure to retry).
    expected_errors = {"400": TransientError, "404": TransientError, "422": TransientError}

    @pytest.fixture
    def partner(self, subscriber: FakeSubscriber) -> ContractPartner:
        return FakePartner(subscriber, settings_for(subscriber), lambda: distinct_events(subscriber))

    def exercise(self, connector: Connector, request: FulfillmentRequest) -> object:
        assert isinstance(connector, Events)
        return connector.publish_event(EVENT, "evt:erp:1")

    def count_effects(self, partner: ContractPartner, request: FulfillmentRequest) -> int | None:
        assert isinstance(partner, FakePartner)
        return partner.effects()


def build(fake: FakeSubscriber, **settings: Any) -> Events:
    config = Events.Config.model_validate({**settings_for(fake), **settings})
    return Events(config, None)  # type: ignore[arg-type]


def test_the_body_is_what_was_signed_and_the_id_is_stable(subscriber: FakeSubscriber) -> None:
    connector = build(subscriber)
    connector.publish_event(EVENT, "k")
    connector.publish_event(EVENT, "k")
    first, second = subscriber.requests
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == "evt_1"
    assert first.body == second.body == EVENT.body()
    assert subscriber.events[0] == {
        "type": "order.created",
        "timestamp": "2026-12-06T09:00:00Z",
        "data": {"order_id": "ord_1"},
    }


def test_gone_asks_to_stop_sending(subscriber: FakeSubscriber) -> None:
    subscriber.fail_next(410)
    with pytest.raises(ConfigurationError, match="410"):
        build(subscriber).publish_event(EVENT, "k")


def test_abort_message_gives_up_on_the_message(subscriber: FakeSubscriber) -> None:
    subscriber.abort_with = 400
    subscriber.fail_next(400)
    with pytest.raises(PermanentError, match="stop retrying"):
        build(subscriber).publish_event(EVENT, "k")


def test_a_secret_that_is_not_whsec_is_a_setting_to_fix(subscriber: FakeSubscriber) -> None:
    with pytest.raises(ConfigurationError, match="whsec_"):
        build(subscriber, secret="plain-password").publish_event(EVENT, "k")
    assert subscriber.requests == []
