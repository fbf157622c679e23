"""What a sales channel is to the hub: how its webhooks are signed and identified, which topics it sends
and what each becomes, and (for thin webhooks and pollers) how the full order is read from its API.

A channel is a class of data plus a few small methods; ``hub/channels/<name>.py`` holds each one and
``registry.py`` lists them. Payload-to-canonical work is never here: it is the mapping files' job.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar

from hub.channels.accounts import AccountContext
from hub.channels.limits import MAX_TOPIC_LENGTH
from hub.channels.verifiers import InboundRequest, Verifier, epoch_seconds

if TYPE_CHECKING:
    from hub.channels.responses import Response
    from hub.channels.shapes import Shape

MAX_INSTANT_LENGTH = 64
MAX_DEDUPE_KEY_LENGTH = 255  # inbox_messages.dedupe_key


def parse_instant(value: Any) -> datetime | None:
    """An ISO 8601 time from a channel (``Z`` or an offset; none means UTC) as an aware UTC datetime, or None
    when it is missing or unreadable. Channels' own clocks become watermarks, so they are normalised here."""
    if not isinstance(value, str) or not value or len(value) > MAX_INSTANT_LENGTH:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        # a time at the edge of the calendar ("0001-01-01T00:00+01:00") has no UTC equivalent: OverflowError
        return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    except (ValueError, OverflowError):
        return None


class Action(StrEnum):
    ORDER = "order"  # map to order.v1 and upsert
    REFUND = "refund"  # map to refund.v1 and record on the order's timeline
    SHIPMENT = "shipment"  # map to shipment.v1 and record on the order's timeline
    READ_BACK = "read_back"  # thin webhook: fetch the full resource from the channel's API, then map it
    COMPLIANCE = "compliance"  # privacy-law request: record it, act on it
    IGNORE = "ignore"  # verified and kept, nothing to do


@dataclass(frozen=True)
class Topic:
    action: Action
    mapping: str | None = None  # name of the mapping file, for ORDER, REFUND and SHIPMENT
    canonical_at: str | None = None  # instead of a mapping: the payload path that already holds the document
    # A body that carries part of an order (its items, its address, a change notification): the fields of
    # `mapping` it feeds ("*": every field), shown as a partial (hub.channels.partial), never applied as an order.
    partial: tuple[str, ...] | None = None
    note: str | None = None  # what `orderhub normalize` adds about the topic (what a fragment lacks, and why)


@dataclass(frozen=True)
class Pulled:
    """A full resource read from a channel's API (read-back, poll or reconciliation), to store in the inbox."""

    topic: str
    key: str  # dedupe key: the same resource version read twice is stored once
    body: bytes
    updated_at: datetime | None = None


class Channel:
    name: ClassVar[str]
    verifier: ClassVar[Verifier | None] = None  # None: the channel sends no webhooks (pollers only)
    topic_headers: ClassVar[tuple[str, ...]] = ()
    event_id_headers: ClassVar[tuple[str, ...]] = ()  # delivery/event id headers, most specific first
    triggered_at_headers: ClassVar[tuple[str, ...]] = ()
    topics: ClassVar[dict[str, Topic]] = {}
    # For a topic named outside the signature (a header): the shape its body must have (hub.channels.shapes).
    shapes: ClassVar[dict[str, Shape]] = {}
    # Documented API responses and notifications a body can be, tried in this order when nothing names its topic
    # (hub.channels.responses); their topics are keys of `topics`.
    responses: ClassVar[tuple[Response, ...]] = ()
    pulls: ClassVar[bool] = False  # has pull(): scheduled polling or reconciliation

    # -- the webhook request (runs in the web process: headers only, never the body's content) --

    def webhook_topic(self, request: InboundRequest) -> str | None:
        """The topic header, cut to what the inbox keeps (a topic that long names nothing the hub handles)."""
        topic = request.header(*self.topic_headers) if self.topic_headers else None
        return topic[:MAX_TOPIC_LENGTH] if topic else None

    def dedupe_key(self, request: InboundRequest, topic: str | None) -> str:
        """The channel's delivery or event id, prefixed by topic (one merchant action can fire several topics
        with the same event id); without one, a hash of the body, so byte-identical retries still collapse.
        A key longer than the inbox keeps is kept as its hash, so it still identifies the delivery."""
        event_id = request.header(*self.event_id_headers) if self.event_id_headers else None
        if event_id:
            key = f"{topic}:{event_id}" if topic else event_id
            if len(key) <= MAX_DEDUPE_KEY_LENGTH:
                return key
            return "id-sha256:" + hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()
        return "sha256:" + hashlib.sha256(request.body).hexdigest()

    def triggered_at(self, request: InboundRequest) -> datetime | None:
        """The channel's own time of the event, from epoch seconds or ISO 8601; None when unreadable (it is
        informative only and never refuses a delivery)."""
        value = request.header(*self.triggered_at_headers) if self.triggered_at_headers else None
        if value and value.strip().isdigit():
            seconds = epoch_seconds(value)
            return None if seconds is None else datetime.fromtimestamp(seconds, tz=UTC)
        return parse_instant(value)

    def accepts_unsigned(self, request: InboundRequest) -> bool:
        """True for a documented unsigned request that carries nothing (WooCommerce's set-up ping)."""
        return False

    # -- in the worker: the parsed payload --

    def check_body(self, topic: str, payload: Any) -> None:
        """Raise MappingInputError when the body is not what ``topic`` says (see ``shapes``; a documented
        response is checked where its resource sits, by ``inputs``)."""
        if any(response.topic == topic for response in self.responses):
            return
        shape = self.shapes.get(topic)
        if shape is not None:
            shape.check(topic, payload)

    def payload_topic(self, payload: Any) -> str | None:
        """The topic of a body no header names: channels whose events carry their type in the body read it
        there first (and call this for bodies without one); here, the documented response the body is."""
        from hub.channels.responses import recognise

        response = recognise(self.responses, payload)
        return None if response is None else response.topic

    def response(self, topic: str, payload: Any) -> Response | None:
        """The documented response ``topic`` names, in the form the body has (a topic can arrive in more than one
        envelope); None when the topic is no documented response."""
        candidates = [response for response in self.responses if response.topic == topic]
        return next((response for response in candidates if response.fits(payload)), next(iter(candidates), None))

    def inputs(self, topic: str, payload: Any) -> list[Any]:
        """What the topic's mapping reads from the body: the body itself, or for a documented response the
        resource it holds arranged for the mapping (one input per order for a listing of orders)."""
        response = self.response(topic, payload)
        return [payload] if response is None else response.inputs(payload)

    def reference(self, topic: str, payload: Any) -> dict[str, Any]:
        """For READ_BACK topics: what to fetch (ids, resource URL), as JSON data."""
        raise NotImplementedError(f"{self.name} has no read-back")

    def read_back(self, reference: dict[str, Any], account: AccountContext) -> Pulled:
        raise NotImplementedError(f"{self.name} has no read-back")

    def pull(self, account: AccountContext, since: datetime | None) -> Iterator[Pulled]:
        """Orders changed after ``since``, oldest first, for polling and reconciliation."""
        raise NotImplementedError(f"{self.name} cannot be polled")
