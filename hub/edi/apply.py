"""Canonical documents from a partner's X12 into the hub's state.

* **850 → Order**: the partner's item numbers become our SKUs through the profile's cross-reference (a match
  there wins over the SKU the mapping read, since the operator configured it); lines whose item is still
  unknown are named in the note. The order is keyed by (channel ``x12``, partner, PO number). A PO number the
  partner already sent in another interchange is *flagged*: recorded on the existing order's timeline and not
  applied, because a changed order comes as an 860, never as a second 850. The same interchange replayed is
  not a repeat.
* **855, 856, 945, 810** (a supplier or 3PL reporting on an order the hub placed) are recorded on the order's
  timeline: ``order.po_acknowledged``, ``order.shipment_reported``, ``order.invoice_received``. The order is
  found by PO number: first the 850 the hub sent this partner, then orders carrying that PO number or number.
  A document for an order the hub does not know fails with that reason and can be replayed once it exists.
  A 945 or 856 also ships the order's fulfillment orders at the partner's locations through
  ``hub.delivery.shipments.record_shipment``; one that does not fit is an ``order.shipment_exception``.
  The channel confirmations a recorded shipment plans are collected on the session (``planned_deliveries``),
  so the caller publishes them once the interchange's transaction commits.
  For a purchase order the hub sent a drop-ship supplier (``supplier_purchase_orders``), the 855 accepts,
  changes or rejects its fulfillment order (``hub.edi.supplier_answers``), the 856 ships the fulfillment order
  the PO was sent for, and the 810 is recorded and checked as a supplier invoice
  (``hub.edi.supplier_invoices``).
* **846 → InventoryAdvice** counts the stock of the location the partner feeds (``hub.inventory.counts``:
  reconciled against the ledger, never overwritten blindly), items found by SKU or the cross-reference; with
  no location tied to the partner it is kept on the register only, with a warning.

Every function here runs inside the inbound processor's transaction for the interchange.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from hub.canonical import CanonicalModel, InventoryAdvice, Invoice, Order, PurchaseOrderAck, Shipment
from hub.canonical.shipment import ShipmentItem
from hub.channels.apply import apply_order
from hub.db.models import (
    EdiTransaction,
    FulfillmentOrderRecord,
    InboxMessage,
    Location,
    OrderEvent,
    OrderRecord,
    SupplierPurchaseOrder,
)
from hub.db.models.base import utcnow
from hub.delivery.shipments import ShipmentRejected, record_shipment
from hub.edi.duplicates import record_purchase_order
from hub.edi.model import Group, Interchange, Transaction
from hub.edi.partners import PartnerRecord
from hub.edi.supplier_answers import apply_acknowledgment
from hub.edi.supplier_invoices import record_invoice
from hub.edi.supplier_orders import SHIPPED, find_purchase_order
from hub.inventory.counts import apply_inventory_advice
from hub.inventory.locations import location_for_partner
from hub.lifecycle import FulfillmentState
from hub.mapping.functions.x12 import ID_QUALIFIERS
from hub.orders.store import record_event
from hub.sdk import ShipmentNotice

X12_CHANNEL = "x12"
EVENT_TYPES: dict[type[CanonicalModel], str] = {
    PurchaseOrderAck: "order.po_acknowledged",
    Shipment: "order.shipment_reported",
    Invoice: "order.invoice_received",
}
# Canonical identifier names back to the X12 qualifiers the cross-reference is keyed by (vendor_part: VN, VP).
QUALIFIERS_BY_NAME: dict[str, tuple[str, ...]] = {}
for _qualifier, _name in ID_QUALIFIERS.items():
    QUALIFIERS_BY_NAME[_name] = (*QUALIFIERS_BY_NAME.get(_name, ()), _qualifier)


Reported = PurchaseOrderAck | Shipment | Invoice  # what a supplier or 3PL tells about an order


class UnknownOrder(LookupError):
    """A partner reports on a PO number the hub has no order for."""


@dataclass(frozen=True)
class SetOrigin:
    """Where a set came from, for notes, duplicate checks and timeline entries."""

    partner: PartnerRecord
    message: InboxMessage
    interchange: Interchange
    group: Group
    transaction: Transaction

    def describe(self) -> dict[str, str]:
        return {
            "partner": self.partner.id,
            "set_id": self.transaction.set_id,
            "interchange": self.interchange.control_number,
            "group": self.group.control_number,
            "control_number": self.transaction.control_number,
        }


@dataclass(frozen=True)
class SetApplied:
    status: str  # applied, flagged, recorded
    note: str
    reference: str | None = None
    order_id: str | None = None
    warning: str | None = None  # applied, but something needs the operator (lines without a SKU)


def apply_document(session: Session, document: CanonicalModel, origin: SetOrigin) -> SetApplied:
    """Apply one document; raises ``UnknownOrder`` when it reports on an order the hub does not have."""
    if isinstance(document, Order):
        return _apply_order(session, document, origin)
    if isinstance(document, InventoryAdvice):
        return _apply_advice(session, document, origin)
    if isinstance(document, Reported):
        return _record_on_order(session, document, origin)
    raise TypeError(f"no way to apply {type(document).__name__} from X12")


def xref_sku(identifiers: dict[str, str] | None, partner: PartnerRecord) -> str | None:
    """Our SKU for the first of the item's identifiers that the partner's cross-reference knows."""
    for name, value in (identifiers or {}).items():
        for qualifier in QUALIFIERS_BY_NAME.get(name, ()):
            sku = partner.profile.sku_for(value, qualifier)
            if sku:
                return sku
    return None


def cross_reference(order: Order, partner: PartnerRecord) -> tuple[Order, list[str]]:
    """The order with SKUs from the partner's item cross-reference, and the line ids still without a SKU."""
    lines, unknown = [], []
    for line in order.lines:
        sku = xref_sku(line.identifiers, partner) or line.sku
        if sku is None:
            unknown.append(line.line_id)
        lines.append(line if sku == line.sku else line.model_copy(update={"sku": sku}))
    return order.model_copy(update={"lines": lines}), unknown


