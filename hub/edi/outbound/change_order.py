"""860 purchase order change request from a canonical ``Order``: the hub withdrawing a PO it sent a supplier.

The hub writes the 860 only to cancel a whole purchase order, for suppliers whose guide takes cancellations as
860s rather than as a second 850 with BEG01 ``01`` (``supplier.cancel_with`` in the partner profile). The order is
the PO as it was sent (``hub.edi.supplier_orders``):

* ``BCH`` purpose ``01`` (cancellation), the PO type (``attributes.po_type``, ``DS`` drop ship by default), the PO
  number (``po_number``, required) and the PO date: the UTC day of ``placed_at``, which for a PO the hub sent is
  the day its 850 was written, so the supplier finds the PO it holds by number and date.
* ``REF`` ``CO`` with the order number the buyer knows, when it differs from the PO number, as the 850 had it.

No ``POC`` lines: a BCH01 ``01`` withdraws every line. Changing single lines or quantities (POC02 ``DI``, ``QD``)
is not written; a partial cancellation is refused by the caller before it reaches this writer.
"""

from __future__ import annotations

from hub.canonical import CanonicalModel, Order
from hub.edi.outbound.body import OutboundInvalid, SetBody, SetContext, SetWriter, day, ident, required

CANCELLATION = "01"  # BCH01
DEFAULT_PO_TYPE = "DS"


def label(order: Order) -> str:
    return f"860 for PO {order.po_number}" if order.po_number else f"860 for order {order.channel_order_id}"


def build(document: CanonicalModel, context: SetContext) -> SetBody:
    assert isinstance(document, Order)
    order = document
    body = SetBody(context, label(order))
    required(body.label, order.po_number, "po_number", "an 860 names the PO it changes in BCH03")
    purpose = order.attributes.get("purpose", "cancellation")
    if purpose != "cancellation":
        raise OutboundInvalid(
            f"{body.label}: attributes.purpose is {purpose!r}; the hub writes 860s only to cancel a whole PO"
            " (purpose cancellation)"
        )
    po_type = ident(order.attributes.get("po_type"), "attributes.po_type") or DEFAULT_PO_TYPE
    po_date = day(order.placed_at, "placed_at")
    body.add("BCH", CANCELLATION, po_type, ident(order.po_number, "po_number"), None, None, po_date)
    customer_number = order.number or order.channel_order_id
    if customer_number != order.po_number:
        body.add("REF", "CO", ident(customer_number, "number" if order.number else "channel_order_id"))
    return body


def reference(document: CanonicalModel) -> str | None:
    assert isinstance(document, Order)
    return document.po_number


WRITER = SetWriter("860", Order, build, reference, "po_number")
