"""The shipment document (``shipment.v1``): goods that left a warehouse, as a 3PL ship confirmation
or an X12 856 advance ship notice reports them."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal, Self

from pydantic import Field, model_validator

from .base import (
    IDENTIFIERS_HELP,
    CanonicalModel,
    DecimalString,
    Identifiers,
    NonEmptyStr,
    Quantity,
    Scac,
    Sscc,
    Timestamp,
    UnitOfMeasure,
)
from .checks import raise_problems, require_one_of, require_reference
from .lengths import CarrierText, HubId, LineId, RecordId, Reference, Sku
from .party import Address


class ShipmentStatus(StrEnum):
    """Where the shipment is on its way to the recipient."""

    PENDING = "pending"
    SHIPPED = "shipped"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    EXCEPTION = "exception"
    CANCELLED = "cancelled"


class WeightUnit(StrEnum):
    """Unit of a weight."""

    LB = "lb"
    OZ = "oz"
    KG = "kg"
    G = "g"


class Weight(CanonicalModel):
    """A weight: exact decimal value (a string in JSON, like money amounts) and its unit."""

    value: DecimalString = Field(description='Weight as a non-negative decimal string ("12.5").')
    unit: WeightUnit = Field(description="Unit of `value`.")

    @model_validator(mode="after")
    def _not_negative(self) -> Self:
        if self.value < 0:
            raise ValueError("weight cannot be negative")
        return self


class Carrier(CanonicalModel):
    """The carrier moving the shipment and the service level used."""

    scac: Scac | None = Field(default=None, description='Standard Carrier Alpha Code, 2 to 4 letters ("UPSN", "FDEG").')
    name: CarrierText | None = Field(default=None, description='Carrier name ("UPS").')
    service: CarrierText | None = Field(default=None, description='Service level ("Ground", "2nd Day").')


class ShipmentItem(CanonicalModel):
    """Units of one order line in a shipment or package; at least one of line_id, sku, identifiers."""

    line_id: LineId | None = Field(default=None, description="`line_id` of the order line shipped.")
    sku: Sku | None = Field(default=None, description="SKU shipped.")
    quantity: Quantity = Field(description="Units shipped, in `uom`.")
    uom: UnitOfMeasure = Field(default="EA", description="Unit of measure of `quantity`.")
    identifiers: Identifiers = Field(default_factory=dict, description=IDENTIFIERS_HELP)

    @model_validator(mode="after")
    def _needs_reference(self) -> Self:
        require_reference(self.line_id, self.sku, self.identifiers)
        return self


class PackageKind(StrEnum):
    """What a package is, when the source says."""

    PALLET = "pallet"  # a handling unit that holds other packages (X12 856 tare level T)
    CARTON = "carton"  # a box, bag or other pack (X12 856 pack level P)


class Package(CanonicalModel):
    """One carton or pallet in a shipment. A pallet and the cartons loaded on it are each a package of the
    shipment's flat `packages` list; each carton names its pallet in `parent_package_id`."""

    package_id: NonEmptyStr | None = Field(default=None, description="Shipper's identifier of the package.")
    kind: PackageKind | None = Field(
        default=None, description="pallet or carton, when the source says; absent when it does not."
    )
    parent_package_id: NonEmptyStr | None = Field(
        default=None,
        description="`package_id` of the package (a pallet) this one is loaded on; absent for a package "
        "that is on no other.",
    )
    sscc: Sscc | None = Field(
        default=None, description="GS1 Serial Shipping Container Code, 18 digits (the label's AI 00 value)."
    )
    tracking_number: NonEmptyStr | None = Field(default=None, description="Carrier tracking number.")
    weight: Weight | None = Field(default=None, description="Gross weight of the package.")
    items: list[ShipmentItem] = Field(
        default_factory=list,
        description="Contents of the package itself; a pallet's cartons list their own items.",
    )


class Shipment(CanonicalModel):
    """A shipment of goods for an order. Contents are listed per package, or in `items` when the
    source reports no packages. A ship notice covering several orders gives one shipment document per
    order, each with the same `shipment_number` and that order's packages and items."""

    schema_version: Literal["shipment.v1"] = Field(
        default="shipment.v1", description="Canonical document name and version."
    )
    id: RecordId | None = Field(default=None, description="The hub's identifier of the shipment.")
    order_id: HubId | None = Field(default=None, description="The hub's identifier of the order.")
    channel_order_id: Reference | None = Field(default=None, description="The order's identifier in its sales channel.")
    po_number: Reference | None = Field(default=None, description="Buyer's purchase order number.")
    shipment_number: NonEmptyStr | None = Field(
        default=None, description="Shipper's identifier of the shipment (3PL shipment id, X12 BSN02)."
    )
    status: ShipmentStatus = Field(default=ShipmentStatus.SHIPPED, description="Shipment status.")
    shipped_at: Timestamp | None = Field(default=None, description="When the goods left.")
    expected_delivery_at: Timestamp | None = Field(default=None, description="Estimated delivery time.")
    carrier: Carrier | None = Field(default=None, description="Carrier and service used.")
    tracking_numbers: list[NonEmptyStr] = Field(
        default_factory=list,
        description="Shipment-level tracking numbers; per-package numbers are on each package.",
    )
    bill_of_lading: NonEmptyStr | None = Field(default=None, description="Bill of lading number (freight).")
    pro_number: NonEmptyStr | None = Field(default=None, description="Carrier PRO number (LTL freight).")
    ship_from: Address | None = Field(default=None, description="Where the goods shipped from.")
    ship_to: Address | None = Field(default=None, description="Where the goods are going.")
    weight: Weight | None = Field(
        default=None,
        description="Gross weight of the whole shipment as the shipper declares it; when the shipment carries "
        "several orders, each order's document repeats the whole shipment's weight.",
    )
    package_count: Quantity | None = Field(
        default=None,
        description="Number of handling units (cartons, pallets) the shipper declares for the whole shipment "
        "(X12 TD102), repeated like `weight` for each order it carries.",
    )
    packages: list[Package] = Field(default_factory=list, description="Packages in the shipment.")
    items: list[ShipmentItem] = Field(
        default_factory=list, description="Contents, for shipments reported without packages."
    )
    test: bool = Field(
        default=False, description="True for a test shipment (an X12 test interchange) that must not be acted on."
    )

    @model_validator(mode="after")
    def _needs_order_reference(self) -> Self:
        references = ("order_id", "channel_order_id", "po_number")
        require_one_of(self, references, "to match the shipment to an order")
        raise_problems(parent_problem(self.packages))
        return self


def parent_problem(packages: list[Package]) -> str | None:
    """A sentence naming the packages whose `parent_package_id` names no other package of the shipment, names
    more than one, or loops back to the package itself; None when every parent is found."""
    by_id: dict[str, list[int]] = {}
    for index, package in enumerate(packages):
        if package.package_id is not None:
            by_id.setdefault(package.package_id, []).append(index)
    wrong = []
    for index, package in enumerate(packages):
        parent, seen = package.parent_package_id, {index}
        while parent is not None:
            found = by_id.get(parent, [])
            if len(found) != 1 or found[0] in seen:
                wrong.append(f"packages[{index}] ({parent!r})")
                break
            seen.add(found[0])
            parent = packages[found[0]].parent_package_id
    if not wrong:
        return None
    return "parent_package_id must name exactly one other package of the shipment, without loops: " + ", ".join(wrong)
