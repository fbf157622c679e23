"""The hub's fast validator: clean samples pass, broken ones get the exact AK3/AK4 codes."""

from __future__ import annotations

import itertools
import re

import pytest

from hub.edi.model import Delimiters, Finding, Group, Interchange, Level, Segment, Transaction
from hub.edi.spec import get_spec, iter_refs, load_library
from hub.edi.validate import (
    _SEP,
    UnlistedCode,
    _check_segment,
    _codes_pattern,
    compile_spec,
    validate,
    validate_interchange,
    validate_transaction,
)
from tests.edi.spec_samples import BROKEN, GOOD, drop_segment, read, replace_once, transactions


def _findings(text: str, component: str = ">") -> list[Finding]:
    out: list[Finding] = []
    for gs08, tx in transactions(text):
        out += validate(tx, gs08, component=component)
    return out


def _notes(findings: list[Finding]) -> list[tuple[str, str, int, str, str, str]]:
    """Findings as (AK3 code, segment, position, AK4 element, AK4 code, data element), AK5 left out."""
    return sorted(
        (
            f.code if f.level is Level.SEGMENT else "",
            f.segment_id,
            f.position,
            f.element,
            f.code if f.level is Level.ELEMENT else "",
            f.data_element,
        )
        for f in findings
        if f.level is not Level.TRANSACTION
    )


@pytest.mark.parametrize("sample", GOOD)
def test_clean_samples_have_no_findings(sample):
    found = transactions(read(sample))
    assert found
    assert _findings(read(sample)) == []


# Broken samples whose code 7 is a value missing from an open list (entity code, unit, transportation method):
# a warning, so the set is rejected only when something else is wrong with it (SN103 is also too long).
OPEN_LIST_CASES = {
    "850 bad N101 code": False,
    "850 bad PO103 unit": False,
    "856 5010 bad TD504": False,
    "846 bad QTY03 unit": False,
    "856 SN103 too long": True,
}


@pytest.mark.parametrize(("case", "sample", "edit", "expected"), BROKEN, ids=[c[0] for c in BROKEN])
def test_broken_samples_get_the_exact_codes(case, sample, edit, expected):
    findings = _findings(edit(read(sample)))
    assert _notes(findings) == sorted(expected)
    assert {f.code for f in findings if not f.fatal} == ({"7"} if case in OPEN_LIST_CASES else set())
    transaction_codes = [f.code for f in findings if f.level is Level.TRANSACTION]
    assert transaction_codes == (["5"] if OPEN_LIST_CASES.get(case, bool(expected)) else [])


def test_findings_carry_value_loop_and_message_and_land_on_the_transaction():
    text = replace_once(read("850_4010.x12"), "PID*F****RED WIDGET", "PID*Q****RED WIDGET")
    ((gs08, tx),) = transactions(text)
    findings = validate(tx, gs08)
    assert tx.findings == findings
    bad = findings[0]
    assert (bad.level, bad.code, bad.value, bad.loop_id) == (Level.ELEMENT, "7", "Q", "PO1")
    assert "PID01" in bad.message and bad.fatal
    assert not tx.accepted


def test_a_value_missing_from_an_open_list_is_a_warning_kept_on_the_accepted_set():
    text = replace_once(read("850_4010.x12"), "PO1*1*12*EA", "PO1*1*12*SH")  # SH sheet: a unit, not listed
    ((gs08, tx),) = transactions(text)
    (warning,) = validate(tx, gs08)
    assert isinstance(warning, UnlistedCode) and not warning.fatal
    assert (warning.level, warning.code, warning.ref, warning.position, warning.value) == (
        Level.ELEMENT,
        "7",
        "PO103",
        18,
        "SH",
    )
    assert (warning.data_element, warning.loop_id) == ("355", "PO1")
    assert "PO103" in warning.message and "kept as sent" in warning.message
    assert tx.findings == [warning] and tx.accepted


def test_unknown_segment_is_1_and_a_known_one_out_of_place_is_2():
    text = read("850_4010.x12")
    unknown = _findings(replace_once(text, "CUR*BY*USD~\n", "CUR*BY*USD~\nZZZ*1~\n"))
    assert _notes(unknown) == [("1", "ZZZ", 4, "", "", "")]
    out_of_place = _findings(
        replace_once(drop_segment(text, "CUR*BY*USD"), "REF*IA*987654~\n", "REF*IA*987654~\nCUR*BY*USD~\n")
    )
    assert _notes(out_of_place) == [("2", "CUR", 5, "", "", "")]
    orphan = _findings(drop_segment(text, "N1*ST*STORE 42*92*0042"))  # N3/N4 without their N1
    assert _notes(orphan) == [("2", "N3", 14, "", "", ""), ("2", "N4", 15, "", "", "")]
    assert {f.loop_id for f in orphan if f.level is Level.SEGMENT} == {"N9"}


