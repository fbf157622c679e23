"""Envelope rules: each bad partner file yields exactly the acknowledgment codes it deserves, on the envelope it
concerns, while the file streams (the checker only ever sees events)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from hub.edi.envelope import (
    ControlNumbers,
    EnvelopeChecker,
    GroupEnd,
    TransactionRead,
    gs_findings,
    isa_findings,
    st_se_findings,
)
from hub.edi.model import Delimiters, Group, Level, Segment, Transaction
from hub.edi.reader import read_events, read_interchanges
from tests.edi import SAMPLES, codes, collect, dump, interchange, po_set, sample

GOOD = [
    "850_4010_one_line.x12",
    "850_4010_crlf.x12",
    "850_4010_newline_terminator.x12",
    "850_4010_wrapped_80.x12",
    "850_4010_utf8_bom.x12",
    "850_4010_latin1.x12",
    "850_4010_ebcdic_cp037.x12",
    "850_4010_no_final_terminator.x12",
    "850_4010_ctrl_z.x12",
    "mailbag_850_and_810.x12",
    "855_isa_00403.x12",
    "850_isa_00501.x12",
    "850_isa_00200.x12",
    "856_4010.x12",
    "810_4010.x12",
    "997_4010_with_ta1.x12",
    "850_4010_allowances_charges.x12",
    "850_5010_allowances_charges.x12",
    "856_4010_multi_order_tares.x12",
    "856_5010_two_orders_pallet_without_label.x12",
]

# file -> (interchange codes, group codes, {ST02: transaction codes}) for its one interchange and group
BAD = {
    "850_bad_se01.x12": ([], [], {"0001": [("transaction", "4")]}),
    "850_ge02_mismatch.x12": ([], [("group", "4")], {}),
    "850_iea02_mismatch.x12": ([("interchange", "001")], [], {}),
    "850_duplicate_st02.x12": ([], [], {"0001": [("transaction", "23")]}),
    "850_bad_counts.x12": ([("interchange", "021")], [("group", "5")], {}),
    "850_truncated.x12": ([("interchange", "023")], [("group", "3")], {"0001": [("transaction", "2")]}),
    "856_in_po_group.x12": ([], [], {"0002": [("transaction", "6")]}),
    "850_empty_segment.x12": ([], [], {"0001": [("segment", "1")]}),
    "850_short_isa.x12": ([("interchange", "022")], [], {}),
    "850_bad_isa_fields.x12": (
        [("interchange", code) for code in ("014", "015", "017", "018", "019", "020")],
        [],
        {},
    ),
}


@pytest.mark.parametrize("name", GOOD)
def test_a_sound_file_has_no_findings(name: str) -> None:
    for ix in read_interchanges(sample(name)):
        assert ix.findings == []
        assert [g.findings for g in ix.groups] == [[] for _ in ix.groups]
        assert [t.findings for g in ix.groups for t in g.transactions] == [
            [] for g in ix.groups for _ in g.transactions
        ]


def test_every_sample_is_classified() -> None:
    assert sorted(GOOD + list(BAD)) == sorted(p.name for p in SAMPLES.glob("*.x12"))


@pytest.mark.parametrize("name", sorted(BAD))
def test_a_bad_file_gets_exactly_its_codes(name: str) -> None:
    expected_interchange, expected_group, expected_sets = BAD[name]
    [ix] = read_interchanges(sample(name))
    [group] = ix.groups
    assert codes(ix.findings) == expected_interchange
    assert codes(group.findings) == expected_group
    assert {t.control_number: codes(t.findings) for t in group.transactions if t.findings} == expected_sets
    # the first set of a duplicate pair is fine; only the repeat is reported. An ISA12 the hub does not know
    # is only a warning: the groups say their own version in GS08.
    found = ix.findings + group.findings + [f for t in group.transactions for f in t.findings]
    assert [f.code for f in found if not f.fatal] == (["017"] if name == "850_bad_isa_fields.x12" else [])


def test_findings_carry_what_the_acknowledgment_needs() -> None:
    [bad_se] = read_interchanges(sample("850_bad_se01.x12"))[0].groups[0].transactions
    [finding] = bad_se.findings
    assert (finding.segment_id, finding.element, finding.value, finding.position) == ("SE", "01", "15", 14)
    assert finding.message == "SE01 says 15 segments, the set has 14 from ST to SE"
    [group] = read_interchanges(sample("850_bad_counts.x12"))[0].groups
    assert (group.findings[0].segment_id, group.findings[0].element, group.findings[0].value) == ("GE", "01", "3")
    [ix] = read_interchanges(sample("850_iea02_mismatch.x12"))
    assert ix.findings[0].message == "IEA02 000000102 does not match ISA13 000000101"
    assert (ix.findings[0].segment_id, ix.findings[0].element, ix.findings[0].value) == ("IEA", "02", "000000102")


def test_findings_are_complete_when_their_event_reaches_the_consumer() -> None:
    """A streaming consumer (the 997 builder) reads a group's findings at GroupEnd, a set's at TransactionRead."""
    seen = []
    for event in read_events(sample("850_ge02_mismatch.x12")):
        if isinstance(event, GroupEnd):
            seen.append(("group end", codes(event.group.findings)))
        elif isinstance(event, TransactionRead):
            seen.append(("set", codes(event.transaction.findings)))
    assert seen == [("set", []), ("group end", [("group", "4")])]
    sets = [e.transaction for e in read_events(sample("850_duplicate_st02.x12")) if isinstance(e, TransactionRead)]
    assert [codes(t.findings) for t in sets] == [[], [("transaction", "23")]]


def test_the_checker_needs_only_events() -> None:
    """Unchecked events fed to a checker of one's own give the same findings as the reader's own checks."""
    for name in sorted(BAD):
        checker = EnvelopeChecker()
        events = list(read_events(sample(name), check=False))
        for event in events:
            checker.observe(event)
        assert dump(collect(events)) == dump(read_interchanges(sample(name))), name


def test_control_numbers_are_compared_by_type() -> None:
    """ISA13/IEA02 and GS06/GE02 are numbers (000000101 = 101); ST02/SE02 are strings (0001 != 1)."""
    text = interchange(po_set("0001")).replace("GE*1*101", "GE*1*0101").replace("IEA*1*000000101", "IEA*1*101")
    [ix] = read_interchanges(text.encode())
    assert ix.findings == [] and ix.groups[0].findings == []
    [ix] = read_interchanges(interchange(po_set("0001")).replace("SE*7*0001", "SE*7*1").encode())
    assert codes(ix.groups[0].transactions[0].findings) == [("transaction", "3")]


def test_transaction_set_header_problems() -> None:
    group = Group("PO", "A", "B", "20240105", "1230", "101", "004010")

    def transaction(st: tuple[str, ...], se: tuple[str, ...]) -> Transaction:
        segments = [Segment("ST", st, 2), Segment("BEG", ("00",), 3), Segment("SE", se, 4)]
        return Transaction(st[0] if st else "", st[1] if len(st) > 1 else "", segments)

    assert st_se_findings(transaction(("850", "0001"), ("3", "0001")), group) == []
    assert codes(st_se_findings(transaction(("85", "0001"), ("3", "0001")), group)) == [("transaction", "6")]
    assert codes(st_se_findings(transaction(("", "0001"), ("3", "0001")), group)) == [("transaction", "6")]
    assert codes(st_se_findings(transaction(("856", "0001"), ("3", "0001")), group)) == [("transaction", "6")]
    assert codes(st_se_findings(transaction(("850", "001"), ("3", "001")), group)) == [("transaction", "7")]
    assert codes(st_se_findings(transaction(("850", "0001"), ("3", "0002")), group)) == [("transaction", "3")]
    assert codes(st_se_findings(transaction(("850", "0001"), ("x", "0001")), group)) == [("transaction", "4")]
    # a group the hub does not read is reported once, on the group, not on each of its sets
    unknown = replace(group, functional_id="ZZ")
    assert st_se_findings(transaction(("123", "0001"), ("3", "0001")), unknown) == []
    # every pairing the hub reads
    pairs = {"PO": "850", "PR": "855", "SH": "856", "IN": "810", "IB": "846", "FA": "997", "OW": "940", "SW": "945"}
    for functional_id, set_id in pairs.items():
        fitting = replace(group, functional_id=functional_id)
        assert st_se_findings(transaction((set_id, "0001"), ("3", "0001")), fitting) == [], functional_id
    assert st_se_findings(transaction(("999", "0001"), ("3", "0001")), replace(group, functional_id="FA")) == []


def test_group_header_problems() -> None:
    group = Group("PO", "A", "B", "20240105", "1230", "101", "004010VICS")
    assert gs_findings(group) == []
    assert codes(gs_findings(replace(group, functional_id="ZZ"))) == [("group", "1")]
    assert codes(gs_findings(replace(group, control_number="10A"))) == [("group", "6")]
    assert codes(gs_findings(replace(group, control_number="1234567890"))) == [("group", "6")]
    assert codes(gs_findings(replace(group, version="009010"))) == [("group", "2")]
    assert codes(gs_findings(replace(group, version=""))) == [("group", "2")]
    assert gs_findings(replace(group, version="002001")) == gs_findings(replace(group, version="005010X231A1")) == []


def test_a_group_control_number_used_twice_in_an_interchange() -> None:
    first = interchange(po_set())
    second_group = first[first.index("GS*") : first.index("IEA*")]
    text = first.replace("IEA*1*", second_group + "IEA*2*")
    first_group, second = read_interchanges(text.encode())[0].groups
    assert first_group.findings == []
    assert codes(second.findings) == [("group", "19")]


def test_the_same_interchange_twice_in_a_file_is_noted_not_rejected() -> None:
    once = interchange(po_set())
    first, second = read_interchanges((once + "\r\n" + once).encode())
    assert first.findings == []
    assert [(f.code, f.fatal) for f in second.findings] == [("025", False)]
    assert second.accepted


def test_isa_delimiter_problems() -> None:
    [ix] = read_interchanges(sample("850_isa_00501.x12"))
    assert isa_findings(ix) == []
    ix.delimiters = Delimiters("*", "A", "~", "^")
    assert codes(isa_findings(ix)) == [("interchange", "027")]
    ix.delimiters = Delimiters("*", ":", "~", ":")
    assert codes(isa_findings(ix)) == [("interchange", "022")]
    ix.delimiters = Delimiters("*", ":", "*", None)
    assert codes(isa_findings(ix)) == [("interchange", "004")]


def test_isa_identity_problems() -> None:
    [ix] = read_interchanges(sample("850_4010_one_line.x12"))
    elements = list(ix.isa.elements)
    elements[4], elements[5], elements[6], elements[7] = "Z", " " * 15, "ZZ", " " * 15
    ix.isa = ix.isa._replace(elements=tuple(elements))
    assert codes(isa_findings(ix)) == [("interchange", "005"), ("interchange", "006"), ("interchange", "008")]


@pytest.mark.parametrize(
    ("date", "time", "ok"),
    [("240229", "2359", True), ("230229", "0000", False), ("240105", "2400", False), ("24010", "1230", False)],
)
def test_isa_dates_and_times_are_real_ones(date: str, time: str, ok: bool) -> None:
    [ix] = read_interchanges(sample("850_4010_one_line.x12"))
    elements = list(ix.isa.elements)
    elements[8], elements[9] = date, time
    ix.isa = ix.isa._replace(elements=tuple(elements))
    assert (isa_findings(ix) == []) is ok


def test_control_numbers_remember_sequences_in_constant_space() -> None:
    seen = ControlNumbers()
    assert all(seen.add(f"{n:04d}") for n in range(1, 5001))
    assert len(seen) == 1  # one run, however long the group
    assert not seen.add("0001") and not seen.add("2500") and not seen.add("5000")
    assert seen.add("001")  # another width is another number as X12 compares ST02
    assert seen.add("7000") and seen.add("6999") and len(seen) == 3
    assert seen.add("5001") and len(seen) == 3  # joins the first run
    assert all(seen.add(f"{n:04d}") for n in range(5002, 6999)) and len(seen) == 2  # the runs merge
    assert seen.add("PO-1") and not seen.add("PO-1")


def test_envelope_memory_does_not_grow_with_the_sets() -> None:
    """A group of many sequentially numbered sets keeps the checker at one run of numbers."""
    checker = EnvelopeChecker()
    text = interchange(*[po_set(f"{n:05d}") for n in range(1, 3001)])
    for event in read_events(text.encode(), check=False):
        checker.observe(event)
        if isinstance(event, TransactionRead):
            assert len(checker._set_numbers) == 1
    [ix] = read_interchanges(text.encode())
    assert ix.findings == [] and ix.groups[0].findings == [] and len(ix.groups[0].transactions) == 3000


def test_levels_match_the_acknowledgment_segments() -> None:
    """Interchange findings feed the TA1, group ones the AK9, set ones the AK5."""
    [ix] = read_interchanges(sample("850_truncated.x12"))
    [group] = ix.groups
    [po] = group.transactions
    assert [f.level for f in ix.findings + group.findings + po.findings] == [
        Level.INTERCHANGE,
        Level.GROUP,
        Level.TRANSACTION,
    ]


def test_hl_numbering_in_a_ship_notice() -> None:
    good = sample("856_4010.x12").decode()

    def notes(text: str) -> list[tuple[str, str, str, int, str, bool]]:
        [asn] = read_interchanges(text.encode())[0].groups[0].transactions
        return [(f.level.value, f.code, f.element, f.position, f.value, f.fatal) for f in asn.findings]

    assert notes(good) == []
    # a pack under an order that does not exist, an item numbered like an earlier level
    broken = good.replace("HL*5*2*P", "HL*5*9*P").replace("HL*6*5*I", "HL*4*5*I")
    assert notes(broken) == [("element", "7", "02", 17, "9", True), ("element", "7", "01", 19, "4", True)]
    # numbering that skips is a warning as long as every parent is found
    renumbered = good.replace("HL*3*2*P", "HL*7*2*P").replace("HL*4*3*I", "HL*4*7*I")
    assert notes(renumbered) == [("element", "7", "01", 12, "7", False)]
    assert notes(good.replace("HL*1**S", "HL*1*0*S")) == []  # "0" for no parent, as real files send it
    # a set without hierarchy is not searched for HL segments
    [po_group] = read_interchanges(sample("850_4010_one_line.x12").replace(b"REF*DP", b"HL*9*8"))[0].groups
    assert [t.findings for t in po_group.transactions] == [[], []]
