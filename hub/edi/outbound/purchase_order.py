"""850 purchase order from a canonical ``Order``: the hub ordering from a drop-ship supplier.

Segments, and where each value comes from:

* ``BEG`` purpose (``attributes.purpose``, by the inbound mapping's purpose table, ``00`` original by default),
  PO type (``attributes.po_type``, ``DS`` drop ship by default), the PO number (``po_number``, required),
  release number (``attributes.release_number``) and the PO date (the UTC day of ``placed_at``).
* ``CUR`` ``BY`` with the currency when it is not USD (readers assume USD without one).
* ``REF`` ``CO`` (customer order number): the order number the buyer knows (``number``, else
  ``channel_order_id``) when it differs from the PO number, for the packing slip.
* ``PER`` ``IC`` with the customer's name, phone and email, when the order has a customer.
* ``SAC`` per order-level charge (``charges`` without a line id) and ``ITD`` with ``payment_terms``, as
  ``hub.edi.outbound.charges`` writes them.
* ``DTM`` 010 requested ship, 002 requested delivery, 001 cancel after, 037 ship not before and 038 ship no later
  (from ``attributes.ship_not_before`` / ``ship_no_later``, ISO dates, as the inbound mapping keeps them).
* ``TD5`` when the carrier or service is known: the SCAC (``attributes.carrier_scac``, else the first shipping
  line's carrier when it looks like one) in TD503 with TD502 ``2``, the service (``shipping_method``, else the
  shipping line's title) as routing (TD505), and ``attributes.service_level`` as its code (TD512, by the inbound
  mapping's service_levels table).
* ``N9``/``MSG`` with the buyer's note (``notes``), in pieces of MSG01's length.
* ``N1`` loops: ship-to (the end customer: the order's ship_to, named and identified by its ship_to party when
  there is one), bill-to likewise, then every other party by role (buying party ``BY`` ...).
* ``PO1`` per line: line id, quantity, unit, unit price and the item pairs (``hub.edi.outbound.items``: our SKU as
  ``SK``, the supplier's own number from the profile's cross-reference, the line's identifiers); ``PID`` F with
  the name (cut to PID05's 80 characters); ``SAC`` per charge naming the line; ``DTM`` 010 with the line's own
  requested ship date.
* ``CTT`` with the number of lines and the sum of quantities; ``AMT`` ``TT`` with the order total in 5010 (the
  partner profile has no setting to ask for it in 4010).

What the inbound 850 mapping reads differently: it does not read REF, PER, N2, the N9 note or line DTMs; it
computes line discounts and totals and the order totals from quantities, prices and the SAC charges (an order
that carries discounts without stating them in ``charges`` comes back without them), keeps AMT as the attribute
stated_total, and takes the channel, the source partner and the test flag from the envelope.
"""

from __future__ import annotations

from datetime import date

from hub.canonical import CanonicalModel, Order, OrderLine, PartyRole
from hub.edi.outbound.body import (
    OutboundInvalid,
    SetBody,
    SetContext,
    SetWriter,
    day,
    decimal,
    ident,
    required,
    text,
)
from hub.edi.outbound.charges import add_order_charge, add_terms
from hub.edi.outbound.codes import reverse_table, service_level
from hub.edi.outbound.items import add_baseline
from hub.edi.outbound.order_parts import add_order_parties, note_pieces, requested_carrier
from hub.edi.outbound.parties import add_contact

MAPPING = "x12/850"  # the inbound mapping whose tables the codes come from
DEFAULT_PO_TYPE = "DS"  # drop ship: the supplier ships to the end customer
OWN_QUALIFIER = "SK"
DATE_ATTRIBUTES = (("ship_not_before", "037"), ("ship_no_later", "038"))


def label(order: Order) -> str:
    return f"850 for PO {order.po_number}" if order.po_number else f"850 for order {order.channel_order_id}"


