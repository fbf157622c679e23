"""A journal entry as a delivery carries it (JSON, accounts already mapped to the destination's codes), and
back into the ``hub.sdk.JournalEntry`` a connector posts.

The account codes are resolved when the delivery is planned, so the destination receives exactly what the
export run showed, even if the mapping file changes while a delivery waits for a retry.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from hub.accounting.amounts import text
from hub.accounting.mapping import AccountMapping
from hub.db.models import JournalEntryRecord, JournalLineRecord
from hub.sdk import Customer, EntryKind, JournalEntry, JournalLine, LineRole, OrderReference


def render(record: JournalEntryRecord, mapping: AccountMapping) -> JournalEntry:
    """The entry as the destination sees it: its account codes, amounts as decimal strings."""
    context = record.context or {}
    order = context.get("order")
    customer = context.get("customer")
    return JournalEntry(
        entry_id=record.entry_id,
        kind=EntryKind(record.kind),
        date=record.entry_date,
        currency=record.currency,
        lines=tuple(_line(line, record.currency, mapping) for line in record.lines),
        order=OrderReference(**order) if order else None,
        customer=Customer(**customer) if customer else None,
        memo=record.memo,
        reverses=record.reverses,
        source_id=context.get("source_id"),
    )


def _line(line: JournalLineRecord, currency: str, mapping: AccountMapping) -> JournalLine:
    return JournalLine(
        account=mapping.code_for(line.account),
        role=LineRole(line.role),
        debit=text(Decimal(line.debit), currency),
        credit=text(Decimal(line.credit), currency),
        description=line.description,
        sku=line.sku,
        quantity=line.quantity,
        unit_price=text(Decimal(line.unit_price), currency) if line.unit_price is not None else None,
        tax_name=line.tax_name,
        tax_rate=line.tax_rate,
    )


def to_payload(entry: JournalEntry) -> dict[str, Any]:
    # Field by field rather than dataclasses.asdict, which deep-copies every value (a third of a run's time).
    return {
        "entry_id": entry.entry_id,
        "kind": entry.kind.value,
        "date": entry.date.isoformat(),
        "currency": entry.currency,
        "lines": [{**vars(line), "role": line.role.value} for line in entry.lines],
        "order": dict(vars(entry.order)) if entry.order else None,
        "customer": dict(vars(entry.customer)) if entry.customer else None,
        "memo": entry.memo,
        "reverses": entry.reverses,
        "source_id": entry.source_id,
    }


def from_payload(data: dict[str, Any]) -> JournalEntry:
    """The entry a delivery carries; ``KeyError``/``ValueError``/``TypeError`` when the payload is not one."""
    order, customer = data.get("order"), data.get("customer")
    return JournalEntry(
        entry_id=str(data["entry_id"]),
        kind=EntryKind(data["kind"]),
        date=date.fromisoformat(data["date"]),
        currency=str(data["currency"]),
        lines=tuple(JournalLine(**{**line, "role": LineRole(line["role"])}) for line in data["lines"]),
        order=OrderReference(**order) if order else None,
        customer=Customer(**customer) if customer else None,
        memo=str(data.get("memo") or ""),
        reverses=data.get("reverses"),
        source_id=data.get("source_id"),
    )
