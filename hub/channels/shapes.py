"""What a body must hold to be what its topic says, for channels whose topic travels outside the signature.

Shopify and WooCommerce sign the body but name the topic in a header (``X-Shopify-Topic``,
``X-WC-Webhook-Topic``) that the signature does not cover. A body delivered once, validly signed, can be sent
again under another topic: an order body as ``shop/redact`` would otherwise erase a whole shop's customer data.
So the hub acts on what the signed body says: before a topic is acted on, its body must have that topic's
documented shape (a ``shop/redact`` body names the shop and nothing else, a refund names its order and refund
lines, a cancellation carries ``cancelled_at`` ...). A body that does not is refused with MappingInputError,
which fails the message with the reason; nothing is applied.

A shape is data: the keys the body must have (each with the kind of value it holds) and the keys that would
make it another resource. It is a sanity check of the topic, not a validation of the whole resource: the
mapping still checks every field it reads.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from hub.channels.base import parse_instant
from hub.channels.limits import describe, numeric_id
from hub.mapping import MappingInputError

NUMBER = re.compile(r"-?\d{1,24}(?:\.\d{1,24})?")


def _id(value: Any) -> str | None:
    return None if numeric_id(value) is not None else f"is not an id (found {describe(value)})"


def _ids(value: Any) -> str | None:
    if not isinstance(value, list):
        return f"is not a list of ids (found {describe(value)})"
    for index, item in enumerate(value):
        if numeric_id(item) is None:
            return f"item {index} is not an id (found {describe(item)})"
    return None


def _list(value: Any) -> str | None:
    return None if isinstance(value, list) else f"is not a list (found {describe(value)})"


def _object(value: Any) -> str | None:
    return None if isinstance(value, dict) else f"is not an object (found {describe(value)})"


def _text(value: Any) -> str | None:
    return None if isinstance(value, str) and value.strip() else f"is not text (found {describe(value)})"


def _instant(value: Any) -> str | None:
    return None if parse_instant(value) is not None else f"is not a date and time (found {describe(value)})"


def _number(value: Any) -> str | None:
    """A quantity or an amount: a JSON number, or text holding one (Walmart and WooCommerce send text)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return None
    if isinstance(value, str) and NUMBER.fullmatch(value.strip()):
        return None
    return f"is not a number (found {describe(value)})"


def _present(value: Any) -> str | None:
    return None  # any value but null: the key's presence is what tells the resource apart


# The kinds of value a shape can ask for: each returns None when the value fits, else what is wrong with it.
KINDS: dict[str, Callable[[Any], str | None]] = {
    "id": _id,
    "ids": _ids,
    "list": _list,
    "object": _object,
    "text": _text,
    "instant": _instant,
    "number": _number,
    "present": _present,
}


@dataclass(frozen=True)
class Shape:
    what: str  # "a Shopify order", for the message
    required: Mapping[str, str]  # key -> kind (KINDS)
    forbidden: tuple[str, ...] = ()  # keys that only another resource has
    also: Mapping[str, str] = field(default_factory=dict)  # extra required keys of one topic (orders/cancelled)

    def __post_init__(self) -> None:
        unknown = {kind for kind in (*self.required.values(), *self.also.values()) if kind not in KINDS}
        if unknown:
            raise ValueError(f"unknown kinds {sorted(unknown)} in the shape of {self.what}")

    def check(self, topic: str, payload: Any) -> None:
        """Return if ``payload`` has this shape; raise MappingInputError naming the first key that does not."""
        problem = self.problem(payload)
        if problem is not None:
            raise _mismatch(topic, self.what, problem)

    def problem(self, payload: Any, where: str = "the body") -> str | None:
        """What keeps ``payload`` from having this shape (the first key that does not fit), or None."""
        if not isinstance(payload, dict):
            return f"{where} is {describe(payload)}, not an object"
        for key, kind in {**self.required, **self.also}.items():
            if key not in payload or payload[key] is None:
                return f"{key} is missing"
            problem = KINDS[kind](payload[key])
            if problem is not None:
                return f"{key} {problem}"
        for key in self.forbidden:
            if key in payload:
                return f"it has {key}, which {self.what} does not have"
        return None

    def requiring(self, what: str, **also: str) -> Shape:
        """This shape with more required keys, for a topic that promises more (a cancellation's time)."""
        return Shape(what, self.required, self.forbidden, {**self.also, **also})


def _mismatch(topic: str, what: str, problem: str) -> MappingInputError:
    return MappingInputError(f"topic {topic!r} does not match the body, which is not {what}: {problem}")
