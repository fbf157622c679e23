"""A drop-ship supplier's 855 applied to the purchase order the hub sent it (``supplier_purchase_orders``).

Each ACK answers a PO line (matched by PO101, which is our line id, else by SKU through the cross-reference):

==========================  ==================================================================================
ACK01                       what the hub does
==========================  ==================================================================================
IA, AC, AR (accepted)       nothing but note it; when every line is accepted, the fulfillment order is accepted
                            with the supplier's acknowledgment number as its external id
IC, IQ, IP, IS, DR          accepted with changes: the changed quantity, price and dates go on the timeline
(changed)                   (``purchase_order.changed``); fewer units than ordered count as refused below
IR, ID (rejected),          refused: when every open unit of the fulfillment order is refused, it is rejected
IB, BP (backordered)        (its units released at the supplier) and the order routed again, so routing may
                            choose another supplier, a warehouse, or a backorder
==========================  ==================================================================================

Part of a fulfillment order cannot be released once the supplier holds it (the lifecycle releases whole
fulfillment orders only), so an 855 that refuses some units and accepts others accepts the fulfillment order
and flags the refused units as an exception (``purchase_order.exception``) for a person to settle: cancel the
PO and route again, or let the supplier ship what it accepted. Every 855 also sets the PO's
``acknowledged_at``, which ends its overdue watch.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.canonical import PurchaseOrderAck
from hub.canonical.acknowledgment import AckLine, AckLineStatus, AckType
from hub.db.models import EdiInterchange, EdiTransaction, FulfillmentOrderRecord, SupplierPurchaseOrder
from hub.db.models.base import utcnow
from hub.edi.partners import PartnerRecord
from hub.edi.supplier_orders import ACCEPTED, CHANGED, OPEN, REJECTED
from hub.lifecycle import FulfillmentState
from hub.lifecycle.commands import AcceptFulfillmentOrder, RejectFulfillmentOrder, SendFulfillmentOrder
from hub.lifecycle.store import execute
from hub.oms.stock_effects import execute_with_stock
from hub.orders.store import record_event

PO_ACCEPTED = "purchase_order.accepted"
PO_CHANGED = "purchase_order.changed"
PO_REJECTED = "purchase_order.rejected"
PO_EXCEPTION = "purchase_order.exception"
REFUSED = (AckLineStatus.REJECTED, AckLineStatus.BACKORDERED)


def match_line(row: SupplierPurchaseOrder, line_id: str | None, sku: str | None, item: str | None) -> str | None:
    """The line id of the PO line an answer is about: by our line id, else our SKU, else the supplier's item."""
    lines = row.lines
    for key, value in (("line_id", line_id), ("sku", sku), ("partner_item", item)):
        if value is not None:
            found = [line["line_id"] for line in lines if line.get(key) == value]
            if len(found) == 1:
                return str(found[0])
    return None


def _supplier_item(identifiers: dict[str, str]) -> str | None:
    return identifiers.get("vendor_part")


