"""A connector for the command-line tests, registered under ``fake-3pl`` by the ``hub`` fixture.

``check()`` refuses an ``api_key`` of ``wrong`` as a partner answering 401 would, so the tests can see how the
command line reports a failed check without a server."""

from __future__ import annotations

from typing import ClassVar

import requests
from pydantic import BaseModel, ConfigDict, SecretStr

from hub.canonical import FulfillmentRequest
from hub.sdk import ConfigurationError, ConnectorKind, InboundNotification, Submitted


class FakeConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    base_url: str
    api_key: SecretStr
    store_id: int | None = None


class FakeThreePL:
    name: ClassVar[str] = "fake-3pl"
    kind: ClassVar[ConnectorKind] = ConnectorKind.THREE_PL
    Config: ClassVar[type[BaseModel]] = FakeConfig

    def __init__(self, config: BaseModel, session: requests.Session) -> None:
        assert isinstance(config, FakeConfig)
        self.config = config

    def check(self) -> None:
        if self.config.api_key.get_secret_value() == "wrong":
            raise ConfigurationError("HTTP 401: the partner refused the API key", status_code=401)

    def submit_fulfillment(self, request: FulfillmentRequest, idempotency_key: str) -> Submitted:
        return Submitted(external_id=idempotency_key)

    def authenticate(self, notification: InboundNotification) -> None:
        return None
