"""The contract suite every connector's tests subclass: what the delivery engine relies on, checked against a
fake partner server.

A connector's test module declares one class that derives from ``ConnectorContract``, names the connector
class, and supplies a ``partner`` fixture: an object that satisfies ``ContractPartner`` (usually a thin
adapter over the fake server in ``tests/fakes/``)::

    class TestShipStationContract(ConnectorContract):
        connector_class = ShipStation
        secret_settings = ("api_key", "api_secret")
        invalid_settings = (("base_url", "ftp://example.com"), ("timeout", 0))

        @pytest.fixture
        def partner(self) -> Iterator[ContractPartner]:
            with FakeShipStation() as fake:
                yield ShipStationPartner(fake)

pytest then runs every ``test_*`` method below against that connector. The suite checks that the entry
point resolves to the class, that ``Config`` rejects bad input naming the field, that secrets never appear
in a repr, an error, a log record or what a call returns, that a resend of the same delivery leaves one effect
at the partner (an order at a 3PL, a fulfillment or a note at a channel, a document in a ledger: whatever
``exercise`` makes, as ``count_effects`` counts it), and that HTTP failures, timeouts and connection resets
land in the right branch of the ``hub.sdk.errors`` tree with ``Retry-After`` read in both of its forms.

This module imports pytest: it is meant for test code, and ``hub.sdk`` does not import it.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from email.utils import format_datetime
from typing import Any, ClassVar, Protocol

import pytest
import requests
from pydantic import BaseModel, SecretStr, ValidationError

from hub.canonical import Address, Customer, FulfillmentRequest, Money, Order, OrderLine, Totals
from hub.canonical.fulfillment import FulfillmentRequestLine
from hub.sdk.capabilities import SubmitsFulfillment, Submitted
from hub.sdk.errors import AlreadyDelivered, ConfigurationError, ConnectorError, PermanentError, TransientError
from hub.sdk.protocol import Connector, ConnectorKind
from hub.sdk.registry import load_connector

__all__ = [
    "FAILURE_CASES",
    "ConnectorContract",
    "ContractPartner",
    "FailureCase",
    "InjectedFailure",
    "sample_fulfillment_request",
]


@dataclass(frozen=True)
class InjectedFailure:
    """What the fake partner answers the next request with, instead of serving it.

    Exactly one of: ``status`` (an HTTP error in the partner's own error shape, with ``retry_after`` as the
    ``Retry-After`` header when given), ``timeout`` (hold the request past the client's timeout) or ``reset``
    (drop the connection without an answer).
    """

    status: int | None = None
    retry_after: str | None = None
    timeout: bool = False
    reset: bool = False


class ContractPartner(Protocol):
    """The fake partner a connector's contract tests run against, as the suite drives it."""

    def settings(self) -> dict[str, Any]:
        """Settings for the connector's ``Config`` that reach this fake with valid credentials. Secrets are
        plain strings here; the client timeout should be short (about a second), for the timeout test."""
        ...

    def fail_next(self, failure: InjectedFailure) -> None:
        """Answer the next request with ``failure``."""
        ...

    def orders_received(self, request: FulfillmentRequest) -> int:
        """How many distinct orders the partner holds for this fulfillment request (1 after any number of
        resends of one delivery)."""
        ...


@dataclass(frozen=True)
class FailureCase:
    """One failure the suite injects and the error the connector must raise for it.

    ``retry_after`` is the header to send: a number of seconds as text, or ``"http-date"`` for a date
    ``retry_after_seconds`` ahead of now (computed when the test runs). ``retry_after_seconds`` is then what
    the raised ``TransientError.retry_after`` must come to (within a few seconds for the date form).
    """

    name: str
    expected: type[ConnectorError]
    status: int | None = None
    retry_after: str | None = None
    retry_after_seconds: float | None = None
    timeout: bool = False
    reset: bool = False

    def injected(self, now: datetime) -> InjectedFailure:
        """The failure to hand to the fake, with an HTTP-date ``Retry-After`` computed from ``now``."""
        header = self.retry_after
        if header == "http-date" and self.retry_after_seconds is not None:
            header = format_datetime(now + timedelta(seconds=self.retry_after_seconds), usegmt=True)
        return InjectedFailure(self.status, header, self.timeout, self.reset)


FAILURE_CASES: tuple[FailureCase, ...] = (
    FailureCase("400", PermanentError, status=400),
    FailureCase("401", ConfigurationError, status=401),
    FailureCase("403", ConfigurationError, status=403),
    FailureCase("404", PermanentError, status=404),
    FailureCase("409", AlreadyDelivered, status=409),
    FailureCase("422", PermanentError, status=422),
    FailureCase("429-seconds", TransientError, status=429, retry_after="7", retry_after_seconds=7),
    FailureCase("429-http-date", TransientError, status=429, retry_after="http-date", retry_after_seconds=120),
    FailureCase("500", TransientError, status=500),
    FailureCase("502", TransientError, status=502),
    FailureCase("503-http-date", TransientError, status=503, retry_after="http-date", retry_after_seconds=90),
    FailureCase("timeout", TransientError, timeout=True),
    FailureCase("connection-reset", TransientError, reset=True),
)
"""The failures every connector is tested with (the issue's list: 400, 401, 403, 404, 409, 422, 429, 5xx,
timeouts and connection resets, ``Retry-After`` in seconds and as an HTTP date)."""


LEAK_CASES = frozenset({"400", "429-seconds", "500", "connection-reset"})  # each reaches a different branch


def sample_fulfillment_request(fulfillment_order_id: str = "ful_contract_0001") -> FulfillmentRequest:
    """A realistic fulfillment request (two shippable lines, addresses, a customer) for connector tests."""

    def usd(amount: str) -> Money:
        return Money(amount=Decimal(amount), currency="USD")

    ship_to = Address(
        name="Jon Snow",
        line1="123 Main St",
        line2="Apt 4",
        city="Springfield",
        region="IL",
        postal_code="62701",
        country="US",
        phone="+1 217 555 0100",
    )
    lines = [
        OrderLine(
            line_id="1",
            sku="TEE-BLK-M",
            name="Organic Tee - Black / M",
            quantity=2,
            unit_price=usd("25.00"),
            total=usd("50.00"),
        ),
        OrderLine(
            line_id="2", sku="MUG-WHT", name="Mug - White", quantity=1, unit_price=usd("12.00"), total=usd("12.00")
        ),
    ]
    order = Order(
        id="ord_contract_0001",
        channel="shopify",
        channel_order_id="820982911946154508",
        number="#1001",
        placed_at=datetime(2025, 3, 14, 9, 26, 53, tzinfo=UTC),
        currency="USD",
        customer=Customer(email="jon.snow@example.com", name="Jon Snow"),
        ship_to=ship_to,
        bill_to=ship_to,
        lines=lines,
        totals=Totals(subtotal=usd("62.00"), discount=usd("0"), shipping=usd("5.00"), tax=usd("0"), total=usd("67.00")),
        shipping_method="standard",
        requested_ship_date=date(2025, 3, 15),
    )
    return FulfillmentRequest(
        id=fulfillment_order_id,
        location_id="loc_contract",
        order=order,
        lines=[
            FulfillmentRequestLine(line_id="1", sku="TEE-BLK-M", quantity=2),
            FulfillmentRequestLine(line_id="2", sku="MUG-WHT", quantity=1),
        ],
    )


def secret_values(config: BaseModel) -> list[str]:
    """The plain values of every ``SecretStr`` setting in ``config`` (for checking they never leak)."""
    values = []
    for name in type(config).model_fields:
        value = getattr(config, name)
        if isinstance(value, SecretStr) and value.get_secret_value():
            values.append(value.get_secret_value())
    return values


LEAK_WINDOW = 8  # characters of a secret that count as showing it (reprs cut long values, showing a part)


def shows(text: str, secret: str) -> bool:
    """Whether ``text`` shows ``secret``, whole or any ``LEAK_WINDOW`` characters of it in a row."""
    if not secret:
        return False
    width = min(LEAK_WINDOW, len(secret))
    return any(secret[start : start + width] in text for start in range(len(secret) - width + 1))


def leaks(texts: Iterable[str], secrets: Sequence[str]) -> list[str]:
    """The texts that show one of ``secrets`` (each with the secret masked, so a failing test does not print
    it)."""
    found = []
    for text in texts:
        for secret in secrets:
            if shows(text, secret):
                found.append(text.replace(secret, "<SECRET>")[:300])
    return found


def error_texts(error: BaseException) -> list[str]:
    """Everything a log line or an attempt row could show of ``error``: its text, repr, arguments and the
    formatted chain of causes."""
    texts = [str(error), repr(error), *(str(arg) for arg in error.args)]
    texts.append("".join(traceback.format_exception(error)))
    return texts


def log_texts(records: Iterable[logging.LogRecord]) -> list[str]:
    """The rendered message and any exception text of each log record."""
    texts = []
    for record in records:
        texts.append(record.getMessage())
        if record.exc_info and record.exc_info[1] is not None:
            texts.extend(error_texts(record.exc_info[1]))
        if record.exc_text:
            texts.append(record.exc_text)
    return texts


class ConnectorContract:
    """Base class of a connector's contract tests (see the module docstring for an example).

    A subclass sets ``connector_class`` and supplies the ``partner`` fixture; optionally
    ``secret_settings`` (settings that must be ``SecretStr``), ``invalid_settings`` (pairs of a setting and a
    value its ``Config`` must refuse), ``expected_errors`` (a different error class for a failure case name,
    where the partner's API documents another meaning), ``exercise`` (the call that reaches the partner;
    by default ``submit_fulfillment``, else ``check``) with ``count_effects`` (what that call leaves at the
    partner, for the resend check), and ``resend_duplicates`` (why a partner cannot tell a resend from a
    second request, where that is so).
    """

    connector_class: ClassVar[type[Any]]
    secret_settings: ClassVar[tuple[str, ...]] = ()
    invalid_settings: ClassVar[tuple[tuple[str, object], ...]] = ()
    expected_errors: ClassVar[Mapping[str, type[ConnectorError]]] = {}
    resend_duplicates: ClassVar[str] = ""
    """Empty: a resend of ``exercise``'s delivery must leave one effect at the partner. Otherwise the reason the
    partner cannot tell a resend from a second request (it keeps no key of ours and nothing else tells them
    apart): the suite then asserts the resend does make a second effect, so the statement stays true."""

    # -- what the subclass supplies --

    @pytest.fixture
    def partner(self) -> ContractPartner:
        """The fake partner, running; a subclass must override this fixture."""
        raise NotImplementedError(f"{type(self).__name__} must define a `partner` fixture (a ContractPartner)")

    @pytest.fixture
    def fulfillment_request(self) -> FulfillmentRequest:
        """The fulfillment request the suite sends; override for a partner that needs something else."""
        return sample_fulfillment_request()

    def exercise(self, connector: Connector, request: FulfillmentRequest) -> object:
        """One call that reaches the partner: submit the request when the connector can, else ``check()``."""
        if isinstance(connector, SubmitsFulfillment):
            return connector.submit_fulfillment(request, f"fo:{request.id}:submit")
        connector.check()
        return None

    def count_effects(self, partner: ContractPartner, request: FulfillmentRequest) -> int | None:
        """How many effects of ``exercise`` the partner holds now (orders, fulfillments, notes, documents ...);
        None when this connector's tests do not count them, which skips the resend check. By default the
        orders a fulfillment connector made (``partner.orders_received``); override for any other kind."""
        if not issubclass(self.connector_class, SubmitsFulfillment):
            return None
        return partner.orders_received(request)

    # -- helpers --

    def build(self, settings: Mapping[str, Any]) -> Connector:
        """An instance configured with ``settings`` and a fresh HTTP session."""
        config = self.connector_class.Config.model_validate(dict(settings))
        connector: Connector = self.connector_class(config, requests.Session())
        return connector

    def expected_error(self, case: FailureCase) -> type[ConnectorError]:
        """The error class this connector must raise for ``case``."""
        return self.expected_errors.get(case.name, case.expected)

    # -- the contract --

    def test_entry_point_resolves_to_the_class(self) -> None:
        """The name in the ``orderhub.connectors`` entry-point group loads this very class."""
        assert load_connector(self.connector_class.name) is self.connector_class
        assert ConnectorKind(self.connector_class.kind)

    def test_check_succeeds_with_the_partner_settings(self, partner: ContractPartner) -> None:
        """The settings that reach the fake validate, and ``check()`` succeeds with them."""
        self.build(partner.settings()).check()

    def test_config_names_each_missing_required_setting(self, partner: ContractPartner) -> None:
        """Leaving out a required setting is refused with that setting named."""
        settings = partner.settings()
        fields = self.connector_class.Config.model_fields
        required = [name for name, field in fields.items() if field.is_required()]
        assert required, "a connector Config with no required setting cannot reach a partner"
        for name in required:
            without = {key: value for key, value in settings.items() if key != name}
            self._assert_refused(without, name)

    def test_config_names_a_wrong_setting(self, partner: ContractPartner) -> None:
        """A wrong value and an unknown (misspelt) setting are both refused with the setting named."""
        for name, value in self.invalid_settings:
            self._assert_refused({**partner.settings(), name: value}, name)
        self._assert_refused({**partner.settings(), "no_such_setting": "x"}, "no_such_setting")

    def _assert_refused(self, settings: Mapping[str, Any], name: str) -> None:
        with pytest.raises(ValidationError) as refused:
            self.connector_class.Config.model_validate(dict(settings))
        named = [".".join(str(part) for part in error["loc"]) for error in refused.value.errors()]
        assert any(name in where for where in named), f"{name!r} is not named in {named}"
        secrets = [str(settings[key]) for key in self.secret_settings if settings.get(key)]
        assert not leaks([str(refused.value)], secrets), "the refusal prints a secret (hide_input_in_errors)"

    def test_secret_settings_are_secret_types(self, partner: ContractPartner) -> None:
        """Each secret setting is a ``SecretStr``, so a repr or a dump masks it; and ``Config`` keeps refused
        input out of its errors (``hide_input_in_errors``): for a missing setting pydantic would otherwise
        print the whole settings dict, secrets included."""
        config_class = self.connector_class.Config
        config = config_class.model_validate(partner.settings())
        for name in self.secret_settings:
            assert isinstance(getattr(config, name), SecretStr), f"setting {name!r} must be a SecretStr"
        if self.secret_settings:
            assert config_class.model_config.get("hide_input_in_errors"), "Config must set hide_input_in_errors=True"

    def test_secrets_stay_out_of_reprs(self, partner: ContractPartner) -> None:
        """Neither the config nor the connector shows a secret in its repr, str or JSON dump."""
        connector = self.build(partner.settings())
        config = self.connector_class.Config.model_validate(partner.settings())
        secrets = secret_values(config)
        assert secrets, "the partner settings hold no SecretStr value"
        texts = [repr(config), str(config), config.model_dump_json(), repr(connector), str(connector)]
        assert not leaks(texts, secrets)

    def test_secrets_stay_out_of_results_errors_and_logs(
        self, partner: ContractPartner, fulfillment_request: FulfillmentRequest, caplog: pytest.LogCaptureFixture
    ) -> None:
        """A successful call, wrong credentials and each injected failure: no secret in the result, the error
        (with its causes) or any log record at DEBUG."""
        caplog.set_level(logging.DEBUG)
        settings = partner.settings()
        secrets = secret_values(self.connector_class.Config.model_validate(settings))
        texts = [repr(self.exercise(self.build(settings), fulfillment_request))]
        wrong = {name: f"wrong-{settings[name]}" for name in self.secret_settings if settings.get(name)}
        secrets += list(wrong.values())
        with pytest.raises(ConnectorError) as refused:
            self.exercise(self.build({**settings, **wrong}), fulfillment_request)
        assert isinstance(refused.value, ConfigurationError), f"wrong credentials raised {refused.value!r}"
        texts += error_texts(refused.value)
        for case in (case for case in FAILURE_CASES if case.name in LEAK_CASES):
            partner.fail_next(case.injected(datetime.now(UTC)))
            with pytest.raises(ConnectorError) as failed:
                self.exercise(self.build(settings), fulfillment_request)
            texts += error_texts(failed.value)
        texts += log_texts(caplog.records)
        assert not leaks(texts, secrets)

    def test_resend_is_idempotent_at_the_partner(
        self, partner: ContractPartner, fulfillment_request: FulfillmentRequest
    ) -> None:
        """The same delivery sent twice (a retry after a lost answer, by a fresh connector as a new worker would)
        leaves one effect at the partner, and both calls name it alike; or the second is ``AlreadyDelivered``.
        Where ``resend_duplicates`` says the partner cannot tell them apart, it leaves two."""
        before = self.count_effects(partner, fulfillment_request)
        if before is None:
            pytest.skip(f"{type(self).__name__} does not count what exercise() leaves at the partner (count_effects)")
        first = self.exercise(self.build(partner.settings()), fulfillment_request)
        try:
            second: object = self.exercise(self.build(partner.settings()), fulfillment_request)
        except AlreadyDelivered:
            second = None
        made = (self.count_effects(partner, fulfillment_request) or 0) - before
        if self.resend_duplicates:
            assert len(self.resend_duplicates.split()) >= 5, "resend_duplicates must say why, in a sentence"
            assert made == 2, f"a resend left {made} effect(s): the partner dedupes now, drop resend_duplicates"
            return
        assert made == 1, f"the delivery sent twice left {made} effect(s) at the partner"
        if isinstance(first, Submitted) and isinstance(second, Submitted):
            assert first.external_id == second.external_id, "the resend names another partner document"

    @pytest.mark.parametrize("case", FAILURE_CASES, ids=[case.name for case in FAILURE_CASES])
    def test_failure_is_classified(
        self, case: FailureCase, partner: ContractPartner, fulfillment_request: FulfillmentRequest
    ) -> None:
        """Each failure raises its branch of the error tree; a ``Retry-After`` becomes ``retry_after``."""
        connector = self.build(partner.settings())
        partner.fail_next(case.injected(datetime.now(UTC)))
        with pytest.raises(ConnectorError) as raised:
            self.exercise(connector, fulfillment_request)
        error = raised.value
        expected = self.expected_error(case)
        assert type(error) is expected or isinstance(error, expected), f"{case.name}: got {error!r}"
        assert str(error), "an error must say what went wrong"
        if case.status is not None:
            assert error.status_code == case.status
        if case.retry_after_seconds is not None:
            assert isinstance(error, TransientError) and error.retry_after is not None
            assert case.retry_after_seconds - 5 <= error.retry_after <= case.retry_after_seconds
