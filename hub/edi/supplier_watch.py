"""Watching drop-ship purchase orders for the supplier's acknowledgment.

A supplier agrees in its profile (``supplier.ack_within``, ``supplier.ack_by``) to acknowledge each PO within
some time, with its 855 or already with its 997. A PO still ``open`` past ``ack_due_at`` without that
acknowledgment is overdue: :func:`flag_overdue` (run by the ``hub.deliver.supplier.watch`` beat task) notes it
once on the order's timeline (``purchase_order.ack_overdue``) and stamps ``overdue_at``, and the listings
(``orderhub deliveries list``, ``orderhub supplier pos``) mark it. An acknowledgment arriving later ends the
watch; the timeline keeps the note that it was late.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.db.models import EdiInterchange, EdiTransaction, SupplierPurchaseOrder
from hub.edi.supplier_orders import OPEN, PO_SET
from hub.orders.store import record_event

ACK_OVERDUE = "purchase_order.ack_overdue"
SOURCE = "supplier-watch"


def acknowledged_at(session: Session, row: SupplierPurchaseOrder) -> datetime | None:
    """When the supplier acknowledged the PO as its terms count it (its 855, or its 997 for ack_by 997)."""
    if row.acknowledged_at is not None or row.ack_by != "997":
        return row.acknowledged_at
    found = session.execute(
        select(EdiTransaction.ack_status, EdiTransaction.acknowledged_at)
        .join(EdiInterchange, EdiInterchange.id == EdiTransaction.interchange_id)
        .where(
            EdiTransaction.partner_id == row.partner_id,
            EdiTransaction.direction == "out",
            EdiTransaction.set_id == PO_SET,
            EdiTransaction.control_number == row.set_control_number,
            EdiInterchange.control_number == row.interchange_control_number,
        )
    ).first()
    if found is None or found.ack_status in (None, "awaiting"):
        return None
    moment: datetime | None = found.acknowledged_at
    return moment


def is_overdue(session: Session, row: SupplierPurchaseOrder, now: datetime) -> bool:
    due = row.ack_due_at
    return row.status == OPEN and due is not None and due <= now and acknowledged_at(session, row) is None


def overdue_po_numbers(session: Session, po_numbers: Iterable[str], now: datetime) -> dict[str, datetime]:
    """Of ``po_numbers``, those overdue now, with when they were due."""
    wanted = [number for number in po_numbers if number]
    if not wanted:
        return {}
    rows = session.scalars(select(SupplierPurchaseOrder).where(SupplierPurchaseOrder.po_number.in_(wanted)))
    return {row.po_number: row.ack_due_at for row in rows if row.ack_due_at and is_overdue(session, row, now)}


def flag_overdue(session: Session, now: datetime) -> list[str]:
    """Note each PO that became overdue since the last run on its order's timeline; returns their numbers."""
    candidates = session.scalars(
        select(SupplierPurchaseOrder).where(
            SupplierPurchaseOrder.status == OPEN,
            SupplierPurchaseOrder.acknowledged_at.is_(None),
            SupplierPurchaseOrder.overdue_at.is_(None),
            SupplierPurchaseOrder.ack_due_at <= now,
        )
    ).all()
    flagged = []
    for row in candidates:
        acknowledged = acknowledged_at(session, row)
        if acknowledged is not None:
            row.acknowledged_at = acknowledged  # its 997 counts, per its terms
            continue
        row.overdue_at = now
        due = row.ack_due_at.isoformat() if row.ack_due_at else None
        reason = f"supplier {row.partner_id} has not acknowledged PO {row.po_number} (its {row.ack_by}) due {due}"
        data = {"po_number": row.po_number, "partner": row.partner_id, "due_at": due, "ack_by": row.ack_by}
        record_event(session, row.order_id, ACK_OVERDUE, source=SOURCE, data=data | {"reason": reason})
        flagged.append(row.po_number)
    return flagged
