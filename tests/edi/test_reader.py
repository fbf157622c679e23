"""The X12 input layer: what real partner files look like on the wire, and that the reader gets the same
facts out of each, loses nothing, streams in constant memory, and says what it found when a file is bad."""

from __future__ import annotations

import io
import tracemalloc
from pathlib import Path

import pytest

from hub.edi.envelope import (
    GroupEnd,
    GroupStart,
    InterchangeEnd,
    InterchangeStart,
    Ta1Read,
    TransactionRead,
)
from hub.edi.model import Delimiters, Level, Segment
from hub.edi.reader import Leniency, UnreadableInput, read_events, read_interchanges
from tests.edi import SAMPLES, codes, collect, dump, interchange, isa, po_set, sample

ACME_850 = "850_4010_one_line.x12"
# The same two purchase orders as they arrive from different systems: every one must read identically.
SAME_850 = [
    "850_4010_crlf.x12",
    "850_4010_wrapped_80.x12",
    "850_4010_no_final_terminator.x12",
    "850_4010_ctrl_z.x12",
    "850_4010_ebcdic_cp037.x12",
]


def test_a_4010_purchase_order_on_one_line() -> None:
    [ix] = read_interchanges(sample(ACME_850))
    assert (ix.sender_qualifier, ix.sender_id, ix.receiver_qualifier, ix.receiver_id) == (
        "ZZ",
        "ACMERETAIL",
        "ZZ",
        "WIDGETSUPPLY",
    )
    assert (ix.date, ix.time, ix.control_version, ix.control_number, ix.ack_requested, ix.usage) == (
        "240105",
        "1230",
        "00401",
        "000000101",
        False,
        "P",
    )
    assert ix.delimiters == Delimiters(element="*", component=">", segment="~", repetition=None)
    assert ix.isa.elements[5] == "ACMERETAIL     "  # ISA fields keep their padding
    [group] = ix.groups
    assert (group.functional_id, group.sender, group.receiver, group.date, group.time) == (
        "PO",
        "ACMERETAIL",
        "WIDGETSUPPLY",
        "20240105",
        "1230",
    )
    assert (group.control_number, group.version) == ("101", "004010")
    first, second = group.transactions
    assert [(t.set_id, t.control_number, len(t.segments)) for t in group.transactions] == [
        ("850", "0001", 14),
        ("850", "0002", 12),
    ]
    assert [s.id for s in first.segments] == [
        "ST", "BEG", "REF", "REF", "DTM", "N1", "N3", "N4", "PO1", "PID", "PO1", "PID", "CTT", "SE",
    ]  # fmt: skip
    beg, ref = first.segments[1], first.segments[3]
    assert beg.elements == ("00", "SA", "4500012345", "", "20240105")
    assert beg.element(3) == "4500012345" and beg.element(4) == "" and beg.element(9) == ""
    assert ref.element(4) == "ZZ>DEPT-12"
    assert ref.components(4, ix.delimiters) == ["ZZ", "DEPT-12"]
    assert first.segments[8].elements == ("1", "24", "EA", "4.75", "", "UP", "012345678905", "VN", "WG-100-BLU")
    # offsets count from the ISA (0) through the interchange; the second set continues the count
    assert (first.segments[0].offset, first.segments[-1].offset, second.segments[0].offset) == (2, 15, 16)
    assert ix.findings == [] and group.findings == [] and first.findings == [] and second.findings == []


@pytest.mark.parametrize("name", SAME_850)
def test_line_breaks_wrapping_and_end_of_file_debris_change_nothing(name: str) -> None:
    """CRLF after each segment, 80-column hard wrapping (also inside the ISA), no final terminator, a trailing
    Ctrl-Z, EBCDIC: all read to exactly the segments of the one-line file, without findings."""
    assert dump(read_interchanges(sample(name))) == dump(read_interchanges(sample(ACME_850)))


