"""Purchase orders to drop-ship suppliers over X12: the 850 for one fulfillment order, its cancellation, and
the register row (``supplier_purchase_orders``) every answer of the supplier is matched against.

The PO number is derived from the fulfillment order's id (:func:`po_number_for`), so it is the same however
often the delivery is tried, and fits BEG03's 22 characters. The 850 carries only what the supplier needs to
ship to the buyer:

* the lines of the fulfillment order with the units asked of this supplier, each at the price agreed in the
  profile's ``supplier.costs`` (none when no price was agreed: the retail price is the buyer's business,
  not the supplier's), with the supplier's item number from the profile's cross-reference (PO1 pairs);
* the buyer's ship-to and name (N1 ST, PER IC), the customer order number (REF CO) for the packing slip,
  the requested carrier and dates;
* no bill-to, charges or payment terms of the buyer: the hub pays the supplier, not the buyer.

A cancellation is a second 850 with BEG01 ``01`` (cancellation), or an 860 with BCH01 ``01`` for a supplier
whose profile asks for 860s (``supplier.cancel_with``). Everything is queued on the EDI register like any
outbound document and leaves over the partner's first transport through ``hub.edi.send``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.canonical import FulfillmentRequest, Money, Order
from hub.canonical.order import Totals
from hub.db.models import EdiInterchange, EdiTransaction, SupplierPurchaseOrder
from hub.db.models.base import utcnow
from hub.edi.dispatch import queue_documents
from hub.edi.partners import PartnerRecord
from hub.edi.supplier_terms import SupplierTerms

PO_SET = "850"
CHANGE_SET = "860"
PO_NUMBER_LENGTH = 22  # BEG03
PO_PREFIX = "DS"
OPEN, ACCEPTED, CHANGED, REJECTED = "open", "accepted", "changed", "rejected"
CANCEL_SENT, CANCELLED, SHIPPED = "cancel_sent", "cancelled", "shipped"
# what the 850 keeps of the order's attributes: those the 850 writer reads, nothing of the channel's own
CARRIED_ATTRIBUTES = ("carrier_scac", "service_level", "ship_not_before", "ship_no_later")


def po_number_for(fulfillment_order_id: str) -> str:
    """The PO number of a fulfillment order: stable, letters and digits, at most 22 characters."""
    core = re.sub(r"[^A-Za-z0-9]", "", fulfillment_order_id.partition("_")[2] or fulfillment_order_id)
    room = PO_NUMBER_LENGTH - len(PO_PREFIX)
    if len(core) > room:  # time-ordered ids: keep the start (when) and the end (random)
        core = core[: room // 2] + core[-(room - room // 2) :]
    return PO_PREFIX + core


def terms_of(partner: PartnerRecord) -> SupplierTerms:
    return partner.profile.supplier or SupplierTerms()


def purchase_order_document(
    request: FulfillmentRequest, terms: SupplierTerms, po_number: str, *, now: datetime | None = None
) -> Order:
    """The order as the 850 tells the supplier to ship it (see the module docstring)."""
    order, wanted = request.order, {line.line_id: line for line in request.lines}
    lines = []
    for line in order.lines:
        if line.line_id not in wanted:
            continue
        asked = wanted[line.line_id]
        sku = asked.sku or line.sku
        cost = terms.cost(sku)
        price = Money(amount=cost, currency=terms.currency) if cost is not None else None
        total = Money(amount=(cost or Decimal(0)) * asked.quantity, currency=terms.currency)
        # model_copy does not validate: a line without an agreed price goes out without PO104
        changes = {"quantity": asked.quantity, "sku": sku, "unit_price": price, "total": total}
        lines.append(line.model_copy(update=changes | {"discount": None, "tax": None}))
    return _po_order(request, order, lines, terms, po_number, now or utcnow())


def _po_order(
    request: FulfillmentRequest, order: Order, lines: list[Any], terms: SupplierTerms, po_number: str, now: datetime
) -> Order:
    amount = sum((line.total.amount for line in lines), Decimal(0))
    zero = Money(amount=Decimal(0), currency=terms.currency)
    total = Money(amount=amount, currency=terms.currency)
    attributes = {name: order.attributes[name] for name in CARRIED_ATTRIBUTES if name in order.attributes}
    customer = order.customer.model_copy(update={"email": None}) if order.customer is not None else None
    return order.model_copy(
        update={
            "po_number": po_number,
            "placed_at": now,
            "currency": terms.currency,
            "presentment_currency": None,
            "presentment_totals": None,
            "customer": customer,
            "bill_to": None,
            "parties": [],
            "lines": lines,
            "shipping_lines": [],
            "charges": [],
            "payment_terms": None,
            "totals": Totals(subtotal=total, discount=zero, shipping=zero, tax=zero, total=total),
            "attributes": attributes | {"po_type": "DS"},
            "test": request.test or order.test,
        }
    )


def po_lines(document: Order, partner: PartnerRecord) -> list[dict[str, Any]]:
    """What the register row keeps of the 850's lines (the answers are checked against them)."""
    return [
        {
            "line_id": line.line_id,
            "sku": line.sku,
            "quantity": line.quantity,
            "unit_price": str(line.unit_price.amount) if line.unit_price is not None else None,
            "partner_item": next((x.partner_item for x in partner.profile.items if x.sku == line.sku), None),
        }
        for line in document.lines
    ]


