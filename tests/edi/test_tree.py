"""The X12 tree: spec-shaped JSON data for mappings (hub.edi.tree)."""

from __future__ import annotations

from pathlib import Path

from hub.edi.model import Segment, Transaction
from hub.edi.reader import read_interchanges
from hub.edi.spec import get_spec
from hub.edi.tree import transaction_tree
from hub.edi.validate import validate

HERE = Path(__file__).parent


def _tree(path: str, index: int = 0) -> dict:
    interchange = read_interchanges((HERE / path).read_bytes())[0]
    group = interchange.groups[0]
    tx = group.transactions[index]
    return transaction_tree(tx, get_spec(tx.set_id, group.version), interchange.delimiters.component)


def test_850_shape() -> None:
    tree = _tree("spec_samples/850_4010.x12")
    assert tree["ST"] == {"01": "850", "02": "0001"}
    assert tree["BEG"] == {"01": "00", "02": "SA", "03": "PO12345", "05": "20240115"}  # empty BEG04 left out
    assert tree["REF"] == [{"01": "DP", "02": "042"}, {"01": "IA", "02": "987654"}]  # repeated: a list
    assert tree["DTM"] == [{"01": "002", "02": "20240201"}, {"01": "010", "02": "20240125"}]
    assert [entry["N1"]["01"] for entry in tree["N1_loop"]] == ["ST", "BT"]
    ship_to = tree["N1_loop"][0]
    assert ship_to["N3"] == [{"01": "100 MAIN ST"}]
    assert ship_to["index"] == 1
    lines = tree["PO1_loop"]
    assert [line["PO1"]["07"] for line in lines] == ["012345678905", "012345678912"]
    assert lines[0]["PID"] == [{"01": "F", "05": "RED WIDGET"}]
    assert lines[0]["DTM"] == [{"01": "002", "02": "20240201"}]  # the line's DTM, not the heading's
    assert lines[1]["N1_loop"][0]["N1"]["01"] == "Z7"  # an inner loop stays in its line
    assert [s["SLN"]["10"] for s in lines[1]["SLN_loop"]] == ["012345678929", "012345678936"]
    assert tree["CTT_loop"][0]["CTT"] == {"01": "2", "02": "17"}
    assert tree["SE"]["01"] == "31"


def test_composites_are_lists_of_components() -> None:
    tree = _tree("samples/850_4010_crlf.x12")
    assert tree["REF"][1] == {"01": "IA", "02": "VEND-7781", "04": ["ZZ", "DEPT-12"]}
    sln = _tree("spec_samples/850_4010.x12")["PO1_loop"][1]["SLN_loop"][0]["SLN"]
    assert sln["05"] == ["EA"]  # C001 with one component is still a list


def test_856_hierarchy_levels_and_parents() -> None:
    tree = _tree("samples/856_4010.x12")
    hl = tree["HL_loop"]
    assert [(e["id"], e.get("parent"), e["level"]) for e in hl] == [
        ("1", None, "S"),
        ("2", "1", "O"),
        ("3", "2", "P"),
        ("4", "3", "I"),
        ("5", "2", "P"),
        ("6", "5", "I"),
    ]
    assert [e.get("parent_level") for e in hl] == [None, "S", "O", "P", "O", "P"]
    assert [e["levels"] for e in hl] == ["S", "SO", "SOP", "SOPI", "SOP", "SOPI"]
    assert [c["id"] for c in hl[1]["children"]] == ["3", "5"]
    assert hl[2]["children"][0] is hl[3]  # the same object, not a copy
    assert hl[0]["TD5"] == [{"01": "B", "02": "2", "03": "UPSN", "04": "U", "05": "UPS GROUND"}]
    assert hl[2]["MAN"] == [{"01": "GM", "02": "00001234500000000018"}]
    assert hl[3]["LIN"] == {"02": "UP", "03": "012345678905", "04": "VN", "05": "WG-100-BLU"}  # max use 1
    assert hl[3]["SN1"]["02"] == "24"


def test_unplaced_segments_are_skipped_and_other_separators_work() -> None:
    segments = [
        Segment("ST", ("850", "0001"), 2),
        Segment("BEG", ("00", "SA", "PO9", "", "20240101"), 3),
        Segment("ZZZ", ("X",), 4),
        Segment("REF", ("ZZ", "A", "", "VN:1:ZZ:2"), 5),
        Segment("PO1", ("", "1", "EA", "2.00"), 6),
        Segment("PO1", ("", "2", "EA", "3.00"), 7),
        Segment("SE", ("6", "0001"), 8),
    ]
    tree = transaction_tree(Transaction("850", "0001", segments), get_spec("850", "004010"), component=":")
    assert "ZZZ" not in tree
    assert tree["REF"][0]["04"] == ["VN", "1", "ZZ", "2"]
    assert [line["index"] for line in tree["PO1_loop"]] == [1, 2]
    assert "01" not in tree["PO1_loop"][0]["PO1"]


def _copy(tx: Transaction) -> Transaction:
    return Transaction(tx.set_id, tx.control_number, list(tx.segments), tx.implementation)


def test_a_validated_set_gives_the_tree_an_unvalidated_one_gives() -> None:
    """The tree walks the steps validation recorded for the set; they place every segment where its own walk
    would, in every shape of set (loops, inner loops, composites, HL levels, a segment that cannot be placed)."""
    files = ["spec_samples/850_4010.x12", "samples/850_4010_crlf.x12", "samples/856_4010.x12"]
    for path in files:
        interchange = read_interchanges((HERE / path).read_bytes())[0]
        group = interchange.groups[0]
        tx = group.transactions[0]
        spec = get_spec(tx.set_id, group.version)
        plain = transaction_tree(_copy(tx), spec, interchange.delimiters.component)
        validate(tx, group.version, component=interchange.delimiters.component)
        assert tx.placement is not None and tx.placement[0] is spec
        assert transaction_tree(tx, spec, interchange.delimiters.component) == plain, path
    odd = Transaction("850", "0001", [Segment("ST", ("850", "0001"), 0), Segment("ZZZ", ("X",), 1)])
    odd.segments += [Segment("BEG", ("00", "SA", "PO9", "", "20240101"), 2), Segment("SE", ("4", "0001"), 3)]
    validate(odd, "004010")
    assert transaction_tree(odd, get_spec("850", "004010")) == transaction_tree(_copy(odd), get_spec("850", "004010"))


def test_steps_recorded_for_other_segments_or_another_spec_are_not_used() -> None:
    interchange = read_interchanges((HERE / "spec_samples/850_4010.x12").read_bytes())[0]
    tx = interchange.groups[0].transactions[0]
    spec = get_spec("850", "004010")
    expected = transaction_tree(_copy(tx), spec)
    validate(tx, "004010")
    tx.segments.insert(3, Segment("REF", ("ZZ", "ADDED"), 99))  # changed after validation: walked again
    refs = transaction_tree(tx, spec)["REF"]
    assert {"01": "ZZ", "02": "ADDED"} in refs and len(refs) == len(expected["REF"]) + 1
    tx.segments.pop(3)
    tx.placement = (get_spec("855", "004010"), tx.placement[1] if tx.placement else [])  # not this spec's steps
    assert transaction_tree(tx, spec) == expected
