"""810 invoice from a canonical ``Invoice``: the hub billing a trading partner.

Segments, and where each value comes from:

* ``BIG`` with the invoice date, the invoice number and the PO number billed (BIG04). BIG03, the PO date, is
  left empty: the canonical invoice does not carry it.
* ``CUR`` ``SE`` with the currency when it is not USD.
* ``N1`` loops: remit-to ``RE`` first (``remit_to``), then every other party by role.
* ``ITD`` when there are terms or a due date: ``01`` (basic), ``3`` (from the invoice date), the discount
  percent (ITD03) and days (ITD05), the net due date (ITD06, ``due_date``) and the net days (ITD07).
* ``IT1`` loop per line: line id, quantity, unit, unit price and the item pairs (our SKU as ``VN``); ``PID`` F
  with the description (cut to PID05's 80 characters).
* ``TDS`` with the total in whole cents (implied two decimals); an amount with fractions of a cent is refused.
* ``TXI`` ``TX`` (all taxes) with the tax, when the invoice states one.
* ``SAC`` ``C`` ``D240`` (freight, SAC12 ``06`` paid by the customer) with the shipping charge and ``SAC`` ``A``
  ``C310`` (discount, SAC12 ``02`` off invoice) with the discount, each in whole cents, when the invoice states
  them.
* ``CTT`` with the number of lines.

What the inbound 810 mapping does not read back: a line total that is not quantity x unit price (it computes
line totals and the subtotal), and a party whose role it has no entity code for (store).
"""

from __future__ import annotations

from hub.canonical import CanonicalModel, Invoice, InvoiceLine
from hub.edi.outbound.body import SetBody, SetContext, SetWriter, cents, day, decimal, ident, text
from hub.edi.outbound.charges import OFF_INVOICE, PAID_BY_CUSTOMER, add_sac, add_terms
from hub.edi.outbound.items import add_baseline
from hub.edi.outbound.parties import add_party

OWN_QUALIFIER = "VN"


def label(invoice: Invoice) -> str:
    return f"810 for invoice {invoice.invoice_number}"


def build(document: CanonicalModel, context: SetContext) -> SetBody:
    assert isinstance(document, Invoice)
    invoice = document
    body = SetBody(context, label(invoice))
    body.add(
        "BIG",
        day(invoice.invoice_date, "invoice_date"),
        ident(invoice.invoice_number, "invoice_number"),
        None,
        ident(invoice.po_number, "po_number"),
    )
    if invoice.currency != "USD":
        body.add("CUR", "SE", ident(invoice.currency, "currency"))
    if invoice.remit_to is not None:
        add_party(body, invoice.remit_to, "remit_to")
    for index, party in enumerate(invoice.parties):
        add_party(body, party, f"parties[{index}]")
    add_terms(body, invoice.terms, invoice.due_date, "terms")
    for index, line in enumerate(invoice.lines):
        _line(body, line, f"lines[{index}]")
    body.add("TDS", cents(body.label, invoice.total.amount, "total"))
    if invoice.tax is not None:
        body.add("TXI", "TX", decimal(invoice.tax.amount, "tax"))
    if invoice.shipping is not None:
        add_sac(body, False, "D240", cents(body.label, invoice.shipping.amount, "shipping"), method=PAID_BY_CUSTOMER)
    if invoice.discount is not None:
        add_sac(body, True, "C310", cents(body.label, invoice.discount.amount, "discount"), method=OFF_INVOICE)
    body.add("CTT", str(len(invoice.lines)))
    return body


def _line(body: SetBody, line: InvoiceLine, field: str) -> None:
    add_baseline(body, "IT1", line, field, own=OWN_QUALIFIER)
    description = text(line.description, f"{field}.description", limit=body.context.max_length("PID", 5))
    if description is not None:
        body.add("PID", "F", None, None, None, description)


def reference(document: CanonicalModel) -> str | None:
    assert isinstance(document, Invoice)
    return document.invoice_number


WRITER = SetWriter("810", Invoice, build, reference, "invoice_number")
