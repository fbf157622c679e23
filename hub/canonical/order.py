"""The order document (``order.v1``): what a channel or trading partner asked us to fulfil."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
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
    Timestamp,
    UnitOfMeasure,
)
from .checks import duplicate_problem, raise_problems
from .invoice import PaymentTerms
from .lengths import ChannelName, HubId, LineId, ProductName, Reference, Sku
from .money import Amount, OptionalAmount, currency_problem
from .party import Address, Customer, Party


class OrderStatus(StrEnum):
    """Where the order is in the hub's lifecycle."""

    RECEIVED = "received"
    VALIDATED = "validated"
    ON_HOLD = "on_hold"
    ALLOCATED = "allocated"
    PARTIALLY_RELEASED = "partially_released"
    RELEASED = "released"
    PARTIALLY_SHIPPED = "partially_shipped"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class PaymentStatus(StrEnum):
    """The payment state as reported by the channel; "unknown" when the source does not say (EDI)."""

    PENDING = "pending"
    AUTHORIZED = "authorized"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"
    VOIDED = "voided"
    UNKNOWN = "unknown"


class OrderLine(CanonicalModel):
    """One product line of an order. Amounts are in the order currency."""

    line_id: LineId = Field(
        description="Identifier of the line, unique within the order and stable across updates; "
        "shipments, invoices, acknowledgments and refunds refer to lines by it.",
    )
    channel_line_id: Reference | None = Field(
        default=None, description="The line's identifier in the channel (Shopify line item id, X12 PO101)."
    )
    sku: Sku | None = Field(default=None, description="Stock keeping unit; absent for custom lines that have none.")
    name: ProductName = Field(description="Product name as shown to the buyer.")
    quantity: Quantity = Field(description="Units ordered, in `uom`.")
    uom: UnitOfMeasure = Field(default="EA", description="Unit of measure of `quantity` (X12 355 code).")
    unit_price: Amount = Field(description="Price of one unit before discounts and tax.")
    discount: OptionalAmount = Field(
        default=None,
        description="Total discount on this line as a positive amount (already deducted in `total`); "
        "absent when there is none.",
    )
    tax: OptionalAmount = Field(default=None, description="Total tax on this line; absent when none is known.")
    total: Amount = Field(description="Line amount after line discounts, before tax.")
    requires_shipping: bool = Field(
        default=True, description="False for lines nothing is shipped for: gift cards, services, downloads."
    )
    gift_card: bool = Field(default=False, description="True when the line sells a gift card.")
    identifiers: Identifiers = Field(default_factory=dict, description=IDENTIFIERS_HELP)
    requested_ship_date: date | None = Field(
        default=None, description="Calendar day this line should ship, when it differs from the order's."
    )
    attributes: dict[str, str] = Field(
        default_factory=dict, description="Free-form line properties from the channel (engraving text ...)."
    )


class ShippingLine(CanonicalModel):
    """A shipping charge the buyer chose or was charged. Amounts are in the order currency."""

    code: NonEmptyStr | None = Field(default=None, description="Machine code of the shipping rate.")
    title: NonEmptyStr = Field(description='Shipping option as shown to the buyer ("Standard").')
    carrier: NonEmptyStr | None = Field(default=None, description="Carrier name or SCAC when the channel names one.")
    price: Amount = Field(description="Shipping price before discounts and tax.")
    discount: OptionalAmount = Field(
        default=None, description="Discount on this shipping charge, as a positive amount."
    )
    tax: OptionalAmount = Field(default=None, description="Tax on this shipping charge.")


class ChargeKind(StrEnum):
    """What an allowance or charge is, which says where its amount is counted."""

    DISCOUNT = "discount"  # an allowance: lines[].discount and totals.discount
    SHIPPING = "shipping"  # freight and delivery: totals.shipping
    TAX = "tax"  # lines[].tax for a line's, and totals.tax
    FEE = "fee"  # any other charge (handling, surcharges, small-order fees): totals.fees


class OrderCharge(CanonicalModel):
    """An allowance or charge as the buyer stated it (an X12 SAC), for the whole order or for one line.
    Amounts are in the order currency."""

    kind: ChargeKind = Field(
        description="discount for an allowance; shipping, tax or fee for a charge: where its amount is counted."
    )
    code: NonEmptyStr | None = Field(
        default=None,
        description="The buyer's code for it (X12 SAC02: A260 advertising allowance, C310 discount, D240 freight, "
        "H090 special handling, H850 tax ...).",
    )
    description: NonEmptyStr | None = Field(default=None, description="The buyer's description of it (X12 SAC15).")
    line_id: LineId | None = Field(
        default=None, description="`line_id` of the line it applies to; absent when it applies to the whole order."
    )
    amount: Amount = Field(
        description="The amount as a positive number (an allowance lowers what is paid, a charge raises it); "
        "computed from `percent` or a rate per unit when the buyer stated only those."
    )
    percent: DecimalString | None = Field(
        default=None, description="The percentage stated for it (X12 SAC07), 2.5 for 2.5 %, when there was one."
    )
    in_totals: bool = Field(
        default=True,
        description="False when it is settled apart from this order (bill back, a check or a credit to the "
        "buyer's account, information only): it is listed here but counted in no line or total.",
    )

    @model_validator(mode="after")
    def _not_negative(self) -> Self:
        if self.amount.amount < 0:
            raise ValueError("amount must not be negative: `kind` says whether it lowers or raises the total")
        return self


