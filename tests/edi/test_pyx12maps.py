"""Generated pyx12 maps: the folder is complete, pyx12 validates the samples with them, and agrees with the hub."""

from __future__ import annotations

import random

import pytest
from defusedxml import ElementTree as SafeET

from hub.edi.model import Level
from hub.edi.pyx12maps import (
    NOT_GENERATED,
    build_map_folder,
    dataele_conflicts,
    gs08_variants,
    map_file_name,
    validate_with_pyx12,
)
from hub.edi.spec import load_library
from hub.edi.validate import validate
from tests.edi import x12text as x12
from tests.edi.spec_samples import BROKEN, GOOD, PYX12_POSITION, read, recount, replace_once, transactions

# A 999 as a clearinghouse sends it (ST03, AK103 and AK203 name the guides): one claim accepted. pyx12's
# packaged 999 map knows only the HIPAA functional ids, hence HC.
ACK_999 = x12.transaction(
    "999",
    "0001",
    "AK1*HC*1204*005010X222A1",
    "AK2*837*0021*005010X222A1",
    "IK5*A",
    "AK9*A*1*1*1",
).replace("ST*999*0001~", "ST*999*0001*005010X231A1~")


@pytest.fixture(scope="module")
def maps(tmp_path_factory):
    return build_map_folder(tmp_path_factory.mktemp("pyx12"))


def _pyx12_notes(text: str, maps) -> list[tuple[str, str, int, str, str, str]]:
    return sorted(
        (
            e.code if e.level == "segment" else "",
            e.segment_id,
            e.position,
            e.element,
            e.code if e.level == "element" else "",
            e.data_element,
        )
        for e in validate_with_pyx12(text, maps)
    )


def test_the_folder_holds_the_packaged_maps_ours_and_an_index_for_every_variant(maps):
    library = load_library()
    assert (maps / "837.4010.X098.A1.xml").is_file() and (maps / "x12.control.00401.xml").is_file()
    index = SafeET.parse(maps / "maps.xml").getroot()
    entries = {
        (v.get("icvn"), m.get("vriic"), m.get("fic")): m.text for v in index.iter("version") for m in v.iter("map")
    }
    for (set_id, version), spec in library.specs.items():
        if set_id in NOT_GENERATED:
            assert not (maps / map_file_name(spec)).exists()
            continue
        assert (maps / map_file_name(spec)).is_file()
        for icvn in ("00401", "00501"):
            for gs08 in gs08_variants(version):
                assert entries[(icvn, gs08, spec.functional_group)] == map_file_name(spec), (icvn, gs08, set_id)
    assert entries[("00401", "004010X098A1", "HC")] == "837.4010.X098.A1.xml"  # HIPAA entries kept
    assert {"004010VICS", "004010UCS", "005010VICS", "005010UCS"} <= {gs08 for _, gs08, _ in entries}


def test_missing_data_elements_and_code_lists_are_added(maps):
    dataele = {e.get("ele_num"): e for e in SafeET.parse(maps / "dataele.xml").getroot().iter("data_ele")}
    assert dataele["92"].get("data_type") == "ID" and dataele["92"].get("max_len") == "2"  # was missing
    assert dataele["330"].get("data_type") == "R"
    codes = {c.findtext("id"): {x.text for x in c.iter("code")} for c in SafeET.parse(maps / "codes.xml").getroot()}
    assert "states" in codes  # packaged codesets stay
    assert {"00", "01", "04", "05", "06", "07", "22"} in codes.values()  # BEG01 of the 850


def test_the_folder_is_built_once_per_spec_digest(maps):
    marker = maps / "orderhub.digest"
    before = marker.stat().st_mtime_ns
    assert build_map_folder(maps.parent) == maps
    assert marker.stat().st_mtime_ns == before
    assert marker.read_text().strip() == load_library().digest
    assert load_library().digest in maps.name


def test_packaged_element_definitions_that_differ_from_the_spec_are_known():
    conflicts = {(c.number, c.version): (c.spec, c.pyx12) for c in dataele_conflicts()}
    assert conflicts == {
        ("127", "004010"): ("AN 1/30", "AN 1/50"),
        ("358", "004010"): ("R 1/10", "R 1/15"),
        ("364", "004010"): ("AN 1/80", "AN 1/256"),
    }


@pytest.mark.parametrize("sample", GOOD)
def test_pyx12_accepts_every_clean_sample(maps, sample):
    assert validate_with_pyx12(read(sample), maps) == []


@pytest.mark.parametrize("gs08", ["004010VICS", "004010UCS"])
def test_pyx12_resolves_retail_variants_to_our_maps(maps, gs08):
    text = read("850_4010.x12").replace("*X*004010~", f"*X*{gs08}~")
    assert validate_with_pyx12(text, maps) == []
    assert _pyx12_notes(replace_once(text, "BEG*00*SA", "BEG*99*SA"), maps) == [("", "BEG", 2, "01", "7", "353")]


def test_5010_needs_st03_to_be_there_and_accepts_it(maps):
    text = read("856_5010.x12")
    assert "ST*856*0001*005010UCS~" in text
    assert validate_with_pyx12(text, maps) == []


@pytest.mark.parametrize(("case", "sample", "edit", "expected"), BROKEN, ids=[c[0] for c in BROKEN])
def test_pyx12_reports_the_expected_errors(maps, case, sample, edit, expected):
    expected = [(a, s, PYX12_POSITION.get(case, p), e, c, d) for a, s, p, e, c, d in expected]
    assert _pyx12_notes(edit(read(sample)), maps) == sorted(expected)