def test_lines_as_segment_terminators() -> None:
    [ix] = read_interchanges(sample("850_4010_newline_terminator.x12"))
    assert ix.delimiters.segment == "\n"
    [transaction] = ix.groups[0].transactions
    expected = read_interchanges(sample(ACME_850))[0].groups[0].transactions[0]
    assert transaction.segments == expected.segments
    crlf = sample("850_4010_newline_terminator.x12").replace(b"\n", b"\r\n")
    assert dump(read_interchanges(crlf)) == dump([ix])
    bare_cr = sample("850_4010_newline_terminator.x12").replace(b"\n", b"\r")
    [mac] = read_interchanges(bare_cr)
    assert mac.delimiters.segment == "\r" and mac.groups[0].transactions[0].segments == expected.segments


def test_a_line_break_between_isa16_and_the_terminator_is_wrapping() -> None:
    one_line = sample(ACME_850)
    wrapped = one_line[:105] + b"\r\n" + one_line[105:]  # "...*P*>" CRLF "~GS*..."
    [ix] = read_interchanges(wrapped)
    assert ix.delimiters.segment == "~"
    assert dump([ix]) == dump(read_interchanges(one_line))


def test_utf8_with_byte_order_mark() -> None:
    data = sample("850_4010_utf8_bom.x12")
    assert data.startswith(b"\xef\xbb\xbf")
    events = list(read_events(data))
    start, end = events[0], events[-1]
    assert isinstance(start, InterchangeStart) and start.byte_offset == 3
    assert isinstance(end, InterchangeEnd) and end.encoding == "utf-8"
    [ix] = read_interchanges(data)
    assert (ix.sender_id, ix.receiver_qualifier, ix.receiver_id) == ("MAGASINSUD", "01", "123456789")
    ship_to = ix.groups[0].transactions[0].segments[5]
    assert ship_to.id == "N1" and ship_to.element(2) == "CAFÉ MÜLLER GMBH"
    assert ix.findings == [] and ix.raw == data[3:].rstrip(b"\n")


def test_latin1_with_an_accented_name() -> None:
    data = sample("850_4010_latin1.x12")
    assert "BOULANGERIE ÉTOILE".encode("latin-1") in data
    [ix] = read_interchanges(data)
    assert ix.groups[0].transactions[0].segments[5].element(2) == "BOULANGERIE ÉTOILE"
    assert [e.encoding for e in read_events(data) if isinstance(e, InterchangeEnd)] == ["latin-1"]
    # a partner profile can insist on Latin-1 for bytes that would also be valid UTF-8
    utf8 = sample("850_4010_utf8_bom.x12")
    [forced] = read_interchanges(utf8, encoding="latin-1")
    assert forced.groups[0].transactions[0].segments[5].element(2) == "CAFÃ\x89 MÃ\x9cLLER GMBH"


def test_utf8_and_latin1_segments_in_one_file_are_each_decoded_right() -> None:
    text = interchange(po_set())
    data = text.replace("ACME DC 4", "CAFÉ").encode("utf-8").replace(b"WIDGET", "GRÜN".encode("latin-1"))
    [ix] = read_interchanges(data)
    segments = ix.groups[0].transactions[0].segments
    assert segments[2].element(2) == "CAFÉ" and segments[4].element(5) == "GRÜN"
    assert [e.encoding for e in read_events(data) if isinstance(e, InterchangeEnd)] == ["utf-8+latin-1"]


@pytest.mark.parametrize("codec", ["cp037", "cp500"])
def test_ebcdic_code_pages_are_told_apart_by_their_delimiters(codec: str) -> None:
    """cp037 and cp500 put "^" (the 5010 repetition separator) on different bytes."""
    data = sample("850_isa_00501.x12").decode("ascii").encode(codec)
    events = list(read_events(data))
    assert [e.encoding for e in events if isinstance(e, InterchangeEnd)] == [codec]
    [ix] = read_interchanges(data)
    assert ix.delimiters == Delimiters("*", ":", "~", "^")
    assert dump([ix]) == dump(read_interchanges(sample("850_isa_00501.x12")))
    # mainframe line ends: EBCDIC NL (0x15) after each segment
    lines = sample("850_4010_crlf.x12").decode("ascii").replace("\r\n", "\x85").encode(codec)
    assert lines.count(b"\x15") == 30
    assert dump(read_interchanges(lines)) == dump(read_interchanges(sample(ACME_850)))