def apply_acknowledgment(
    session: Session,
    row: SupplierPurchaseOrder,
    ack: PurchaseOrderAck,
    partner: PartnerRecord,
    source: str,
    resolve_sku: Any,
) -> str | None:
    """Apply ``ack`` to the PO and its fulfillment order; returns a warning for the register, or None."""
    row.acknowledged_at = row.acknowledged_at or utcnow()
    fo = session.get(FulfillmentOrderRecord, row.fulfillment_order_id)
    if fo is None:
        return f"855 for PO {row.po_number}: its fulfillment order is gone; noted only"
    refused, changes, unmatched = _read_lines(row, ack, resolve_sku)
    open_units = {line.line_id: line.quantity - line.shipped - line.cancelled for line in fo.lines}
    data: dict[str, Any] = {"po_number": row.po_number, "partner": partner.id, "ack_number": ack.ack_number}
    if changes:
        record_event(session, fo.order_id, PO_CHANGED, source=source, data=data | {"changes": changes})
    warning = None
    if unmatched:
        warning = f"855 for PO {row.po_number}: line(s) {', '.join(unmatched)} match no line of the PO"
        record_event(session, fo.order_id, PO_EXCEPTION, source=source, data=data | {"reason": warning})
    if fo.state not in (FulfillmentState.CREATED, FulfillmentState.SENT, FulfillmentState.ACCEPTED):
        return warning  # shipped, cancelled or rejected meanwhile: the answer is on the timeline, nothing moves
    if open_units and all(refused[line] >= units for line, units in open_units.items() if units > 0):
        _reject(session, fo, row, refused, data, source)
        return warning
    _accept(session, fo, row, ack, data, source, changed=bool(changes))
    if any(refused.values()):
        reason = (
            f"the supplier refused {_units(refused)} of PO {row.po_number} but accepted the rest; the hub cannot"
            " release part of a fulfillment order the supplier holds: cancel the PO and route again, or let the"
            " accepted units ship"
        )
        record_event(session, fo.order_id, PO_EXCEPTION, source=source, data=data | {"reason": reason})
        warning = "; ".join(w for w in (warning, f"855 for PO {row.po_number}: {reason}") if w)
    return warning


def _read_lines(
    row: SupplierPurchaseOrder, ack: PurchaseOrderAck, resolve_sku: Any
) -> tuple[Counter[str], list[dict[str, Any]], list[str]]:
    refused: Counter[str] = Counter()
    changes: list[dict[str, Any]] = []
    unmatched: list[str] = []
    ordered = {str(line["line_id"]): line for line in row.lines}
    lines = ack.lines or _whole_order(row, ack)
    for line in lines:
        sku = resolve_sku(line.identifiers) or line.sku
        line_id = match_line(row, line.line_id, sku, _supplier_item(line.identifiers))
        if line_id is None:
            unmatched.append(line.line_id or sku or "?")
            continue
        if line.status in REFUSED:
            refused[line_id] += line.quantity
        change = _change(ordered[line_id], line)
        if change:
            changes.append(change)
            if line.status is AckLineStatus.CHANGED and line.quantity < ordered[line_id]["quantity"]:
                refused[line_id] += ordered[line_id]["quantity"] - line.quantity
    return refused, changes, unmatched


def _whole_order(row: SupplierPurchaseOrder, ack: PurchaseOrderAck) -> list[AckLine]:
    """An 855 without lines answers the whole PO with BAK02."""
    status = AckLineStatus.REJECTED if ack.ack_type is AckType.REJECTED else AckLineStatus.ACCEPTED
    return [AckLine(line_id=str(line["line_id"]), status=status, quantity=line["quantity"]) for line in row.lines]


def _change(ordered: dict[str, Any], line: AckLine) -> dict[str, Any] | None:
    """What the supplier changed on a line (status code, units, price, dates), None when nothing."""
    change: dict[str, Any] = {}
    if line.status is AckLineStatus.CHANGED or line.quantity != ordered["quantity"]:
        change["quantity"] = {"ordered": ordered["quantity"], "answered": line.quantity}
    price = ordered.get("unit_price")
    if line.unit_price is not None and price is not None and line.unit_price.amount != Decimal(price):
        change["unit_price"] = {"ordered": price, "answered": str(line.unit_price.amount)}
    for name in ("scheduled_ship_date", "scheduled_delivery_date"):
        value = getattr(line, name)
        if value is not None:
            change[name] = value.isoformat()
    if not change and line.status is not AckLineStatus.CHANGED:
        return None
    return {"line_id": ordered["line_id"], "status": line.status.value, "status_code": line.status_code} | change


def _units(refused: Counter[str]) -> str:
    return ", ".join(f"{units} unit(s) of line {line_id}" for line_id, units in sorted(refused.items()) if units)


