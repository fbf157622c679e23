"""856 ship notice from a canonical ``Shipment``: shipment -> order -> tare -> pack -> item, as the HL hierarchy.

Segments, and where each value comes from:

* ``BSN`` ``00`` (original; ``01`` for a cancelled shipment) with the shipment number (``shipment_number``,
  required), the UTC date and time of ``shipped_at`` (the time of this notice when the shipment has none), and
  the hierarchy: ``0001`` (shipment, order, pack, item) with packages, ``0004`` (shipment, order, item) without.
* ``HL`` S, the shipment: ``TD1`` with the number of handling units (``package_count``, else the packages on no
  other package; ``PLT94`` pallets when there are pallets, else ``CTN25`` cartons) and the declared gross
  ``weight``; ``TD5`` with the carrier (``B`` origin carrier, SCAC in TD503 with TD502 ``2``, the name as routing
  in TD505, the service as its code in TD512 by the inbound mapping's service_levels table); ``REF`` ``BM`` bill
  of lading, ``PK`` PRO number and ``CN`` per tracking number; ``DTM`` 011 shipped (date and time) and 017
  estimated delivery; ``N1`` ship-from ``SF`` and ship-to ``ST`` with their addresses.
* ``HL`` O, the order: ``PRF`` with the PO number (``po_number``, required: PRF01 is mandatory).
* ``HL`` T per pallet and ``HL`` P per carton (a package whose kind is not given is a carton), each under the
  package it is loaded on (``parent_package_id``) or under the order: ``TD1`` with its weight; ``MAN`` ``GM``
  with its SSCC (the package id when that is the SSCC, 18 digits or 20 with the GS1 application identifier 00,
  else the SSCC with the identifier), ``MAN`` ``SC`` (shipper-assigned case number) with a package id that is
  not its SSCC, ``MAN`` ``CP`` with its tracking number. Levels are written depth first, so a pallet is followed
  by its items and cartons.
* ``HL`` I per item, under its package, or under the order for the shipment's own ``items``: ``LIN`` with the
  line id and the item pairs (our SKU as ``VN``), ``SN1`` with the quantity shipped and its unit.
* ``CTT`` with the number of HL segments.

What the inbound 856 mapping reads differently: it does not read the status, DTM 017 or a package id written
as MAN SC (it names a pallet without MAN GM "HL-<HL01>" for its cartons); a package without a kind comes back
as a carton, and packages come back in the order of the hierarchy.
"""

from __future__ import annotations

from hub.canonical import CanonicalModel, Package, Shipment, ShipmentItem, ShipmentStatus, Weight, WeightUnit
from hub.canonical.shipment import PackageKind
from hub.edi.outbound.body import (
    OutboundInvalid,
    Piece,
    SetBody,
    SetContext,
    SetWriter,
    Src,
    clock,
    day,
    decimal,
    ident,
    required,
    text,
)
from hub.edi.outbound.codes import service_level
from hub.edi.outbound.items import flatten, item_pairs
from hub.edi.outbound.parties import add_party

WEIGHT_UNITS = {WeightUnit.LB: "LB", WeightUnit.KG: "KG", WeightUnit.OZ: "OZ", WeightUnit.G: "GR"}
OWN_QUALIFIER = "VN"
LIN_PAIRS = 15
SSCC_PREFIX = "00"  # GS1 application identifier of an SSCC
PALLETS, CARTONS = "PLT94", "CTN25"  # TD101 packaging codes: pallet, corrugated carton
MAPPING = "x12/856"  # the inbound mapping whose service_levels table TD512 is written by


def label(shipment: Shipment) -> str:
    return f"856 for shipment {shipment.shipment_number}"


class _Hierarchy:
    """Hands out HL01 numbers and writes the HL segments."""

    def __init__(self, body: SetBody) -> None:
        self.body = body
        self.count = 0

    def level(self, code: str, parent: int | None, has_children: bool) -> int:
        self.count += 1
        self.body.add("HL", str(self.count), str(parent) if parent else None, code, "1" if has_children else "0")
        return self.count


def build(document: CanonicalModel, context: SetContext) -> SetBody:
    assert isinstance(document, Shipment)
    shipment = document
    body = SetBody(context, label(shipment))
    required(body.label, shipment.shipment_number, "shipment_number", "an 856 carries it in BSN02")
    required(body.label, shipment.po_number, "po_number", "the order level of an 856 names it in PRF01")
    purpose = "01" if shipment.status is ShipmentStatus.CANCELLED else "00"
    structure = "0001" if shipment.packages else "0004"
    if shipment.shipped_at is not None:
        shipped = (day(shipment.shipped_at, "shipped_at"), clock(shipment.shipped_at, "shipped_at"))
    else:
        # BSN03/BSN04 are mandatory: without a shipping time they hold the time of the notice.
        shipped = (day(context.now, "the time of this notice"), clock(context.now, "the time of this notice"))
    body.add("BSN", purpose, ident(shipment.shipment_number, "shipment_number"), *shipped, structure)
    levels = _Hierarchy(body)
    top = levels.level("S", None, True)
    _shipment_level(body, shipment)
    order = levels.level("O", top, bool(shipment.packages or shipment.items))
    body.add("PRF", ident(shipment.po_number, "po_number"))
    _packages(body, levels, shipment.packages, order)
    for number, item in enumerate(shipment.items):
        levels.level("I", order, False)
        _item_level(body, item, f"items[{number}]")
    body.add("CTT", str(levels.count))
    return body


