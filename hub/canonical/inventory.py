"""The inventory advice document (``inventory_advice.v1``): stock a warehouse or supplier reports,
as an X12 846 or a 3PL inventory feed carries it."""

from __future__ import annotations

from datetime import date
from typing import Literal, Self

from pydantic import Field, model_validator

from .base import (
    IDENTIFIERS_HELP,
    CanonicalModel,
    Identifiers,
    Quantity,
    Timestamp,
    UnitOfMeasure,
)
from .checks import require_reference
from .lengths import AdviceId, LocationReference, Sku
from .party import Party


class InventoryItem(CanonicalModel):
    """Stock of one item at the advised location; identified by sku or identifiers."""

    sku: Sku | None = Field(default=None, description="SKU.")
    identifiers: Identifiers = Field(default_factory=dict, description=IDENTIFIERS_HELP)
    quantity_available: Quantity = Field(description="Units available to sell now, in `uom`.")
    quantity_on_order: Quantity | None = Field(
        default=None, description="Units expected in (ordered, not yet received), if reported."
    )
    uom: UnitOfMeasure = Field(default="EA", description="Unit of measure of the quantities.")
    available_date: date | None = Field(
        default=None, description="Calendar day the units on order are expected to become available."
    )

    @model_validator(mode="after")
    def _needs_reference(self) -> Self:
        require_reference(None, self.sku, self.identifiers)
        return self


class InventoryAdvice(CanonicalModel):
    """A snapshot of stock levels at one location as of a point in time."""

    schema_version: Literal["inventory_advice.v1"] = Field(
        default="inventory_advice.v1", description="Canonical document name and version."
    )
    advice_id: AdviceId | None = Field(
        default=None, description="Sender's identifier of this advice (X12 BIA03, feed file name)."
    )
    as_of: Timestamp = Field(description="When the quantities were counted.")
    location_id: LocationReference | None = Field(
        default=None, description="Identifier of the warehouse or location the stock is at."
    )
    party: Party | None = Field(
        default=None, description="The warehouse or supplier reporting, when identified EDI-style."
    )
    items: list[InventoryItem] = Field(min_length=1, description="Stock per item.")
    test: bool = Field(
        default=False, description="True for a test advice (an X12 test interchange) that must not change stock."
    )