def _reject(
    session: Session,
    fo: FulfillmentOrderRecord,
    row: SupplierPurchaseOrder,
    refused: Counter[str],
    data: dict[str, Any],
    source: str,
    why: str | None = None,
) -> None:
    from hub.delivery.fulfillment import route_again  # late: hub.delivery builds on hub.edi
    from hub.delivery.handlers import AfterCommit

    what = why or f"in its 855 ({_units(refused)})"
    reason = f"supplier {row.partner_id} refused PO {row.po_number} {what}"
    if fo.state == FulfillmentState.CREATED:
        execute(session, fo.order_id, SendFulfillmentOrder(id=fo.id), source=source)
    destination = f"edi:{row.partner_id}"
    command = RejectFulfillmentOrder(id=fo.id, reason=f"{destination}: {reason}"[:2000])
    execute_with_stock(session, fo.order_id, command, source=source)
    route_again(session, fo.order_id, fo.location_id, reason, AfterCommit())  # the routing sweep picks it up
    row.status, row.updated_at = REJECTED, utcnow()
    record_event(session, fo.order_id, PO_REJECTED, source=source, data=data | {"reason": reason})


def _accept(
    session: Session,
    fo: FulfillmentOrderRecord,
    row: SupplierPurchaseOrder,
    ack: PurchaseOrderAck,
    data: dict[str, Any],
    source: str,
    *,
    changed: bool,
) -> None:
    state = fo.state
    if state == FulfillmentState.CREATED:
        execute(session, fo.order_id, SendFulfillmentOrder(id=fo.id), source=source)
        state = FulfillmentState.SENT
    if state == FulfillmentState.SENT:
        external_id = (ack.ack_number or row.po_number)[:64]
        execute(session, fo.order_id, AcceptFulfillmentOrder(id=fo.id, external_id=external_id), source=source)
    row.status, row.updated_at = (CHANGED if changed else ACCEPTED), utcnow()
    record_event(session, fo.order_id, PO_ACCEPTED, source=source, data=data | {"changed": changed})


def purchase_orders_rejected(session: Session, rows: Sequence[EdiTransaction]) -> int:
    """The supplier's 997 (or TA1) rejected 850s the hub sent: each PO still open is rejected as by an 855
    (its fulfillment order's units released, the order routed again). Returns how many were rejected. Runs
    in the inbound processor's transaction; a 997 read again changes nothing more."""
    rejected = 0
    for row in rows:
        found = _open_purchase_order(session, row)
        if found is None:
            continue
        po, fo = found
        codes = " ".join(row.ack_codes or [])
        units = Counter({line.line_id: line.quantity - line.shipped - line.cancelled for line in fo.lines})
        data = {"po_number": po.po_number, "partner": po.partner_id, "ack_codes": list(row.ack_codes or [])}
        _reject(session, fo, po, units, data, "edi-997", why=f"in its 997, which rejected the 850 ({codes})")
        rejected += 1
    return rejected


def _open_purchase_order(
    session: Session, row: EdiTransaction
) -> tuple[SupplierPurchaseOrder, FulfillmentOrderRecord] | None:
    """The open PO an outbound 850 register row carried, with its fulfillment order still at the supplier."""
    if row.set_id != "850" or row.direction != "out" or not row.partner_id:
        return None
    interchange = session.get(EdiInterchange, row.interchange_id)
    po = session.scalars(
        select(SupplierPurchaseOrder).where(
            SupplierPurchaseOrder.partner_id == row.partner_id,
            SupplierPurchaseOrder.set_control_number == row.control_number,
            SupplierPurchaseOrder.interchange_control_number == (interchange.control_number if interchange else ""),
        )
    ).first()
    fo = session.get(FulfillmentOrderRecord, po.fulfillment_order_id) if po is not None else None
    if po is None or fo is None or po.status != OPEN:
        return None
    if fo.state not in (FulfillmentState.CREATED, FulfillmentState.SENT, FulfillmentState.ACCEPTED):
        return None
    return po, fo