def test_two_interchanges_with_their_own_delimiters_in_one_file() -> None:
    data = sample("mailbag_850_and_810.x12")
    first, second = read_interchanges(data)
    assert first.delimiters == Delimiters("*", ">", "~")
    assert second.delimiters == Delimiters("\x1d", "\x1f", "\x1c")
    assert (first.sender_id, first.control_number) == ("ACMERETAIL", "000000101")
    assert (second.sender_qualifier, second.sender_id, second.control_number) == ("01", "987654321", "000004417")
    [invoice] = second.groups[0].transactions
    assert (second.groups[0].functional_id, second.groups[0].version) == ("IN", "004010VICS")
    assert (invoice.set_id, invoice.control_number, len(invoice.segments)) == ("810", "4417", 16)
    assert invoice.segments[1].elements == ("20240110", "INV-88231", "20240105", "4500012345")
    assert invoice.segments[-4].elements == ("M", "", "", "UPSN", "UPS GROUND")  # CAD04 SCAC, CAD05 routing
    # each interchange keeps its own bytes; between them only line ends
    assert first.raw.startswith(b"ISA*") and first.raw.endswith(b"IEA*1*000000101~")
    assert second.raw.startswith(b"ISA\x1d00") and second.raw.endswith(b"IEA\x1d1\x1d000004417\x1c")
    assert data == first.raw + b"\r\n" + second.raw + b"\r\n"
    assert all(ix.findings == [] for ix in (first, second))


def test_events_come_in_envelope_order() -> None:
    names = [type(e).__name__ for e in read_events(sample("mailbag_850_and_810.x12"))]
    assert names == [
        "InterchangeStart", "GroupStart", "TransactionRead", "GroupEnd", "InterchangeEnd",
        "InterchangeStart", "GroupStart", "TransactionRead", "GroupEnd", "InterchangeEnd",
    ]  # fmt: skip
    events = list(read_events(sample("mailbag_850_and_810.x12")))
    starts = [e for e in events if isinstance(e, InterchangeStart)]
    ends = [e for e in events if isinstance(e, InterchangeEnd)]
    assert [s.byte_offset for s in starts] == [0, ends[0].byte_end + 2]
    [group_start] = [e for e in events[:5] if isinstance(e, GroupStart)]
    [group_end] = [e for e in events[:5] if isinstance(e, GroupEnd)]
    assert group_start.group is group_end.group and group_end.trailer is not None
    assert group_end.trailer.elements == ("1", "101")
    read = next(e for e in events if isinstance(e, TransactionRead))
    assert read.group is group_start.group and read.interchange is starts[0].interchange
    # streaming leaves the containers empty: nothing accumulates while a file goes by
    assert starts[0].interchange.groups == [] and group_start.group.transactions == []


