"""Item identification on outbound lines: our SKU, the line's identifiers and the partner's own item number, as
X12 qualifier/id pairs (PO106/07 ..., IT106/07 ..., LIN02/03 ..., W0104/05 ...).

Qualifiers (data element 235):

* **Our SKU** goes under the qualifier of the role we play in the document. Where we are the seller (855, 856,
  810, 846) our item number is the vendor's: ``VN``. In a purchase order we are the buyer, and the supplier's
  number is the vendor's, so our SKU goes as ``SK`` (stock keeping unit), the qualifier retailers use for their
  own SKU. To a 3PL (940) we are the depositor whose items the warehouse keeps: ``VN``, as 3PL guides ask.
* **Identifiers** map by name: upc ``UP``, gtin ``UK``, ean ``EN``, vendor_part ``VN``, buyer_part ``BP``,
  buyer_item ``IN``, sku ``SK``, manufacturer_part ``MG``, isbn ``IB`` and the other names the inbound mappings
  give (``hub.mapping.functions.x12.ID_QUALIFIERS``, each under its first qualifier), and a name the inbound
  mappings kept as ``x12_<qualifier>`` under that qualifier: the inverse of what they read. Names X12 has no
  qualifier for (asin ...) are not sent.
* **The partner's number**: every entry of the profile's item cross-reference whose ``sku`` is our SKU is sent
  under its own qualifier (a supplier's VN, a retailer's BP or IN).

Each qualifier is sent once; the first to claim it wins, in the order above. Our SKU is left out when the
identifiers already carry it where the inbound mappings look for a SKU (vendor_part, else sku), so a document
read back names the same SKU without a second, redundant pair. A segment holds a fixed number of pairs (PO1 and
IT1 ten, LIN fifteen, W01 three); pairs beyond that are left out, in the order above.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Protocol

from hub.canonical import Money
from hub.edi.outbound.body import Piece, SetBody, Src, decimal, ident
from hub.edi.partners import PartnerProfile
from hub.mapping.functions.x12 import ID_QUALIFIERS, OTHER_PREFIX

BASELINE_PAIRS = 10  # PO106/07 to PO124/25, IT106/07 to IT124/25
QUALIFIERS: dict[str, str] = {
    "upc": "UP",
    "gtin": "UK",
    "ean": "EN",
    "vendor_part": "VN",
    "buyer_part": "BP",
    "buyer_item": "IN",
    "sku": "SK",
    "manufacturer_part": "MG",
    "isbn": "IB",
}
for _qualifier, _name in ID_QUALIFIERS.items():
    QUALIFIERS.setdefault(_name, _qualifier)
_KEPT_AS_SENT = re.compile(re.escape(OTHER_PREFIX) + r"([a-z0-9]{2,3})")  # x12_zz; not x12_zz_2, a second ZZ


def qualifier_for(name: str) -> str | None:
    """The X12 qualifier (235) of an identifier name, None for a name X12 has no qualifier for."""
    qualifier = QUALIFIERS.get(name)
    if qualifier is None and (kept := _KEPT_AS_SENT.fullmatch(name)) is not None:
        qualifier = kept.group(1).upper()
    return qualifier


def reader_sku(identifiers: Mapping[str, str]) -> str | None:
    """The SKU the inbound mappings take from these identifiers: the VN id, else the SK id."""
    return identifiers.get("vendor_part") or identifiers.get("sku")


def item_pairs(
    sku: str | None,
    identifiers: Mapping[str, str],
    field: str,
    *,
    own: str,
    profile: PartnerProfile,
    limit: int,
) -> list[tuple[str, Src]]:
    """(qualifier, id) pairs for one line; ``field`` is the line's canonical path ("lines[0]")."""
    pairs: list[tuple[str, Src]] = []
    used: set[str] = set()

    def claim(qualifier: str, value: str, source: str) -> None:
        if qualifier not in used:
            used.add(qualifier)
            pairs.append((qualifier, Src(value, source)))

    if sku is not None and reader_sku(identifiers) != sku:
        claim(own, sku, f"{field}.sku")
    for name, value in identifiers.items():
        qualifier = qualifier_for(name)
        if qualifier is not None:
            claim(qualifier, value, f"{field}.identifiers.{name}")
    if sku is not None:
        for xref in profile.items:
            if xref.sku == sku:
                claim(xref.qualifier, xref.partner_item, f"partner profile items ({xref.qualifier} for {sku})")
    return pairs[:limit]


def flatten(pairs: list[tuple[str, Src]]) -> list[Piece]:
    """The pairs as consecutive elements: qualifier, id, qualifier, id ..."""
    out: list[Piece] = []
    for qualifier, value in pairs:
        out += [qualifier, value]
    return out


class BaselineLine(Protocol):
    """What a PO1 or IT1 is written from: an order, invoice or acknowledgment line."""

    @property
    def line_id(self) -> str | None: ...
    @property
    def sku(self) -> str | None: ...
    @property
    def identifiers(self) -> dict[str, str]: ...
    @property
    def quantity(self) -> int: ...
    @property
    def uom(self) -> str: ...
    @property
    def unit_price(self) -> Money | None: ...


def add_baseline(
    body: SetBody, segment_id: str, line: BaselineLine, field: str, *, own: str, quantity: int | None = None
) -> None:
    """A PO1 or IT1 (their first elements agree): line id, quantity (the line's unless given), unit, unit price,
    the basis of the price left empty, then up to ten item pairs with our SKU as ``own``."""
    pairs = item_pairs(line.sku, line.identifiers, field, own=own, profile=body.context.profile, limit=BASELINE_PAIRS)
    body.add(
        segment_id,
        ident(line.line_id, f"{field}.line_id"),
        str(line.quantity if quantity is None else quantity),
        ident(line.uom, f"{field}.uom"),
        decimal(line.unit_price.amount, f"{field}.unit_price") if line.unit_price is not None else None,
        None,
        *flatten(pairs),
    )
