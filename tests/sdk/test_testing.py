"""The contract suite catches what it promises to: connectors that leak a secret, make a second order on a
resend, or misread failures fail it (run by pytest itself, against the fake ShipStation). The real ShipStation
connector passing it is tests/connectors/test_shipstation.py."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import pytest

from hub.sdk import ConnectorError, PermanentError
from hub.sdk.testing import FAILURE_CASES, error_texts, leaks

pytest_plugins = ["pytester"]

BROKEN_CONNECTORS = """
import pytest
from pydantic import ConfigDict

from connectors.shipstation import ShipStation
from connectors.shipstation.config import Config
from connectors.shipstation.orders import order_payload
from hub.sdk import ConnectorError, PermanentError, Submitted
from hub.sdk.testing import ConnectorContract
from tests.connectors.test_shipstation import ShipStationPartner
from tests.fakes.shipstation import FakeShipStation


class Contract(ConnectorContract):
    secret_settings = ("api_key", "api_secret", "webhook_secret")

    @pytest.fixture
    def partner(self):
        with FakeShipStation() as fake:
            yield ShipStationPartner(fake)


class Leaky(ShipStation):
    def submit_fulfillment(self, request, key):
        try:
            return super().submit_fulfillment(request, key)
        except ConnectorError as exc:
            raise PermanentError(f"{exc} with {self.config.api_secret.get_secret_value()}") from None


class NoOrderKey(ShipStation):
    def submit_fulfillment(self, request, key):
        payload = order_payload(request, store_id=None)
        del payload["orderKey"]
        return Submitted(str(self.client.post("/orders/createorder", payload)["orderId"]))


class Blunt(ShipStation):
    def submit_fulfillment(self, request, key):
        try:
            return super().submit_fulfillment(request, key)
        except ConnectorError as exc:
            raise PermanentError(str(exc), status_code=exc.status_code) from None


class ChattyConfig(Config):
    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=False)


class Chatty(ShipStation):
    Config = ChattyConfig


class TestLeaky(Contract):
    connector_class = Leaky


class TestNoOrderKey(Contract):
    connector_class = NoOrderKey


class TestBlunt(Contract):
    connector_class = Blunt


class TestChatty(Contract):
    connector_class = Chatty
"""


@pytest.fixture
def broken(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyfile(test_broken=BROKEN_CONNECTORS)
    return pytester


def outcomes(pytester: pytest.Pytester, selection: str) -> dict[str, str]:
    """Test name -> passed / failed for the selected tests of the broken connectors."""
    result = pytester.runpytest_inprocess("-k", selection, "-p", "no:cacheprovider", "-rA", "-q")
    found = {}
    for line in result.outlines:
        status, _, name = line.partition(" ")
        if status in ("PASSED", "FAILED") and "::" in name:
            found[name.split(" ")[0].split("::", 1)[1]] = status.lower()
    return found


def test_a_secret_in_an_error_fails_the_suite(broken: pytest.Pytester) -> None:
    found = outcomes(broken, "TestLeaky and secrets")
    assert found["TestLeaky::test_secrets_stay_out_of_results_errors_and_logs"] == "failed"
    assert found["TestLeaky::test_secrets_stay_out_of_reprs"] == "passed"


def test_a_resend_that_makes_a_second_order_fails_the_suite(broken: pytest.Pytester) -> None:
    found = outcomes(broken, "TestNoOrderKey and idempotent")
    assert found == {"TestNoOrderKey::test_resend_is_idempotent_at_the_partner": "failed"}


def test_failures_read_as_permanent_fail_the_suite_where_they_are_not(broken: pytest.Pytester) -> None:
    found = outcomes(broken, "TestBlunt and classified")
    permanent = {case.name for case in FAILURE_CASES if case.expected is PermanentError}
    assert permanent == {"400", "404", "422"}
    for case in FAILURE_CASES:
        expected = "passed" if case.name in permanent else "failed"
        assert found[f"TestBlunt::test_failure_is_classified[{case.name}]"] == expected, case.name


def test_a_config_that_prints_refused_input_fails_the_suite(broken: pytest.Pytester) -> None:
    found = outcomes(broken, "TestChatty and config")
    assert found["TestChatty::test_config_names_each_missing_required_setting"] == "failed"


def test_retry_after_as_an_http_date_is_computed_when_the_test_runs() -> None:
    case = next(case for case in FAILURE_CASES if case.name == "429-http-date")
    now = datetime(2026, 5, 1, 12, 0, 0, tzinfo=UTC)
    injected = case.injected(now)
    assert injected.status == 429 and injected.retry_after == "Fri, 01 May 2026 12:02:00 GMT"
    assert (parsedate_to_datetime(injected.retry_after) - now).total_seconds() == 120


def test_a_secret_in_a_chained_cause_is_found() -> None:
    try:
        try:
            raise ValueError("password=hunter2-secret")
        except ValueError as inner:
            raise ConnectorError("upstream failed") from inner
    except ConnectorError as error:
        assert leaks(error_texts(error), ["hunter2-secret"])
        assert not leaks([str(error)], ["hunter2-secret"])