@pytest.mark.parametrize("chunk_size", [1, 7, 106, 4096])
@pytest.mark.parametrize("path", sorted(SAMPLES.glob("*.x12")), ids=lambda p: p.name)
def test_chunk_boundaries_anywhere_change_nothing(path: Path, chunk_size: int) -> None:
    """The reader pulls the input in chunks; a chunk may end inside "ISA", a segment, a CRLF or a delimiter.
    Each file is repeated past the 4 KiB the reader takes in before it looks at the encoding."""
    one = path.read_bytes()
    data = b"\r\n".join([one] * (8192 // len(one) + 2))
    events = list(read_events(io.BytesIO(data), chunk_size=chunk_size))
    whole = read_interchanges(data)
    assert dump(collect(events)) == dump(whole)
    starts = [e.byte_offset for e in events if isinstance(e, InterchangeStart)]
    ends = [e.byte_end for e in events if isinstance(e, InterchangeEnd)]
    assert [data[start:end] for start, end in zip(starts, ends, strict=True)] == [ix.raw for ix in whole]
    assert all(raw.startswith(one.lstrip(b"\xef\xbb\xbf")[:3]) for raw in (ix.raw for ix in whole))


def test_a_binary_file_object_reads_like_bytes(tmp_path: Path) -> None:
    path = tmp_path / "in.x12"
    path.write_bytes(sample("856_4010.x12"))
    with path.open("rb") as stream:
        streamed = list(read_events(stream))
    assert len(streamed) == 5 and isinstance(streamed[2], TransactionRead)
    assert (
        streamed[2].transaction.segments == read_interchanges(path.read_bytes())[0].groups[0].transactions[0].segments
    )
    data = path.read_bytes()
    assert dump(read_interchanges(bytearray(data))) == dump(read_interchanges(memoryview(data))) != []
    with pytest.raises(TypeError, match="bytes or a binary stream, not str"):
        list(read_events(data.decode()))  # type: ignore[arg-type]
    with path.open("r") as text, pytest.raises(TypeError, match="binary mode"):
        list(read_events(text))  # type: ignore[arg-type]


def test_control_versions_and_the_repetition_separator() -> None:
    [v403] = read_interchanges(sample("855_isa_00403.x12"))
    assert (v403.control_version, v403.ack_requested, v403.usage) == ("00403", True, "T")
    assert v403.delimiters.repetition is None  # ISA11 "U" is not a separator, even from 00402 on
    assert v403.groups[0].transactions[0].set_id == "855"
    [v501] = read_interchanges(sample("850_isa_00501.x12"))
    assert (v501.control_version, v501.delimiters) == ("00501", Delimiters("*", ":", "~", "^"))
    [po] = v501.groups[0].transactions
    assert (po.implementation, v501.groups[0].version) == ("005010VICS", "005010VICS")
    assert po.segments[3].components(4, v501.delimiters) == ["ZZ", "DEPT-12"]
    [v200] = read_interchanges(sample("850_isa_00200.x12"))
    assert (v200.control_version, v200.sender_qualifier, v200.sender_id) == ("00200", "12", "8005551234")
    assert v200.groups[0].transactions[0].control_number == "000000017"
    # before 00402 ISA11 is the standards identifier, whatever character it holds
    caret_in_4010 = interchange(po_set(), isa11="^").encode()
    assert read_interchanges(caret_in_4010)[0].delimiters.repetition is None
    assert all(not ix.findings for ix in (v403, v501, v200))


def test_an_856_hierarchy_reads_in_order() -> None:
    [ix] = read_interchanges(sample("856_4010.x12"))
    [asn] = ix.groups[0].transactions
    assert (ix.groups[0].functional_id, asn.set_id, len(asn.segments)) == ("SH", "856", 23)
    levels = [(s.element(1), s.element(2), s.element(3)) for s in asn.segments if s.id == "HL"]
    assert levels == [("1", "", "S"), ("2", "1", "O"), ("3", "2", "P"), ("4", "3", "I"), ("5", "2", "P"),
                      ("6", "5", "I")]  # fmt: skip
    assert [s.element(2) for s in asn.segments if s.id == "MAN"] == ["00001234500000000018", "00001234500000000025"]
    assert [s.elements for s in asn.segments if s.id == "SN1"] == [("", "24", "EA", "", "24", "EA"),
                                                                   ("", "12", "CA", "", "12", "CA")]  # fmt: skip


def test_a_997_with_a_ta1_before_its_group() -> None:
    events = list(read_events(sample("997_4010_with_ta1.x12")))
    [ta1] = [e for e in events if isinstance(e, Ta1Read)]
    assert ta1.segment == Segment("TA1", ("000000101", "240105", "1230", "A", "000"), 1)
    assert [type(e).__name__ for e in events][:3] == ["InterchangeStart", "Ta1Read", "GroupStart"]
    [ix] = read_interchanges(sample("997_4010_with_ta1.x12"))
    [ack] = ix.groups[0].transactions
    assert (ix.groups[0].functional_id, ack.set_id) == ("FA", "997")
    assert [s.elements for s in ack.segments if s.id in ("AK1", "AK9")] == [("PO", "101"), ("A", "2", "2", "2")]
    assert ack.segments[0].offset == 3 and ix.findings == []
    assert ix.acknowledgments == [ta1.segment] and ix.encoding == "ascii"


# --- what a bad file reports ---------------------------------------------------------------------------------


def test_an_isa_that_is_not_fixed_width_is_read_and_reported() -> None:
    data = sample("850_short_isa.x12")
    [strict] = read_interchanges(data)
    assert codes(strict.findings) == [("interchange", "022")]
    assert strict.findings[0].fatal and not strict.accepted
    assert "ISA06 is 10 characters, not 15" in strict.findings[0].message
    assert (strict.sender_id, strict.receiver_id, strict.control_number) == ("ACMERETAIL", "WIDGETSUPPLY", "101")
    assert strict.groups[0].transactions[0].segments[1].element(3) == "4500012345"  # read all the same
    [lenient] = read_interchanges(data, Leniency(variable_width_isa=True))
    assert codes(lenient.findings) == [("interchange", "022")] and not lenient.findings[0].fatal
    assert lenient.accepted


def test_an_empty_segment_is_reported_and_nothing_is_lost() -> None:
    data = sample("850_empty_segment.x12")
    assert b"REF*DP*038~~" in data
    [ix] = read_interchanges(data)
    [po] = ix.groups[0].transactions
    assert codes(po.findings) == [("segment", "1")]
    assert (po.findings[0].position, po.findings[0].fatal) == (4, True)
    assert [s.id for s in po.segments[:4]] == ["ST", "BEG", "REF", "REF"]
    assert po.segments == read_interchanges(sample("850_4010_crlf.x12"))[0].groups[0].transactions[0].segments
    [lenient] = read_interchanges(data, Leniency(empty_segments=True))
    assert [f.fatal for f in lenient.groups[0].transactions[0].findings] == [False]


def test_a_run_of_empty_segments_is_one_finding() -> None:
    data = interchange(po_set()).replace("N1*", "~~~\r\n~N1*").encode()
    [ix] = read_interchanges(data)
    assert codes(ix.groups[0].transactions[0].findings) == [("segment", "1")]


def test_a_truncated_file_keeps_what_arrived() -> None:
    [ix] = read_interchanges(sample("850_truncated.x12"))
    [po] = ix.groups[0].transactions
    assert [s.id for s in po.segments][-3:] == ["PO1", "PID", "PO1"]
    assert po.segments[-1].elements == ("2", "12", "CA", "38.40", "", "UP", "012345")
    assert codes(ix.findings) == [("interchange", "023")]
    assert codes(ix.groups[0].findings) == [("group", "3")]
    assert codes(po.findings) == [("transaction", "2")]


def test_trailing_element_separators() -> None:
    data = interchange(po_set()).replace("N1*ST*ACME DC 4*92*0004", "N1*ST*ACME DC 4**").encode()
    [ix] = read_interchanges(data)
    [po] = ix.groups[0].transactions
    assert [(f.level, f.code, f.segment_id, f.position, f.fatal) for f in po.findings] == [
        (Level.SEGMENT, "8", "N1", 3, True)
    ]
    assert po.segments[2].elements == ("ST", "ACME DC 4", "", "")
    [lenient] = read_interchanges(data, Leniency(trailing_separators=True))
    assert [f.fatal for f in lenient.groups[0].transactions[0].findings] == [False]


def test_text_around_interchanges() -> None:
    body, other = interchange(po_set()), interchange(po_set(), control="000000102")
    data = ("From: edi@partner.example\r\n\r\n" + body + "\r\n\x00\x00" + other + "END OF TRANSMISSION\r\n").encode()
    first, second = read_interchanges(data)
    assert [(f.code, f.fatal) for f in first.findings] == [("024", True)]
    assert "at byte 0: 'From: edi@partner.example'" in first.findings[0].message
    assert codes(second.findings) == [("interchange", "024")] and "END OF TRANSMISSION" in second.findings[0].value
    assert first.groups[0].transactions[0].segments == second.groups[0].transactions[0].segments
    lenient = read_interchanges(data, Leniency(text_outside_interchanges=True))
    assert [f.fatal for ix in lenient for f in ix.findings] == [False, False]


def test_segments_outside_the_envelopes_they_belong_in() -> None:
    loose = ["ST*850*0001", "BEG*00*SA*1**20240105", "SE*3*0001", "N1*ST*LOST", "N3*NOWHERE", "ST*850*0002"]
    loose += ["BEG*00*SA*2**20240105", "SE*3*0002"]
    text = isa() + "~" + "~".join(loose) + "~GE*2*101~IEA*1*000000101~"
    [ix] = read_interchanges(text.encode())
    # the ST without a GS, the two segments between sets, and IEA01 (the file has no real group)
    assert codes(ix.findings) == [("interchange", "022"), ("interchange", "024"), ("interchange", "021")]
    assert "ST at segment offset 1 has no GS" in ix.findings[0].message
    assert "2 segment(s) (N1, N3) from segment offset 4" in ix.findings[1].message
    [group] = ix.groups  # opened by the reader so that the sets are not lost
    assert group.functional_id == "" and [t.control_number for t in group.transactions] == ["0001", "0002"]
    assert group.findings == []  # its GE is not compared with a GS that never came

    stray_trailers = interchange(po_set()).replace("GE*1*101~", "SE*5*0001~GE*1*101~GE*1*101~")
    [ix] = read_interchanges(stray_trailers.encode())
    assert codes(ix.findings) == [("interchange", "022"), ("interchange", "022")]
    assert ["SE at segment offset 9 has no ST" in ix.findings[0].message, "GE at segment offset 11 has no GS"
            in ix.findings[1].message] == [True, True]  # fmt: skip


def test_the_next_isa_before_an_iea_ends_the_interchange_early() -> None:
    complete = interchange(po_set(), control="000000102")
    cut = interchange(po_set()).split("PO1*")[0]
    first, second = read_interchanges((cut + complete).encode())
    assert codes(first.findings) == [("interchange", "023")]
    assert codes(first.groups[0].transactions[0].findings) == [("transaction", "2")]
    assert (second.control_number, second.findings, second.groups[0].transactions[0].findings) == ("000000102", [], [])
    assert second.raw == complete.encode()
    # cut inside a segment, then a line break: the line end must not glue the stub to the next ISA
    stub = sample("850_truncated.x12")
    first, second = read_interchanges(stub + b"\r\n" + complete.encode())
    assert first.raw == stub and first.groups[0].transactions[0].segments[-1].element(7) == "012345"
    assert codes(first.findings) == [("interchange", "023")]
    assert (second.control_number, second.findings) == ("000000102", [])


def test_text_longer_than_the_segment_limit_is_skipped() -> None:
    data = interchange(po_set()).replace("PID*F****WIDGET", "PID*F****" + "W" * 500).encode()
    [ix] = read_interchanges(data, Leniency(max_segment_length=100), encoding="ascii")
    assert codes(ix.findings) == [("interchange", "024")]
    assert "a segment longer than 100 characters, after segment offset 5, was skipped" in ix.findings[0].message
    [po] = ix.groups[0].transactions
    assert [s.id for s in po.segments] == ["ST", "BEG", "N1", "PO1", "CTT", "SE"]
    small_chunks = read_events(data, Leniency(max_segment_length=100), chunk_size=16)
    assert dump(collect(small_chunks)) == dump([ix])


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the input is empty"),
        (b" \r\n\x00\x1a", "5 bytes of blanks"),
        (b"\r\nUNB+UNOC:3+SENDER+RECEIVER'", 'starts at byte 2 with "UNB+UNOC:3+SENDER+RECEIVER\'"'),
        (b"ISA*00*short~", "'ISA' at byte 0 is not an interchange header: only 1 of its 16 elements are there"),
        ("ISA*00".encode("utf-16"), "UTF-16 (little endian) byte order mark"),
    ],
)
def test_input_without_any_interchange_says_what_it_holds(data: bytes, message: str) -> None:
    with pytest.raises(UnreadableInput) as raised:
        read_interchanges(data)
    assert message in str(raised.value)


def test_an_unknown_forced_encoding_is_a_configuration_error() -> None:
    with pytest.raises(ValueError, match="unknown X12 encoding 'utf-16'"):
        read_interchanges(sample(ACME_850), encoding="utf-16")


def test_memory_stays_flat_as_the_file_grows() -> None:
    def peak(sets: int) -> int:
        data = interchange(*[po_set(f"{n:04d}", lines=10) for n in range(1, sets + 1)]).encode()
        stream = io.BytesIO(data)
        tracemalloc.start()
        for _ in read_events(stream, chunk_size=8192):
            pass
        result = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return result

    small, large = peak(250), peak(2000)  # about 6,000 and 48,000 segments
    assert large < small * 1.3, (small, large)
