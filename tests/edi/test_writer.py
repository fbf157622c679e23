"""The X12 writer: fixed-width ISA, computed trailers, and never a delimiter inside data."""

from __future__ import annotations

import io

import pytest
from pyx12.x12file import X12Reader

from hub.edi.model import Delimiters
from hub.edi.writer import (
    DelimiterInData,
    InterchangeHeader,
    OutGroup,
    OutInterchange,
    OutTransaction,
    WriterError,
    X12Writer,
    seg,
)

STAR = Delimiters("*", ">", "~")
STAR_5010 = Delimiters("*", ":", "~", "^")


def header(**changes: object) -> InterchangeHeader:
    values: dict[str, object] = {
        "sender_qualifier": "ZZ",
        "sender_id": "ORDERHUB",
        "receiver_qualifier": "01",
        "receiver_id": "123456789",
        "date": "261122",
        "time": "1405",
        "control_version": "00401",
        "control_number": 42,
    }
    values.update(changes)
    return InterchangeHeader(**values)  # type: ignore[arg-type]


def purchase_order_interchange(control_version: str = "00401") -> OutInterchange:
    body = [
        seg("BEG", "00", "SA", "PO-1", "", "20261122"),
        seg("PO1", "1", "3", "EA", "9.5", "", "VN", "ABC-1"),
        seg("CTT", "1"),
    ]
    group = OutGroup("PO", "ORDERHUB", "RETAILER", "20261122", "1405", "77", "004010")
    group.transactions = [OutTransaction("850", "0001", body), OutTransaction("850", "0002", body[1:])]
    return OutInterchange(header(control_version=control_version), [group])


def test_isa_is_fixed_width_with_padded_fields_and_separators_from_the_delimiters() -> None:
    isa = X12Writer(STAR).isa(header())
    assert isa == (
        "ISA*00*          *00*          *ZZ*ORDERHUB       *01*123456789      *261122*1405*U*00401*000000042*0*P*>~"
    )
    assert len(isa) == 106
    isa_5010 = X12Writer(STAR_5010).isa(header(control_version="00501", ack_requested=True, usage="T"))
    assert len(isa_5010) == 106
    assert isa_5010.endswith("*261122*1405*^*00501*000000042*1*T*:~")


def test_interchange_trailers_are_counted_and_match_their_headers() -> None:
    text = X12Writer(STAR, newline=True).interchange(purchase_order_interchange())
    assert text.splitlines()[1:] == [
        "GS*PO*ORDERHUB*RETAILER*20261122*1405*77*X*004010~",
        "ST*850*0001~",
        "BEG*00*SA*PO-1**20261122~",
        "PO1*1*3*EA*9.5**VN*ABC-1~",
        "CTT*1~",
        "SE*5*0001~",
        "ST*850*0002~",
        "PO1*1*3*EA*9.5**VN*ABC-1~",
        "CTT*1~",
        "SE*4*0002~",
        "GE*2*77~",
        "IEA*1*000000042~",
    ]


def test_a_standard_reader_finds_the_counts_right() -> None:
    text = X12Writer(STAR).interchange(purchase_order_interchange())
    reader = X12Reader(io.StringIO(text))
    ids = [segment.get_seg_id() for segment in reader]
    reader.cleanup()
    assert ids == ["ISA", "GS", "ST", "BEG", "PO1", "CTT", "SE", "ST", "PO1", "CTT", "SE", "GE", "IEA"]
    assert reader.pop_errors() == []


def test_trailing_empty_elements_and_components_are_dropped_but_inner_ones_kept() -> None:
    writer = X12Writer(STAR)
    assert writer.segment(seg("N1", "ST", "", "92", "", "")) == "N1*ST**92~"
    assert writer.segment(seg("REF", "ZZ", "X", "", ("VN", "ABC", "", ""))) == "REF*ZZ*X**VN>ABC~"
    assert writer.segment(seg("AK4", ("2", "1"), "330", "7", "")) == "AK4*2>1*330*7~"


@pytest.mark.parametrize("value", ["A*B", "A~B", "A>B", "A\nB", "A\rB"])
def test_a_delimiter_inside_data_is_refused_by_default(value: str) -> None:
    with pytest.raises(DelimiterInData, match=r"N102 contains .* a delimiter of this interchange"):
        X12Writer(STAR).segment(seg("N1", "ST", value))


def test_replace_mode_puts_the_replacement_in_place_of_each_delimiter() -> None:
    writer = X12Writer(STAR_5010, on_delimiter="replace")
    assert writer.segment(seg("MSG", "50% off*today~only: ^now^\r\n")) == "MSG*50% off today only   now   ~"
    assert X12Writer(STAR, on_delimiter="replace", replacement="-").segment(seg("N1", "ST", "A*B")) == "N1*ST*A-B~"
    with pytest.raises(WriterError, match="replacement"):
        X12Writer(STAR, on_delimiter="replace", replacement="*")


def test_components_are_checked_one_by_one() -> None:
    with pytest.raises(DelimiterInData, match="REF04-2"):
        X12Writer(STAR).segment(seg("REF", "ZZ", "X", "", ("VN", "A>B")))


def test_repetitions_need_a_repetition_separator() -> None:
    assert X12Writer(STAR_5010).segment(seg("HI", [("ABK", "J10"), ("ABF", "E11")])) == "HI*ABK:J10^ABF:E11~"
    with pytest.raises(WriterError, match="no repetition separator"):
        X12Writer(STAR).segment(seg("HI", ["A", "B"]))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"sender_id": "A-SENDER-ID-LONGER-THAN-15"}, "ISA06"),
        ({"date": "20261122"}, "ISA09"),
        ({"sender_qualifier": "Z"}, "ISA05"),
        ({"sender_id": "ACME*CO"}, "ISA06 contains"),
        ({"control_number": 1_000_000_000}, "ISA13"),
        ({"control_number": 0}, "ISA13"),
    ],
)
def test_an_isa_that_cannot_be_written_fixed_width_is_refused(changes: dict[str, object], message: str) -> None:
    with pytest.raises(WriterError, match=message):
        X12Writer(STAR).isa(header(**changes))


def test_5010_needs_a_repetition_separator() -> None:
    with pytest.raises(WriterError, match="repetition separator"):
        X12Writer(STAR).isa(header(control_version="00501"))


@pytest.mark.parametrize(
    "delimiters",
    [Delimiters("*", "*", "~"), Delimiters("A", ">", "~"), Delimiters(" ", ">", "~"), Delimiters("*", ">", "~", "~")],
)
def test_unusable_delimiters_are_refused(delimiters: Delimiters) -> None:
    with pytest.raises(WriterError):
        X12Writer(delimiters)


def test_newline_terminated_files_get_no_second_line_end() -> None:
    writer = X12Writer(Delimiters("*", ">", "\n"), newline=True)
    assert writer.segment(seg("CTT", "1")) == "CTT*1\n"


def test_st02_must_be_unique_within_a_group() -> None:
    interchange = purchase_order_interchange()
    interchange.groups[0].transactions[1].control_number = "0001"
    with pytest.raises(WriterError, match="ST02 0001 used twice"):
        X12Writer(STAR).interchange(interchange)


def test_a_segment_id_must_look_like_one() -> None:
    with pytest.raises(WriterError, match="segment id"):
        X12Writer(STAR).segment(seg("po1", "1"))