def test_max_use_and_loop_repeats():
    text = read("850_4010.x12")
    twice = _findings(replace_once(text, "CUR*BY*USD~\n", "CUR*BY*USD~\nCUR*BY*USD~\n"))
    assert _notes(twice) == [("5", "CUR", 4, "", "", "")]
    ctt_again = _findings(replace_once(text, "AMT*TT*244.38~\n", "AMT*TT*244.38~\nCTT*2~\n"))
    assert [(f.code, f.segment_id, f.loop_id) for f in ctt_again if f.level is Level.SEGMENT] == [("4", "CTT", "CTT")]
    many_hl = read("856_4010.x12")
    spec = get_spec("856", "004010")
    ((gs08, tx),) = transactions(many_hl)
    already = sum(1 for s in tx.segments if s.id == "HL")
    more = [Segment("HL", (str(n), "", "S"), 0) for n in range(already + 1, 200_002)]
    tx.segments[-2:-2] = more  # one HL loop more than the 200000 the standard allows
    codes = [(f.code, f.loop_id) for f in validate_transaction(tx, spec) if f.level is Level.SEGMENT]
    assert codes == [("4", "HL")]


def test_a_mandatory_loop_missing_is_reported_once_with_its_first_segment():
    text = read("945_4010.x12")
    for seg in [
        "LX*1",
        "MAN*GM*00012345678901234567",
        "W12*CC*12*12**EA**VN*ABC-1",
        "G69*RED WIDGET",
        "N9*LI*1",
        "LX*2",
        "W12*CP*5*3*2*CA**VN*XYZ-9",
    ]:
        text = drop_segment(text, seg)
    findings = _findings(text)
    assert _notes(findings) == [("3", "LX", 10, "", "", "")]
    assert "loop LX" in findings[0].message


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("PO1*1*12*EA", "PO1*1*1X*EA", [("", "PO1", 18, "02", "6", "330")]),  # R with a letter
        ("PO1*1*12*EA", "PO1*1*1.*EA", [("", "PO1", 18, "02", "6", "330")]),  # R ending in a point
        ("CTT*2*17", "CTT*2.5*17", [("", "CTT", 29, "01", "6", "354")]),  # N0 with a point
        ("DTM*010*20240125", "DTM*010*20230229", [("", "DTM", 10, "02", "8", "373")]),
        ("DTM*010*20240125", "DTM*010*20240229*2460", [("", "DTM", 10, "03", "9", "337")]),
        ("DTM*010*20240125", "DTM*010*20240125*12345", [("", "DTM", 10, "03", "9", "337")]),
        ("REF*DP*042", "REF*DP*042 ", [("", "REF", 4, "02", "6", "127")]),  # trailing space
        ("REF*DP*042", "REF*DP*04\x072", [("", "REF", 4, "02", "6", "127")]),  # control character
        ("REF*DP*042", "REF*DP*0>42", [("", "REF", 4, "02", "6", "127")]),  # a composite where none belongs
        ("CUR*BY*USD", "CUR*BY*US", [("", "CUR", 3, "02", "4", "100")]),
        ("ITD*01*3*2**30", "ITD*01*3*2.1234567**30", [("", "ITD", 8, "03", "5", "338")]),
        ("CUR*BY*USD", "CUR*BY*USD" + "*" * 20 + "X", [("", "CUR", 3, "22", "3", "")]),  # too many elements
        ("REF*DP*042", "REF*DP*042**ZZ>>IA>2", [("", "REF", 4, "04:2", "1", "127")]),  # composite component
        ("REF*DP*042", "REF*DP*042**ZZ>1>IA>2>VN>3>X", [("", "REF", 4, "04", "3", "C040")]),
        ("REF*DP*042", "REF*DP*042**QQ>1", [("", "REF", 4, "04:1", "7", "128")]),
        ("BEG*00*SA*PO12345**20240115", "BEG*00*SA*PO12345", [("", "BEG", 2, "05", "1", "373")]),
        # Characters Python calls digits that are not X12 digits: a superscript two, Arabic-Indic and
        # full-width digits are an invalid date, time or character of that element, never a crash.
        ("DTM*010*20240125", "DTM*010*2024012\u00b2", [("", "DTM", 10, "02", "8", "373")]),
        (
            "DTM*010*20240125",
            "DTM*010*\u0662\u0660\u0662\u0664\u0660\u0661\u0662\u0665",
            [("", "DTM", 10, "02", "8", "373")],
        ),
        ("DTM*010*20240125", "DTM*010*20240125*12\u00b30", [("", "DTM", 10, "03", "9", "337")]),
        ("DTM*010*20240125", "DTM*010*20240125*\uff11\uff12\uff13\uff10", [("", "DTM", 10, "03", "9", "337")]),
        ("CTT*2*17", "CTT*\u00b2*17", [("", "CTT", 29, "01", "6", "354")]),
        ("PO1*1*12*EA", "PO1*1*1\u00b2*EA", [("", "PO1", 18, "02", "6", "330")]),
    ],
)
def test_element_checks(old, new, expected):
    assert _notes(_findings(replace_once(read("850_4010.x12"), old, new))) == sorted(expected)


