"""940 warehouse shipping order from a canonical ``Order``: the hub asking an EDI 3PL to ship an order.

Segments, and where each value comes from:

* ``W05`` ``N`` (original) with the depositor order number (``channel_order_id``, which the 3PL's 945 echoes in
  W0602 and the hub's 945 mapping reads back as channel_order_id) and the PO number when there is one.
* ``N1`` loops: ship-to (required: a warehouse cannot ship without it; the order's ship_to, named and identified
  by its ship_to party when there is one) with the recipient's phone and email in PER for the carrier, then
  every other party by role (ship-from ``SF`` for the warehouse when the order names one, bill-to ``BT`` ...).
  The 940 allows ten N1 loops.
* ``N9`` ``CO`` (customer order number) with ``number``, the order number on the packing slip, when it has one.
* ``G62`` dates (data element 432): 04 PO date (``placed_at``), 10 requested ship, 02 delivery requested,
  01 cancel after.
* ``NTE`` ``GEN`` with the buyer's note, in pieces of NTE02's 80 characters.
* ``W66`` when the carrier or service is known: ``PP`` (prepaid: the depositor pays the carrier), transport
  method ``ZZ`` (mutually defined, since the order names a carrier and service but no mode), the service as
  routing (W6605: ``shipping_method``, else the first shipping line's title) and the carrier's SCAC (W6610)
  when the first shipping line names one.
* ``LX`` loop per line that needs shipping (gift cards and services are not picked): ``W01`` with the quantity,
  the unit and up to three item pairs (our SKU as ``VN``, the depositor's item number; then identifiers),
  ``G69`` with the name (cut to G69's 45 characters), and ``N9`` ``LI`` with the line id, which the 945 echoes
  so shipped quantities find their line.
* ``W76`` with the total quantity.
"""

from __future__ import annotations

from hub.canonical import CanonicalModel, Order, OrderLine, PartyRole
from hub.edi.outbound.body import OutboundInvalid, Piece, SetBody, SetContext, SetWriter, day, ident, text
from hub.edi.outbound.items import item_pairs
from hub.edi.outbound.order_parts import add_order_parties, note_pieces, requested_carrier

OWN_QUALIFIER = "VN"
W01_PAIR_POSITIONS = (4, 6, 15)  # W0104/05, W0106/07, W0115/16


def label(order: Order) -> str:
    return f"940 for order {order.channel_order_id}"


def build(document: CanonicalModel, context: SetContext) -> SetBody:
    assert isinstance(document, Order)
    order = document
    body = SetBody(context, label(order))
    lines = [(index, line) for index, line in enumerate(order.lines) if line.requires_shipping]
    if not lines:
        raise OutboundInvalid(f"{body.label}: no line needs shipping (requires_shipping), so a 3PL has nothing to do")
    body.add("W05", "N", ident(order.channel_order_id, "channel_order_id"), ident(order.po_number, "po_number"))
    if order.ship_to is None:
        raise OutboundInvalid(f"{body.label}: ship_to is missing, and a warehouse cannot ship without it: set ship_to")
    add_order_parties(body, order, ((PartyRole.SHIP_TO, order.ship_to, "ship_to"),))
    if order.number is not None:
        body.add("N9", "CO", ident(order.number, "number"))
    for qualifier, value, field in (
        ("04", order.placed_at, "placed_at"),
        ("10", order.requested_ship_date, "requested_ship_date"),
        ("02", order.requested_delivery_date, "requested_delivery_date"),
        ("01", order.cancel_after, "cancel_after"),
    ):
        if value is not None:
            body.add("G62", qualifier, day(value, field))
    for piece in note_pieces(order.notes, context.max_length("NTE", 2)):
        body.add("NTE", "GEN", piece)
    _carrier(body, order)
    for number, (index, line) in enumerate(lines, 1):
        _line(body, number, line, f"lines[{index}]")
    body.add("W76", str(sum(line.quantity for _, line in lines)))
    return body


def _carrier(body: SetBody, order: Order) -> None:
    scac, service = requested_carrier(order, body.context.max_length("W66", 5))
    if service is not None or scac is not None:
        body.add("W66", "PP", "ZZ", None, None, service, None, None, None, None, scac)


def _line(body: SetBody, number: int, line: OrderLine, field: str) -> None:
    pairs = item_pairs(
        line.sku,
        line.identifiers,
        field,
        own=OWN_QUALIFIER,
        profile=body.context.profile,
        limit=len(W01_PAIR_POSITIONS),
    )
    if not pairs:
        raise OutboundInvalid(
            f"{body.label}: {field} has no sku and no identifier X12 can carry, so the warehouse cannot tell which"
            " item to pick: give the line a sku"
        )
    elements: list[Piece] = [str(line.quantity), ident(line.uom, f"{field}.uom")]
    for position, (qualifier, value) in zip(W01_PAIR_POSITIONS, pairs, strict=False):
        elements += [None] * (position - 1 - len(elements))
        elements += [qualifier, value]
    body.add("LX", str(number))
    body.add("W01", *elements)
    body.add("G69", text(line.name, f"{field}.name", limit=body.context.max_length("G69", 1)))
    body.add("N9", "LI", ident(line.line_id, f"{field}.line_id"))


def reference(document: CanonicalModel) -> str | None:
    assert isinstance(document, Order)
    return document.channel_order_id


WRITER = SetWriter("940", Order, build, reference, "channel_order_id")
