"""The Xero connector: posts journal entries, reads back what it posted."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, ClassVar

import requests

from connectors.xero.client import XeroClient
from connectors.xero.config import Config as XeroConfig
from connectors.xero.documents import Document, entry_id_of, manual_journal, payment, sales_document
from hub.sdk import ConnectorKind, EntryKind, JournalEntry, LedgerRecord, Period, Submitted
from hub.sdk.accounting import customer_name, sales_clearing

ID_FIELD = {"Invoices": "InvoiceID", "CreditNotes": "CreditNoteID", "ManualJournals": "ManualJournalID"}
PAGE = 100  # Xero pages lists by 100


class Xero:
    """Xero (Accounting API 2.0). Every create carries the hub's key as ``Idempotency-Key`` (a payment its own
    derived key), so a resend after a lost answer does not post again."""

    name: ClassVar[str] = "xero"
    kind: ClassVar[ConnectorKind] = ConnectorKind.ACCOUNTING
    Config: ClassVar[type[XeroConfig]] = XeroConfig

    def __init__(self, config: XeroConfig, session: requests.Session) -> None:
        self.config = config
        self.client = XeroClient(config, session)
        self._contacts: dict[str, str] = {}

    def check(self) -> None:
        self.client.get("Organisation")

    def post_entry(self, entry: JournalEntry, idempotency_key: str) -> Submitted:
        clearing = sales_clearing(entry)
        if clearing is None:
            document = manual_journal(entry)
        else:
            contact = self._contact(customer_name(self.config.contact_rule, entry.order, entry.customer))
            document = sales_document(entry, clearing, contact)
        created = self._create(document, idempotency_key)
        if document.clearing is not None:
            self.client.put("Payments", payment(document, created, entry), key=f"{idempotency_key}:payment")
        return Submitted(external_id=f"{document.path}:{created[ID_FIELD[document.path]]}")

    def read_entries(self, period: Period) -> list[LedgerRecord]:
        found = []
        where = f"Date>={_xero_date(period.start)}&&Date<={_xero_date(period.end)}"
        for path, kind in (("Invoices", EntryKind.SALE), ("CreditNotes", EntryKind.REFUND), ("ManualJournals", None)):
            for row in self._pages(path, where):
                entry_id = entry_id_of(row.get("Reference") or row.get("Narration"))
                if entry_id is not None:
                    found.append(_record(path, kind, entry_id, row))
        return found

    def _create(self, document: Document, key: str) -> dict[str, Any]:
        answer = self.client.put(document.path, document.body, key=key)
        return dict(answer[document.path][0])

    def _contact(self, name: str) -> str:
        if name not in self._contacts:
            quoted = name.replace('"', '\\"')
            found = self.client.get("Contacts", where=f'Name=="{quoted}"').get("Contacts", [])
            if found:
                self._contacts[name] = str(found[0]["ContactID"])
            else:
                created = self.client.put("Contacts", {"Contacts": [{"Name": name}]}, key=f"contact:{name}")
                self._contacts[name] = str(created["Contacts"][0]["ContactID"])
        return self._contacts[name]

    def _pages(self, path: str, where: str) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        page = 1
        while True:
            batch = self.client.get(path, where=where, page=page).get(path, [])
            rows.extend(batch)
            if len(batch) < PAGE:
                return rows
            page += 1


def _xero_date(day: date) -> str:
    return f"DateTime({day.year},{day.month:02d},{day.day:02d})"


def _parse_date(value: Any) -> date:
    """Xero's dates: ``/Date(1573755038314+0000)/`` in JSON, or an ISO ``DateString``."""
    text = str(value)
    match = re.fullmatch(r"/Date\((-?\d+)([+-]\d{4})?\)/", text)
    if match:
        return datetime.fromtimestamp(int(match.group(1)) / 1000, tz=UTC).date()
    return date.fromisoformat(text[:10])


def _record(path: str, kind: EntryKind | None, entry_id: str, row: dict[str, Any]) -> LedgerRecord:
    if path == "ManualJournals":
        total = sum(
            (Decimal(str(line["LineAmount"])) for line in row.get("JournalLines", []) if line["LineAmount"] > 0),
            Decimal(0),
        )
    else:
        total = Decimal(str(row.get("Total", 0)))
    return LedgerRecord(
        entry_id=entry_id,
        external_id=f"{path}:{row[ID_FIELD[path]]}",
        date=_parse_date(row.get("DateString") or row.get("Date")),
        currency=str(row.get("CurrencyCode", "")),
        total=f"{total.quantize(Decimal('0.01'))}",
        kind=kind,
    )