@pytest.mark.parametrize(("case", "sample", "edit", "expected"), BROKEN, ids=[c[0] for c in BROKEN])
def test_the_hub_and_pyx12_give_the_same_verdict(maps, case, sample, edit, expected):
    text = edit(read(sample))
    ours = [f for gs08, tx in transactions(text) for f in validate(tx, gs08)]
    theirs = validate_with_pyx12(text, maps)
    assert bool(ours) == bool(theirs)
    assert {f.code for f in ours if f.level is Level.ELEMENT} == {e.code for e in theirs if e.level == "element"}
    assert {f.code for f in ours if f.level is Level.SEGMENT} == {e.code for e in theirs if e.level == "segment"}
    assert {(f.value, f.data_element) for f in ours if f.level is Level.ELEMENT} == {
        (e.value, e.data_element) for e in theirs if e.level == "element"
    }


def test_where_the_two_differ_on_purpose(maps):
    text = read("850_4010.x12")
    # REF02 longer than 004010's 30: pyx12's shared dictionary says 50
    long_ref = replace_once(text, "REF*IA*987654", "REF*IA*" + "9" * 35)
    assert _pyx12_notes(long_ref, maps) == []
    assert [f.code for gs08, tx in transactions(long_ref) for f in validate(tx, gs08)] == ["5", "5"]
    # a known segment out of place: pyx12 says "not found" (1), the hub "unexpected" (2)
    moved = replace_once(text, "FOB*PP~\n", "").replace("DTM*010*20240125~\n", "DTM*010*20240125~\nFOB*PP~\n")
    assert _pyx12_notes(moved, maps) == [("1", "FOB", 10, "", "", "")]
    assert [(f.code, f.segment_id) for gs08, tx in transactions(moved) for f in validate(tx, gs08)][0] == ("2", "FOB")
    # HL numbering: pyx12 has its own segment codes, the hub notes the element (AK403 7)
    skipped = replace_once(read("856_4010.x12"), "HL*4*3*I", "HL*5*3*I")
    assert ("HL1", "HL", 17, "", "", "") in _pyx12_notes(skipped, maps)
    hub = [(f.code, f.element) for gs08, tx in transactions(skipped) for f in validate(tx, gs08) if f.position == 17]
    assert hub == [("7", "01")]


def test_a_999_is_read_with_the_packaged_999_map_while_the_hub_reads_it_with_its_spec(maps):
    assert "999" in NOT_GENERATED and "999" in load_library().set_ids
    index = SafeET.parse(maps / "maps.xml").getroot()
    by_gs08 = {(m.get("vriic"), m.get("fic")): m.text for v in index.iter("version") for m in v.iter("map")}
    assert by_gs08[("005010X231A1", "FA")] == "999.5010X231.A1.xml"
    assert by_gs08[("005010", "FA")] == "orderhub.997.005010.xml"
    group = x12.group("FA", 5, ACK_999, version="005010X231A1")
    text = x12.interchange(group, version="00501").decode().replace("*>~", "*:~", 1)
    assert validate_with_pyx12(text, maps) == []
    assert [f for gs08, tx in transactions(text) for f in validate(tx, gs08) if f.fatal] == []
    bad = text.replace("IK5*A~", "IK5*Q~")  # not a verdict: both refuse it
    assert validate_with_pyx12(bad, maps)
    assert ("IK5", "7") in [(f.segment_id, f.code) for gs08, tx in transactions(bad) for f in validate(tx, gs08)]


def test_unsupported_versions_are_not_in_the_index(maps):
    import pyx12.errors

    with pytest.raises(pyx12.errors.EngineError, match="Map not found"):
        validate_with_pyx12(read("850_4010.x12").replace("*X*004010~", "*X*004030~"), maps)


def test_unreadable_data_is_a_value_error(maps):
    with pytest.raises(ValueError, match="could not read"):
        validate_with_pyx12(b"this is not X12", maps)


def _mutations(text: str, count: int, seed: int) -> list[tuple[str, str]]:
    """Seeded structural edits of one transaction: drop, repeat or swap body segments (SE01 kept right)."""
    rng = random.Random(seed)
    lines = text.splitlines(keepends=True)
    st = next(i for i, line in enumerate(lines) if line.startswith("ST*"))
    se = next(i for i, line in enumerate(lines) if line.startswith("SE*"))
    out = []
    for _ in range(count):
        edited, i, op = list(lines), rng.randrange(st + 1, se), rng.choice(["drop", "repeat", "swap"])
        if op == "drop":
            del edited[i]
        elif op == "repeat":
            edited.insert(i, edited[i])
        else:
            j = min(i + 1, se - 1)
            edited[i], edited[j] = edited[j], edited[i]
        out.append((f"{op} {lines[i].strip()}", recount("".join(edited))))
    return out


@pytest.mark.parametrize("sample", GOOD)
def test_structural_edits_get_the_same_verdict_from_both(maps, sample):
    """Both flag the same segments; codes may differ only where the module docs say so (1/2, HL, SE position)."""
    for edit, text in _mutations(read(sample), 8, seed=len(sample)):
        ours = {f.segment_id for gs08, tx in transactions(text) for f in validate(tx, gs08) if f.segment_id and f.fatal}
        theirs = {e.segment_id for e in validate_with_pyx12(text, maps) if e.level in ("segment", "element")}
        assert ours == theirs, edit
