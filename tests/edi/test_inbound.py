"""Inbound X12 from the inbox to orders, the register and queued acknowledgments (hub.edi.inbound)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from hub.channels.process import Outcome, process_message
from hub.db.models import EdiInterchange, EdiTransaction, InboxMessage, OrderEvent, OrderRecord
from hub.db.session import Database
from hub.edi.intake import ANY_PARTNER, store_x12
from hub.edi.partners import parse_profile, save_partner
from hub.edi.register import QueuedSet, queue_outbound
from tests.edi.x12text import group, interchange, purchase_order, transaction

SAMPLES = Path(__file__).parent / "samples"


def profile(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "theirs": {"qualifier": "ZZ", "id": "ACMERETAIL", "gs_id": "ACMERETAIL"},
        "ours": {"qualifier": "ZZ", "id": "WIDGETSUPPLY", "gs_id": "WIDGETSUPPLY"},
        "control_version": "00401",
        "gs_version": "004010",
    }
    return data | changes


@pytest.fixture
def acme(database: Database) -> Database:
    with database.session() as session:
        save_partner(session, "acme", name="Acme Retail", kind="trading_partner", profile=parse_profile(profile()))
    return database


def receive(database: Database, body: bytes, partner: str | None = "acme") -> tuple[int, Outcome]:
    with database.session() as session:
        inbox_id, _ = store_x12(session, source="cli", body=body, partner_id=partner)
    return inbox_id, process_message(database, inbox_id)


def answers(database: Database, outcome: Outcome) -> list[str]:
    with database.session() as session:
        return [session.get(EdiInterchange, i).text or "" for i in outcome.outbound]  # type: ignore[union-attr]


def register(database: Database, inbox_id: int) -> list[tuple[str, str, str | None, str]]:
    with database.session() as session:
        rows = session.scalars(
            select(EdiTransaction)
            .join(EdiInterchange, EdiInterchange.id == EdiTransaction.interchange_id)
            .where(EdiInterchange.inbox_message_id == inbox_id)
            .order_by(EdiTransaction.id)
        )
        return [(row.set_id, row.control_number, row.reference, row.status) for row in rows]


def orders(database: Database) -> dict[str, list[tuple[str | None, int]]]:
    with database.session() as session:
        records = session.scalars(select(OrderRecord).order_by(OrderRecord.channel_order_id)).all()
        return {r.channel_order_id: [(line.sku, line.quantity) for line in r.lines] for r in records}


def test_a_purchase_order_file_becomes_orders_with_a_997_queued(acme: Database) -> None:
    inbox_id, outcome = receive(acme, (SAMPLES / "850_4010_crlf.x12").read_bytes())
    assert outcome.status == "processed"
    assert outcome.detail == "1 interchange(s) accepted, 2 set(s) applied"
    assert orders(acme) == {
        "4500012345": [("WG-100-BLU", 24), ("WG-200-RED", 12)],
        "4500012346": [("GZ-900", 6)],
    }
    assert register(acme, inbox_id) == [
        ("850", "0001", "4500012345", "applied"),
        ("850", "0002", "4500012346", "applied"),
    ]
    (ack,) = answers(acme, outcome)
    assert "GS*FA*WIDGETSUPPLY*ACMERETAIL*" in ack
    assert "AK1*PO*101~" in ack and "AK2*850*0001~\nAK5*A~" in ack and "AK9*A*2*2*2~" in ack
    with acme.session() as session:
        record = session.scalars(select(OrderRecord).where(OrderRecord.channel_order_id == "4500012345")).one()
        assert (record.channel, record.account, record.po_number) == ("x12", "acme", "4500012345")
        received = session.scalars(select(InboxMessage).where(InboxMessage.id == inbox_id)).one()
        assert received.body == (SAMPLES / "850_4010_crlf.x12").read_bytes()
        (row,) = session.scalars(select(EdiInterchange).where(EdiInterchange.inbox_message_id == inbox_id)).all()
        assert (row.status, row.partner_id, row.sender, row.control_number) == (
            "accepted",
            "acme",
            "ZZ:ACMERETAIL",
            "000000101",
        )
        assert row.answer_id == outcome.outbound[0]


def test_the_same_interchange_again_is_answered_025_and_not_applied(acme: Database) -> None:
    body = (SAMPLES / "850_4010_crlf.x12").read_bytes()
    receive(acme, body)
    inbox_id, outcome = receive(acme, body)
    assert outcome.status == "processed"
    assert outcome.detail == "1 interchange(s) duplicate"
    assert register(acme, inbox_id) == []
    (ack,) = answers(acme, outcome)
    assert "TA1*000000101*240105*1230*E*025~" in ack
    with acme.session() as session:
        assert len(session.scalars(select(OrderEvent)).all()) == 2  # the two orders, received once


def test_a_po_number_sent_again_in_a_new_interchange_is_flagged(acme: Database) -> None:
    receive(acme, interchange(group("PO", 1, purchase_order("PO-77", ("VN:SKU-1", 2, "3.50"))), control_number=1))
    again = purchase_order("PO-77", ("VN:SKU-1", 5, "3.50"))
    inbox_id, outcome = receive(acme, interchange(group("PO", 2, again), control_number=2))
    assert outcome.status == "processed"
    assert register(acme, inbox_id) == [("850", "0001", "PO-77", "flagged")]
    assert orders(acme) == {"PO-77": [("SKU-1", 2)]}  # not doubled, not overwritten
    with acme.session() as session:
        kinds = [e.type for e in session.scalars(select(OrderEvent).order_by(OrderEvent.id))]
        assert kinds == ["order.received", "order.duplicate_po_flagged"]
        flagged = session.scalars(select(EdiTransaction).where(EdiTransaction.status == "flagged")).one()
        assert flagged.error is not None and "already received" in flagged.error
    (ack,) = answers(acme, outcome)
    assert "AK5*A~" in ack  # the set itself is sound; the repeat is the operator's to resolve


def test_a_replay_is_not_a_duplicate_of_itself_and_is_not_answered_twice(acme: Database) -> None:
    inbox_id, first = receive(acme, (SAMPLES / "850_4010_crlf.x12").read_bytes())
    replayed = process_message(acme, inbox_id, replay=True)
    assert replayed.status == "processed"
    assert replayed.outbound == ()
    assert register(acme, inbox_id) == [
        ("850", "0001", "4500012345", "applied"),
        ("850", "0002", "4500012346", "applied"),
    ]
    with acme.session() as session:
        assert (
            session.scalars(select(EdiInterchange).where(EdiInterchange.direction == "in")).one().answer_id
            == (first.outbound[0])
        )
        assert len(session.scalars(select(OrderEvent)).all()) == 2


def test_partner_item_numbers_become_our_skus(database: Database) -> None:
    items = [{"partner_item": "012345678905", "qualifier": "UP", "sku": "BLUE-100"}]
    with database.session() as session:
        data = parse_profile(profile(items=items))
        save_partner(session, "acme", name="Acme Retail", kind="trading_partner", profile=data)
    body = interchange(group("PO", 5, purchase_order("PO-1", ("UP:012345678905", 3, "1.00"), ("BP:XYZ", 1, "2"))))
    _, outcome = receive(database, body)
    assert orders(database) == {"PO-1": [("BLUE-100", 3), (None, 1)]}
    assert "line(s) 2 have no SKU" in outcome.detail


def test_a_file_whose_sender_is_not_the_vouching_partner_is_refused_006(acme: Database) -> None:
    body = interchange(group("PO", 1, purchase_order("PO-9", ("VN:A", 1, "1")), sender="MALLORY"), sender="MALLORY")
    inbox_id, outcome = receive(acme, body)
    assert orders(acme) == {}
    assert register(acme, inbox_id) == [("850", "0001", None, "rejected")]
    (ack,) = answers(acme, outcome)
    assert "*R*006~" in ack and "GS*FA" not in ack


def test_an_unknown_sender_fails_until_the_partner_exists_then_replays(database: Database) -> None:
    body = (SAMPLES / "850_4010_crlf.x12").read_bytes()
    inbox_id, outcome = receive(database, body, partner=None)
    assert outcome.status == "failed"
    assert "from ZZ:ACMERETAIL was not processed: no partner has this sender id" in outcome.detail
    with database.session() as session:
        assert session.get(InboxMessage, inbox_id).account == ANY_PARTNER  # type: ignore[union-attr]
        save_partner(session, "acme", name="Acme Retail", kind="trading_partner", profile=parse_profile(profile()))
    replayed = process_message(database, inbox_id, replay=True)
    assert replayed.status == "processed" and len(replayed.outbound) == 1
    assert set(orders(database)) == {"4500012345", "4500012346"}


def test_bytes_that_are_not_x12_are_kept_with_the_reason(acme: Database) -> None:
    inbox_id, outcome = receive(acme, b'{"order": 1}')
    assert outcome.status == "failed" and outcome.detail.startswith("nothing read; not X12: no ISA segment")
    with acme.session() as session:
        assert session.get(InboxMessage, inbox_id).body == b'{"order": 1}'  # type: ignore[union-attr]


def test_a_set_with_a_bad_count_is_rejected_and_the_rest_applied(acme: Database) -> None:
    inbox_id, outcome = receive(acme, (SAMPLES / "850_bad_se01.x12").read_bytes())
    statuses = [status for *_, status in register(acme, inbox_id)]
    assert "rejected" in statuses
    (ack,) = answers(acme, outcome)
    assert "AK5*R*4~" in ack
    assert len(orders(acme)) == statuses.count("applied")


def _sent_850(database: Database, po_number: str, order_id: str | None = None) -> None:
    with database.session() as session:
        queue_outbound(
            session,
            partner_id="acme",
            text="ISA...",
            control_number="000000007",
            sender="ZZ:WIDGETSUPPLY",
            receiver="ZZ:ACMERETAIL",
            usage="P",
            kind="documents",
            sets=[QueuedSet("850", "PO", "7", "004010", "0001", po_number, order_id=order_id)],
        )


@pytest.mark.parametrize(
    ("ak5", "ak9", "status", "codes"),
    [
        ("AK5*A", "AK9*A*1*1*1", "accepted", ["A"]),
        ("AK5*E*5", "AK9*E*1*1*1", "accepted_with_errors", ["E", "5"]),
        ("AK5*R*5", "AK9*R*1*1*0", "rejected", ["R", "5"]),
    ],
)
def test_a_997_sets_the_acknowledgment_status_of_what_we_sent(
    acme: Database, ak5: str, ak9: str, status: str, codes: list[str]
) -> None:
    _sent_850(acme, "OUR-PO-1")
    ack = transaction("997", "0001", "AK1*PO*000000007", "AK2*850*0001", ak5, ak9)
    _, outcome = receive(acme, interchange(group("FA", 9, ack), control_number=9))
    assert outcome.status == "processed" and outcome.outbound == ()  # nobody acknowledges an acknowledgment
    with acme.session() as session:
        row = session.scalars(select(EdiTransaction).where(EdiTransaction.direction == "out")).one()
        assert (row.ack_status, row.ack_codes) == (status, codes)
        assert row.acknowledged_at is not None and row.ack_interchange_id is not None


def test_a_997_without_set_loops_gives_every_set_the_group_verdict(acme: Database) -> None:
    _sent_850(acme, "OUR-PO-1")
    ack = transaction("997", "0001", "AK1*PO*7", "AK9*A*1*1*1")
    receive(acme, interchange(group("FA", 9, ack), control_number=9))
    with acme.session() as session:
        assert session.scalars(select(EdiTransaction.ack_status).where(EdiTransaction.direction == "out")).one() == (
            "accepted"
        )


def test_a_ship_notice_lands_on_the_order_the_hub_sent_the_po_for(acme: Database) -> None:
    receive(acme, interchange(group("PO", 1, purchase_order("PO-5", ("VN:SKU-1", 2, "3.50"))), control_number=1))
    with acme.session() as session:
        order_id = session.scalars(select(OrderRecord.id)).one()
    _sent_850(acme, "SUP-5", order_id)
    asn = transaction(
        "856",
        "0001",
        "BSN*00*SHIP-1*20261122*0930",
        "HL*1**S",
        "TD5**2*UPSN",
        "REF*CN*1Z999",
        "HL*2*1*O",
        "PRF*SUP-5",
        "HL*3*2*I",
        "LIN**VN*SKU-1",
        "SN1**2*EA",
        "CTT*3",
    )
    inbox_id, outcome = receive(acme, interchange(group("SH", 3, asn), control_number=3))
    assert outcome.status == "processed", outcome.detail
    assert register(acme, inbox_id) == [("856", "0001", "SHIP-1", "applied")]
    with acme.session() as session:
        event = session.scalars(select(OrderEvent).where(OrderEvent.type == "order.shipment_reported")).one()
        assert event.order_id == order_id
        assert event.data["document"]["tracking_numbers"] == ["1Z999"]
        assert event.data["edi"] == {
            "partner": "acme",
            "set_id": "856",
            "interchange": "000000003",
            "group": "3",
            "control_number": "0001",
        }


def test_a_ship_notice_for_an_unknown_po_fails_and_can_be_replayed(acme: Database) -> None:
    asn = transaction("856", "0001", "BSN*00*SHIP-2*20261122*0930", "HL*1**S", "HL*2*1*O", "PRF*NOPE", "CTT*2")
    inbox_id, outcome = receive(acme, interchange(group("SH", 4, asn), control_number=4))
    assert outcome.status == "failed"
    assert "names PO 'NOPE', which matches no single order" in outcome.detail
    assert register(acme, inbox_id) == [("856", "0001", None, "failed")]
    assert len(answers(acme, outcome)) == 1  # the partner still gets its 997: the set itself was sound


@pytest.mark.parametrize("lenient", [False, True])
def test_accented_names_pass_only_for_a_partner_that_allows_them(database: Database, lenient: bool) -> None:
    sender = {"qualifier": "ZZ", "id": "MAGASINSUD", "gs_id": "MAGASINSUD"}
    ours = {"qualifier": "01", "id": "123456789", "gs_id": "123456789"}
    data = profile(theirs=sender, ours=ours, leniencies={"international_characters": lenient})
    with database.session() as session:
        save_partner(session, "sud", name="Magasin Sud", kind="trading_partner", profile=parse_profile(data))
    inbox_id, outcome = receive(database, (SAMPLES / "850_4010_latin1.x12").read_bytes(), partner="sud")
    (ack,) = answers(database, outcome)
    if lenient:
        assert [status for *_, status in register(database, inbox_id)] == ["applied"]
        assert "AK5*A~" in ack
        with database.session() as session:
            (order,) = session.scalars(select(OrderRecord)).all()
            assert order.document["ship_to"]["name"] == "BOULANGERIE ÉTOILE"
    else:
        assert [status for *_, status in register(database, inbox_id)] == ["rejected"]
        assert "AK4*2*93*6*BOULANGERIE" in ack and "AK5*R*5~" in ack


def test_a_suppliers_846_counts_the_stock_of_the_location_it_feeds(database: Database) -> None:
    from hub.inventory.levels import get_level
    from hub.inventory.locations import parse_location, save_location

    sender = {"qualifier": "ZZ", "id": "SENDERID", "gs_id": "SENDERID"}
    ours = {"qualifier": "ZZ", "id": "RECEIVERID", "gs_id": "RECEIVERID"}
    items = [{"partner_item": "012345678912", "qualifier": "UP", "sku": "WIDGET-BLUE"}]
    with database.session() as session:
        data = profile(theirs=sender, ours=ours, usage="T", items=items)
        save_partner(session, "acme-supply", name="Acme Supply", kind="supplier", profile=parse_profile(data))
        spec = {"id": "acme-dropship", "name": "Acme drop-ship", "kind": "supplier", "partner_id": "acme-supply"}
        save_location(session, parse_location(spec | {"external_id": "SUP1"}))
    body = (Path(__file__).parent / "spec_samples" / "846_4010.x12").read_bytes()
    inbox_id, outcome = receive(database, body, partner="acme-supply")
    assert outcome.status == "processed", outcome.detail
    assert register(database, inbox_id) == [("846", "0001", "INV20240116", "applied")]
    with database.session() as session:
        # ABC-1 by the SKU the advice carries (VN), the second item by the cross-reference of its UPC
        assert get_level(session, "ABC-1", "acme-dropship").on_hand == 120
        assert get_level(session, "WIDGET-BLUE", "acme-dropship").on_hand == 0
    again, _ = receive(database, body.replace(b"000000001", b"000000002"), partner="acme-supply")
    assert register(database, again) == [("846", "0001", "INV20240116", "applied")]  # same count: applied once
    with database.session() as session:
        assert get_level(session, "ABC-1", "acme-dropship").on_hand == 120
