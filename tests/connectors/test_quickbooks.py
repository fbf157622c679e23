"""The QuickBooks Online connector against a fake company that answers as Intuit documents: sales receipts,
invoices with payments, refund receipts and journal entries; requestid idempotency; Fault 6140 and 6240;
throttling; a read-back for reconciliation."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
import requests

from connectors.quickbooks import QuickBooks
from hub.canonical import FulfillmentRequest
from hub.sdk import (
    AlreadyDelivered,
    Connector,
    Customer,
    EntryKind,
    JournalEntry,
    JournalLine,
    LineRole,
    OrderReference,
    Period,
    PermanentError,
    Submitted,
    TransientError,
)
from hub.sdk.testing import ConnectorContract, ContractPartner
from tests.connectors.partners import FakePartner
from tests.fakes.quickbooks import FakeQuickBooks

ORDER = OrderReference("ord_1", "shopify:main", "5001", "#1001")


def sale(entry_id: str = "sale:ord_1", order: OrderReference = ORDER, **changes: Any) -> JournalEntry:
    lines = (
        JournalLine("1", LineRole.CLEARING, debit="117.25", description="due from Shopify"),
        JournalLine("79", LineRole.REVENUE, credit="90.00", sku="LAMP", quantity=2, unit_price="45.00"),
        JournalLine("80", LineRole.SHIPPING, credit="10.00"),
        JournalLine("81", LineRole.DISCOUNT, debit="5.00"),
        JournalLine("82", LineRole.TAX, credit="22.25", tax_name="CA State Tax", tax_rate="0.0725"),
    )
    fields: dict[str, Any] = {
        "entry_id": entry_id,
        "kind": EntryKind.SALE,
        "date": date(2026, 11, 14),
        "currency": "USD",
        "lines": lines,
        "order": order,
        "customer": Customer("Jon Snow", "jon@example.com"),
    }
    return JournalEntry(**(fields | changes))


def fee() -> JournalEntry:
    lines = (
        JournalLine("90", LineRole.FEE, debit="3.70", description="Shopify Payments fee"),
        JournalLine("1", LineRole.CLEARING, credit="3.70"),
    )
    return JournalEntry("fee:ord_1", EntryKind.FEE, date(2026, 11, 14), "USD", lines, ORDER)


def refund() -> JournalEntry:
    lines = (
        JournalLine("79", LineRole.REVENUE, debit="45.00", sku="LAMP", quantity=1, unit_price="45.00"),
        JournalLine("82", LineRole.TAX, debit="3.26", tax_name="CA State Tax"),
        JournalLine("1", LineRole.CLEARING, credit="48.26"),
    )
    return JournalEntry("refund:ord_1:ref_1", EntryKind.REFUND, date(2026, 11, 20), "USD", lines, ORDER)


@pytest.fixture
def qbo() -> Iterator[FakeQuickBooks]:
    with FakeQuickBooks() as fake:
        yield fake


def connector(fake: FakeQuickBooks, **settings: Any) -> QuickBooks:
    return QuickBooks(QuickBooks.Config.model_validate(fake.settings(**settings)), requests.Session())


class TestQuickBooksContract(ConnectorContract):
    connector_class = QuickBooks
    secret_settings = ("access_token",)
    invalid_settings = (
        ("base_url", "ftp://quickbooks.example.com"),
        ("realm_id", "company-one"),
        ("minor_version", 65),
        ("sales_document", "estimate"),
        ("timeout", 0),
    )

    @pytest.fixture
    def partner(self, qbo: FakeQuickBooks) -> ContractPartner:
        return FakePartner(qbo, qbo.settings(timeout=0.5), lambda: sum(len(rows) for rows in qbo.records.values()))

    def exercise(self, connector: Connector, request: FulfillmentRequest) -> object:
        assert isinstance(connector, QuickBooks)
        return connector.post_entry(fee(), "acct:quickbooks:main:fee:ord_1")

    def count_effects(self, partner: ContractPartner, request: FulfillmentRequest) -> int | None:
        assert isinstance(partner, FakePartner)
        return partner.effects()


def test_a_sale_becomes_a_sales_receipt_into_the_clearing_account(qbo: FakeQuickBooks) -> None:
    posted = connector(qbo).post_entry(sale(), "k1")
    [receipt] = qbo.of("SalesReceipt")
    assert posted.external_id == f"SalesReceipt:{receipt['Id']}"
    assert receipt["DepositToAccountRef"] == {"value": "1"} and receipt["TotalAmt"] == 117.25
    assert receipt["DocNumber"] == "1001" and receipt["PrivateNote"].startswith("orderhub sale:ord_1")
    lamp, shipping, discount, tax = receipt["Line"]
    assert lamp["SalesItemLineDetail"]["Qty"] == 2 and lamp["Amount"] == 90.0
    assert discount["DiscountLineDetail"]["DiscountAccountRef"] == {"value": "81"}
    assert tax["Amount"] == 22.25
    items = {item["Name"]: item["IncomeAccountRef"]["value"] for item in qbo.of("Item")}
    assert items == {"LAMP": "79", "orderhub shipping 80": "80", "orderhub tax CA State Tax": "82"}
    assert [c["DisplayName"] for c in qbo.of("Customer")] == ["shopify:main sales"]


def test_items_and_customers_are_found_before_they_are_created(qbo: FakeQuickBooks) -> None:
    connector(qbo).post_entry(sale(), "k1")
    other = OrderReference("ord_2", "shopify:main", "5002", "#1002")
    connector(qbo).post_entry(sale("sale:ord_2", order=other), "k2")  # a new connector: nothing cached
    assert len(qbo.of("Item")) == 3 and len(qbo.of("Customer")) == 1 and len(qbo.of("SalesReceipt")) == 2


def test_per_buyer_customers(qbo: FakeQuickBooks) -> None:
    connector(qbo, customer_rule="per_buyer").post_entry(sale(), "k1")
    assert [c["DisplayName"] for c in qbo.of("Customer")] == ["Jon Snow <jon@example.com>"]


def test_a_resend_with_the_same_key_posts_once(qbo: FakeQuickBooks) -> None:
    first = connector(qbo).post_entry(sale(), "k1")
    second = connector(qbo).post_entry(sale(), "k1")
    assert first == second and len(qbo.of("SalesReceipt")) == 1


def test_a_taken_number_holding_our_entry_counts_as_delivered(qbo: FakeQuickBooks) -> None:
    connector(qbo).post_entry(sale(), "k1")
    with pytest.raises(AlreadyDelivered, match="sale:ord_1"):
        connector(qbo).post_entry(sale(), "another-key")  # the requestid expired; the number is ours
    assert len(qbo.of("SalesReceipt")) == 1


def test_a_number_taken_by_another_document_is_posted_beside_it(qbo: FakeQuickBooks) -> None:
    connector(qbo).post_entry(sale(), "k1")
    amazon = OrderReference("ord_9", "amazon:us", "111-222", "#1001")  # same number, another channel
    connector(qbo).post_entry(sale("sale:ord_9", order=amazon), "k9")
    assert [r["DocNumber"] for r in qbo.of("SalesReceipt")] == ["1001", "1001"]


def test_invoice_mode_pays_the_invoice_into_the_clearing_account(qbo: FakeQuickBooks) -> None:
    connector(qbo, sales_document="invoice").post_entry(sale(), "k1")
    [invoice] = qbo.of("Invoice")
    [payment] = qbo.of("Payment")
    assert payment["Line"][0]["LinkedTxn"] == [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]
    assert payment["TotalAmt"] == 117.25 and payment["DepositToAccountRef"] == {"value": "1"}


def test_a_refund_becomes_a_refund_receipt_and_a_fee_a_journal_entry(qbo: FakeQuickBooks) -> None:
    quickbooks = connector(qbo)
    quickbooks.post_entry(refund(), "r1")
    quickbooks.post_entry(fee(), "f1")
    [receipt] = qbo.of("RefundReceipt")
    assert receipt["TotalAmt"] == 48.26 and receipt["DocNumber"] == "R1001"
    [journal] = qbo.of("JournalEntry")
    postings = [(line["JournalEntryLineDetail"]["PostingType"], line["Amount"]) for line in journal["Line"]]
    assert postings == [("Debit", 3.7), ("Credit", 3.7)]


def test_an_unknown_account_is_permanent_and_names_it(qbo: FakeQuickBooks) -> None:
    lines = (JournalLine("999", LineRole.FEE, debit="1.00"), JournalLine("1", LineRole.CLEARING, credit="1.00"))
    entry = JournalEntry("fee:x", EntryKind.FEE, date(2026, 11, 1), "USD", lines)
    with pytest.raises(PermanentError, match="999"):
        connector(qbo).post_entry(entry, "k")


def test_throttling_waits_a_minute_unless_told_otherwise(qbo: FakeQuickBooks) -> None:
    qbo.fail_next(429)
    with pytest.raises(TransientError, match="ThrottleExceeded") as raised:
        connector(qbo).post_entry(fee(), "k")
    assert raised.value.retry_after == 60


def test_read_back_finds_the_hubs_entries_of_the_period_only(qbo: FakeQuickBooks) -> None:
    quickbooks = connector(qbo)
    quickbooks.post_entry(sale(), "k1")
    quickbooks.post_entry(refund(), "r1")
    quickbooks.post_entry(fee(), "f1")
    november = quickbooks.read_entries(Period(date(2026, 11, 1), date(2026, 11, 30)))
    assert sorted((r.entry_id, r.total) for r in november) == [
        ("fee:ord_1", "3.70"),
        ("refund:ord_1:ref_1", "48.26"),
        ("sale:ord_1", "117.25"),
    ]
    assert quickbooks.read_entries(Period(date(2026, 12, 1), date(2026, 12, 31))) == []


def numbered(serial: int) -> JournalEntry:
    order = OrderReference(f"ord_{serial}", "shopify:main", str(serial), f"#{serial}")
    return sale(f"sale:ord_{serial}", order=order)


def test_a_batch_posts_thirty_documents_a_call_each_answered_alone(qbo: FakeQuickBooks) -> None:
    bad = (JournalLine("999", LineRole.FEE, debit="1.00"), JournalLine("1", LineRole.CLEARING, credit="1.00"))
    refused = JournalEntry("fee:x", EntryKind.FEE, date(2026, 11, 1), "USD", bad)
    batch = [(numbered(serial), f"k{serial}") for serial in range(2000, 2040)]
    batch.insert(5, (refused, "kx"))

    answers = connector(qbo).post_entries(batch)

    assert len(answers) == 41 and isinstance(answers[5], PermanentError) and "999" in str(answers[5])
    receipts = {row["Id"]: row for row in qbo.of("SalesReceipt")}
    assert len(receipts) == 40
    for (entry, _key), answer in zip(batch, answers, strict=True):
        if entry.entry_id != "fee:x":
            assert isinstance(answer, Submitted)
            assert receipts[answer.external_id.split(":")[1]]["PrivateNote"].startswith(f"orderhub {entry.entry_id}")
    assert sum(path.startswith("/v3/company/9130355377389516/batch") for _m, path in qbo.requests) == 2


def test_a_batch_sent_again_posts_nothing_twice(qbo: FakeQuickBooks) -> None:
    batch = [(numbered(serial), f"k{serial}") for serial in range(3000, 3005)]
    first = connector(qbo).post_entries(batch)
    again = connector(qbo).post_entries(batch)  # the same group: the batch's requestid answers it
    assert first == again and len(qbo.of("SalesReceipt")) == 5

    regrouped = connector(qbo).post_entries(batch[1:3])  # formed differently: each number is found ours
    assert all(isinstance(answer, AlreadyDelivered) for answer in regrouped)
    assert len(qbo.of("SalesReceipt")) == 5


def test_a_batch_that_fails_as_a_whole_answers_each_entry_with_why(qbo: FakeQuickBooks) -> None:
    quickbooks = connector(qbo)
    quickbooks.post_entry(numbered(4000), "warm")  # customer and items are known: the next call is the batch
    qbo.fail_next(503)
    answers = quickbooks.post_entries([(numbered(serial), f"k{serial}") for serial in range(4001, 4004)])
    assert all(isinstance(answer, TransientError) for answer in answers)
    assert len(qbo.of("SalesReceipt")) == 1