@dataclass(frozen=True)
class Queued:
    purchase_order: SupplierPurchaseOrder
    interchange_id: int


def queue_purchase_order(
    session: Session, partner: PartnerRecord, request: FulfillmentRequest, *, now: datetime | None = None
) -> Queued:
    """Queue the 850 for ``request``'s fulfillment order and write its register row, in the caller's
    transaction. Raises ``OutboundInvalid`` (the 850 cannot be written) or ``InputRejected`` (partner)."""
    moment = now or utcnow()
    terms = terms_of(partner)
    po_number = po_number_for(request.id)
    document = purchase_order_document(request, terms, po_number, now=moment)
    queued = queue_documents(session, partner.id, [document], set_ids=[PO_SET], now=moment)
    set_number = _set_number(session, queued)
    window = terms.ack_window()
    row = SupplierPurchaseOrder(
        po_number=po_number,
        fulfillment_order_id=request.id,
        order_id=request.order.id or "",
        partner_id=partner.id,
        location_id=request.location_id,
        status=OPEN,
        currency=terms.currency,
        lines=po_lines(document, partner),
        interchange_control_number=queued.control_number,
        set_control_number=set_number,
        ack_by=terms.ack_by,
        ack_due_at=moment + window if window is not None else None,
        created_at=moment,
        updated_at=moment,
    )
    session.add(row)
    session.flush()
    return Queued(row, queued.id)


def queue_cancellation(
    session: Session, partner: PartnerRecord, row: SupplierPurchaseOrder, request: FulfillmentRequest
) -> int:
    """Queue the cancellation of ``row``'s PO as the supplier agreed (``supplier.cancel_with``): an 850 with
    BEG01 ``01`` repeating the PO as sent, or an 860 with BCH01 ``01`` naming the PO number and the day it
    was sent; returns the interchange id. Raises ``OutboundInvalid`` for a document that cannot be written."""
    terms = terms_of(partner)
    set_id = CHANGE_SET if terms.cancel_with == CHANGE_SET else PO_SET
    # the 860's BCH06 is the date of the PO it changes: the day its 850 was written
    sent_on = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC)
    document = purchase_order_document(request, terms, row.po_number, now=sent_on if set_id == CHANGE_SET else None)
    attributes = {**document.attributes, "purpose": "cancellation"}
    cancel = document.model_copy(update={"attributes": attributes})
    queued = queue_documents(session, partner.id, [cancel], set_ids=[set_id])
    row.cancel_control_number, row.status, row.updated_at = queued.control_number, CANCEL_SENT, utcnow()
    return queued.id


def _set_number(session: Session, interchange: EdiInterchange) -> str:
    return session.scalars(
        select(EdiTransaction.control_number).where(EdiTransaction.interchange_id == interchange.id)
    ).one()


def find_purchase_order(session: Session, partner_id: str, po_number: str | None) -> SupplierPurchaseOrder | None:
    """The PO the hub sent ``partner_id`` under ``po_number`` (as the supplier echoes it, blanks trimmed)."""
    if not po_number:
        return None
    row = session.get(SupplierPurchaseOrder, po_number.strip())
    return row if row is not None and row.partner_id == partner_id else None


def pending_interchange(session: Session, partner_id: str, control_number: str | None) -> int | None:
    """The register id of an outbound interchange still waiting to be sent (None once sent, or unknown)."""
    if not control_number:
        return None
    return session.scalars(
        select(EdiInterchange.id).where(
            EdiInterchange.partner_id == partner_id,
            EdiInterchange.direction == "out",
            EdiInterchange.control_number == control_number,
            EdiInterchange.status == "pending",
        )
    ).first()


def decimal_or_none(text: str | None) -> Decimal | None:
    return Decimal(text) if text not in (None, "") else None
