"""The Xero connector against a fake organisation: invoices and credit notes paid through the clearing account,
manual journals, Idempotency-Key, ValidationErrors, the minute limit, and a read-back for reconciliation."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
import requests

from connectors.xero import Xero
from hub.canonical import FulfillmentRequest
from hub.sdk import (
    Connector,
    Customer,
    EntryKind,
    JournalEntry,
    JournalLine,
    LineRole,
    OrderReference,
    Period,
    PermanentError,
    TransientError,
)
from hub.sdk.testing import ConnectorContract, ContractPartner
from tests.connectors.partners import FakePartner
from tests.fakes.xero import FakeXero

ORDER = OrderReference("ord_1", "shopify:main", "5001", "#1001")


def sale() -> JournalEntry:
    lines = (
        JournalLine("610", LineRole.CLEARING, debit="117.25"),
        JournalLine("200", LineRole.REVENUE, credit="90.00", sku="LAMP", quantity=2, unit_price="45.00"),
        JournalLine("260", LineRole.SHIPPING, credit="10.00"),
        JournalLine("200", LineRole.DISCOUNT, debit="5.00"),
        JournalLine("820", LineRole.TAX, credit="22.25", tax_name="CA State Tax"),
    )
    return JournalEntry(
        "sale:ord_1", EntryKind.SALE, date(2026, 11, 14), "USD", lines, ORDER, Customer("Jon Snow", "jon@example.com")
    )


def refund() -> JournalEntry:
    lines = (
        JournalLine("200", LineRole.REVENUE, debit="45.00", sku="LAMP", quantity=1, unit_price="45.00"),
        JournalLine("610", LineRole.CLEARING, credit="45.00"),
    )
    return JournalEntry("refund:ord_1:ref_1", EntryKind.REFUND, date(2026, 11, 20), "USD", lines, ORDER)


def cost() -> JournalEntry:
    lines = (
        JournalLine("310", LineRole.COST, debit="30.00", description="ACME invoice 7781"),
        JournalLine("090", LineRole.PAYABLE, credit="30.00"),
    )
    return JournalEntry("cost:ACME:7781", EntryKind.SUPPLIER_COST, date(2026, 11, 21), "USD", lines, ORDER)


@pytest.fixture
def xero() -> Iterator[FakeXero]:
    with FakeXero() as fake:
        yield fake


def connector(fake: FakeXero, **settings: Any) -> Xero:
    return Xero(Xero.Config.model_validate(fake.settings(**settings)), requests.Session())


class TestXeroContract(ConnectorContract):
    connector_class = Xero
    secret_settings = ("access_token",)
    invalid_settings = (("base_url", "ftp://xero.example.com"), ("tenant_id", "my-org"), ("timeout", 0))

    @pytest.fixture
    def partner(self, xero: FakeXero) -> ContractPartner:
        return FakePartner(xero, xero.settings(timeout=0.5), lambda: sum(len(rows) for rows in xero.records.values()))

    def exercise(self, connector: Connector, request: FulfillmentRequest) -> object:
        assert isinstance(connector, Xero)
        return connector.post_entry(cost(), "acct:xero:main:cost:ACME:7781")

    def count_effects(self, partner: ContractPartner, request: FulfillmentRequest) -> int | None:
        assert isinstance(partner, FakePartner)
        return partner.effects()


def test_a_sale_is_an_authorised_invoice_paid_from_the_clearing_account(xero: FakeXero) -> None:
    posted = connector(xero).post_entry(sale(), "k1")
    [invoice] = xero.of("Invoices")
    [paid] = xero.of("Payments")
    assert posted.external_id == f"Invoices:{invoice['InvoiceID']}"
    assert invoice["Type"] == "ACCREC" and invoice["Status"] == "AUTHORISED" and invoice["Total"] == 117.25
    assert [item["LineAmount"] for item in invoice["LineItems"]] == [90.0, 10.0, -5.0, 22.25]
    assert invoice["Reference"] == "orderhub sale:ord_1"
    assert paid["Invoice"] == {"InvoiceID": invoice["InvoiceID"]} and paid["Account"] == {"Code": "610"}
    assert invoice["AmountDue"] == 0.0
    assert [contact["Name"] for contact in xero.of("Contacts")] == ["shopify:main sales"]


def test_a_resend_with_the_same_key_posts_once(xero: FakeXero) -> None:
    first = connector(xero).post_entry(sale(), "k1")
    second = connector(xero).post_entry(sale(), "k1")
    assert first == second
    assert len(xero.of("Invoices")) == 1 and len(xero.of("Payments")) == 1


def test_a_refund_is_a_credit_note_refunded_and_a_cost_a_manual_journal(xero: FakeXero) -> None:
    xero_connector = connector(xero, contact_rule="per_buyer")
    xero_connector.post_entry(refund(), "r1")
    xero_connector.post_entry(cost(), "c1")
    [note] = xero.of("CreditNotes")
    assert note["Type"] == "ACCRECCREDIT" and note["Total"] == 45.0
    assert xero.of("Payments")[0]["CreditNote"] == {"CreditNoteID": note["CreditNoteID"]}
    [journal] = xero.of("ManualJournals")
    assert [line["LineAmount"] for line in journal["JournalLines"]] == [30.0, -30.0]


def test_validation_errors_are_permanent_and_quote_xero(xero: FakeXero) -> None:
    lines = (JournalLine("999", LineRole.FEE, debit="1.00"), JournalLine("610", LineRole.CLEARING, credit="1.00"))
    entry = JournalEntry("fee:x", EntryKind.FEE, date(2026, 11, 1), "USD", lines)
    with pytest.raises(PermanentError, match="Account code '999' is not a valid code"):
        connector(xero).post_entry(entry, "k")


def test_the_minute_limit_says_which_and_how_long(xero: FakeXero) -> None:
    xero.fail_next(429)
    with pytest.raises(TransientError, match="minute rate limit") as raised:
        connector(xero).post_entry(cost(), "k")
    assert raised.value.retry_after == 45


def test_read_back_finds_the_hubs_entries_of_the_period(xero: FakeXero) -> None:
    xero_connector = connector(xero)
    for entry, key in ((sale(), "s"), (refund(), "r"), (cost(), "c")):
        xero_connector.post_entry(entry, key)
    november = xero_connector.read_entries(Period(date(2026, 11, 1), date(2026, 11, 30)))
    assert sorted((r.entry_id, r.total, r.date.isoformat()) for r in november) == [
        ("cost:ACME:7781", "30.00", "2026-11-21"),
        ("refund:ord_1:ref_1", "45.00", "2026-11-20"),
        ("sale:ord_1", "117.25", "2026-11-14"),
    ]
    assert xero_connector.read_entries(Period(date(2026, 10, 1), date(2026, 10, 31))) == []
