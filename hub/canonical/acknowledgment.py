"""The purchase order acknowledgment document (``purchase_order_ack.v1``): a supplier's answer to a
purchase order, as an X12 855 carries it.

The answer for a line is given twice on purpose: ``status`` in the four words the hub acts on, and
``status_code`` as the partner sent it, since the standard's codes are finer (quantity changed, price
changed, substitution ...) and an operator settling a dispute needs the exact one."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Literal, Self

from pydantic import Field, model_validator

from .base import (
    IDENTIFIERS_HELP,
    CanonicalModel,
    Identifiers,
    NonEmptyStr,
    Quantity,
    Timestamp,
    UnitOfMeasure,
)
from .checks import require_reference
from .lengths import HubId, LineId, Reference, Sku
from .money import Money


class AckType(StrEnum):
    """The supplier's answer to the purchase order as a whole."""

    ACCEPTED = "accepted"
    ACCEPTED_WITH_CHANGES = "accepted_with_changes"
    REJECTED = "rejected"


class AckLineStatus(StrEnum):
    """The supplier's answer for one line."""

    ACCEPTED = "accepted"
    BACKORDERED = "backordered"
    REJECTED = "rejected"
    CHANGED = "changed"


class AckLine(CanonicalModel):
    """The supplier's answer for one purchase order line; at least one of line_id, sku, identifiers."""

    line_id: LineId | None = Field(default=None, description="`line_id` of the order line answered.")
    sku: Sku | None = Field(default=None, description="SKU of the line.")
    identifiers: Identifiers = Field(default_factory=dict, description=IDENTIFIERS_HELP)
    status: AckLineStatus = Field(description="What the supplier will do with this line.")
    status_code: NonEmptyStr | None = Field(
        default=None,
        description="The supplier's own code for the status as sent (X12 ACK01: IA, IQ, IP, IS, IB, IR ...); "
        "absent when the supplier stated nothing for the line and `status` follows from `ack_type`.",
    )
    quantity: Quantity = Field(description="Units the status applies to, in `uom`.")
    uom: UnitOfMeasure = Field(default="EA", description="Unit of measure of `quantity`.")
    unit_price: Money | None = Field(default=None, description="Unit price the supplier confirms.")
    scheduled_ship_date: date | None = Field(
        default=None, description="Calendar day the supplier plans to ship these units."
    )
    scheduled_delivery_date: date | None = Field(
        default=None, description="Calendar day the supplier expects or promises these units to be delivered."
    )

    @model_validator(mode="after")
    def _needs_reference(self) -> Self:
        require_reference(self.line_id, self.sku, self.identifiers)
        return self


class PurchaseOrderAck(CanonicalModel):
    """An acknowledgment of a purchase order, with per-line detail when the supplier gives it."""

    schema_version: Literal["purchase_order_ack.v1"] = Field(
        default="purchase_order_ack.v1", description="Canonical document name and version."
    )
    id: NonEmptyStr | None = Field(default=None, description="The hub's identifier of the acknowledgment.")
    po_number: Reference = Field(description="Purchase order number acknowledged (X12 BAK03).")
    order_id: HubId | None = Field(default=None, description="The hub's identifier of the order.")
    ack_number: NonEmptyStr | None = Field(
        default=None, description="Supplier's identifier of the acknowledgment or its sales order number."
    )
    ack_type: AckType = Field(description="Answer for the order as a whole.")
    acknowledged_at: Timestamp = Field(description="When the supplier acknowledged.")
    lines: list[AckLine] = Field(
        default_factory=list,
        description="Per-line answers; empty for an acknowledgment without detail. A line split between "
        "statuses (some units accepted, some backordered) appears once per status.",
    )
    test: bool = Field(
        default=False,
        description="True for a test acknowledgment (an X12 test interchange) that must not change the order.",
    )