def test_composites_use_the_interchange_component_separator():
    text = read("850_4010.x12").replace("REF*DP*042", "REF*DP*042**ZZ:1:IA:2")
    assert _findings(text, component=":") == []
    as_one_component = [("", "REF", 4, "04:1", "5", "128"), ("", "REF", 4, "04:1", "7", "128")]
    assert _notes(_findings(text, component=">")) == [*as_one_component, ("", "REF", 4, "04:2", "1", "127")]


def test_5010_allows_the_wider_character_set_and_lengths():
    text = read("850_5010.x12").replace("PER*BD*JANE BUYER", "PER*BD*JANE^BUYER")
    assert _findings(text) == []
    text4010 = read("850_4010.x12").replace("PER*BD*JANE BUYER", "PER*BD*JANE^BUYER")
    assert _notes(_findings(text4010)) == [("", "PER", 6, "02", "6", "93")]


def test_unsupported_set_or_version_is_ak5_1():
    tx = Transaction("999", "0001", [Segment("ST", ("999", "0001"), 0), Segment("SE", ("2", "0001"), 1)])
    (finding,) = validate(tx, "004010")
    assert (finding.level, finding.code) == (Level.TRANSACTION, "1")
    ((gs08, tx850),) = transactions(read("850_4010.x12"))
    (finding,) = validate(tx850, "003040")
    assert (finding.level, finding.code) == (Level.TRANSACTION, "1")


def test_retail_gs08_variants_use_the_base_spec():
    text = read("850_4010.x12").replace("*X*004010~", "*X*004010VICS~")
    assert transactions(text)[0][0] == "004010VICS"
    assert _findings(text) == []
    assert _notes(_findings(replace_once(text, "BEG*00*SA", "BEG*99*SA"))) == [("", "BEG", 2, "01", "7", "353")]


TRICKY = [
    "",
    " ",
    "A",
    "A ",
    " A",
    "-",
    ".",
    "1.",
    ".5",
    "-1.5",
    "1-2",
    "0012",
    "12345678901234567890",
    "20240229",
    "20230229",
    "20241301",
    "17991231",
    "2359",
    "2360",
    "235959",
    "2359591",
    "23595912",
    "235",
    "EA",
    "ZZZ",
    "00",
    "99",
    "AB>CD",
    "a~b",
    "x\x07",
    "caf\xe9",
    "^`",
    "A" * 81,
    "12.",
    "1.2.3",
    "-.5",
    "-",
    "123.456",
    "1234567890123456.5",
    "12345678901234567.5",
]


@pytest.mark.parametrize("version", ["004010", "005010"])
def test_the_whole_segment_match_agrees_with_the_element_checks(version):
    """The fast path may only accept what the element-by-element checks accept, and should accept all of it."""
    library = load_library()
    disagreements = []
    for set_id in library.set_ids:
        if (set_id, version) not in library.specs:  # the 999 exists only in 005010
            continue
        compiled = compile_spec(library.get(set_id, version))
        for ref in {r.id: r for r in iter_refs(compiled.spec.body)}.values():
            rx = compiled.pattern(ref, ">")
            width = len(ref.segment.elements)
            for position, value in itertools.product(range(min(width, 6) + 1), TRICKY):
                elements = ["1"] * width
                if position < width:
                    elements[position] = value
                else:
                    elements.append(value)
                for trimmed in (tuple(elements), tuple(elements[: position + 1])):
                    slow = not _check_segment(trimmed, ref.segment.elements, ">", compiled.bad_chars)
                    joined = _SEP.join(trimmed)
                    fast = rx.fullmatch(joined) is not None and joined.count(_SEP) == len(trimmed) - 1
                    if fast and not slow:
                        disagreements.append((set_id, ref.id, trimmed))
    assert disagreements == []