class Totals(CanonicalModel):
    """Order totals as the channel computed them; carried, not recomputed, since channels round
    differently. With `taxes_included` false, total = subtotal + shipping + tax (+ fees when present);
    `discount` reports what was already deducted from subtotal and shipping. Order-level discounts are
    allocated to lines."""

    subtotal: Amount = Field(description="Sum of line totals (after line discounts, before tax and shipping).")
    discount: Amount = Field(
        description="All discounts on the order as a positive amount, already deducted from subtotal and shipping."
    )
    shipping: Amount = Field(description="Total shipping charged, after shipping discounts.")
    tax: Amount = Field(description="Total tax.")
    fees: OptionalAmount = Field(
        default=None,
        description="Charges other than shipping and tax (handling, surcharges, small-order fees), part of "
        "`total`; absent when the source states none.",
    )
    total: Amount = Field(description="Amount the buyer pays.")


class Order(CanonicalModel):
    """An order to fulfil, from a sales channel (web shop, marketplace) or a trading partner's
    purchase order (X12 850). Every amount in lines, shipping_lines and totals is in `currency`."""

    schema_version: Literal["order.v1"] = Field(default="order.v1", description="Canonical document name and version.")
    id: HubId | None = Field(
        default=None, description="The hub's identifier of the order; absent until the hub stores it."
    )
    channel: ChannelName = Field(description='Connector slug of the source ("shopify", "edi").')
    channel_order_id: Reference = Field(
        description="The order's identifier in the channel; with `channel` it identifies the order.",
    )
    number: Reference | None = Field(
        default=None, description='Human-facing order number as the buyer sees it ("#1001").'
    )
    po_number: Reference | None = Field(default=None, description="Buyer's purchase order number (X12 BEG03).")
    source_partner: NonEmptyStr | None = Field(
        default=None, description="Trading partner the order came from, for B2B and EDI orders."
    )
    status: OrderStatus = Field(default=OrderStatus.RECEIVED, description="Lifecycle status in the hub.")
    placed_at: Timestamp = Field(description="When the buyer placed the order.")
    updated_at: Timestamp | None = Field(default=None, description="When the channel last changed the order.")
    currency: CurrencyCode = Field(
        description="Shop (settlement) currency; every amount in lines, shipping_lines and totals uses it."
    )
    presentment_currency: CurrencyCode | None = Field(
        default=None,
        description="Currency the buyer saw at checkout, when the channel states one beside `currency`.",
    )
    customer: Customer | None = Field(default=None, description="The consumer who placed the order.")
    ship_to: Address | None = Field(default=None, description="Where to ship; absent for orders with nothing to ship.")
    bill_to: Address | None = Field(default=None, description="Billing address.")
    parties: list[Party] = Field(
        default_factory=list, description="B2B parties named by the order (X12 N1 loops): buyer, ship_to ..."
    )
    lines: list[OrderLine] = Field(min_length=1, description="Product lines; `line_id`s are unique.")
    shipping_lines: list[ShippingLine] = Field(default_factory=list, description="Shipping charges.")
    charges: list[OrderCharge] = Field(
        default_factory=list,
        description="Allowances and charges as the buyer stated them (X12 SAC), for the order or for a line. "
        "Their amounts are already in lines, totals and presentment totals (an order-level allowance is "
        "allocated to the lines' `discount`); this list says what they were, so they can be sent back as "
        "stated (on an acknowledgment or invoice) instead of being rebuilt from line discounts.",
    )
    totals: Totals = Field(description="Order totals in `currency`.")
    presentment_totals: Totals | None = Field(
        default=None, description="The same totals in `presentment_currency`, as the buyer saw them."
    )
    taxes_included: bool = Field(
        default=False,
        description="True when prices include tax (typical for EU storefronts): tax amounts are then "
        "contained in prices and totals rather than added to them.",
    )
    payment_status: PaymentStatus = Field(
        default=PaymentStatus.UNKNOWN, description="Payment state reported by the channel."
    )
    requested_ship_date: date | None = Field(default=None, description="Calendar day to ship on.")
    requested_delivery_date: date | None = Field(default=None, description="Calendar day the buyer wants delivery.")
    cancel_after: date | None = Field(
        default=None, description="Cancel the order if it has not shipped by the end of this day."
    )
    shipping_method: NonEmptyStr | None = Field(
        default=None, description='Requested service level or routing ("ground", "2day", carrier SCAC).'
    )
    payment_terms: PaymentTerms | None = Field(
        default=None,
        description="Payment terms the buyer set for invoices against this order (X12 ITD), counted from the "
        "invoice date.",
    )
    test: bool = Field(default=False, description="True for test orders that must not be fulfilled.")
    tags: list[str] = Field(default_factory=list, description="Channel tags.")
    notes: str | None = Field(default=None, description="Buyer's note on the order.")
    attributes: dict[str, str] = Field(
        default_factory=dict, description="Free-form order attributes from the channel (note attributes)."
    )

    @model_validator(mode="after")
    def _check_consistency(self) -> Self:
        presentment = None
        if self.presentment_totals is not None:
            if self.presentment_currency is None:
                presentment = "presentment_totals is set but presentment_currency is missing"
            else:
                presentment = currency_problem(
                    self, ("presentment_totals",), self.presentment_currency, "presentment currency"
                )
        raise_problems(
            currency_problem(self, ("lines", "shipping_lines", "charges", "totals"), self.currency, "order currency"),
            presentment,
            duplicate_problem([line.line_id for line in self.lines], "line_id", "order"),
            self._unknown_charge_lines(),
        )
        return self

    def _unknown_charge_lines(self) -> str | None:
        if not self.charges:
            return None  # most orders state no charge: the lines' ids are not gathered for nothing
        known = {line.line_id for line in self.lines}
        unknown = [
            f"charges[{i}]"
            for i, charge in enumerate(self.charges)
            if charge.line_id is not None and charge.line_id not in known
        ]
        if not unknown:
            return None
        return f"{', '.join(unknown)} name a line_id that no line of the order has"
