"""What a connector is: a small class contract, plus one small protocol per optional capability.

A connector class has a ``name`` (its registered entry-point name), a ``kind``, a ``Config`` model (secret
fields typed ``SecretStr``), is built from a config and an injected ``requests.Session``, and answers
``check()``. Capabilities (send a fulfillment order, post an invoice ...) are separate protocols that the
delivery engine tests with ``isinstance``; no base class grows a hook for every capability.
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar, Protocol, runtime_checkable

import requests
from pydantic import BaseModel


class ConnectorKind(StrEnum):
    THREE_PL = "3pl"
    SUPPLIER = "supplier"
    CHANNEL = "channel"
    ACCOUNTING = "accounting"
    EVENTS = "events"


@runtime_checkable
class Connector(Protocol):
    """The contract every connector satisfies."""

    name: ClassVar[str]
    kind: ClassVar[ConnectorKind]
    Config: ClassVar[type[BaseModel]]

    def __init__(self, config: BaseModel, session: requests.Session) -> None: ...

    def check(self) -> None:
        """Prove the settings work (reach the partner, authenticate); raise a ``hub.sdk.errors`` error."""
        ...
