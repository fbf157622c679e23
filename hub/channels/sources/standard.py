"""A generic sender speaking Standard Webhooks, whose events carry canonical documents::

    {"type": "order.created", "timestamp": "...", "data": { ...an order.v1 document... }}

For custom storefronts and middleware that already produce the hub's canonical model.
"""

from __future__ import annotations

from typing import Any

from hub.channels.base import Action, Channel, Topic
from hub.channels.limits import describe, text_value
from hub.channels.verifiers import StandardWebhooks
from hub.mapping import MappingInputError

ORDER = Topic(Action.ORDER, canonical_at="data")


class Standard(Channel):
    name = "standard"
    verifier = StandardWebhooks()
    event_id_headers = ("webhook-id",)
    triggered_at_headers = ("webhook-timestamp",)
    topics = {"order.created": ORDER, "order.updated": ORDER, "order.cancelled": ORDER}

    def payload_topic(self, payload: Any) -> str | None:
        if not isinstance(payload, dict):
            raise MappingInputError(f"the event must be a JSON object, found {describe(payload)}", source="$")
        kind = payload.get("type")
        return None if kind is None else text_value(kind, "type")
