"""The journal file: one CSV per export run, one row per journal line, every entry balanced.

======================  ==================================================================================
column                  value
======================  ==================================================================================
date                    the entry's date, ``YYYY-MM-DD``
entry_id                the hub's id of the entry (``sale:ord_...``, ``refund:ord_...:...``,
                        ``...:adj1`` for an adjusting entry); the rows of one entry share it and balance
account                 the account code, from the destination's account mapping
debit, credit           decimal amounts with a point (``12.50``); one of the two is ``0.00`` on each row
currency                ISO 4217 code; one currency per entry
description             what the line is (a product name, "shipping charged", "tax: CA State Tax")
order_reference         the order number people use (the channel's number, else its order id)
kind                    sale, refund, fee, supplier_cost or adjustment
order_id                the hub's order id
channel                 the channel and account the order came from (``shopify:main``)
customer                the buyer's name (a supplier's id for a supplier cost)
sku, quantity           on product lines
unit_price              on product lines
tax_name, tax_rate      on tax lines, as the channel stated them (rate as a fraction, ``0.0725``)
memo                    the entry's memo
======================  ==================================================================================

RFC 4180 CSV (comma, CRLF line ends), UTF-8 with a byte order mark unless the account turns it off. Text
cells that start with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return get a leading single quote, so a
spreadsheet does not run them as formulas; amounts are never quoted that way.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation

from hub.sdk import EntryKind, JournalEntry, JournalLine, LedgerRecord, PermanentError

COLUMNS = (
    "date",
    "entry_id",
    "account",
    "debit",
    "credit",
    "currency",
    "description",
    "order_reference",
    "kind",
    "order_id",
    "channel",
    "customer",
    "sku",
    "quantity",
    "unit_price",
    "tax_name",
    "tax_rate",
    "memo",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str | None) -> str:
    text = value or ""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def file_name(entries: Sequence[JournalEntry], keys: Iterable[str]) -> str:
    """``journal-<first date>-<last date>-<digest>.csv``: the same run sent again gets the same name."""
    digest = hashlib.sha256("\n".join(sorted(keys)).encode()).hexdigest()[:12]
    days = sorted(entry.date for entry in entries)
    return f"journal-{days[0].isoformat()}-{days[-1].isoformat()}-{digest}.csv"


def _row(entry: JournalEntry, line: JournalLine) -> list[str]:
    order = entry.order
    reference = (order.number or order.channel_order_id) if order else ""
    customer = entry.customer.name if entry.customer else None
    return [
        entry.date.isoformat(),
        entry.entry_id,
        neutralise(line.account),
        line.debit,
        line.credit,
        entry.currency,
        neutralise(line.description),
        neutralise(reference),
        entry.kind.value,
        order.order_id if order else "",
        neutralise(order.channel) if order else "",
        neutralise(customer),
        neutralise(line.sku),
        "" if line.quantity is None else str(line.quantity),
        line.unit_price or "",
        neutralise(line.tax_name),
        line.tax_rate or "",
        neutralise(entry.memo),
    ]


def journal_csv(entries: Sequence[JournalEntry], *, bom: bool = True) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for entry in entries:
        writer.writerows(_row(entry, line) for line in entry.lines)
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode("utf-8")


def read_journal(name: str, body: bytes) -> list[LedgerRecord]:
    """The entries of a journal file as a ledger reads them: each entry's total debit, by entry id."""
    try:
        text = body.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
        rows = list(csv.DictReader(io.StringIO(text, newline="")))
        totals: dict[str, tuple[dict[str, str], Decimal]] = {}
        for row in rows:
            first, total = totals.get(row["entry_id"], (row, Decimal(0)))
            totals[row["entry_id"]] = (first, total + Decimal(row["debit"]))
    except (UnicodeDecodeError, KeyError, TypeError, InvalidOperation) as exc:
        raise PermanentError(f"{name} is not a journal file this connector wrote: {exc}") from None
    return [
        LedgerRecord(
            entry_id=entry_id,
            external_id=f"{name}#{entry_id}",
            date=date.fromisoformat(first["date"]),
            currency=first["currency"],
            total=str(total),
            kind=EntryKind(first["kind"]) if first.get("kind") in set(EntryKind) else None,
            order_number=first.get("order_reference") or None,
        )
        for entry_id, (first, total) in totals.items()
    ]
