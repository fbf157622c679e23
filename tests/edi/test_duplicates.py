"""A repeated interchange is recognised (TA1 025) and a repeated PO number flagged, never silently doubled."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from hub.db.models import Partner
from hub.db.session import Database
from hub.edi.duplicates import interchange_key, record_interchange, record_purchase_order
from hub.edi.model import Delimiters, Interchange, Level, Segment

FIRST = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)
LATER = datetime(2026, 11, 22, 14, 5, tzinfo=UTC)


def interchange(control_number: str = "000000905", receiver: str = "ORDERHUB", sender: str = "ACME") -> Interchange:
    return Interchange(
        sender_qualifier="ZZ",
        sender_id=sender,
        receiver_qualifier="ZZ",
        receiver_id=receiver,
        date="261121",
        time="0930",
        control_version="00401",
        control_number=control_number,
        ack_requested=False,
        usage="P",
        delimiters=Delimiters("*", ">", "~"),
        isa=Segment("ISA", (), 0),
    )


@pytest.fixture
def partners(database: Database) -> Database:
    with database.session() as session:
        for partner_id in ("acme", "globex"):
            session.add(Partner(id=partner_id, name=partner_id, kind="trading_partner", profile={}))
    return database


def test_the_second_copy_of_an_interchange_is_a_duplicate_025(partners: Database) -> None:
    with partners.session() as session:
        assert record_interchange(session, interchange(), "acme", now=FIRST) is None
    with partners.session() as session:
        finding = record_interchange(session, interchange(), "acme", now=LATER)
    assert finding is not None
    assert (finding.level, finding.code, finding.fatal) == (Level.INTERCHANGE, "025", False)
    assert finding.message == (
        "interchange 000000905 from ZZ:ACME to ZZ:ORDERHUB was already received on 2026-11-21 09:30:00 UTC"
        " (this is copy 2); it is not processed again"
    )
    with partners.session() as session:
        third = record_interchange(session, interchange(), "acme", now=LATER)
    assert third is not None and "copy 3" in third.message


def test_isa13_is_compared_as_a_number_and_the_whole_key_counts(partners: Database) -> None:
    with partners.session() as session:
        assert record_interchange(session, interchange("000000905")) is None
        assert record_interchange(session, interchange("905")) is not None  # same number, unpadded
        assert record_interchange(session, interchange("000000906")) is None
        assert record_interchange(session, interchange("000000905", receiver="OTHERHUB")) is None
        assert record_interchange(session, interchange("000000905", sender="GLOBEX")) is None
    assert interchange_key(interchange("905")).control_number == "000000905"


def test_a_receipt_rolled_back_with_failed_processing_is_forgotten(partners: Database) -> None:
    with pytest.raises(RuntimeError), partners.session() as session:
        assert record_interchange(session, interchange()) is None
        raise RuntimeError("mapping failed")
    with partners.session() as session:
        assert record_interchange(session, interchange()) is None  # the resend is processed


def test_two_workers_handed_the_same_interchange_at_once_see_one_new_and_one_duplicate(partners: Database) -> None:
    workers = 6
    start = threading.Barrier(workers)
    results: list[object] = []
    lock = threading.Lock()

    def work() -> None:
        start.wait()
        with partners.session() as session:
            finding = record_interchange(session, interchange(), "acme")
        with lock:
            results.append(finding)

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(None) == 1
    assert sorted(f.code for f in results if f is not None) == ["025"] * (workers - 1)  # type: ignore[attr-defined]


def test_a_po_number_received_again_from_the_same_partner_is_flagged(partners: Database) -> None:
    with partners.session() as session:
        first = record_purchase_order(
            session,
            "acme",
            "PO-1001",
            interchange_control_number="000000905",
            transaction_control_number="0001",
            now=FIRST,
        )
        assert first is None
    with partners.session() as session:
        repeat = record_purchase_order(
            session,
            "acme",
            "PO-1001",
            interchange_control_number="000000912",
            transaction_control_number="0004",
            now=LATER,
        )
        other_partner = record_purchase_order(
            session, "globex", "PO-1001", interchange_control_number="1", transaction_control_number="0001"
        )
        other_po = record_purchase_order(
            session, "acme", "PO-1002", interchange_control_number="1", transaction_control_number="0002"
        )
    assert other_partner is None and other_po is None
    assert repeat is not None
    assert (repeat.times_seen, repeat.first_interchange, repeat.first_transaction) == (2, "000000905", "0001")
    assert repeat.first_received_at == FIRST
    assert str(repeat) == (
        "850 'PO-1001' from partner acme was already received on 2026-11-21 09:30:00 UTC"
        " (interchange 000000905, set 0001); this is copy 2"
    )


def test_a_purchase_order_without_a_number_cannot_be_checked(partners: Database) -> None:
    with pytest.raises(ValueError, match="needs its reference"), partners.session() as session:
        record_purchase_order(session, "acme", "  ", interchange_control_number="1", transaction_control_number="1")