def _shipment_level(body: SetBody, shipment: Shipment) -> None:
    roots = [p for p in shipment.packages if p.parent_package_id is None]
    count = shipment.package_count if shipment.package_count is not None else (len(roots) or None)
    if count is not None or shipment.weight is not None:
        pallets = any(p.kind is PackageKind.PALLET for p in roots)
        packaging = (PALLETS if pallets else CARTONS) if count is not None else None
        source = "package_count" if shipment.package_count is not None else "packages"
        counted = decimal(count, source) if count is not None else None
        body.add("TD1", packaging, counted, None, None, None, *_weight(shipment.weight, "weight"))
    carrier = shipment.carrier
    if carrier is not None and (carrier.scac or carrier.name or carrier.service):
        name = text(carrier.name, "carrier.name", limit=body.context.max_length("TD5", 5))
        scac = ident(carrier.scac, "carrier.scac")
        level = service_level(carrier.service, "carrier.service", MAPPING)
        body.add("TD5", "B", "2" if scac else None, scac, None, name, *[None] * 6, level)
    if shipment.bill_of_lading is not None:
        body.add("REF", "BM", ident(shipment.bill_of_lading, "bill_of_lading"))
    if shipment.pro_number is not None:
        body.add("REF", "PK", ident(shipment.pro_number, "pro_number"))
    for index, tracking in enumerate(shipment.tracking_numbers):
        body.add("REF", "CN", ident(tracking, f"tracking_numbers[{index}]"))
    if shipment.shipped_at is not None:
        body.add("DTM", "011", day(shipment.shipped_at, "shipped_at"), clock(shipment.shipped_at, "shipped_at"))
    if shipment.expected_delivery_at is not None:
        expected = shipment.expected_delivery_at
        body.add("DTM", "017", day(expected, "expected_delivery_at"), clock(expected, "expected_delivery_at"))
    for code, address, field in (("SF", shipment.ship_from, "ship_from"), ("ST", shipment.ship_to, "ship_to")):
        if address is not None:
            add_party(body, None, "", code=code, address=address, address_field=field)


def _weight(weight: Weight | None, field: str) -> list[Piece]:
    """TD106-TD108: gross weight qualifier, weight and its unit."""
    if weight is None:
        return []
    return ["G", decimal(weight.value, f"{field}.value"), WEIGHT_UNITS[weight.unit]]


def _packages(body: SetBody, levels: _Hierarchy, packages: list[Package], order: int) -> None:
    """Every package at its level (T pallet, P carton) under its parent package or the order, depth first."""
    loaded: dict[str | None, list[int]] = {}
    for index, package in enumerate(packages):
        loaded.setdefault(package.parent_package_id, []).append(index)

    def place(parent_id: str | None, parent_level: int) -> None:
        for index in loaded.get(parent_id, []):
            package, field = packages[index], f"packages[{index}]"
            holds = package.package_id is not None and package.package_id in loaded
            code = "T" if package.kind is PackageKind.PALLET else "P"
            level = levels.level(code, parent_level, bool(package.items) or holds)
            _pack_level(body, package, field)
            for number, item in enumerate(package.items):
                levels.level("I", level, False)
                _item_level(body, item, f"{field}.items[{number}]")
            if holds:
                place(package.package_id, level)

    place(None, order)


def _pack_level(body: SetBody, package: Package, field: str) -> None:
    if package.weight is not None:
        packaging = PALLETS if package.kind is PackageKind.PALLET else CARTONS
        body.add("TD1", packaging, "1", None, None, None, *_weight(package.weight, f"{field}.weight"))
    sscc = package.sscc
    package_id = package.package_id
    if sscc is not None:
        if package_id in (sscc, f"{SSCC_PREFIX}{sscc}"):
            body.add("MAN", "GM", ident(package_id, f"{field}.package_id"))
        else:
            body.add("MAN", "GM", Src(f"{SSCC_PREFIX}{sscc}", f"{field}.sscc"))
    if package_id is not None and package_id not in (sscc, f"{SSCC_PREFIX}{sscc}"):
        body.add("MAN", "SC", ident(package_id, f"{field}.package_id"))
    if package.tracking_number is not None:
        body.add("MAN", "CP", ident(package.tracking_number, f"{field}.tracking_number"))


def _item_level(body: SetBody, item: ShipmentItem, field: str) -> None:
    pairs = item_pairs(
        item.sku, item.identifiers, field, own=OWN_QUALIFIER, profile=body.context.profile, limit=LIN_PAIRS
    )
    if not pairs:
        raise OutboundInvalid(
            f"{body.label}: {field} has no sku and no identifier X12 can carry, and LIN02/LIN03 need one: give the"
            " item a sku"
        )
    body.add("LIN", ident(item.line_id, f"{field}.line_id"), *flatten(pairs))
    body.add("SN1", None, str(item.quantity), ident(item.uom, f"{field}.uom"))


def reference(document: CanonicalModel) -> str | None:
    assert isinstance(document, Shipment)
    return document.shipment_number


WRITER = SetWriter("856", Shipment, build, reference, "shipment_number")
