"""Envelopes a reader must survive: each interchange read with the delimiters its own ISA declares, whatever the
one before it used; blanks after a terminator, a mainframe's NL, and debris after the last IEA read as nothing.

The samples in ``samples/envelopes/`` are each one of these shapes; the tests derive more variants from them.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from hub.edi.envelope import InterchangeEnd, InterchangeStart
from hub.edi.model import Delimiters, Interchange, Segment
from hub.edi.reader import read_events, read_interchanges
from tests.edi import collect, dump, interchange, po_set

ENVELOPES = Path(__file__).parent / "samples" / "envelopes"
EBCDIC_NL, EBCDIC_CR, EBCDIC_LF = b"\x15", b"\x0d", b"\x25"


def envelope_sample(name: str) -> bytes:
    return (ENVELOPES / name).read_bytes()


def shape(interchanges: list[Interchange]) -> list[tuple[str, str, list[tuple[str, str, list[tuple[str, str]]]]]]:
    """ISA13, ISA12, and per group GS06, GS08 and its sets as (ST02, BEG03)."""
    return [
        (
            ix.control_number,
            ix.control_version,
            [
                (g.control_number, g.version, [(t.control_number, t.segments[1].element(3)) for t in g.transactions])
                for g in ix.groups
            ],
        )
        for ix in interchanges
    ]


def findings(interchanges: list[Interchange]) -> list[str]:
    found = [f.message for ix in interchanges for f in ix.findings]
    found += [f.message for ix in interchanges for g in ix.groups for f in g.findings]
    return found + [f.message for ix in interchanges for g in ix.groups for t in g.transactions for f in t.findings]


def segments_of(ix: Interchange) -> list[Segment]:
    return [segment for group in ix.groups for t in group.transactions for segment in t.segments]


# --- EBCDIC, NL as the terminator ---------------------------------------------------------------------------


def test_cp037_with_nl_terminators_followed_by_crlf() -> None:
    data = envelope_sample("850_cp037_nl_terminators.x12")
    assert data.count(EBCDIC_NL + EBCDIC_CR + EBCDIC_LF) == 28 and data.endswith(b"\x00" * 6)
    first, second = read_interchanges(data)
    assert shape([first, second]) == [
        ("000000501", "00401", [("501", "004010", [("0101", "HH-778120"), ("0102", "HH-778121")])]),
        ("000000502", "00401", [("502", "004010", [("0103", "HH-778122")])]),
    ]
    assert first.delimiters == Delimiters("*", ">", "\x85")  # cp037 decodes NL (0x15) to U+0085
    assert second.delimiters == Delimiters("*", "^", "~")
    assert findings([first, second]) == []
    assert (first.encoding, second.encoding) == ("cp037", "cp037")
    po = first.groups[0].transactions[0]
    assert [s.id for s in po.segments] == [
        "ST", "BEG", "REF", "DTM", "N1", "N3", "N4", "PO1", "PID", "PO1", "PID", "CTT", "SE",
    ]  # fmt: skip
    assert po.segments[7].elements == ("1", "48", "EA", "12.40", "", "UP", "036000291452", "VN", "LL-PEND-BR")
    assert po.segments[4].elements == ("ST", "HARBOR HOME DC02", "92", "DC02")
    # each interchange keeps its own bytes: the NL ends the first, the CR LF after it is between the two
    assert first.raw.endswith(b"\xc9\xc5\xc1\x5c\xf1\x5c" + b"\xf0" * 6 + b"\xf5\xf0\xf1" + EBCDIC_NL)
    assert data.startswith(first.raw + EBCDIC_CR + EBCDIC_LF + second.raw)


@pytest.mark.parametrize(
    "after_nl",
    [b"", EBCDIC_LF, EBCDIC_CR + EBCDIC_LF, EBCDIC_CR, b"\x40\x40", EBCDIC_CR + EBCDIC_LF + b"\x40\x40\x40\x40"],
    ids=["nl", "nl-lf", "nl-crlf", "nl-cr", "nl-spaces", "nl-crlf-indent"],
)
def test_whatever_follows_an_nl_terminator_is_no_part_of_the_next_tag(after_nl: bytes) -> None:
    original = envelope_sample("850_cp037_nl_terminators.x12")
    data = original.replace(EBCDIC_NL + EBCDIC_CR + EBCDIC_LF, EBCDIC_NL + after_nl)
    read = read_interchanges(data)
    assert findings(read) == []
    assert dump(read) == dump(read_interchanges(original))


def test_nl_as_line_breaks_after_a_tilde_stays_cosmetic() -> None:
    """The second interchange of the sample: "~" ends each segment and an NL follows it as a line break."""
    data = envelope_sample("850_cp037_nl_terminators.x12")
    [second] = read_interchanges(data[data.index(b"\xc9\xe2\xc1", 10) :])
    assert second.delimiters.segment == "~" and findings([second]) == []
    assert [s.id for s in segments_of(second)][:3] == ["ST", "BEG", "REF"]


def test_an_ebcdic_interchange_cut_short_before_an_nl_does_not_swallow_the_next() -> None:
    """NL as a line break is removed like CR LF, but not when the next line starts an interchange: the stub's
    last segment would be glued to its ISA."""
    complete = interchange(po_set(), control="000000102", eol="\x85")
    stub = interchange(po_set()).split("~PO1*")[0]  # ends inside the set, without a terminator
    first, second = read_interchanges((stub + "\x85" + complete).encode("cp037"))
    assert first.groups[0].transactions[0].segments[-1].elements == ("ST", "ACME DC 4", "92", "0004")
    assert [(f.code, f.fatal) for f in first.findings] == [("023", True)]
    assert (second.control_number, findings([second])) == ("000000102", [])


def test_an_ascii_file_with_line_ends_is_not_taken_for_ebcdic_nl() -> None:
    """In ASCII-family input 0x85 is a character (an ellipsis in Windows-1252), never a line break."""
    text = interchange(po_set()).replace("WIDGET", "WIDGET\x85")
    [ix] = read_interchanges(text.encode("latin-1"))
    assert ix.groups[0].transactions[0].segments[4].element(5) == "WIDGET\x85"


# --- the element separator, ISA12 and GS08 -------------------------------------------------------------------


def test_pipes_on_one_line_under_an_older_control_version() -> None:
    data = envelope_sample("850_pipe_one_line_00305.x12")
    assert b"\n" not in data and data.count(b"|") == 80
    [ix] = read_interchanges(data)
    assert shape([ix]) == [("000000733", "00305", [("733", "004010", [("7001", "HH-780455")])])]
    assert ix.delimiters == Delimiters("|", "\\", "~")
    assert findings([ix]) == [] and ix.accepted
    assert segments_of(ix)[7].elements == ("1", "30", "EA", "24.99", "", "UP", "036000291490", "VN", "LL-STRIP-5M")


# --- several interchanges, each with its own delimiters ----------------------------------------------------------


def test_a_mailbag_whose_delimiters_change_at_every_isa() -> None:
    data = envelope_sample("mailbag_changing_delimiters.x12")
    read = read_interchanges(data)
    assert shape(read) == [
        ("000000611", "00401", [("611", "004010", [("0201", "HH-781001")])]),
        ("000000612", "00305", [("612", "004010", [("0202", "HH-781002")])]),
        ("000000613", "00501", [("613", "005010", [("0203", "HH-781003")])]),
        ("000000614", "00401", [("614", "004010VICS", [("0204", "HH-781004")])]),
    ]
    assert [ix.delimiters for ix in read] == [
        Delimiters("*", ">", "\x15"),  # NAK: an EBCDIC NL carried over into ASCII, then CR LF
        Delimiters("|", "^", "~"),  # a space before every tag
        Delimiters("*", ":", "\n", "^"),  # lines, indented by two spaces
        Delimiters("\x1d", "\x1f", "\x1c"),  # control characters, then a DOS end of file
    ]
    assert findings(read) == []
    assert [len(segments_of(ix)) for ix in read] == [11, 13, 13, 15]
    assert [segments_of(ix)[-2].elements for ix in read] == [("1", "48"), ("2", "16"), ("2", "150"), ("3", "84")]
    first, second, third, fourth = (ix.raw for ix in read)
    assert third.endswith(b"IEA*1*000000613\r\n")  # lines are its terminator: the last CR LF is its own
    assert data == first + b"\r\n" + second + b" " + third + fourth + b"\r\n\x1a"


def test_each_interchange_reads_as_it_would_alone() -> None:
    data = envelope_sample("mailbag_changing_delimiters.x12")
    together = read_interchanges(data)
    alone = [read_interchanges(ix.raw)[0] for ix in together]
    assert dump(together) == dump(alone)


@pytest.mark.parametrize("padding", [" ", "   ", "\t", "\r\n", "\r\n    ", "\n\t\t", " \r\n "], ids=repr)
def test_blanks_after_a_terminator_are_no_part_of_the_next_tag(padding: str) -> None:
    plain = interchange(po_set("0001", lines=2), po_set("0002"))
    padded = plain.replace("~", "~" + padding)
    assert dump(read_interchanges(padded.encode())) == dump(read_interchanges(plain.encode()))


@pytest.mark.parametrize("indent", [" ", "  ", "\t"], ids=repr)
def test_indented_lines_when_lines_are_the_terminator(indent: str) -> None:
    plain = interchange(po_set(lines=2), term="\n")
    padded = plain.replace("\n", "\n" + indent).rstrip(indent)
    read = read_interchanges(padded.encode())
    assert findings(read) == [] and dump(read) == dump(read_interchanges(plain.encode()))
    assert read[0].delimiters.segment == "\n"


def test_a_pretty_printed_interchange() -> None:
    data = envelope_sample("850_indented_segments.x12")
    assert b"~\r\n            PO1*1*10*EA*89.00" in data and data.endswith(b"IEA*1*000000801~\r\n\x1a")
    [ix] = read_interchanges(data)
    assert shape([ix]) == [("000000801", "00401", [("801", "004010", [("0301", "HH-782210")])])]
    assert findings([ix]) == []
    flat = b"~".join(segment.strip() for segment in data.rstrip(b"\x1a\r\n").split(b"~"))
    assert flat.startswith(b"ISA*") and flat.endswith(b"~GE*1*801~IEA*1*000000801~")
    assert dump([ix]) == dump(read_interchanges(flat))


def test_a_blank_segment_is_still_an_empty_segment() -> None:
    """Blanks between two terminators are no tag at all: reported as the empty segment they are."""
    data = interchange(po_set()).replace("N1*", " ~ N1*").encode()
    [ix] = read_interchanges(data)
    assert [(f.code, f.position) for f in ix.groups[0].transactions[0].findings] == [("1", 3)]


@pytest.mark.parametrize("trailer", [b"\x1a", b"\x00" * 64, b"\r\n\x1a\x00\x00", b"   \r\n\r\n", b"\x1a\x1a\r\n"])
def test_debris_after_the_last_iea_is_ignored(trailer: bytes) -> None:
    data = envelope_sample("mailbag_changing_delimiters.x12").removesuffix(b"\r\n\x1a")
    read = read_interchanges(data + trailer)
    assert findings(read) == [] and len(read) == 4
    assert dump(read) == dump(read_interchanges(data))


@pytest.mark.parametrize("chunk_size", [1, 2, 5, 106, 4096])
@pytest.mark.parametrize("path", sorted(ENVELOPES.glob("*.x12")), ids=lambda p: p.name)
def test_chunk_boundaries_change_nothing(path: Path, chunk_size: int) -> None:
    """A chunk may end between a terminator and the blanks after it, or inside a CR LF after an NL."""
    data = path.read_bytes()
    events = list(read_events(io.BytesIO(data), chunk_size=chunk_size))
    whole = read_interchanges(data)
    assert dump(collect(events)) == dump(whole) and findings(whole) == []
    starts = [e.byte_offset for e in events if isinstance(e, InterchangeStart)]
    ends = [e.byte_end for e in events if isinstance(e, InterchangeEnd)]
    assert [data[start:end] for start, end in zip(starts, ends, strict=True)] == [ix.raw for ix in whole]
