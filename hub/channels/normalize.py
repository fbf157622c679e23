"""A stored message's body to canonical documents, or to what must happen instead (read back, ignore).

The worker and ``orderhub normalize`` both call ``normalize``: what the command prints is what the hub does.
A body that is part of an order (an order's items, its address, a change notification) makes no document: the
hub has nothing to apply from it (a notification is read back), and what it carries is shown as a partial,
clearly apart from ``documents`` (``hub.channels.partial``). A listing of orders makes one document per order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from pydantic import ValidationError

from hub.canonical import CanonicalModel, Order, Refund, Shipment
from hub.channels.base import Action, Channel, Topic
from hub.channels.limits import load_json
from hub.channels.partial import partial_document
from hub.channels.responses import Form
from hub.mapping import MappingInputError, load_mapping
from hub.mapping.loader import invalid_document
from hub.mapping.paths import read_path

T = TypeVar("T")

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
    # A body that is part of an order: what it carries (one per resource for a listing); the hub applies none.
    partials: tuple[dict[str, Any], ...] = ()
    fragment: bool = False
    many: bool = False  # the body is a listing: `documents` or `partials` hold one entry per resource

    @property
    def shown_action(self) -> str:
        """The action as printed: a fragment the hub keeps and ignores shows as ``partial``."""
        return "partial" if self.fragment and self.action is Action.IGNORE else self.action.value

    def as_json(self) -> dict[str, Any]:
        """What ``orderhub normalize`` prints."""
        shown: dict[str, Any] = {"topic": self.topic, "action": self.shown_action}
        if self.documents or (self.many and self.action in DOCUMENT_OF):
            shown["documents"] = [document.model_dump(mode="json") for document in self.documents]
        if self.reference is not None:
            shown["read_back"] = self.reference
        if self.fragment and self.many:
            shown["partials"] = list(self.partials)
        elif self.fragment:
            shown["partial"] = self.partials[0]
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
        raise MappingInputError(f"cannot tell the {channel.name} topic: {_untold(channel)}")
    spec = channel.topics.get(topic)
    if spec is None:
        return Normalized(topic, Action.IGNORE, payload=payload, note=f"{channel.name} topic {topic!r} is not handled")
    if spec.action is not Action.IGNORE:
        channel.check_body(topic, payload)  # a topic the signature does not cover is believed only if the body agrees
    if spec.action is Action.IGNORE and spec.partial is None:
        return Normalized(topic, spec.action, payload=payload, note=spec.note)
    response = channel.response(topic, payload)
    listing = response.at if response is not None and response.form is Form.EACH else None
    inputs = channel.inputs(topic, payload)
    reference = channel.reference(topic, payload) if spec.action is Action.READ_BACK else None
    if spec.partial is not None:
        fragment = Normalized(topic, spec.action, reference=reference, payload=payload, many=listing is not None)
        return _fragment(fragment, spec, inputs, listing)
    if spec.action in DOCUMENT_OF:
        documents = tuple(
            _each(listing, index, lambda data: _document(spec.action, spec.mapping, spec.canonical_at, data), data)
            for index, data in enumerate(inputs)
        )
        note = "the listing is empty" if listing is not None and not documents else spec.note
        return Normalized(topic, spec.action, documents, payload=payload, note=note, many=listing is not None)
    return Normalized(topic, spec.action, reference=reference, payload=payload, note=spec.note)


def _fragment(result: Normalized, spec: Topic, inputs: list[Any], listing: str | None) -> Normalized:
    """What a body that is part of an order carries, by the fields of the topic's mapping it feeds."""
    mapping, fields = spec.mapping or "", spec.partial or ()
    partials = tuple(
        _each(listing, index, lambda data: partial_document(mapping, fields, data), data)
        for index, data in enumerate(inputs)
    )
    note = f"the listing is empty; {spec.note}" if result.many and not partials else spec.note
    return replace(result, partials=partials, fragment=True, note=note)


def _each(listing: str | None, index: int, make: Callable[[Any], T], data: Any) -> T:
    """``make(data)``; for a resource of a listing (at path ``listing``), an error says which one it is about."""
    if listing is None:
        return make(data)
    try:
        return make(data)
    except MappingInputError as exc:
        raise MappingInputError(f"{listing.removeprefix('$')}[{index}]: {exc}") from None


def _untold(channel: Channel) -> str:
    known = sorted({response.topic for response in channel.responses})
    if not known:
        return "no topic header and none in the body"
    return (
        "no topic header, none in the body, and the body is none of the documented responses the hub reads "
        f"({', '.join(known)}); give --topic"
    )


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
