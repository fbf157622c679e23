"""self: a location the operator runs takes a fulfillment order at once, with nothing sent anywhere."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from pydantic import ValidationError

from connectors.self_fulfilled import SelfFulfilled, SelfFulfilledConfig
from hub.canonical import FulfillmentRequest
from hub.sdk import ConnectorKind, FulfillmentRef, Submitted, capabilities_of, load_connector
from hub.sdk.testing import ConnectorContract, InjectedFailure, sample_fulfillment_request


class NoPartner:
    """There is no partner to fake: the operator ships with ``orderhub fulfillment ship``."""

    def settings(self) -> dict[str, Any]:
        return {}

    def fail_next(self, failure: InjectedFailure) -> None:
        raise AssertionError("self performs no I/O, so there is nothing to fail")

    def orders_received(self, request: FulfillmentRequest) -> int:
        raise AssertionError("self sends nothing to count")


class TestSelfContract(ConnectorContract):
    """The parts of the contract that concern a partner (credentials, failures, counting at the partner) do
    not apply to a connector with no partner and no I/O; each is replaced by what does hold for it."""

    connector_class = SelfFulfilled

    @pytest.fixture
    def partner(self) -> NoPartner:
        return NoPartner()

    def test_config_names_each_missing_required_setting(self, partner: NoPartner) -> None:  # type: ignore[override]
        assert not [name for name, f in SelfFulfilledConfig.model_fields.items() if f.is_required()]

    def test_secret_settings_are_secret_types(self, partner: NoPartner) -> None:  # type: ignore[override]
        assert SelfFulfilledConfig.model_fields == {}

    def test_secrets_stay_out_of_reprs(self, partner: NoPartner) -> None:  # type: ignore[override]
        assert repr(self.build({})) == "SelfFulfilled()"

    def test_secrets_stay_out_of_results_errors_and_logs(self, partner: NoPartner) -> None:  # type: ignore[override]
        assert SelfFulfilledConfig.model_fields == {}  # no settings, so no secret an error or a log could carry

    def test_resend_is_idempotent_at_the_partner(  # type: ignore[override]
        self, partner: NoPartner, fulfillment_request: FulfillmentRequest
    ) -> None:
        first = self.build({}).submit_fulfillment(fulfillment_request, "fo:x:submit")  # type: ignore[attr-defined]
        second = self.build({}).submit_fulfillment(fulfillment_request, "fo:x:submit")  # type: ignore[attr-defined]
        assert first == second == Submitted(external_id=None, note="awaiting the operator")

    @pytest.mark.parametrize("case", ["offline"])
    def test_failure_is_classified(self, case: str, partner: NoPartner) -> None:  # type: ignore[override]
        """Nothing can fail: every call works with a session that refuses to be used."""
        connector = SelfFulfilled(SelfFulfilledConfig(), RefusingSession())
        request = sample_fulfillment_request()
        connector.check()
        assert connector.submit_fulfillment(request, "k").note == "awaiting the operator"
        connector.cancel_fulfillment(request, FulfillmentRef(request.id), "c")


class RefusingSession(requests.Session):
    def request(self, *args: Any, **kwargs: Any) -> requests.Response:
        raise AssertionError("self must not reach any partner")


def test_it_is_listed_as_a_3pl_that_submits_and_cancels() -> None:
    assert load_connector("self") is SelfFulfilled
    assert SelfFulfilled.kind is ConnectorKind.THREE_PL
    assert capabilities_of(SelfFulfilled) == ("submit_fulfillment", "cancel_fulfillment")


def test_an_unknown_setting_is_refused() -> None:
    with pytest.raises(ValidationError, match="outbox"):
        SelfFulfilledConfig.model_validate({"outbox": "/srv/out"})
