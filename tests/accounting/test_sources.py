"""Supplier invoices booked as costs of their orders, and a destination that cannot be written: paused with
the reason, its entries kept and posted once it is fixed and resumed."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select, update

from hub.accounting.export import run_export
from hub.db.models import (
    AccountingExport,
    Delivery,
    DeliveryStatus,
    JournalEntryRecord,
    Partner,
    SupplierInvoice,
    SupplierPurchaseOrder,
)
from hub.db.models.base import utcnow
from hub.db.session import Database
from hub.delivery.config import EngineConfig
from hub.delivery.destinations import destination_state, resume
from tests.accounting.builders import add_destination, generate_month, journal_rows_of

ENGINE = EngineConfig()


def add_invoice(database: Database, order_id: str, number: str, *, test: bool = False) -> None:
    lines = [
        {"line_id": "1", "sku": "SKU-1", "quantity": 2, "unit_price": {"amount": "7.50", "currency": "USD"},
         "total": {"amount": "15.00", "currency": "USD"}},
    ]  # fmt: skip
    document = {
        "invoice_number": number,
        "invoice_date": "2026-11-20",
        "po_number": f"PO{number}",
        "order_id": order_id,
        "currency": "USD",
        "lines": lines,
        "shipping": {"amount": "4.00", "currency": "USD"},
        "total": {"amount": "19.00", "currency": "USD"},
        "test": test,
    }
    with database.session() as session:
        if session.get(Partner, "ACME") is None:
            session.add(Partner(id="ACME", name="Acme Supply", kind="supplier", profile={}))
            session.flush()
        session.add(
            SupplierPurchaseOrder(
                po_number=f"PO{number}", fulfillment_order_id=f"ful_{number}", order_id=order_id, partner_id="ACME",
                location_id="dropship", status="shipped", currency="USD", lines=[], interchange_control_number="1",
                set_control_number="1", ack_by="997",
            )
        )  # fmt: skip
        session.flush()
        session.add(
            SupplierInvoice(
                partner_id="ACME", invoice_number=number, po_number=f"PO{number}", order_id=order_id,
                invoice_date="2026-11-20", currency="USD", total="19.00", status="matched", document=document,
            )
        )  # fmt: skip


def test_a_supplier_invoice_is_a_cost_of_its_order(database: Database, tmp_path: Path) -> None:
    month = generate_month(database, per_channel=2)
    order_id = sorted(month.orders)[0]
    add_invoice(database, order_id, "INV-1")
    add_invoice(database, order_id, "INV-2", test=True)  # a test invoice is never booked
    directory = add_destination(database, tmp_path, "books")

    run_export(database, "csv-journal", "books", engine=ENGINE)

    with database.session() as session:
        [cost] = session.scalars(select(JournalEntryRecord).where(JournalEntryRecord.kind == "supplier_cost")).all()
        lines = [(line.account, line.debit, line.credit) for line in cost.lines]
    assert cost.entry_id == "supplier_cost:ACME:INV-1" and cost.order_id == order_id
    assert lines == [
        ("cost_of_goods", Decimal("15.00"), 0),
        ("cost_of_goods", Decimal("4.00"), 0),
        ("accounts_payable", 0, Decimal("19.00")),
    ]
    rows = [row for rows in journal_rows_of(directory).values() for row in rows if row["kind"] == "supplier_cost"]
    assert [(row["account"], row["debit"], row["credit"]) for row in rows] == [
        ("5000", "15.00", "0.00"),
        ("5000", "4.00", "0.00"),
        ("2000", "0.00", "19.00"),
    ]


def test_an_unwritable_directory_pauses_the_destination_and_loses_nothing(database: Database, tmp_path: Path) -> None:
    generate_month(database, per_channel=2)
    directory = add_destination(database, tmp_path, "books")
    directory.rmdir()

    first = run_export(database, "csv-journal", "books", engine=ENGINE)

    assert first.posted == 0 and first.waiting == first.planned > 0
    with database.session() as session:
        state = destination_state(session, "csv-journal:books")
        assert state.paused and str(directory) in (state.paused_reason or "")
        assert set(session.scalars(select(AccountingExport.status))) == {"pending"}

    directory.mkdir()
    with database.session() as session:
        resume(session, "csv-journal:books")
        session.execute(
            update(Delivery)
            .where(Delivery.status == DeliveryStatus.PENDING)
            .values(next_attempt_at=utcnow() - timedelta(seconds=1))
        )
    second = run_export(database, "csv-journal", "books", engine=ENGINE)

    assert second.planned == 0 and second.posted == first.planned
    [rows] = journal_rows_of(directory).values()
    assert len({row["entry_id"] for row in rows}) == first.planned