def _apply_order(session: Session, order: Order, origin: SetOrigin) -> SetApplied:
    po_number = order.po_number or order.channel_order_id
    repeat = record_purchase_order(
        session,
        origin.partner.id,
        po_number,
        interchange_control_number=origin.interchange.control_number,
        transaction_control_number=origin.transaction.control_number,
    )
    same_copy = repeat is not None and (repeat.first_interchange, repeat.first_transaction) == (
        origin.interchange.control_number.strip(),
        origin.transaction.control_number.strip(),
    )
    if repeat is not None and not same_copy:
        existing = _order_by_channel_id(session, origin.partner.id, order.channel_order_id)
        if existing is not None:
            data = {"edi": origin.describe(), "first": str(repeat)}
            record_event(
                session,
                existing.id,
                "order.duplicate_po_flagged",
                source=f"inbox:{origin.message.id}",
                data=data,
                inbox_message_id=origin.message.id,
            )
        return SetApplied("flagged", f"not applied: {repeat}", po_number, existing.id if existing else None)
    order, unknown = cross_reference(order, origin.partner)
    applied = apply_order(session, order, origin.message, account=origin.partner.id)
    warning = None
    if unknown:
        warning = (
            f"PO {po_number}: line(s) {', '.join(unknown)} have no SKU (add them with `orderhub partner xref add`)"
        )
    return SetApplied("applied", applied.describe(), po_number, applied.order_id, warning)


def _apply_advice(session: Session, advice: InventoryAdvice, origin: SetOrigin) -> SetApplied:
    """An 846 counts the stock of the location this partner feeds (a drop-ship supplier's virtual location);
    without one it is kept on the register only."""
    partner = origin.partner
    location = location_for_partner(session, partner.id, advice.location_id)
    if location is None:
        return SetApplied(
            "recorded",
            f"inventory advice kept, not counted: no single location is fed by partner {partner.id}"
            f" under {advice.location_id!r} (set partner_id and external_id on a location)",
            advice.advice_id,
            warning=f"846 {advice.advice_id or ''}: no location is fed by partner {partner.id}",
        )
    edi = origin.describe()
    result = apply_inventory_advice(
        session,
        location.id,
        advice,
        resolve_sku=lambda item: xref_sku(item.identifiers, partner),
        source=f"edi:{partner.id}:{edi['interchange']}/{edi['control_number']}",
    )
    counted = Counter(str(count.status) for count in result.counts)
    note = ", ".join(f"{n} {status}" for status, n in sorted(counted.items())) or "nothing counted"
    warning = None
    if result.skipped:
        warning = f"846 {advice.advice_id or ''}: {len(result.skipped)} item(s) skipped: " + "; ".join(
            f"item {s.index + 1}: {s.reason}" for s in result.skipped[:5]
        )
    return SetApplied("applied", f"location {location.id}: {note}", advice.advice_id, warning=warning)


