"""Acknowledgments as a partner receives them: exact TA1/997/999 text, policies, and a standard reader's view."""

from __future__ import annotations

import io
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest
from pyx12.x12file import X12Reader

from hub.db.models import Partner
from hub.db.session import Database
from hub.edi.acks import acknowledge
from hub.edi.control_numbers import Kind, NumberSource
from hub.edi.duplicates import record_interchange
from hub.edi.model import Delimiters, Finding, Group, Interchange, Level, Segment, Transaction
from hub.edi.partners import PartnerProfile, parse_profile
from hub.edi.validate import UnlistedCode

NOW = datetime(2026, 11, 22, 14, 5, tzinfo=UTC)
INBOUND = Delimiters("|", "^", "\n")  # the partner writes with other delimiters than we answer with
ISA_4010 = "ISA*00*          *00*          *ZZ*ORDERHUB       *ZZ*ACME           *261122*1405*U*00401*000000041*0*P*>~"
ISA_5010 = "ISA*00*          *00*          *ZZ*ORDERHUB       *ZZ*ACME           *261122*1405*^*00501*000000041*0*P*>~"


class Numbers:
    """Deterministic fresh numbers (the database-backed source is tested in test_control_numbers)."""

    def __init__(self) -> None:
        self.next = {Kind.ISA13: 41, Kind.GS06: 7, Kind.ST02: 1}
        self.drawn: Counter[Kind] = Counter()

    def __call__(self, kind: Kind) -> int:
        self.drawn[kind] += 1
        self.next[kind] += 1
        return self.next[kind] - 1


def profile(control_version: str = "00401", **changes: Any) -> PartnerProfile:
    data: dict[str, Any] = {
        "theirs": {"qualifier": "ZZ", "id": "ACME", "gs_id": "ACMEGS"},
        "ours": {"qualifier": "ZZ", "id": "ORDERHUB", "gs_id": "ORDERHUB"},
        "control_version": control_version,
        "gs_version": "004010VICS" if control_version == "00401" else "005010",
    }
    data.update(changes)
    return parse_profile(data)


def purchase_order(control_number: str = "0001", *findings: Finding, implementation: str = "") -> Transaction:
    rows = [
        ("ST", "850", control_number),
        ("BEG", "00", "SA", "PO-1001", "", "20261121"),
        ("REF", "DP", "042"),
        ("DTM", "002", "20261201"),
        ("PO1", "1", "12", "EA", "9.50", "", "VN", "ABC-1"),
        ("CTT", "1"),
        ("SE", "7", control_number),
    ]
    segments = [Segment(row[0], row[1:], offset) for offset, row in enumerate(rows, start=2)]
    return Transaction("850", control_number, segments, implementation, list(findings))


def po_group(*transactions: Transaction, version: str = "004010VICS", findings: list[Finding] | None = None) -> Group:
    return Group("PO", "ACMEGS", "ORDERHUB", "20261121", "0930", "1234", version, list(transactions), findings or [])


def inbound(
    *groups: Group, version: str = "00401", ack_requested: bool = False, findings: list[Finding] | None = None
) -> Interchange:
    return Interchange(
        sender_qualifier="ZZ",
        sender_id="ACME",
        receiver_qualifier="ZZ",
        receiver_id="ORDERHUB",
        date="261121",
        time="0930",
        control_version=version,
        control_number="000000905",
        ack_requested=ack_requested,
        usage="P",
        delimiters=INBOUND,
        isa=Segment("ISA", (), 0),
        groups=list(groups),
        findings=findings or [],
    )


def lines(interchange: Interchange, partner: PartnerProfile, numbers: Numbers | None = None) -> list[str]:
    ack = acknowledge(interchange, partner, numbers or Numbers(), now=NOW)
    assert ack is not None
    return ack.text.splitlines()