def test_a_code_list_pattern_accepts_its_codes_and_nothing_else():
    codes = sorted(["A", "AB", "ABC", "AC", "B", "Z9", "ZZ", "01", "011", "0*"])
    rx = re.compile(_codes_pattern(codes))
    probes = {code[:n] + extra for code in codes for n in range(len(code) + 1) for extra in ("", "B", "C", "9", "Q")}
    assert {probe for probe in probes if rx.fullmatch(probe)} == set(codes)


def test_decimal_numbers_in_the_whole_segment_match():
    """R elements: digits with at most one point inside or in front, counted without sign and point."""
    compiled = compile_spec(get_spec("850", "004010"))
    po1 = next(ref for ref in iter_refs(compiled.spec.body) if ref.id == "PO1")  # PO104 unit price: R 1..17
    rx = compiled.pattern(po1, ">")
    accepted = ["4.75", "-4.75", ".75", "475", "0", "12345678901234567", "1234567890123456.7", "-.5"]
    refused = ["4.", "4.7.5", ".", "-", "1.2e3", "123456789012345678", "12345678901234567.8", "+1", "4,75"]
    for price, expected in [*((p, True) for p in accepted), *((p, False) for p in refused)]:
        joined = _SEP.join(("1", "6", "EA", price, "", "UP", "0123"))
        assert (rx.fullmatch(joined) is not None) is expected, price


def test_the_hl_hierarchy_is_numbered_in_order_and_points_at_open_levels():
    text = read("856_4010.x12")
    duplicated = _findings(replace_once(text, "HL*2*1*O~\n", "HL*2*1*O~\nHL*2*1*O~\n"))
    first = [(f.segment_id, f.position, f.element, f.code, f.value) for f in duplicated if f.level is Level.ELEMENT]
    assert first[0] == ("HL", 14, "01", "7", "2")
    bad_parent = _findings(replace_once(text, "HL*4*3*I", "HL*4*9*I"))
    assert _notes(bad_parent) == [("", "HL", 17, "02", "7", "734")]
    superscript = _findings(replace_once(text, "HL*2*1*O", "HL*\u00b2*1*O"))
    assert ("HL", 13, "01", "7", "\u00b2") in [
        (f.segment_id, f.position, f.element, f.code, f.value) for f in superscript
    ]
    superscript_parent = _findings(replace_once(text, "HL*4*3*I", "HL*4*\u00b3*I"))
    assert _notes(superscript_parent) == [("", "HL", 17, "02", "6", "734"), ("", "HL", 17, "02", "7", "734")]
    root_zero = _findings(replace_once(text, "HL*1**S", "HL*1*0*S"))
    assert [(f.element, f.fatal) for f in root_zero] == [("02", False)]  # a warning, and no AK5 5
    ((gs08, tx),) = transactions(replace_once(text, "HL*1**S", "HL*1*0*S"))
    validate(tx, gs08)
    assert tx.accepted


def test_an_interchange_is_validated_group_by_group_with_its_own_separator():
    def group(name: str, gs08: str) -> Group:
        txs = [tx for _, tx in transactions(read(name))]
        return Group("PO", "S", "R", "20240115", "1200", "1", gs08, txs)

    broken = replace_once(read("850_4010.x12"), "BEG*00*SA", "BEG*99*SA").replace("REF*DP*042", "REF*DP*042**ZZ:1")
    bad = Group("PO", "S", "R", "20240115", "1200", "2", "004010VICS", [tx for _, tx in transactions(broken)])
    isa = Segment("ISA", (), 0)
    interchange = Interchange(
        "ZZ",
        "S",
        "ZZ",
        "R",
        "240115",
        "1200",
        "00401",
        "000000001",
        False,
        "T",
        Delimiters("*", ":", "~"),
        isa,
        [group("850_4010.x12", "004010"), group("850_5010.x12", "005010"), bad],
    )
    findings = validate_interchange(interchange)
    assert [(f.segment_id, f.element, f.code) for f in findings] == [("BEG", "01", "7"), ("", "", "5")]
    assert bad.transactions[0].findings == findings
