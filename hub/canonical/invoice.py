"""The invoice document (``invoice.v1``): what a supplier bills for, as an X12 810 carries it."""

from __future__ import annotations

from datetime import date
from typing import Literal, Self

from pydantic import Field, model_validator

from .base import (
    IDENTIFIERS_HELP,
    CanonicalModel,
    CurrencyCode,
    DecimalString,
    Identifiers,
    NonEmptyStr,
    Quantity,
    UnitOfMeasure,
)
from .checks import raise_problems
from .lengths import HubId, LineId, Reference, Sku
from .money import Money, currency_problem
from .party import Party, PartyRole


class PaymentTerms(CanonicalModel):
    """Payment terms, e.g. 2% 10 net 30: `discount_percent` 2, `discount_days` 10, `net_days` 30."""

    net_days: Quantity | None = Field(default=None, description="Days after the invoice date payment is due.")
    discount_percent: DecimalString | None = Field(
        default=None, description="Early payment discount in percent, 0 to 100, as a decimal string."
    )
    discount_days: Quantity | None = Field(
        default=None, description="Days after the invoice date the early payment discount applies."
    )

    @model_validator(mode="after")
    def _discount_complete(self) -> Self:
        if (self.discount_percent is None) != (self.discount_days is None):
            raise ValueError("discount_percent and discount_days go together: give both or neither")
        if self.discount_percent is not None and not 0 <= self.discount_percent <= 100:
            raise ValueError("discount_percent must be between 0 and 100")
        return self


class InvoiceLine(CanonicalModel):
    """One billed line. Amounts are in the invoice currency."""

    line_id: LineId | None = Field(default=None, description="`line_id` of the order line billed.")
    sku: Sku | None = Field(default=None, description="SKU billed.")
    description: NonEmptyStr | None = Field(default=None, description="Line description.")
    quantity: Quantity = Field(description="Units billed, in `uom`.")
    uom: UnitOfMeasure = Field(default="EA", description="Unit of measure of `quantity`.")
    unit_price: Money = Field(description="Price of one unit.")
    total: Money = Field(description="Line amount.")
    identifiers: Identifiers = Field(default_factory=dict, description=IDENTIFIERS_HELP)


class Invoice(CanonicalModel):
    """An invoice for goods supplied against a purchase order. Every amount is in `currency`."""

    schema_version: Literal["invoice.v1"] = Field(
        default="invoice.v1", description="Canonical document name and version."
    )
    id: NonEmptyStr | None = Field(default=None, description="The hub's identifier of the invoice.")
    invoice_number: NonEmptyStr = Field(description="Supplier's invoice number (X12 BIG02).")
    invoice_date: date = Field(description="Calendar day of the invoice.")
    due_date: date | None = Field(default=None, description="Calendar day payment is due, if stated.")
    po_number: Reference | None = Field(default=None, description="Purchase order number billed.")
    order_id: HubId | None = Field(default=None, description="The hub's identifier of the order.")
    currency: CurrencyCode = Field(description="Currency of every amount on the invoice.")
    lines: list[InvoiceLine] = Field(min_length=1, description="Billed lines.")
    subtotal: Money | None = Field(default=None, description="Sum of line totals.")
    shipping: Money | None = Field(default=None, description="Shipping and handling charged.")
    tax: Money | None = Field(default=None, description="Total tax.")
    discount: Money | None = Field(default=None, description="Total discount or allowance, as a positive amount.")
    total: Money = Field(description="Amount due (X12 TDS01).")
    terms: PaymentTerms | None = Field(default=None, description="Payment terms.")
    remit_to: Party | None = Field(default=None, description="Where to send payment; its role is remit_to.")
    parties: list[Party] = Field(default_factory=list, description="Other parties named on the invoice.")
    test: bool = Field(
        default=False, description="True for a test invoice (an X12 test interchange) that must not be paid."
    )

    @model_validator(mode="after")
    def _check_consistency(self) -> Self:
        amounts = ("lines", "subtotal", "shipping", "tax", "discount", "total")
        role = None
        if self.remit_to is not None and self.remit_to.role is not PartyRole.REMIT_TO:
            role = f"remit_to must have role remit_to, not {self.remit_to.role.value}"
        raise_problems(currency_problem(self, amounts, self.currency, "invoice currency"), role)
        return self
