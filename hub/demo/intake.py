"""Orders into the hub the way a shop sends them: each body signed with the account's webhook secret,
checked by the channel's own verifier, stored in the inbox exactly as the webhook view stores it, then
normalized and applied by the worker's chunk processing (``hub.channels.chunk``).

Nothing is written behind the hub's back: an order the demo shows exists because a channel message made it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from hub.channels.chunk import process_chunk
from hub.channels.intake import store_message
from hub.channels.registry import get_channel
from hub.channels.verifiers import BodyHmac, InboundRequest
from hub.db.session import Database

CHUNK = 50  # what the relay hands the worker at once


@dataclass(frozen=True)
class Webhook:
    channel: str
    account: str
    topic: str
    delivery_id: str
    payload: dict[str, object]
    sent_at: datetime


@dataclass
class Received:
    """What became of the webhooks: the orders created, and each message's status by inbox id."""

    created: list[str] = field(default_factory=list)
    statuses: dict[int, str] = field(default_factory=dict)


def _request(hook: Webhook, secret: str) -> InboundRequest:
    channel = get_channel(hook.channel)
    body = json.dumps(hook.payload, separators=(",", ":")).encode()
    verifier = channel.verifier
    assert isinstance(verifier, BodyHmac)  # Shopify and WooCommerce sign the body with HMAC-SHA256
    signature = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
    headers = {
        verifier.headers[0]: signature,
        channel.topic_headers[0]: hook.topic,
        channel.event_id_headers[0]: hook.delivery_id,
        "content-type": "application/json",
    }
    return InboundRequest("POST", f"/webhooks/{hook.channel}/{hook.account}", "", headers, body)


def receive(database: Database, hooks: Sequence[Webhook], secrets: dict[str, str]) -> Received:
    """Verify and store every webhook, then process them a chunk at a time, as the worker would."""
    ids: list[int] = []
    with database.session() as session:
        for hook in hooks:
            channel = get_channel(hook.channel)
            inbound = _request(hook, secrets[hook.channel])
            assert channel.verifier is not None
            channel.verifier.verify(inbound, [secrets[hook.channel]])  # the receiver's check, unchanged
            topic = channel.webhook_topic(inbound)
            inbox_id, _created = store_message(
                session,
                source="webhook",
                channel=hook.channel,
                account=hook.account,
                topic=topic,
                dedupe_key=channel.dedupe_key(inbound, topic),
                body=inbound.body,
                headers=inbound.headers,
                content_type="application/json",
                triggered_at=hook.sent_at,
            )
            ids.append(inbox_id)
    received = Received()
    for start in range(0, len(ids), CHUNK):
        result = process_chunk(database, ids[start : start + CHUNK])
        for inbox_id, outcome in result.outcomes.items():
            received.statuses[inbox_id] = str(outcome.status)
            received.created.extend(outcome.created)
    return received
