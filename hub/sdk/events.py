"""What the delivery engine asks of an events connector: hand one of the hub's events to a subscriber.

An event is what happened to an order (or to stock) in the hub, in the Standard Webhooks payload form
``{"type", "timestamp", "data"}``. ``id`` is stable for the event at that subscriber, so the subscriber can
drop a copy it already processed (``webhook-id``); resends carry the same id and body.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable

from hub.sdk.capabilities import Submitted


@dataclass(frozen=True)
class OutboundEvent:
    id: str  # "evt_<hub event number>": the same on every attempt
    type: str  # "order.shipped"
    occurred_at: datetime  # timezone-aware
    data: Mapping[str, Any]

    def body(self) -> bytes:
        """The exact bytes sent (and signed): compact JSON, keys in a fixed order."""
        document = {
            "type": self.type,
            "timestamp": self.occurred_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "data": self.data,
        }
        return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


@runtime_checkable
class PublishesEvents(Protocol):
    """Sends events to one subscriber."""

    def publish_event(self, event: OutboundEvent, idempotency_key: str) -> Submitted:
        """Deliver ``event``; raise the SDK error tree on failure (never retry here)."""
        ...
