"""What a drop-ship supplier sends that does not fit the purchase order the hub sent it: an 855 for a PO the hub
never sent, an 856 for more units than were ordered, an 810 whose prices differ from the PO. Each is stored,
flagged with the reason (register, timeline, invoice row), replayable, and never a crash."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from hub.channels.process import process_message
from hub.db.models import EdiTransaction, InboxMessage, SupplierInvoice
from hub.db.session import Database
from tests.delivery.test_purchase_orders import add_supplier, drop_shipped, events, fo_state, receive, sent_po
from tests.fakes.x12_supplier import FakeX12Supplier, PoLine, PurchaseOrder


@pytest.fixture
def sup1(database: Database, tmp_path: Path) -> FakeX12Supplier:
    return add_supplier(database, tmp_path, "sup1")


def inbound_sets(database: Database, set_id: str) -> list[EdiTransaction]:
    with database.session() as session:
        query = select(EdiTransaction).where(EdiTransaction.direction == "in", EdiTransaction.set_id == set_id)
        rows = list(session.scalars(query.order_by(EdiTransaction.id)))
        session.expunge_all()
        return rows


def replay(database: Database, message: InboxMessage) -> str:
    return process_message(database, message.id, replay=True).status


def test_an_855_for_a_po_the_hub_never_sent_is_stored_failed_with_the_po_and_replayable(
    database: Database, sup1: FakeX12Supplier
) -> None:
    drop_shipped(database)
    po = sent_po(database, sup1)
    line = PoLine("1", 2, "EA", None, None, "LAMP")
    stranger = PurchaseOrder("-", po.envelope, "00", "DS", "DSNOSUCHPO", None, (line,))
    sup1.answer(stranger)
    (message,) = receive(database, "sup1", expect="failed")
    assert message.status == "failed" and "DSNOSUCHPO" in (message.error or "")
    (row,) = inbound_sets(database, "855")
    assert row.status == "failed" and "DSNOSUCHPO" in (row.error or "") and "replay" in (row.error or "")

    assert replay(database, message) == "failed"  # still unknown: the same reason, nothing applied, no crash
    (row,) = inbound_sets(database, "855")
    assert row.status == "failed" and "DSNOSUCHPO" in (row.error or "")


def test_an_856_for_more_units_than_ordered_ships_nothing_and_is_flagged(
    database: Database, sup1: FakeX12Supplier
) -> None:
    order_id, fo_id = drop_shipped(database)
    po = sent_po(database, sup1)
    sup1.answer(po)
    sup1.ship([(po, [{"1": 2}, {"1": 1}])], trackings=["1ZOVER000000000001", "1ZOVER000000000002"])
    first, second = receive(database, "sup1")
    assert fo_state(database, fo_id) == "accepted"  # nothing shipped
    (exception,) = events(database, order_id, "order.shipment_exception")
    assert "3" in exception["reason"] and "2" in exception["reason"]
    (row,) = inbound_sets(database, "856")
    assert row.status == "applied" and "not shipped" in (row.error or "")

    assert replay(database, second) == "processed"
    assert len(events(database, order_id, "order.shipment_exception")) == 1  # flagged once, however often read
    assert fo_state(database, fo_id) == "accepted"


def test_an_810_whose_prices_differ_from_the_po_is_kept_with_its_exceptions(
    database: Database, sup1: FakeX12Supplier
) -> None:
    order_id, _fo_id = drop_shipped(database)
    po = sent_po(database, sup1)
    sup1.answer(po)
    sup1.ship([(po, [{"1": 2}])], trackings=["1ZPRICE00000000001"])
    receive(database, "sup1")
    sup1.invoice(po, prices={"1": Decimal("8.10")}, invoice_number="INV-DEAR")
    (message,) = receive(database, "sup1")
    with database.session() as session:
        invoice = session.scalars(select(SupplierInvoice)).one()
        assert (invoice.invoice_number, invoice.status, invoice.total) == ("INV-DEAR", "exceptions", "16.20")
        assert invoice.exceptions == ["line 1: invoiced at 8.10 USD, the PO price is 7.50"]
    (flagged,) = events(database, order_id, "purchase_order.invoice_exception")
    assert flagged["exceptions"] == invoice.exceptions
    (row,) = inbound_sets(database, "810")
    assert row.status == "applied" and "the PO price is 7.50" in (row.error or "")
    assert events(database, order_id, "purchase_order.invoice_matched") == []

    assert replay(database, message) == "processed"
    with database.session() as session:
        assert session.scalars(select(SupplierInvoice.status)).all() == ["exceptions"]  # one row, still flagged
    assert len(events(database, order_id, "purchase_order.invoice_exception")) == 1


def test_an_810_read_before_the_856_is_matched_when_replayed_after_it(
    database: Database, sup1: FakeX12Supplier
) -> None:
    order_id, _fo_id = drop_shipped(database)
    po = sent_po(database, sup1)
    sup1.answer(po)
    sup1.invoice(po, invoice_number="INV-EARLY")
    _ack, early = receive(database, "sup1")
    with database.session() as session:
        invoice = session.scalars(select(SupplierInvoice)).one()
        assert invoice.exceptions == ["line 1: 2 unit(s) invoiced, 0 shipped"]

    sup1.ship([(po, [{"1": 2}])], trackings=["1ZLATE000000000001"])
    receive(database, "sup1")
    assert replay(database, early) == "processed"
    with database.session() as session:
        invoice = session.scalars(select(SupplierInvoice)).one()
        assert (invoice.status, invoice.exceptions) == ("matched", [])
    assert len(events(database, order_id, "purchase_order.invoice_matched")) == 1
