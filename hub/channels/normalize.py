"""A stored message's body to canonical documents, or to what must happen instead (read back, ignore).

The worker and ``orderhub normalize`` both call ``normalize``: what the command prints is what the hub does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from hub.canonical import CanonicalModel, Order, Refund, Shipment
from hub.channels.base import Action, Channel
from hub.channels.limits import load_json
from hub.mapping import MappingInputError, load_mapping
from hub.mapping.loader import invalid_document
from hub.mapping.paths import read_path

DOCUMENT_OF: dict[Action, type[CanonicalModel]] = {
    Action.ORDER: Order,
    Action.REFUND: Refund,
    Action.SHIPMENT: Shipment,
}


@dataclass(frozen=True)
class Normalized:
    topic: str
    action: Action
    documents: tuple[CanonicalModel, ...] = ()
    reference: dict[str, Any] | None = None  # READ_BACK: what to fetch
    payload: Any = None
    note: str | None = None

    def as_json(self) -> dict[str, Any]:
        """What ``orderhub normalize`` prints."""
        shown: dict[str, Any] = {"topic": self.topic, "action": self.action.value}
        if self.documents:
            shown["documents"] = [document.model_dump(mode="json") for document in self.documents]
        if self.reference is not None:
            shown["read_back"] = self.reference
        if self.note:
            shown["note"] = self.note
        return shown


def parse_body(body: bytes) -> Any:
    """The body as JSON data, within the limits of ``hub.channels.limits`` (depth, number sizes)."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise MappingInputError(f"body is not UTF-8 text (byte {exc.start})") from None
    return load_json(text)


def normalize(channel: Channel, topic: str | None, body: bytes) -> Normalized:
    """Raise MappingInputError (naming the field or path) for a body that cannot become its documents."""
    payload = parse_body(body)
    topic = topic or channel.payload_topic(payload)
    if not topic:
        raise MappingInputError(f"cannot tell the {channel.name} topic: no topic header and none in the body")
    spec = channel.topics.get(topic)
    if spec is None:
        return Normalized(topic, Action.IGNORE, payload=payload, note=f"{channel.name} topic {topic!r} is not handled")
    if spec.action is not Action.IGNORE:
        channel.check_body(topic, payload)  # a topic the signature does not cover is believed only if the body agrees
    if spec.action in DOCUMENT_OF:
        return Normalized(
            topic, spec.action, (_document(spec.action, spec.mapping, spec.canonical_at, payload),), payload=payload
        )
    if spec.action is Action.READ_BACK:
        return Normalized(topic, spec.action, reference=channel.reference(topic, payload), payload=payload)
    return Normalized(topic, spec.action, payload=payload)


def _document(action: Action, mapping: str | None, canonical_at: str | None, payload: Any) -> CanonicalModel:
    if mapping is not None:
        return load_mapping(mapping)(payload)
    model = DOCUMENT_OF[action]
    data = read_path(payload, payload, canonical_at or "$")
    if data is None:
        raise MappingInputError(f"the body has no {canonical_at!r}", source=canonical_at or "$")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise invalid_document(model.model_fields["schema_version"].default, exc) from None
