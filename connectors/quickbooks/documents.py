"""The hub's journal entries in QuickBooks' shapes.

A sale becomes a sales receipt (or an invoice) and a refund a refund receipt when the entry has exactly that
shape: one clearing line on the money side, and product, shipping, tax and discount lines on the other. Any
other entry (a fee, a supplier's cost, an adjustment, or a sale carrying a line those documents cannot hold)
becomes a journal entry, line for line, which QuickBooks books exactly as the hub computed it. Either way the
document's ``PrivateNote`` carries the hub's entry id, which is how reconciliation finds it again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from hub.sdk import EntryKind, JournalEntry, JournalLine, LineRole

NOTE_PREFIX = "orderhub "
DOC_NUMBER_MAX = 21

ItemFor = Callable[[JournalLine], str]  # the QuickBooks item id a product, shipping or tax line is sold as


@dataclass(frozen=True)
class Document:
    entity: str  # salesreceipt, invoice, refundreceipt, journalentry
    body: dict[str, Any]


def money(value: Decimal) -> float:
    # QuickBooks takes JSON numbers; two-decimal amounts survive the float exactly as printed.
    return float(value.quantize(Decimal("0.01")))


def note(entry: JournalEntry) -> str:
    return f"{NOTE_PREFIX}{entry.entry_id}" + (f": {entry.memo}" if entry.memo else "")


def entry_id_of(private_note: str | None) -> str | None:
    if not private_note or not private_note.startswith(NOTE_PREFIX):
        return None
    return private_note[len(NOTE_PREFIX) :].split(": ", 1)[0]  # entry ids hold colons but never spaces


def doc_number(entry: JournalEntry, prefix: str = "") -> str | None:
    number = (entry.order.number or entry.order.channel_order_id) if entry.order else None
    if not number:
        return None
    text = prefix + number.lstrip("#").strip()
    return text if 0 < len(text) <= DOC_NUMBER_MAX else None


def sales_lines(entry: JournalEntry, item_for: ItemFor) -> list[dict[str, Any]]:
    lines: list[dict[str, Any]] = []
    for line in entry.lines:
        amount = abs(line.amount)
        if line.role is LineRole.CLEARING:
            continue
        if line.role is LineRole.DISCOUNT:
            detail = {"PercentBased": False, "DiscountAccountRef": {"value": line.account}}
            lines.append({"DetailType": "DiscountLineDetail", "Amount": money(amount), "DiscountLineDetail": detail})
            continue
        item: dict[str, Any] = {"ItemRef": {"value": item_for(line)}}
        if line.quantity and line.unit_price and Decimal(line.unit_price) * line.quantity == amount:
            item |= {"Qty": line.quantity, "UnitPrice": money(Decimal(line.unit_price))}
        lines.append(
            {
                "DetailType": "SalesItemLineDetail",
                "Amount": money(amount),
                "Description": line.description or line.tax_name or line.sku or line.role.value,
                "SalesItemLineDetail": item,
            }
        )
    return lines


def sales_document(
    entry: JournalEntry, clearing: JournalLine, customer: str | None, item_for: ItemFor, *, invoice: bool
) -> Document:
    body: dict[str, Any] = {
        "TxnDate": entry.date.isoformat(),
        "CurrencyRef": {"value": entry.currency},
        "PrivateNote": note(entry),
        "Line": sales_lines(entry, item_for),
    }
    if customer:
        body["CustomerRef"] = {"value": customer}
    refund = entry.kind is EntryKind.REFUND
    number = doc_number(entry, "R" if refund else "")
    if number:
        body["DocNumber"] = number
    if invoice and not refund:
        return Document("invoice", body)
    body["DepositToAccountRef"] = {"value": clearing.account}
    return Document("refundreceipt" if refund else "salesreceipt", body)


def journal_entry(entry: JournalEntry) -> Document:
    lines = [
        {
            "DetailType": "JournalEntryLineDetail",
            "Amount": money(abs(line.amount)),
            "Description": line.description or line.role.value,
            "JournalEntryLineDetail": {
                "PostingType": "Debit" if line.amount > 0 else "Credit",
                "AccountRef": {"value": line.account},
            },
        }
        for line in entry.lines
        if line.amount != 0
    ]
    body: dict[str, Any] = {
        "TxnDate": entry.date.isoformat(),
        "CurrencyRef": {"value": entry.currency},
        "PrivateNote": note(entry),
        "Line": lines,
    }
    number = doc_number(entry, {EntryKind.FEE: "F", EntryKind.SUPPLIER_COST: "C"}.get(entry.kind, "J"))
    if number:
        body["DocNumber"] = number
    return Document("journalentry", body)
