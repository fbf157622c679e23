"""Return and refund documents (``return.v1``, ``refund.v1``): goods coming back, money going back."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal, Self

from pydantic import Field, model_validator

from .base import (
    IDENTIFIERS_HELP,
    CanonicalModel,
    CurrencyCode,
    Identifiers,
    NonEmptyStr,
    Quantity,
    Timestamp,
)
from .checks import duplicate_problem, raise_problems, require_one_of, require_reference
from .lengths import Condition, HubId, LineId, RecordId, Reference, RmaNumber, Sku
from .money import Money, currency_problem


class ReturnStatus(StrEnum):
    """Where the return is, from the buyer's request to closing it."""

    REQUESTED = "requested"
    AUTHORIZED = "authorized"
    RECEIVED = "received"
    INSPECTED = "inspected"
    RESTOCKED = "restocked"
    DISPOSED = "disposed"
    REFUNDED = "refunded"
    CLOSED = "closed"
    REJECTED = "rejected"


class ReturnLine(CanonicalModel):
    """Units of one order line coming back; at least one of line_id, sku, identifiers."""

    line_id: LineId | None = Field(default=None, description="`line_id` of the order line returned.")
    sku: Sku | None = Field(default=None, description="SKU returned.")
    identifiers: Identifiers = Field(default_factory=dict, description=IDENTIFIERS_HELP)
    quantity: Quantity = Field(description="Units returned.")
    reason: NonEmptyStr | None = Field(
        default=None, description='Return reason as the channel states it ("too_small", "defective").'
    )
    condition: Condition | None = Field(
        default=None, description='Condition of the goods as received ("new", "opened", "damaged").'
    )

    @model_validator(mode="after")
    def _needs_reference(self) -> Self:
        require_reference(self.line_id, self.sku, self.identifiers)
        return self


class Return(CanonicalModel):
    """A return of goods from an order (an RMA)."""

    schema_version: Literal["return.v1"] = Field(
        default="return.v1", description="Canonical document name and version."
    )
    id: RecordId | None = Field(default=None, description="The hub's identifier of the return.")
    order_id: HubId | None = Field(default=None, description="The hub's identifier of the order.")
    channel_order_id: Reference | None = Field(default=None, description="The order's identifier in its sales channel.")
    rma_number: RmaNumber | None = Field(default=None, description="Return merchandise authorization.")
    status: ReturnStatus = Field(default=ReturnStatus.REQUESTED, description="Return status.")
    requested_at: Timestamp = Field(description="When the return was requested.")
    lines: list[ReturnLine] = Field(min_length=1, description="Goods returned.")
    notes: str | None = Field(default=None, description="Free-text note from the buyer or the warehouse.")

    @model_validator(mode="after")
    def _needs_reference(self) -> Self:
        require_one_of(self, ("order_id", "channel_order_id", "rma_number"), "to match the return")
        return self


class RefundLine(CanonicalModel):
    """Money refunded for units of one order line."""

    line_id: LineId = Field(description="`line_id` of the order line refunded.")
    quantity: Quantity = Field(description="Units refunded; 0 for a price adjustment without units.")
    amount: Money = Field(description="Amount refunded for this line, in the refund currency.")
    restock: bool = Field(default=False, description="True when the units go back into sellable stock.")


class Refund(CanonicalModel):
    """Money paid back to the buyer of an order. Every amount is in `currency`."""

    schema_version: Literal["refund.v1"] = Field(
        default="refund.v1", description="Canonical document name and version."
    )
    id: NonEmptyStr | None = Field(default=None, description="The hub's identifier of the refund.")
    order_id: HubId | None = Field(default=None, description="The hub's identifier of the order.")
    channel_order_id: Reference | None = Field(default=None, description="The order's identifier in its sales channel.")
    channel_refund_id: NonEmptyStr | None = Field(default=None, description="The refund's identifier in the channel.")
    created_at: Timestamp = Field(description="When the refund was issued.")
    currency: CurrencyCode = Field(description="Currency of every amount in the refund.")
    lines: list[RefundLine] = Field(
        default_factory=list, description="Per-line refunds; empty for a refund of shipping or goodwill only."
    )
    shipping: Money | None = Field(default=None, description="Shipping refunded.")
    total: Money = Field(description="Total refunded.")
    reason: str | None = Field(default=None, description="Why the refund was issued.")

    @model_validator(mode="after")
    def _check_consistency(self) -> Self:
        require_one_of(self, ("order_id", "channel_order_id"), "to match the refund to an order")
        raise_problems(
            currency_problem(self, ("lines", "shipping", "total"), self.currency, "refund currency"),
            duplicate_problem((line.line_id for line in self.lines), "line_id", "refund"),
        )
        return self
