"""The QuickBooks Online connector: posts journal entries, reads back what it posted."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any, ClassVar

import requests

from connectors.quickbooks.batch import BATCH_MAX, batch_answers, batch_body, batch_request_id
from connectors.quickbooks.client import DuplicateDocument, QuickBooksClient, request_id
from connectors.quickbooks.config import Config as QuickBooksConfig
from connectors.quickbooks.documents import (
    Document,
    entry_id_of,
    journal_entry,
    money,
    note,
    sales_document,
)
from connectors.quickbooks.refs import References, select
from hub.sdk import (
    AlreadyDelivered,
    ConnectorError,
    ConnectorKind,
    EntryKind,
    JournalEntry,
    LedgerRecord,
    Period,
    Submitted,
)
from hub.sdk.accounting import customer_name, sales_clearing

ENTITIES = {  # what the connector posts, by the name queries use, and the entry kind it books
    "SalesReceipt": EntryKind.SALE,
    "Invoice": EntryKind.SALE,
    "RefundReceipt": EntryKind.REFUND,
    "JournalEntry": None,
}
RESPONSE_KEYS = {
    "salesreceipt": "SalesReceipt",
    "invoice": "Invoice",
    "refundreceipt": "RefundReceipt",
    "journalentry": "JournalEntry",
    "payment": "Payment",
}


class QuickBooks:
    """QuickBooks Online (Accounting API v3). A resend of the same delivery carries the same ``requestid``,
    for which QuickBooks answers with the first response instead of posting again; a document number that
    is taken is looked up, and when the document there is the hub's own entry it counts as delivered."""

    name: ClassVar[str] = "quickbooks"
    kind: ClassVar[ConnectorKind] = ConnectorKind.ACCOUNTING
    Config: ClassVar[type[QuickBooksConfig]] = QuickBooksConfig
    batch_size: ClassVar[int] = 10 * BATCH_MAX  # entries an export hands over per call: ten /batch requests

    def __init__(self, config: QuickBooksConfig, session: requests.Session) -> None:
        self.config = config
        self.client = QuickBooksClient(config, session)
        self.refs = References(self.client)

    def check(self) -> None:
        self.client.get(f"companyinfo/{self.config.realm_id}")

    def post_entry(self, entry: JournalEntry, idempotency_key: str) -> Submitted:
        document = self._document(entry)
        posted = self._post(document, entry, idempotency_key)
        if document.entity == "invoice":
            self._pay(entry, posted, idempotency_key)
        return Submitted(external_id=f"{RESPONSE_KEYS[document.entity]}:{posted['Id']}")

    def post_entries(self, batch: Sequence[tuple[JournalEntry, str]]) -> list[Submitted | ConnectorError]:
        """Entries through ``/batch``, 30 a call (invoices, which need their payment, one by one). Once a call
        fails as a whole, the entries not sent yet get that error (those of earlier calls stay posted)."""
        answers: list[Submitted | ConnectorError] = []
        ready: list[tuple[int, Document, JournalEntry, str]] = []
        for index, (entry, key) in enumerate(batch):
            try:
                document = self._document(entry)
                answers.append(self.post_entry(entry, key) if document.entity == "invoice" else Submitted(""))
            except ConnectorError as error:
                answers.append(error)
                continue
            if document.entity != "invoice":
                ready.append((index, document, entry, key))
        failure: ConnectorError | None = None
        for start in range(0, len(ready), BATCH_MAX):
            group = ready[start : start + BATCH_MAX]
            if failure is None:
                try:
                    found = self._batch([document for _i, document, _e, _k in group], [k for *_rest, k in group])
                except ConnectorError as error:
                    failure = error
            for position, (index, document, entry, key) in enumerate(group):
                answers[index] = failure or self._settled(document, entry, key, found[position])
        return answers

    def read_entries(self, period: Period) -> list[LedgerRecord]:
        records = []
        for entity, kind in ENTITIES.items():
            statement = select(
                entity, ("TxnDate", ">=", period.start.isoformat()), ("TxnDate", "<=", period.end.isoformat())
            )
            for row in self.client.query(statement):
                entry_id = entry_id_of(row.get("PrivateNote"))
                if entry_id is not None:
                    records.append(_record(entity, kind, entry_id, row))
        return records

    # -- posting --

    def _document(self, entry: JournalEntry) -> Document:
        clearing = sales_clearing(entry)
        if clearing is None:
            return journal_entry(entry)
        invoice = self.config.sales_document == "invoice"
        customer = self.refs.customer(customer_name(self.config.customer_rule, entry.order, entry.customer))
        return sales_document(entry, clearing, customer, self.refs.item, invoice=invoice)

    def _post(self, document: Document, entry: JournalEntry, key: str) -> dict[str, Any]:
        try:
            answer = self.client.post(document.entity, document.body, request=request_id(key))
        except DuplicateDocument:
            mine = self._find_own(document, entry)
            if mine is not None:
                raise AlreadyDelivered(
                    f"{RESPONSE_KEYS[document.entity]}:{mine} already books {entry.entry_id}"
                ) from None
            # the number belongs to another document (another channel's order #1001): post beside it
            answer = self.client.post(
                document.entity, document.body, request=request_id(key, ":dup"), include="allowduplicatedocnum"
            )
        return dict(answer[RESPONSE_KEYS[document.entity]])

    def _batch(self, documents: list[Document], keys: list[str]) -> list[dict[str, Any] | ConnectorError]:
        answer = self.client.batch(batch_body(documents), request=batch_request_id(keys))
        return batch_answers(answer, documents)

    def _settled(
        self, document: Document, entry: JournalEntry, key: str, item: dict[str, Any] | ConnectorError
    ) -> Submitted | ConnectorError:
        """One item's answer; a taken number is resolved as a single post resolves it."""
        if isinstance(item, DuplicateDocument):
            try:
                item = self._post(document, entry, key)
            except ConnectorError as error:
                return error
        if isinstance(item, ConnectorError):
            return item
        return Submitted(external_id=f"{RESPONSE_KEYS[document.entity]}:{item['Id']}")

    def _find_own(self, document: Document, entry: JournalEntry) -> str | None:
        entity = RESPONSE_KEYS[document.entity]
        number = document.body.get("DocNumber")
        rows = self.client.query(select(entity, ("DocNumber", "=", str(number))))
        own = [row for row in rows if entry_id_of(row.get("PrivateNote")) == entry.entry_id]
        return str(own[0]["Id"]) if own else None

    def _pay(self, entry: JournalEntry, invoice: dict[str, Any], key: str) -> None:
        """An invoice is paid at once into the channel's clearing account: the channel has the money."""
        clearing = sales_clearing(entry)
        assert clearing is not None
        body = {
            "CustomerRef": invoice["CustomerRef"],
            "TotalAmt": money(Decimal(clearing.debit)),
            "TxnDate": entry.date.isoformat(),
            "CurrencyRef": {"value": entry.currency},
            "DepositToAccountRef": {"value": clearing.account},
            "PrivateNote": note(entry),
            "Line": [
                {
                    "Amount": money(Decimal(clearing.debit)),
                    "LinkedTxn": [{"TxnId": str(invoice["Id"]), "TxnType": "Invoice"}],
                }
            ],
        }
        self.client.post("payment", body, request=request_id(key, ":payment"))


def _record(entity: str, kind: EntryKind | None, entry_id: str, row: dict[str, Any]) -> LedgerRecord:
    if entity == "JournalEntry":
        lines = row.get("Line", [])
        debits = [
            Decimal(str(line.get("Amount", 0)))
            for line in lines
            if line.get("JournalEntryLineDetail", {}).get("PostingType") == "Debit"
        ]
        total = sum(debits, Decimal(0))
    else:
        total = Decimal(str(row.get("TotalAmt", 0)))
    return LedgerRecord(
        entry_id=entry_id,
        external_id=f"{entity}:{row['Id']}",
        date=date.fromisoformat(str(row["TxnDate"])),
        currency=str(row.get("CurrencyRef", {}).get("value", "")),
        total=f"{total.quantize(Decimal('0.01'))}",
        kind=kind,
        order_number=row.get("DocNumber"),
    )