def _order_by_channel_id(session: Session, partner_id: str, channel_order_id: str) -> OrderRecord | None:
    return session.scalars(
        select(OrderRecord).where(
            OrderRecord.channel == X12_CHANNEL,
            OrderRecord.account == partner_id,
            OrderRecord.channel_order_id == channel_order_id,
        )
    ).first()


def find_order_for_po(session: Session, partner_id: str, po_number: str) -> str | None:
    """The hub order a partner's PO number refers to: the 850 we sent it, else an order with that PO/number."""
    sent = session.scalars(
        select(EdiTransaction.order_id)
        .where(
            EdiTransaction.partner_id == partner_id,
            EdiTransaction.direction == "out",
            EdiTransaction.set_id.in_(("850", "940")),
            EdiTransaction.reference == po_number,
            EdiTransaction.order_id.is_not(None),
        )
        .order_by(EdiTransaction.id.desc())
    ).first()
    if sent:
        return sent
    matches = session.scalars(
        select(OrderRecord.id).where(
            or_(OrderRecord.po_number == po_number, OrderRecord.number == po_number, OrderRecord.id == po_number)
        )
    ).all()
    return matches[0] if len(matches) == 1 else None


def _record_on_order(session: Session, document: Reported, origin: SetOrigin) -> SetApplied:
    po_number = document.po_number
    reference = _reference(document)
    order_id = document.order_id or (find_order_for_po(session, origin.partner.id, po_number) if po_number else None)
    if order_id is None and isinstance(document, Shipment) and document.channel_order_id:
        order_id = _order_for_depositor_number(session, origin.partner.id, document.channel_order_id)
    if order_id is None or session.get(OrderRecord, order_id) is None:
        raise UnknownOrder(
            f"{origin.transaction.set_id} {reference or ''} names PO {po_number!r}, which matches no single order"
            f" of the hub; replay this message once the order exists"
        )
    kind = EVENT_TYPES[type(document)]
    data: dict[str, Any] = {"edi": origin.describe(), "document": document.model_dump(mode="json")}
    already = _already_recorded(session, order_id, kind, origin)
    # a 945 or 856 also ships the fulfillment order (idempotent, so a replayed message ships nothing twice)
    if isinstance(document, Shipment):
        warning = _ship(session, document, origin, order_id)
        _note_supplier_shipment(session, document, origin)
    else:
        warning = _answer_purchase_order(session, document, origin, announce=not already)
    if already:
        return SetApplied("applied", f"already on order {order_id}", reference, order_id, warning)
    source = f"inbox:{origin.message.id}"
    record_event(session, order_id, kind, source=source, data=data, inbox_message_id=origin.message.id)
    return SetApplied("applied", f"{kind} on order {order_id}", reference, order_id, warning)


def _answer_purchase_order(
    session: Session, document: PurchaseOrderAck | Invoice, origin: SetOrigin, *, announce: bool
) -> str | None:
    """A supplier's 855 or 810 about a purchase order the hub sent it (``hub.edi.supplier_answers``,
    ``hub.edi.supplier_invoices``); a warning for the register, or None. Test documents move nothing."""
    row = find_purchase_order(session, origin.partner.id, document.po_number)
    if row is None or document.test:
        return None
    source = f"inbox:{origin.message.id}"

    def resolve(identifiers: dict[str, str]) -> str | None:
        return xref_sku(identifiers, origin.partner)

    if isinstance(document, Invoice):
        message = origin.message.id
        return record_invoice(
            session, row, document, inbox_message_id=message, source=source, resolve_sku=resolve, announce=announce
        )
    if not announce:
        return None  # applied when this set was first read
    return apply_acknowledgment(session, row, document, origin.partner, source, resolve)


def _note_supplier_shipment(session: Session, shipment: Shipment, origin: SetOrigin) -> None:
    """A supplier that ships a PO has evidently taken it: its acknowledgment watch ends, and a PO whose
    fulfillment order has shipped in full is ``shipped``."""
    row = find_purchase_order(session, origin.partner.id, shipment.po_number)
    if row is None or shipment.test:
        return
    row.acknowledged_at = row.acknowledged_at or utcnow()
    fo = session.get(FulfillmentOrderRecord, row.fulfillment_order_id)
    if fo is not None and fo.state == FulfillmentState.SHIPPED:
        row.status, row.updated_at = SHIPPED, utcnow()