def build(document: CanonicalModel, context: SetContext) -> SetBody:
    assert isinstance(document, Order)
    order = document
    body = SetBody(context, label(order))
    required(body.label, order.po_number, "po_number", "an 850 carries the PO number in BEG03")
    _heading(body, order)
    add_order_parties(
        body, order, ((PartyRole.SHIP_TO, order.ship_to, "ship_to"), (PartyRole.BILL_TO, order.bill_to, "bill_to"))
    )
    for index, line in enumerate(order.lines):
        _line(body, order, line, f"lines[{index}]")
    quantity = sum(line.quantity for line in order.lines)
    body.add("CTT", str(len(order.lines)), str(quantity))
    if context.five010:
        body.add("AMT", "TT", decimal(order.totals.total.amount, "totals.total"))
    return body


def _heading(body: SetBody, order: Order) -> None:
    purpose = reverse_table(MAPPING, "purpose").get(order.attributes.get("purpose", ""), "00")
    po_type = ident(order.attributes.get("po_type"), "attributes.po_type") or DEFAULT_PO_TYPE
    release = ident(order.attributes.get("release_number"), "attributes.release_number")
    body.add("BEG", purpose, po_type, ident(order.po_number, "po_number"), release, day(order.placed_at, "placed_at"))
    if order.currency != "USD":
        body.add("CUR", "BY", ident(order.currency, "currency"))
    customer_number = order.number or order.channel_order_id
    if customer_number != order.po_number:
        body.add("REF", "CO", ident(customer_number, "number" if order.number else "channel_order_id"))
    if order.customer is not None:
        customer = order.customer
        add_contact(body, text(customer.name, "customer.name"), customer.phone, customer.email, "customer")
    for index, charge in enumerate(order.charges):
        if charge.line_id is None:
            add_order_charge(body, charge, f"charges[{index}]")
    add_terms(body, order.payment_terms, None, "payment_terms")
    _dates(body, order)
    _carrier(body, order)
    _note(body, order.notes)


def _dates(body: SetBody, order: Order) -> None:
    for qualifier, value, field in (
        ("010", order.requested_ship_date, "requested_ship_date"),
        ("002", order.requested_delivery_date, "requested_delivery_date"),
        ("001", order.cancel_after, "cancel_after"),
    ):
        if value is not None:
            body.add("DTM", qualifier, day(value, field))
    for name, qualifier in DATE_ATTRIBUTES:
        raw = order.attributes.get(name)
        if raw is not None:
            body.add("DTM", qualifier, day(_iso_date(body, raw, f"attributes.{name}"), f"attributes.{name}"))


def _iso_date(body: SetBody, raw: str, field: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise OutboundInvalid(
            f"{body.label}: {field} is {raw!r}, not a date as YYYY-MM-DD: correct it or remove the attribute"
        ) from None


def _carrier(body: SetBody, order: Order) -> None:
    scac, service = requested_carrier(order, body.context.max_length("TD5", 5))
    scac = ident(order.attributes.get("carrier_scac"), "attributes.carrier_scac") or scac
    level = service_level(order.attributes.get("service_level"), "attributes.service_level", MAPPING)
    if scac is not None or service is not None or level is not None:
        body.add("TD5", None, "2" if scac else None, scac, None, service, *[None] * 6, level)


def _note(body: SetBody, notes: str | None) -> None:
    pieces = note_pieces(notes, body.context.max_length("MSG", 1))
    if pieces:
        body.add("N9", "ZZ", "NOTE")
        for piece in pieces:
            body.add("MSG", piece)


def _line(body: SetBody, order: Order, line: OrderLine, field: str) -> None:
    add_baseline(body, "PO1", line, field, own=OWN_QUALIFIER)
    body.add("PID", "F", None, None, None, text(line.name, f"{field}.name", limit=body.context.max_length("PID", 5)))
    for index, charge in enumerate(order.charges):
        if charge.line_id == line.line_id:
            add_order_charge(body, charge, f"charges[{index}]")
    if line.requested_ship_date is not None:
        body.add("DTM", "010", day(line.requested_ship_date, f"{field}.requested_ship_date"))


def reference(document: CanonicalModel) -> str | None:
    assert isinstance(document, Order)
    return document.po_number


WRITER = SetWriter("850", Order, build, reference, "po_number")
