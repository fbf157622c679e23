"""The fulfillment request document (``fulfillment_request.v1``): what the hub asks one location to ship.

A routed order becomes one fulfillment order per location; this is that fulfillment order as a partner
(a 3PL, a drop-ship supplier, a warehouse the operator runs) needs it. It carries the whole order, so a
connector finds the ship-to address, the buyer, the shipping method and each line's name and price where
the order keeps them, and ``lines`` says which units of which order lines this location is to ship.
"""

from __future__ import annotations

from typing import Literal, Self

from pydantic import Field, model_validator

from .base import CanonicalModel, NonEmptyStr, Quantity
from .order import Order, OrderLine


class FulfillmentRequestLine(CanonicalModel):
    """Units of one order line this location is asked to ship."""

    line_id: NonEmptyStr = Field(description="`line_id` of the order line.")
    sku: NonEmptyStr | None = Field(default=None, description="SKU to pick, as the hub knows it.")
    quantity: Quantity = Field(description="Units to ship.")


class FulfillmentRequest(CanonicalModel):
    """One fulfillment order of an order, addressed to the location that is to ship it."""

    schema_version: Literal["fulfillment_request.v1"] = Field(
        default="fulfillment_request.v1", description="Canonical document name and version."
    )
    id: NonEmptyStr = Field(
        description="The hub's fulfillment order id (ful_...): the partner's idempotency key for this request."
    )
    location_id: NonEmptyStr = Field(description="The hub's id of the location asked to ship.")
    order: Order = Field(description="The order as the hub holds it.")
    lines: list[FulfillmentRequestLine] = Field(min_length=1, description="What to ship, per order line.")
    test: bool = Field(default=False, description="True for a test order: a partner must not ship it.")

    @model_validator(mode="after")
    def _lines_are_order_lines(self) -> Self:
        known = {line.line_id for line in self.order.lines}
        unknown = [line.line_id for line in self.lines if line.line_id not in known]
        if unknown:
            raise ValueError(f"lines name order lines the order does not have: {', '.join(unknown)}")
        return self

    def order_line(self, line_id: str) -> OrderLine:
        """The order line a request line ships."""
        for line in self.order.lines:
            if line.line_id == line_id:
                return line
        raise KeyError(line_id)

    @property
    def reference(self) -> str:
        """The order reference a person at the partner recognises: the channel's order number, else its id."""
        return self.order.number or self.order.po_number or self.order.channel_order_id
