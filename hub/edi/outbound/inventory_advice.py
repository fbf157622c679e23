"""846 inventory inquiry/advice from a canonical ``InventoryAdvice``: our stock, reported to a trading partner.

Segments, and where each value comes from:

* ``BIA`` ``00`` (original), ``MB`` (manufacturer or distributor inventory report), the advice id (``advice_id``,
  required: BIA03 is mandatory), and the UTC date and time of ``as_of``.
* ``N1`` for the reporting party: a ship_from party as ``WH`` (warehouse), a supplier as ``SU``, other roles by
  their entity code. Its id is the party's, or ``location_id`` with qualifier ``ZZ`` when the party has none. A
  ``location_id`` without a party, or different from the party's id, gets an ``N1`` ``WH`` of its own.
* ``LIN`` loop per item: LIN01 its position, the item pairs (our SKU as ``VN``); ``DTM`` 018 (available) with
  ``available_date``; ``QTY`` ``33`` (available) and ``63`` (on order) with the unit.
* ``CTT`` with the number of items.

What the inbound 846 mapping reads differently: it takes the party from the first WH, SF or SU loop, so a
location written beside a party of another role comes back as the party; a location without a party comes back
as a ship_from party with that id.
"""

from __future__ import annotations

from hub.canonical import CanonicalModel, InventoryAdvice, InventoryItem, PartyRole
from hub.edi.outbound.body import SetBody, SetContext, SetWriter, clock, day, ident
from hub.edi.outbound.items import flatten, item_pairs
from hub.edi.outbound.parties import add_party

OWN_QUALIFIER = "VN"
LIN_PAIRS = 15
WAREHOUSE = "WH"


def label(advice: InventoryAdvice) -> str:
    return f"846 for advice {advice.advice_id}"


def build(document: CanonicalModel, context: SetContext) -> SetBody:
    assert isinstance(document, InventoryAdvice)
    advice = document
    body = SetBody(context, label(advice))
    body.add(
        "BIA",
        "00",
        "MB",
        ident(advice.advice_id, "advice_id"),
        day(advice.as_of, "as_of"),
        clock(advice.as_of, "as_of"),
    )
    _location(body, advice)
    for index, item in enumerate(advice.items):
        _item(body, index, item)
    body.add("CTT", str(len(advice.items)))
    return body


def _location(body: SetBody, advice: InventoryAdvice) -> None:
    party, location = advice.party, ident(advice.location_id, "location_id")
    if party is not None:
        code = WAREHOUSE if party.role is PartyRole.SHIP_FROM else None
        add_party(body, party, "party", code=code, fallback_id=location)
        if location is None or party.id is None or party.id == location.value:
            return
    if location is not None:
        add_party(body, None, "", code=WAREHOUSE, fallback_id=location)


def _item(body: SetBody, index: int, item: InventoryItem) -> None:
    field = f"items[{index}]"
    pairs = item_pairs(
        item.sku, item.identifiers, field, own=OWN_QUALIFIER, profile=body.context.profile, limit=LIN_PAIRS
    )
    body.add("LIN", str(index + 1), *flatten(pairs))
    if item.available_date is not None:
        body.add("DTM", "018", day(item.available_date, f"{field}.available_date"))
    uom = ident(item.uom, f"{field}.uom")
    body.add("QTY", "33", str(item.quantity_available), (uom,))
    if item.quantity_on_order is not None:
        body.add("QTY", "63", str(item.quantity_on_order), (uom,))


def reference(document: CanonicalModel) -> str | None:
    assert isinstance(document, InventoryAdvice)
    return document.advice_id


WRITER = SetWriter("846", InventoryAdvice, build, reference, "advice_id")
