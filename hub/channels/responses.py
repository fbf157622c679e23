"""Documented API responses and notifications, known by their shape when nothing else names their topic.

A webhook says what it is (a topic header, an event type in the body). A body read from a channel's API does
not: Amazon's getOrderItems answers ``{"payload": {"AmazonOrderId": ..., "OrderItems": [...]}}`` and nothing
more, Walmart's getAllOrders ``{"list": {"elements": {"order": [...]}}}``, BigCommerce a bare list of products.
Each channel lists the bodies it can read as ``Response`` entries (``Channel.responses``); without a topic,
the first entry the body fits names it, and the channel's ``topics`` say what that topic becomes: an order
(``Action.ORDER``), a fragment shown for what it carries (``Topic.partial``), a read-back.

An entry is data, not code: where the resource sits in the body (``at``), its shape (``hub.channels.shapes``),
whether it is one object, a list that together makes one input (an order's products) or a list of resources
read one by one (a page of orders: one document each), and, when the channel's mapping reads another layout
than the API answers (Amazon's ``{"order", "items", "address"}`` bundle), how that input is arranged from it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from hub.channels.limits import describe
from hub.channels.shapes import Shape
from hub.mapping import MappingInputError
from hub.mapping.paths import read_path


class Form(StrEnum):
    OBJECT = "object"  # the resource is one object
    LIST = "list"  # a list of objects that together make one input (an order's products)
    EACH = "each"  # a list of resources, each its own input (a page of orders)


@dataclass(frozen=True)
class Response:
    topic: str  # what the body is normalized as (a key of the channel's topics)
    shape: Shape  # of the resource (OBJECT), or of each item (LIST, EACH)
    at: str = "$"  # path of the resource in the body
    form: Form = Form.OBJECT
    # The mapping's input built from the resource: input path -> resource path ("$": the resource itself).
    # Empty: the resource is the input as it is.
    arrange: Mapping[str, str] = field(default_factory=dict)

    def fits(self, payload: Any) -> bool:
        """True when the body is this response (for a list: its first item decides; an empty list fits only
        where its place in the body already says what it lists, not as a bare ``[]``)."""
        found = _read(payload, self.at)
        if self.form is Form.OBJECT:
            return self.shape.problem(found) is None
        if not isinstance(found, list):
            return False
        if not found:
            return self.at != "$"
        return self.shape.problem(found[0]) is None

    def inputs(self, payload: Any) -> list[Any]:
        """What the mapping reads: one input, or one per resource (EACH). MappingInputError naming the first
        resource that is not of the shape."""
        found = _read(payload, self.at)
        if self.form is Form.OBJECT:
            self._check(found, self.at)
            return [self._arranged(found)]
        if not isinstance(found, list):
            raise self._mismatch(f"{self.at} is {describe(found)}, not a list")
        for index, item in enumerate(found):
            self._check(item, f"{self.at}[{index}]")
        if self.form is Form.LIST:
            return [self._arranged(found)]
        return [self._arranged(item) for item in found]

    def _check(self, resource: Any, where: str) -> None:
        if not isinstance(resource, dict):
            raise self._mismatch(f"{'the body' if where == '$' else where} is {describe(resource)}, not an object")
        problem = self.shape.problem(resource)
        if problem is not None:
            raise self._mismatch(problem if where == "$" else f"{where}: {problem}")

    def _mismatch(self, problem: str) -> MappingInputError:
        return MappingInputError(f"the body is not {self.shape.what} ({self.topic}): {problem}")

    def _arranged(self, resource: Any) -> Any:
        if not self.arrange:
            return resource
        arranged: dict[str, Any] = {}
        for target, source in self.arrange.items():
            value = _read(resource, source)
            if value is not None:
                _place(arranged, target, value)
        return arranged


def recognise(responses: Iterable[Response], payload: Any) -> Response | None:
    """The first response the body fits, or None."""
    return next((response for response in responses if response.fits(payload)), None)


def _read(payload: Any, path: str) -> Any:
    try:
        return read_path(payload, payload, path)
    except MappingInputError:  # the path runs through a value that is not an object: not this response
        return None


def _place(target: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for part in parents:
        target = target.setdefault(part, {})
    target[last] = value
