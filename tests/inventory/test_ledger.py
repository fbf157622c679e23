"""The inventory ledger is append-only in the database itself, and explains every figure of a level."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from hub.db.session import Database
from hub.inventory import (
    IncomingSource,
    Reason,
    adjust,
    allocate,
    expect,
    history,
    open_incoming,
    receive,
    restock_return,
    set_safety_stock,
)
from hub.inventory.incoming import cancel_incoming
from tests.inventory.conftest import level_of

T0 = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


def test_the_ledger_refuses_update_and_delete(database: Database, warehouse: str) -> None:
    with database.session() as session:
        receive(session, "TEE", warehouse, 5)
    statements = ["UPDATE inventory_ledger SET delta = 500", "DELETE FROM inventory_ledger"]
    if database.dialect == "postgresql":
        statements.append("TRUNCATE inventory_ledger")
    for statement in statements:
        with pytest.raises(DBAPIError, match="inventory_ledger is append-only"), database.engine.begin() as connection:
            connection.execute(text(statement))
    with database.session() as session:
        assert [(e.delta, e.reason) for e in history(session, "TEE")] == [(5, "receipt")]


def test_expected_stock_is_received_against_its_po(database: Database, warehouse: str) -> None:
    with database.session() as session:
        po = expect(
            session,
            "TEE",
            warehouse,
            24,
            source_type=IncomingSource.PO,
            reference="PO-1001",
            expected_on=date(2026, 12, 1),
        )
        expect(session, "TEE", warehouse, 12, source_type=IncomingSource.ASN, reference="ASN-9")
    level = level_of(database, "TEE", warehouse)
    assert (level.incoming, level.on_hand, level.available) == (36, 0, 0)  # incoming is not available yet
    with database.session() as session:
        receipt = receive(session, "TEE", warehouse, 10, reference="PO-1001", key="944-1")
        assert receipt.incoming is not None and (receipt.incoming.quantity, receipt.incoming.status) == (14, "open")
        assert receive(session, "TEE", warehouse, 10, reference="PO-1001", key="944-1").applied is False
        over = receive(session, "TEE", warehouse, 16, incoming_id=po.id)  # 2 more than were still expected
        assert over.incoming is not None and (over.incoming.quantity, over.incoming.status) == (0, "received")
    level = level_of(database, "TEE", warehouse)
    assert (level.incoming, level.on_hand) == (12, 26)
    with database.session() as session:
        assert [(r.source_type, r.reference, r.quantity) for r in open_incoming(session, "TEE")] == [
            ("asn", "ASN-9", 12)
        ]


def test_an_expected_receipt_is_revised_and_cancelled_through_the_ledger(database: Database, warehouse: str) -> None:
    with database.session() as session:
        row = expect(session, "TEE", warehouse, 24, source_type=IncomingSource.PO, reference="PO-1")
        expect(session, "TEE", warehouse, 30, source_type=IncomingSource.PO, reference="PO-1")
        assert level_of(database, "TEE", warehouse).incoming == 0  # not committed yet: another connection
    assert level_of(database, "TEE", warehouse).incoming == 30
    with database.session() as session:
        assert cancel_incoming(session, row.id).status == "cancelled"
        entries = [(e.delta, e.reason, e.reference) for e in history(session, "TEE") if e.bucket == "incoming"]
    assert entries == [
        (24, "incoming_expected", "po:PO-1"),
        (6, "incoming_expected", "po:PO-1"),
        (-30, "incoming_cancelled", "po:PO-1"),
    ]
    assert level_of(database, "TEE", warehouse).incoming == 0


def test_every_change_is_an_entry_with_its_balance(database: Database, warehouse: str) -> None:
    with database.session() as session:
        receive(session, "TEE", warehouse, 10, now=T0)
        adjust(session, "TEE", warehouse, -1, note="damaged", source="cli", now=T0 + timedelta(minutes=1))
        restock_return(session, "TEE", warehouse, 1, reference="RMA-5", key="RMA-5:1", now=T0 + timedelta(minutes=2))
        restock_return(session, "TEE", warehouse, 1, reference="RMA-5", key="RMA-5:1", now=T0 + timedelta(minutes=3))
        set_safety_stock(session, "TEE", warehouse, 2, now=T0 + timedelta(minutes=4))
        allocate(session, "ord-1", "1", "TEE", warehouse, 3, now=T0 + timedelta(minutes=5))
        lines = history(session, "TEE", warehouse)
    assert [(e.bucket, e.delta, e.balance, e.reason) for e in lines] == [
        ("on_hand", 10, 10, Reason.RECEIPT),
        ("on_hand", -1, 9, Reason.ADJUSTMENT),
        ("on_hand", 1, 10, Reason.RETURN_RESTOCK),  # the second delivery of RMA-5:1 is not an entry
        ("safety_stock", 2, 2, Reason.SAFETY_STOCK),
        ("committed", 3, 3, Reason.ALLOCATION),
    ]
    assert [e.recorded_at for e in lines] == [T0 + timedelta(minutes=m) for m in (0, 1, 2, 4, 5)]
    assert (lines[1].note, lines[1].source, lines[2].reference) == ("damaged", "cli", "RMA-5")
    assert level_of(database, "TEE", warehouse).available == 5
    with database.session() as session:
        assert [e.reason for e in history(session, order_id="ord-1")] == ["allocation"]
        assert [e.delta for e in history(session, "TEE", limit=2)] == [2, 3]


def test_long_idempotency_keys_still_apply_once(database: Database, warehouse: str) -> None:
    rma = "RMA-" + "7" * 300  # longer than the key column: stored as a prefix and a digest
    for _ in range(2):
        with database.session() as session:
            restock_return(session, "TEE", warehouse, 1, reference="RMA-7", key=rma)
    with database.session() as session:
        restock_return(session, "TEE", warehouse, 1, reference="RMA-8", key=rma[:-1] + "8")
    assert level_of(database, "TEE", warehouse).on_hand == 2
