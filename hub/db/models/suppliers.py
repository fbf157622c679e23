"""Drop-ship suppliers over EDI: the purchase order the hub sent for each fulfillment order at a supplier, and
the invoices suppliers send against them.

``supplier_purchase_orders`` holds one row per fulfillment order sent to an X12 supplier (its 850): the PO
number the supplier knows it by, what was ordered (lines with the price we expect to pay), the control
numbers of the 850 (what the supplier's 997 answers) and when an acknowledgment is due. The supplier's
answers (855, 856, 810) find their order through this row.

``supplier_invoices`` keeps each 810 as received, matched against its purchase order: ``exceptions`` lists
every difference found (quantities against what was ordered and shipped, prices against the PO), so an
invoice is never silently accepted.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hub.db.models.base import Base, Id, Json, utcnow


class SupplierPurchaseOrder(Base):
    __tablename__ = "supplier_purchase_orders"
    __table_args__ = (
        Index("ix_supplier_purchase_orders_order_id", "order_id"),
        Index("ix_supplier_purchase_orders_partner_id_status", "partner_id", "status"),
    )

    po_number: Mapped[str] = mapped_column(String(22), primary_key=True)  # BEG03: at most 22 characters
    fulfillment_order_id: Mapped[str] = mapped_column(String(64), unique=True)
    order_id: Mapped[str] = mapped_column(String(40))
    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id"))
    location_id: Mapped[str] = mapped_column(String(64))
    # open (sent, awaiting an answer), accepted, changed, rejected, cancel_sent, cancelled, shipped
    status: Mapped[str] = mapped_column(String(16))
    currency: Mapped[str] = mapped_column(String(3))
    # [{line_id, sku, quantity, unit_price (string or None), partner_item}]: what the 850 asked for
    lines: Mapped[list[dict[str, Any]]] = mapped_column(Json)
    interchange_control_number: Mapped[str] = mapped_column(String(9))  # ISA13 of the 850
    set_control_number: Mapped[str] = mapped_column(String(9))  # ST02 of the 850
    ack_by: Mapped[str] = mapped_column(String(3))  # what counts as the supplier's acknowledgment: 855 or 997
    ack_due_at: Mapped[datetime | None]  # None: the profile sets no time
    acknowledged_at: Mapped[datetime | None]  # the first 855 (or 997, per ack_by)
    overdue_at: Mapped[datetime | None]  # when the missing acknowledgment was flagged on the order
    cancel_control_number: Mapped[str | None] = mapped_column(String(9))  # ISA13 of the 860 / 850 cancel
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SupplierInvoice(Base):
    __tablename__ = "supplier_invoices"
    __table_args__ = (
        UniqueConstraint("partner_id", "invoice_number"),
        Index("ix_supplier_invoices_po_number", "po_number"),
        Index("ix_supplier_invoices_status", "status"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id"))
    invoice_number: Mapped[str] = mapped_column(String(80))
    po_number: Mapped[str] = mapped_column(ForeignKey("supplier_purchase_orders.po_number"))
    order_id: Mapped[str] = mapped_column(String(40))
    invoice_date: Mapped[str] = mapped_column(String(10))  # ISO day
    currency: Mapped[str] = mapped_column(String(3))
    total: Mapped[str] = mapped_column(String(32))  # decimal string, as the canonical invoice has it
    status: Mapped[str] = mapped_column(String(16))  # matched, exceptions
    exceptions: Mapped[list[str]] = mapped_column(Json, default=list)
    document: Mapped[dict[str, Any]] = mapped_column(Json)  # the canonical invoice.v1
    inbox_message_id: Mapped[int | None] = mapped_column(Id)
    note: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