def read_back(text: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Segment ids and envelope errors as a standard X12 reader sees them."""
    reader = X12Reader(io.StringIO(text))
    ids = [str(segment.get_seg_id()) for segment in reader]
    reader.cleanup()
    return ids, reader.pop_errors()


# -- 997 --------------------------------------------------------------------------------------------------


def test_a_fully_accepted_4010_group_gets_a_4010_997_with_swapped_envelope() -> None:
    assert lines(inbound(po_group(purchase_order())), profile()) == [
        ISA_4010,
        "GS*FA*ORDERHUB*ACMEGS*20261122*1405*7*X*004010~",  # plain 004010, not the partner's 004010VICS
        "ST*997*0001~",
        "AK1*PO*1234~",
        "AK2*850*0001~",
        "AK5*A~",
        "AK9*A*1*1*1~",
        "SE*6*0001~",
        "GE*1*7~",
        "IEA*1*000000041~",
    ]


def test_a_fully_accepted_5010_group_gets_ak103_and_ak203() -> None:
    interchange = inbound(po_group(purchase_order(implementation="005010"), version="005010"), version="00501")
    assert lines(interchange, profile("00501")) == [
        ISA_5010,
        "GS*FA*ORDERHUB*ACMEGS*20261122*1405*7*X*005010~",
        "ST*997*0001~",
        "AK1*PO*1234*005010~",
        "AK2*850*0001*005010~",
        "AK5*A~",
        "AK9*A*1*1*1~",
        "SE*6*0001~",
        "GE*1*7~",
        "IEA*1*000000041~",
    ]


MISSING_BEG = Finding(Level.SEGMENT, "3", "mandatory segment BEG missing", segment_id="BEG", position=2)
BAD_UNIT = Finding(
    Level.ELEMENT,
    "7",
    "PO103 'ZZZ' is not a unit of measure",
    segment_id="PO1",
    position=5,
    element="03",
    data_element="355",
    value="ZZZ",
    loop_id="PO1",
)


def test_a_group_with_one_rejected_set_is_partially_accepted() -> None:
    group = po_group(purchase_order("0001"), purchase_order("0002", BAD_UNIT, MISSING_BEG))
    assert lines(inbound(group), profile())[2:-2] == [
        "ST*997*0001~",
        "AK1*PO*1234~",
        "AK2*850*0001~",
        "AK5*A~",
        "AK2*850*0002~",
        "AK3*BEG*2**3~",
        "AK3*PO1*5*PO1*8~",
        "AK4*3*355*7*ZZZ~",
        "AK5*R*5~",
        "AK9*P*2*2*1~",
        "SE*11*0001~",
    ]


def test_a_composite_element_position_is_written_with_our_component_separator() -> None:
    bad = Finding(
        Level.ELEMENT, "4", "REF04-2 too short", segment_id="REF", position=3, element="04:2", data_element="127"
    )
    warning = Finding(
        Level.ELEMENT,
        "6",
        "DTM02 has a stray character",
        segment_id="DTM",
        position=4,
        element="02",
        data_element="373",
        value="2026*12|01",  # our element separator inside the copy of the bad value
        fatal=False,
    )
    group = po_group(purchase_order("0001", warning, bad))
    assert lines(inbound(group), profile())[4:-3] == [
        "AK2*850*0001~",
        "AK3*REF*3**8~",
        "AK4*4>2*127*4~",
        "AK3*DTM*4**8~",
        "AK4*2*373*6*2026 12|01~",
        "AK5*R*5~",
        "AK9*R*1*1*0~",
    ]


def test_a_set_with_only_warnings_is_accepted_with_errors() -> None:
    warning = Finding(Level.ELEMENT, "5", "too long", segment_id="REF", position=3, element="02", fatal=False)
    group = po_group(purchase_order("0001", warning), purchase_order("0002"))
    assert lines(inbound(group), profile())[4:-3] == [
        "AK2*850*0001~",
        "AK3*REF*3**8~",
        "AK4*2**5~",
        "AK5*E*5~",
        "AK2*850*0002~",
        "AK5*A~",
        "AK9*E*2*2*2~",
    ]


def _unlisted(segment_id: str, position: int, element: str, data_element: str, value: str) -> UnlistedCode:
    return UnlistedCode(
        Level.ELEMENT,
        "7",
        f"{value!r} is not among the codes the hub knows",
        segment_id=segment_id,
        position=position,
        element=element,
        data_element=data_element,
        value=value,
        fatal=False,
    )


# REF01 PS and REF04-1 Z9 (position 3), DTM01 015 (position 4): values of open code lists the hub's lists lack
UNLISTED = (
    _unlisted("REF", 3, "01", "128", "PS"),
    _unlisted("REF", 3, "04:1", "128", "Z9"),
    _unlisted("DTM", 4, "01", "374", "015"),
)


def test_unlisted_codes_of_open_lists_are_not_told_by_default() -> None:
    group = po_group(purchase_order("0001", *UNLISTED), purchase_order("0002"))
    assert lines(inbound(group), profile())[4:-3] == [
        "AK2*850*0001~",
        "AK5*A~",
        "AK2*850*0002~",
        "AK5*A~",
        "AK9*A*2*2*2~",
    ]
    numbers = Numbers()  # nothing to say to a partner that only wants to hear of errors
    only_warned = inbound(po_group(purchase_order("0001", *UNLISTED)))
    assert acknowledge(only_warned, profile(acks={"send": "on_error"}), numbers, now=NOW) is None
    assert not numbers.drawn


def test_a_strict_partner_hears_of_each_unlisted_code_and_the_set_is_accepted_with_errors() -> None:
    group = po_group(purchase_order("0001", *UNLISTED), purchase_order("0002"))
    assert lines(inbound(group), profile(strict_codes=True))[4:-3] == [
        "AK2*850*0001~",
        "AK3*REF*3**8~",
        "AK4*1*128*7*PS~",
        "AK4*4>1*128*7*Z9~",
        "AK3*DTM*4**8~",
        "AK4*1*374*7*015~",
        "AK5*E*5~",
        "AK2*850*0002~",
        "AK5*A~",
        "AK9*E*2*2*2~",
    ]
    one_apart = profile(strict_codes=True, codes={"REF04-1": "open", "DTM01": "open"})
    assert lines(inbound(po_group(purchase_order("0001", *UNLISTED))), one_apart)[4:-3] == [
        "AK2*850*0001~",
        "AK3*REF*3**8~",
        "AK4*1*128*7*PS~",
        "AK5*E*5~",
        "AK9*E*1*1*1~",
    ]


def test_a_rejected_set_carries_only_the_unlisted_codes_the_partner_asked_for() -> None:
    group = po_group(purchase_order("0001", *UNLISTED, BAD_UNIT))
    assert lines(inbound(group), profile(codes={"DTM01": "strict"}))[4:-3] == [
        "AK2*850*0001~",
        "AK3*DTM*4**8~",
        "AK4*1*374*7*015~",
        "AK3*PO1*5*PO1*8~",
        "AK4*3*355*7*ZZZ~",
        "AK5*R*5~",
        "AK9*R*1*1*0~",
    ]


def test_a_wrong_se01_count_rejects_the_set_with_ak5_4() -> None:
    wrong_count = Finding(Level.TRANSACTION, "4", "SE01 says 9 segments, the set has 7", segment_id="SE", value="9")
    assert lines(inbound(po_group(purchase_order("0001", wrong_count))), profile())[4:-3] == [
        "AK2*850*0001~",
        "AK5*R*4~",
        "AK9*R*1*1*0~",
    ]


def test_a_wrong_ge01_count_rejects_the_group_with_ak9_5() -> None:
    wrong_count = Finding(Level.GROUP, "5", "GE01 says 2 sets, the group has 1", segment_id="GE", value="2")
    assert lines(inbound(po_group(purchase_order(), findings=[wrong_count])), profile())[3:-3] == [
        "AK1*PO*1234~",
        "AK2*850*0001~",
        "AK5*R~",  # agrees with the AK9: the set is sound but will not be processed, and AK905 says why
        "AK9*R*2*1*0*5~",  # declared 2 (GE01), received 1, none accepted: the group is rejected as a whole
    ]


def test_every_set_of_a_group_rejected_as_a_whole_is_rejected_keeping_its_own_codes() -> None:
    mismatch = Finding(Level.GROUP, "4", "GE02 99 does not match GS06 1234", segment_id="GE", value="99")
    bad_date = Finding(Level.ELEMENT, "8", "BEG05 is not a date", segment_id="BEG", position=2, element="05")
    group = po_group(purchase_order("0001"), purchase_order("0002", bad_date), findings=[mismatch])
    assert lines(inbound(group), profile())[4:-3] == [
        "AK2*850*0001~",
        "AK5*R~",
        "AK2*850*0002~",
        "AK3*BEG*2**8~",
        "AK4*5**8~",
        "AK5*R*5~",
        "AK9*R*2*2*0*4~",
    ]


def test_a_ge01_that_is_no_number_is_answered_with_the_count_received() -> None:
    superscript = Finding(Level.GROUP, "5", "GE01 says \u00b2 sets, the group holds 1", segment_id="GE", value="\u00b2")
    assert lines(inbound(po_group(purchase_order(), findings=[superscript])), profile())[-4] == "AK9*R*1*1*0*5~"


@pytest.mark.parametrize(("version", "expected"), [("00401", "AK9*R*1*1*0*6~"), ("00501", "AK9*R*1*1*0*19~")])
def test_group_code_19_is_never_sent_in_4010(version: str, expected: str) -> None:
    not_unique = Finding(Level.GROUP, "19", "GS06 1234 was used by an earlier group")
    interchange = inbound(po_group(purchase_order(), findings=[not_unique]), version=version)
    assert expected in lines(interchange, profile(version))


def test_every_group_gets_its_own_997_and_acknowledgments_are_never_acknowledged() -> None:
    invoices = Group("IN", "ACMEGS", "ORDERHUB", "20261121", "0930", "88", "004010", [Transaction("810", "0001", [])])
    their_997 = Group("FA", "ACMEGS", "ORDERHUB", "20261121", "0930", "89", "004010", [Transaction("997", "0001", [])])
    numbers = Numbers()
    text = lines(inbound(po_group(purchase_order()), their_997, invoices), profile(), numbers)
    assert [line for line in text if line.startswith(("GS", "ST", "AK1", "GE"))] == [
        "GS*FA*ORDERHUB*ACMEGS*20261122*1405*7*X*004010~",
        "ST*997*0001~",
        "AK1*PO*1234~",
        "ST*997*0002~",
        "AK1*IN*88~",
        "GE*2*7~",
    ]
    assert numbers.drawn == {Kind.ISA13: 1, Kind.GS06: 1, Kind.ST02: 2}


def test_a_997_received_gets_no_acknowledgment() -> None:
    their_997 = Group("FA", "ACMEGS", "ORDERHUB", "20261121", "0930", "89", "004010", [Transaction("997", "0001", [])])
    numbers = Numbers()
    assert acknowledge(inbound(their_997), profile(), numbers, now=NOW) is None
    assert not numbers.drawn  # nothing sent, no control number spent


def test_a_partner_can_ask_for_its_own_gs08_on_acknowledgments() -> None:
    partner = profile(acks={"gs_version": "004010VICS"})
    assert lines(inbound(po_group(purchase_order())), partner)[1].endswith("*X*004010VICS~")


# -- policy -----------------------------------------------------------------------------------------------


def test_on_error_only_sends_nothing_when_all_is_well() -> None:
    numbers = Numbers()
    partner = profile(acks={"send": "on_error"})
    assert acknowledge(inbound(po_group(purchase_order())), partner, numbers, now=NOW) is None
    assert not numbers.drawn
    rejected = inbound(po_group(purchase_order("0001", MISSING_BEG)))
    assert "AK5*R*5~" in lines(rejected, partner)


def test_never_sends_no_997_but_still_a_requested_ta1() -> None:
    partner = profile(acks={"send": "never"})
    assert acknowledge(inbound(po_group(purchase_order())), partner, Numbers(), now=NOW) is None
    assert lines(inbound(po_group(purchase_order()), ack_requested=True), partner) == [
        ISA_4010,
        "TA1*000000905*261121*0930*A*000~",
        "IEA*0*000000041~",
    ]


# -- TA1 --------------------------------------------------------------------------------------------------


def test_a_requested_ta1_comes_after_the_isa_and_before_any_gs() -> None:
    text = lines(inbound(po_group(purchase_order()), ack_requested=True), profile())
    assert text[:3] == [ISA_4010, "TA1*000000905*261121*0930*A*000~", "GS*FA*ORDERHUB*ACMEGS*20261122*1405*7*X*004010~"]
    assert text[-1] == "IEA*1*000000041~"


def test_a_rejected_envelope_gets_a_ta1_alone_and_no_997() -> None:
    mismatch = Finding(Level.INTERCHANGE, "001", "IEA02 000000906 does not match ISA13 000000905", segment_id="IEA")
    numbers = Numbers()
    assert lines(inbound(po_group(purchase_order()), findings=[mismatch]), profile(), numbers) == [
        ISA_4010,
        "TA1*000000905*261121*0930*R*001~",
        "IEA*0*000000041~",
    ]
    assert numbers.drawn == {Kind.ISA13: 1}


def test_ta1_policy_always_and_never() -> None:
    always = lines(inbound(po_group(purchase_order())), profile(acks={"ta1": "always"}))
    assert always[1] == "TA1*000000905*261121*0930*A*000~"
    mismatch = Finding(Level.INTERCHANGE, "001", "IEA02 does not match ISA13")
    never = profile(acks={"ta1": "never"})
    assert acknowledge(inbound(po_group(purchase_order()), findings=[mismatch]), never, Numbers(), now=NOW) is None


def test_a_duplicate_interchange_is_acknowledged_with_ta1_025(database: Database) -> None:
    with database.session() as session:
        session.add(Partner(id="acme", name="Acme", kind="trading_partner", profile=profile().model_dump()))
    numbers = NumberSource(database, "acme")
    copies = [inbound(po_group(purchase_order())) for _ in range(2)]
    for copy in copies:
        with database.session() as session:
            finding = record_interchange(session, copy, "acme")
        if finding:
            copy.findings.append(finding)
    first = acknowledge(copies[0], profile(), numbers, now=NOW)
    second = acknowledge(copies[1], profile(), numbers, now=NOW)
    assert first is not None and second is not None
    assert first.ta1 is None and "TA1" not in first.text
    assert second.ta1 == "E"  # received and recognised: the sender must not resend
    assert second.text.splitlines()[1] == "TA1*000000905*261121*0930*E*025~"
    assert "AK5*A~" in second.text  # the groups are still acknowledged per policy
    assert (first.control_number, second.control_number) == ("000000001", "000000002")


# -- 999 --------------------------------------------------------------------------------------------------


def test_a_999_for_partners_that_want_one() -> None:
    partner = profile("00501", acks={"kind": "999"})
    group = po_group(purchase_order("0002", BAD_UNIT, implementation="005010"), version="005010")
    assert lines(inbound(group, version="00501"), partner)[1:] == [
        "GS*FA*ORDERHUB*ACMEGS*20261122*1405*7*X*005010X231A1~",
        "ST*999*0001*005010X231A1~",
        "AK1*PO*1234*005010~",
        "AK2*850*0002*005010~",
        "IK3*PO1*5*PO1*8~",
        "IK4*3*355*7*ZZZ~",
        "IK5*R*5~",
        "AK9*R*1*1*0~",
        "SE*8*0001~",
        "GE*1*7~",
        "IEA*1*000000041~",
    ]


# -- read back by a standard reader -----------------------------------------------------------------------


def test_a_standard_reader_reads_our_997_with_every_count_right() -> None:
    group = po_group(purchase_order("0001"), purchase_order("0002", BAD_UNIT, MISSING_BEG))
    invoices = Group("IN", "ACMEGS", "ORDERHUB", "20261121", "0930", "88", "004010", [Transaction("810", "0001", [])])
    ack = acknowledge(inbound(group, invoices, ack_requested=True), profile(), Numbers(), now=NOW)
    assert ack is not None and ack.sets == ("997", "997") and ack.ta1 == "A"
    ids, errors = read_back(ack.text)
    assert errors == []
    assert ids[:3] == ["ISA", "TA1", "GS"] and ids[-2:] == ["GE", "IEA"]
    assert ids.count("ST") == ids.count("SE") == 2

    # The reader does check: the same file with one segment dropped is caught on SE01.
    tampered = ack.text.replace("AK4*3*355*7*ZZZ~\n", "")
    assert [(kind, code) for kind, code, *_ in read_back(tampered)[1]] == [("st", "4")]


def test_a_standard_reader_reads_our_5010_997_and_999() -> None:
    for kind in ("997", "999"):
        partner = profile("00501", acks={"kind": kind}, delimiters={"component": ":", "newline": False})
        group = po_group(purchase_order("0002", BAD_UNIT, implementation="005010"), version="005010")
        ack = acknowledge(inbound(group, version="00501", ack_requested=True), partner, Numbers(), now=NOW)
        assert ack is not None and "\n" not in ack.text
        ids, errors = read_back(ack.text)
        assert errors == [], kind
        notes = ["IK3", "IK4", "IK5"] if kind == "999" else ["AK3", "AK4", "AK5"]
        assert ids == ["ISA", "TA1", "GS", "ST", "AK1", "AK2", *notes, "AK9", "SE", "GE", "IEA"]
