"""The hub's journal entries in Xero's shapes.

A sale with the sales shape (one clearing debit; product, shipping and tax credits; discount debits) becomes
an ACCREC invoice, authorised, whose lines book to the mapped accounts (tax as its own line to the tax
liability account, discounts as negative lines), then a payment of its total from the clearing account. A
refund of the mirror shape becomes an ACCRECCREDIT credit note and its refund payment. Anything else becomes a
manual journal, line for line. ``Reference`` (``Narration`` on a journal) carries the hub's entry id.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from hub.sdk import EntryKind, JournalEntry, JournalLine, LineRole

NOTE_PREFIX = "orderhub "


@dataclass(frozen=True)
class Document:
    path: str  # Invoices, CreditNotes, ManualJournals
    body: dict[str, Any]
    clearing: JournalLine | None = None  # the account the invoice or credit note is paid through


def reference(entry: JournalEntry) -> str:
    return f"{NOTE_PREFIX}{entry.entry_id}"


def entry_id_of(text: str | None) -> str | None:
    if not text or not text.startswith(NOTE_PREFIX):
        return None
    return text[len(NOTE_PREFIX) :].split(" ", 1)[0]


def number(value: Decimal) -> float:
    return float(value.quantize(Decimal("0.01")))


def line_items(entry: JournalEntry) -> list[dict[str, Any]]:
    sign = Decimal(-1) if entry.kind is EntryKind.SALE else Decimal(1)  # a sale's income lines are credits
    items = []
    for line in entry.lines:
        if line.role is LineRole.CLEARING:
            continue
        amount = line.amount * sign
        item: dict[str, Any] = {
            "Description": line.description or line.tax_name or line.sku or line.role.value,
            "AccountCode": line.account,
            "TaxType": "NONE",  # tax is booked as its own line, to the mapped liability account
            "LineAmount": number(amount),
        }
        if line.quantity and line.unit_price and Decimal(line.unit_price) * line.quantity == amount:
            item |= {"Quantity": line.quantity, "UnitAmount": number(Decimal(line.unit_price))}
        else:
            item |= {"Quantity": 1, "UnitAmount": number(amount)}
        items.append(item)
    return items


def sales_document(entry: JournalEntry, clearing: JournalLine, contact_id: str) -> Document:
    body = {
        "Type": "ACCREC" if entry.kind is EntryKind.SALE else "ACCRECCREDIT",
        "Contact": {"ContactID": contact_id},
        "Date": entry.date.isoformat(),
        "DueDate": entry.date.isoformat(),
        "CurrencyCode": entry.currency,
        "LineAmountTypes": "Exclusive",
        "Status": "AUTHORISED",
        "Reference": reference(entry),
        "LineItems": line_items(entry),
    }
    path = "Invoices" if entry.kind is EntryKind.SALE else "CreditNotes"
    return Document(path, {path: [body]}, clearing)


def manual_journal(entry: JournalEntry) -> Document:
    lines = [
        {
            "LineAmount": number(line.amount),
            "AccountCode": line.account,
            "Description": line.description or line.role.value,
        }
        for line in entry.lines
        if line.amount != 0
    ]
    memo = f" {entry.memo}" if entry.memo else ""
    body = {
        "Narration": f"{reference(entry)}{memo}",
        "Date": entry.date.isoformat(),
        "Status": "POSTED",
        "JournalLines": lines,
    }
    return Document("ManualJournals", {"ManualJournals": [body]})


def payment(document: Document, created: dict[str, Any], entry: JournalEntry) -> dict[str, Any]:
    """The payment that settles the invoice (or refunds the credit note) through the clearing account."""
    assert document.clearing is not None
    amount = abs(document.clearing.amount)
    target = (
        {"Invoice": {"InvoiceID": created["InvoiceID"]}}
        if document.path == "Invoices"
        else {"CreditNote": {"CreditNoteID": created["CreditNoteID"]}}
    )
    return {
        "Payments": [
            {
                **target,
                "Account": {"Code": document.clearing.account},
                "Date": entry.date.isoformat(),
                "Amount": number(amount),
                "Reference": reference(entry),
            }
        ]
    }
