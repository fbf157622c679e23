"""The envelope around outbound sets: who sends to whom, test or production, one group per functional id, and
control numbers that never repeat."""

from __future__ import annotations

import pytest

from hub.db.session import Database
from hub.edi.control_numbers import Kind, NumberSource, peek
from hub.edi.outbound import OutboundInvalid, build_interchange
from hub.edi.partners import save_partner
from hub.edi.reader import read_interchanges
from tests.edi.outbound.support import NOW, Numbers, drop_ship_order, golden, make_profile, read_back


def test_isa_and_gs_name_us_as_the_partner_knows_us_and_the_partner_as_receiver() -> None:
    profile = make_profile(
        theirs={"qualifier": "01", "id": "123456789", "gs_id": "123456789"},
        ours={"qualifier": "12", "id": "5035551234", "gs_id": "HUBGS"},
        usage="T",
    )
    out = build_interchange(profile, [drop_ship_order()], Numbers(isa13=7), now=NOW)
    [interchange] = read_interchanges(out.text.encode("ascii"))
    assert (interchange.sender_qualifier, interchange.sender_id) == ("12", "5035551234")
    assert (interchange.receiver_qualifier, interchange.receiver_id) == ("01", "123456789")
    assert (interchange.control_number, interchange.ack_requested, interchange.usage) == ("000000007", False, "T")
    assert (interchange.date, interchange.time) == ("260302", "0930")
    [group] = interchange.groups
    assert (group.sender, group.receiver, group.date, group.time) == ("HUBGS", "123456789", "20260302", "0930")


def test_test_documents_go_in_a_test_interchange_and_read_back_as_tests() -> None:
    order = drop_ship_order(test=True)
    out = build_interchange(make_profile(usage="P"), [order], Numbers(), now=NOW)
    assert read_interchanges(out.text.encode("ascii"))[0].usage == "T"
    [back] = read_back(out.text)
    assert back.test is True  # type: ignore[attr-defined]


def test_documents_are_grouped_by_functional_id_in_the_order_they_first_come() -> None:
    _, shipment = golden("856")[0]
    _, invoice = golden("810")[0]
    first, second = drop_ship_order(), drop_ship_order(po_number="HUB-PO-1002")
    numbers = Numbers(isa13=500, gs06=40, st02=9)
    out = build_interchange(
        make_profile(),
        [first, shipment, first, invoice, second],
        numbers,
        now=NOW,
        set_ids=["850", "856", "940", "810", "850"],
    )
    # numbered group by group, listed in the order the documents were given
    assert [tuple(t) for t in out.transactions] == [
        ("850", "PO", "40", "0009", "HUB-PO-1001"),
        ("856", "SH", "41", "0011", shipment.shipment_number),  # type: ignore[attr-defined]
        ("940", "OW", "42", "0012", "5432109876"),
        ("810", "IN", "43", "0013", invoice.invoice_number),  # type: ignore[attr-defined]
        ("850", "PO", "40", "0010", "HUB-PO-1002"),
    ]
    assert numbers.drawn == {Kind.ISA13: 1, Kind.GS06: 4, Kind.ST02: 5}
    [interchange] = read_interchanges(out.text.encode("ascii"))
    assert [(g.functional_id, g.control_number, len(g.transactions)) for g in interchange.groups] == [
        ("PO", "40", 2),
        ("SH", "41", 1),
        ("OW", "42", 1),
        ("IN", "43", 1),
    ]
    assert out.text.endswith("IEA*4*000000500~\n")
    # the 940 has no inbound mapping; the others read back as themselves
    assert [type(d).__name__ for d in read_back(out.text)] == ["Order", "Order", "Shipment", "Invoice"]


def test_other_delimiters_and_line_ends_as_terminators_read_back() -> None:
    profile = make_profile(
        "00501", "005010", delimiters={"element": "|", "component": ":", "segment": "\n", "repetition": "^"}
    )
    out = build_interchange(profile, [drop_ship_order()], Numbers(), now=NOW)
    assert out.text.splitlines()[3] == "BEG|00|DS|HUB-PO-1001||20260302"
    [back] = read_back(out.text)
    assert back.po_number == "HUB-PO-1001"  # type: ignore[attr-defined]


@pytest.fixture
def partner(database: Database) -> str:
    with database.session() as session:
        save_partner(session, "globex", name="Globex Supply", kind="supplier", profile=make_profile())
    return "globex"


def test_control_numbers_from_the_database_never_repeat_across_builds(database: Database, partner: str) -> None:
    numbers = NumberSource(database, partner)
    _, shipment = golden("856")[0]
    seen: list[tuple[str, ...]] = []
    for _ in range(3):
        out = build_interchange(make_profile(), [drop_ship_order(), shipment], numbers, now=NOW)
        seen.append((out.control_number, *(f"{t.group_control_number}/{t.control_number}" for t in out.transactions)))
    isa13s = [s[0] for s in seen]
    groups_and_sets = [x for s in seen for x in s[1:]]
    assert len(set(isa13s)) == 3 and len(set(groups_and_sets)) == 6
    assert isa13s == ["000000001", "000000002", "000000003"]


def test_a_refused_document_spends_no_control_number(database: Database, partner: str) -> None:
    numbers = NumberSource(database, partner)
    build_interchange(make_profile(), [drop_ship_order()], numbers, now=NOW)
    with pytest.raises(OutboundInvalid):
        build_interchange(make_profile(), [drop_ship_order(po_number=None)], numbers, now=NOW)
    with database.session() as session:
        assert [peek(session, partner, kind) for kind in Kind] == [1, 1, 1]