def _order_for_depositor_number(session: Session, partner_id: str, number: str) -> str | None:
    """A 945 names the order by the depositor order number the 940 carried (W0602): the order we sent under it,
    else the one order with that channel order id."""
    found = find_order_for_po(session, partner_id, number)
    if found is not None:
        return found
    matches = session.scalars(select(OrderRecord.id).where(OrderRecord.channel_order_id == number).limit(2)).all()
    return matches[0] if len(matches) == 1 else None


SHIPMENT_EXCEPTION = "order.shipment_exception"
PLANNED = "orderhub.edi.planned_deliveries"  # session.info key: deliveries the recorded shipments planned


def _ship(session: Session, shipment: Shipment, origin: SetOrigin, order_id: str) -> str | None:
    """Pass a 945 or 856 to ``hub.delivery.shipments.record_shipment`` (source ``edi:<partner>``, key the
    shipment number and the order), so the fulfillment order and the line quantities move. One that does not
    fit (more units than were sent, a SKU the fulfillment order lacks) is recorded on the timeline as an
    exception with the reason and returned as a warning. A test shipment moves nothing, nor does one from a
    partner that fulfils no location (a supplier's ship notice stays on the timeline)."""
    source, named = f"edi:{origin.partner.id}", _named_fulfillment_order(session, order_id, shipment)
    fulfils = session.scalars(select(Location.id).where(Location.fulfilled_by == source).limit(1)).first()
    if shipment.test or (named is None and fulfils is None):  # a supplier's notice, not a 3PL's: timeline only
        return None
    ours = _with_our_skus(shipment, origin.partner).model_copy(update={"order_id": order_id})
    notice = ShipmentNotice(f"{shipment.shipment_number or shipment.po_number}:{order_id}", ours, named)
    actor = f"inbox:{origin.message.id}"
    try:
        recorded = record_shipment(session, source=source, notice=notice, actor=actor)
    except ShipmentRejected as refused:
        if not _already_recorded(session, order_id, SHIPMENT_EXCEPTION, origin):
            data = {"edi": origin.describe(), "shipment_number": shipment.shipment_number, "reason": str(refused)}
            message_id = origin.message.id
            record_event(session, order_id, SHIPMENT_EXCEPTION, source=actor, data=data, inbox_message_id=message_id)
        return f"{origin.transaction.set_id} {shipment.shipment_number or ''}: order {order_id} not shipped: {refused}"
    session.info.setdefault(PLANNED, []).extend(recorded.planned)
    return None


def planned_deliveries(session: Session) -> tuple[int, ...]:
    """The deliveries the shipments recorded in ``session`` planned (the channels' confirmations), for the
    caller to publish once it commits; a set rolled back later leaves ids the publisher finds gone and skips."""
    return tuple(session.info.pop(PLANNED, ()))


def _with_our_skus(shipment: Shipment, partner: PartnerRecord) -> Shipment:
    """The shipment with each item's SKU from the partner's cross-reference where it has one."""

    def item(line: ShipmentItem) -> ShipmentItem:
        return line.model_copy(update={"sku": xref_sku(line.identifiers, partner) or line.sku})

    packages = [p.model_copy(update={"items": [item(i) for i in p.items]}) for p in shipment.packages]
    return shipment.model_copy(update={"items": [item(i) for i in shipment.items], "packages": packages})


def _named_fulfillment_order(session: Session, order_id: str, shipment: Shipment) -> str | None:
    """The fulfillment order the shipment names, where the partner echoes our fulfillment order id."""
    references = [r for r in (shipment.channel_order_id, shipment.po_number) if r]
    purchase_order = session.get(SupplierPurchaseOrder, shipment.po_number.strip()) if shipment.po_number else None
    if purchase_order is not None and purchase_order.order_id == order_id:
        return purchase_order.fulfillment_order_id  # a supplier's 856 names the PO the hub sent it
    query = select(FulfillmentOrderRecord.id).where(
        FulfillmentOrderRecord.order_id == order_id, FulfillmentOrderRecord.id.in_(references)
    )
    return session.scalars(query).first() if references else None


def _reference(document: Reported) -> str | None:
    if isinstance(document, Shipment):
        return document.shipment_number or document.po_number
    if isinstance(document, Invoice):
        return document.invoice_number
    return document.po_number


def _already_recorded(session: Session, order_id: str, kind: str, origin: SetOrigin) -> bool:
    """The same set applied before (a replayed message): its event is there with the same EDI origin."""
    events = session.scalars(
        select(OrderEvent).where(
            OrderEvent.order_id == order_id,
            OrderEvent.type == kind,
            OrderEvent.inbox_message_id == origin.message.id,
        )
    )
    return any(event.data.get("edi") == origin.describe() for event in events)
