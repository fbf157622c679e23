"""A drop-ship supplier's 810 recorded against the purchase order the hub sent it, and checked.

The invoice is kept in ``supplier_invoices`` (one row per supplier and invoice number: a replayed 810 updates
its row) with the result of matching it against the PO:

* each invoiced line must be a line of the PO (by IT101, our line id, else SKU or the supplier's item);
* its units may not exceed what was ordered, nor what the supplier has shipped of it (856s recorded);
* its unit price must be the price the PO carried (the profile's ``supplier.costs``); a PO line sent without
  a price is not checked, and says so;
* the invoice currency must be the PO's.

Every difference is an exception, named in words on the row, on the order's timeline
(``purchase_order.invoice_exception``) and as a warning on the register, and listed by
``orderhub supplier invoices``: an invoice is never silently accepted. One without differences is
``matched`` (``purchase_order.invoice_matched``); that is what accounting books as the cost.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.canonical import Invoice
from hub.db.models import FulfillmentOrderRecord, SupplierInvoice, SupplierPurchaseOrder
from hub.db.models.base import utcnow
from hub.edi.supplier_answers import match_line
from hub.orders.store import record_event

MATCHED, EXCEPTIONS = "matched", "exceptions"
INVOICE_MATCHED = "purchase_order.invoice_matched"
INVOICE_EXCEPTION = "purchase_order.invoice_exception"


def check_invoice(
    row: SupplierPurchaseOrder, invoice: Invoice, shipped: dict[str, int], resolve_sku: Callable[[dict[str, str]], Any]
) -> tuple[list[str], list[str]]:
    """(exceptions, notes) of ``invoice`` against the PO ``row`` and the units ``shipped`` per line."""
    exceptions: list[str] = []
    notes: list[str] = []
    if invoice.currency != row.currency:
        exceptions.append(f"invoiced in {invoice.currency}, the PO is in {row.currency}")
    ordered = {str(line["line_id"]): line for line in row.lines}
    billed: Counter[str] = Counter()
    for index, line in enumerate(invoice.lines, 1):
        sku = resolve_sku(line.identifiers) or line.sku
        line_id = match_line(row, line.line_id, sku, line.identifiers.get("vendor_part"))
        if line_id is None:
            exceptions.append(f"invoice line {index} ({line.line_id or sku or '?'}) is not on PO {row.po_number}")
            continue
        billed[line_id] += line.quantity
        price = ordered[line_id].get("unit_price")
        if price is None:
            notes.append(f"line {line_id}: the PO carried no price, {line.unit_price.amount} not checked")
        elif line.unit_price.amount != Decimal(price):
            exceptions.append(
                f"line {line_id}: invoiced at {line.unit_price.amount} {invoice.currency}, the PO price is {price}"
            )
    for line_id, units in sorted(billed.items()):
        wanted, sent = ordered[line_id]["quantity"], shipped.get(line_id, 0)
        if units > wanted:
            exceptions.append(f"line {line_id}: {units} unit(s) invoiced, {wanted} ordered")
        elif units > sent:
            exceptions.append(f"line {line_id}: {units} unit(s) invoiced, {sent} shipped")
    return exceptions, notes


def shipped_units(session: Session, row: SupplierPurchaseOrder) -> dict[str, int]:
    fo = session.get(FulfillmentOrderRecord, row.fulfillment_order_id)
    return {line.line_id: line.shipped for line in fo.lines} if fo is not None else {}


def record_invoice(
    session: Session,
    row: SupplierPurchaseOrder,
    invoice: Invoice,
    *,
    inbox_message_id: int | None,
    source: str,
    resolve_sku: Callable[[dict[str, str]], Any],
    announce: bool,
) -> str | None:
    """Store ``invoice`` against the PO and check it; returns a warning naming the exceptions, or None.
    ``announce`` puts the outcome on the order's timeline (False when this set was recorded there before; a
    set read again still announces an outcome that changed, e.g. matched once the 856 it bills came in)."""
    exceptions, notes = check_invoice(row, invoice, shipped_units(session, row), resolve_sku)
    stored = session.scalars(
        select(SupplierInvoice).where(
            SupplierInvoice.partner_id == row.partner_id, SupplierInvoice.invoice_number == invoice.invoice_number
        )
    ).first()
    previous = stored.status if stored is not None else None
    if stored is None:
        stored = SupplierInvoice(partner_id=row.partner_id, invoice_number=invoice.invoice_number)
        session.add(stored)
    stored.po_number, stored.order_id = row.po_number, row.order_id
    stored.invoice_date, stored.currency = invoice.invoice_date.isoformat(), invoice.currency
    stored.total, stored.document = str(invoice.total.amount), invoice.model_dump(mode="json")
    stored.status, stored.exceptions = (EXCEPTIONS if exceptions else MATCHED), exceptions
    stored.note, stored.inbox_message_id, stored.received_at = "; ".join(notes) or None, inbox_message_id, utcnow()
    session.flush()
    data: dict[str, Any] = {
        "po_number": row.po_number,
        "invoice_number": invoice.invoice_number,
        "total": str(invoice.total.amount),
        "currency": invoice.currency,
    }
    if announce or (previous is not None and previous != stored.status):  # new, or read again with news
        kind = INVOICE_EXCEPTION if exceptions else INVOICE_MATCHED
        record_event(session, row.order_id, kind, source=source, data=data | {"exceptions": exceptions})
    if not exceptions:
        return None
    return f"810 {invoice.invoice_number} for PO {row.po_number}: " + "; ".join(exceptions)
