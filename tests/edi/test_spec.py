"""The transaction set specs: every file loads, versions resolve, malformed specs are refused with a location."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from hub.edi.spec import (
    BASE_VERSIONS,
    SPEC_DIR,
    CompositeSpec,
    ElementSpec,
    LoopSpec,
    SegmentRef,
    SpecError,
    Table,
    UnknownVersionError,
    Usage,
    _load_library,
    base_version,
    get_spec,
    iter_refs,
    load_library,
)

SETS = ["810", "846", "850", "855", "856", "860", "940", "945", "997", "999"]
ONLY_5010 = {"999"}  # the 999 exists only from 005010 on
FUNCTIONAL_GROUPS = {
    "810": "IN",
    "846": "IB",
    "850": "PO",
    "855": "PR",
    "856": "SH",
    "860": "PC",
    "940": "OW",
    "945": "SW",
    "997": "FA",
    "999": "FA",
}


def _element(spec, ref: str) -> ElementSpec:
    seg_id, pos = ref[:-2], int(ref[-2:])
    seg = next(r.segment for r in iter_refs(spec.body) if r.id == seg_id)
    element = seg.elements[pos - 1]
    assert isinstance(element, ElementSpec)
    return element


def test_the_packaged_library_has_every_set_in_both_versions():
    library = load_library()
    assert library.set_ids == SETS
    expected = {(s, v) for s in SETS for v in BASE_VERSIONS if s not in ONLY_5010 or v == "005010"}
    assert set(library.specs) == expected


@pytest.mark.parametrize(
    ("set_id", "version"),
    [(s, v) for s in SETS for v in BASE_VERSIONS if s not in ONLY_5010 or v == "005010"],
)
def test_every_spec_loads_framed_by_st_and_se(set_id, version):
    spec = get_spec(set_id, version)
    assert (spec.set_id, spec.version, spec.functional_group) == (set_id, version, FUNCTIONAL_GROUPS[set_id])
    assert isinstance(spec.body[0], SegmentRef) and spec.body[0].id == "ST"
    assert isinstance(spec.body[-1], SegmentRef) and spec.body[-1].id == "SE"
    assert _element(spec, "ST01").codes == {set_id}
    for ref in iter_refs(spec.body):
        assert ref.segment.elements, ref.id


@pytest.mark.parametrize(
    ("gs08", "base"),
    [
        ("004010", "004010"),
        ("004010VICS", "004010"),
        ("004010UCS", "004010"),
        ("005010", "005010"),
        ("005010VICS", "005010"),
        (" 005010UCS ", "005010"),
    ],
)
def test_gs08_variants_resolve_to_the_base_version(gs08, base):
    assert base_version(gs08) == base
    assert get_spec("850", gs08) is get_spec("850", base)


@pytest.mark.parametrize("gs08", ["003040", "004030", "", "4010", "004010-VICS"])
def test_unsupported_versions_say_what_is_supported(gs08):
    with pytest.raises(UnknownVersionError, match="004010 or 005010"):
        base_version(gs08)


def test_an_unknown_set_is_a_lookup_error():
    with pytest.raises(UnknownVersionError, match="'998'"):
        get_spec("998", "005010")
    with pytest.raises(UnknownVersionError, match="'999'"):
        get_spec("999", "004010")  # 005010 only


def test_the_999_reads_ik_notes_with_context_and_open_note_codes():
    spec = get_spec("999", "005010")
    ak2 = next(n for n in spec.body if isinstance(n, LoopSpec))
    ik3 = next(c for c in ak2.children if isinstance(c, LoopSpec))
    ik4 = next(c for c in ik3.children if isinstance(c, LoopSpec))
    assert [c.id for c in ak2.children] == ["AK2", "IK3", "IK5"]
    assert ([c.id for c in ik3.children], [c.id for c in ik4.children]) == (["IK3", "CTX", "IK4"], ["IK4", "CTX"])
    for ref in ("IK304", "IK502", "IK506"):
        element = _element(spec, ref)
        assert element.open_codes and element.codes, ref
    ik4_segment = ik4.first.segment
    assert _element(spec, "IK501").codes == {"A", "E", "M", "R", "W", "X"} and not _element(spec, "IK501").open_codes
    assert ik4_segment.elements[2].open_codes and "I12" in ik4_segment.elements[2].codes  # IK403
    ctx = next(r for r in iter_refs(spec.body) if r.id == "CTX").segment
    assert [e.id for e in ctx.elements if isinstance(e, CompositeSpec)] == ["C998", "C030", "C999"]


def test_5010_differences_live_in_the_same_files():
    st4, st5 = get_spec("850", "004010").body[0], get_spec("850", "005010").body[0]
    assert [e.data_element for e in st4.segment.elements] == ["143", "329"]
    assert [e.data_element for e in st5.segment.elements] == ["143", "329", "1705"]
    ak1 = next(r for r in iter_refs(get_spec("997", "005010").body) if r.id == "AK1")
    assert [e.ref for e in ak1.segment.elements] == ["AK101", "AK102", "AK103"]
    assert _element(get_spec("850", "004010"), "REF02").max == 30
    assert _element(get_spec("850", "005010"), "REF02").max == 50
    assert "12" not in _element(get_spec("997", "004010"), "AK403").codes
    assert {"12", "13"} <= _element(get_spec("997", "005010"), "AK403").codes
    ak4 = next(r for r in iter_refs(get_spec("997", "005010").body) if r.id == "AK4").segment
    assert isinstance(ak4.elements[0], CompositeSpec) and len(ak4.elements[0].components) == 3


def test_loops_nest_as_the_standard_draws_them():
    spec = get_spec("850", "004010")
    po1 = next(n for n in spec.body if isinstance(n, LoopSpec) and n.id == "PO1")
    assert (po1.usage, po1.repeat, po1.table) == (Usage.MANDATORY, 100000, Table.DETAIL)
    assert [c.id for c in po1.children][:4] == ["PO1", "CUR", "CTP", "PID"]
    assert any(isinstance(c, LoopSpec) and c.id == "N1" for c in po1.children)
    ak2 = next(n for n in get_spec("997", "004010").body if isinstance(n, LoopSpec))
    ak3 = next(c for c in ak2.children if isinstance(c, LoopSpec))
    assert (ak2.id, ak3.id, [c.id for c in ak3.children]) == ("AK2", "AK3", ["AK3", "AK4"])
    hl = next(n for n in get_spec("856", "004010").body if isinstance(n, LoopSpec))
    assert hl.id == "HL" and hl.repeat == 200000 and hl.first.segment.elements[2].codes >= {"S", "O", "P", "I"}


def test_set_code_lists_narrow_the_dictionary_for_one_position():
    spec = get_spec("850", "004010")
    assert _element(spec, "BEG01").codes == {"00", "01", "04", "05", "06", "07", "22"}
    assert {"ST", "BT", "BY"} <= _element(spec, "N101").codes
    assert {"UP", "VN", "IN"} <= _element(spec, "PO106").codes
    assert _element(spec, "BEG03").codes is None


def test_the_digest_follows_the_files(tmp_path):
    folder = tmp_path / "specs"
    shutil.copytree(SPEC_DIR, folder)
    before = load_library(folder).digest
    assert before == load_library(SPEC_DIR).digest
    (folder / "850.yaml").write_text((folder / "850.yaml").read_text() + "\n# touched\n")
    _load_library.cache_clear()  # the loader caches per folder for the life of the process
    assert load_library(folder).digest != before


BAD_SETS = [
    ("loop must start", "heading: [ST M 1, {'N1 loop O 2': [N3 O 1, N1 M 1]}, SE M 1]", "must start with a segment"),
    ("unknown segment", "heading: [ST M 1, ZZZ O 1, SE M 1]", "ZZZ is not in segments.yaml"),
    ("bad segment ref", "heading: [ST M 1, 'BEG M', SE M 1]", "expected 'SEG USAGE MAX'"),
    ("no SE", "heading: [ST M 1, BEG M 1]", "must start with 'ST M 1' and end with 'SE M 1'"),
    ("bad code position", "heading: [ST M 1, BEG M 1, SE M 1]\ncodes: {BEG99: A B}", "BEG has no element 99"),
    ("code for unused segment", "heading: [ST M 1, BEG M 1, SE M 1]\ncodes: {PO101: A}", "does not name a position"),
    ("extra key", "heading: [ST M 1, SE M 1]\ncolour: red", "colour"),
    ("bad version", 'heading: [ST M 1, SE M 1]\n"004030": {codes: {}}', "version section '004030'"),
]


@pytest.mark.parametrize(("case", "body", "message"), BAD_SETS, ids=[c[0] for c in BAD_SETS])
def test_malformed_set_files_are_refused_with_their_location(tmp_path, case, body, message):
    folder = _scratch(tmp_path)
    head = 'set: "850"\nname: Test\nfunctional_group: PO\nversions: ["004010"]\n'
    (folder / "850.yaml").write_text(head + body + "\n")
    with pytest.raises(SpecError, match=message) as caught:
        load_library(folder)
    assert "850.yaml" in str(caught.value)


@pytest.mark.parametrize(
    ("file", "text", "message"),
    [
        ("elements.yaml", 'elements:\n  "9990": ID two Purpose\n', "expected 'TYPE MIN/MAX Name"),
        ("elements.yaml", 'elements:\n  "9990": XX 2/2 Purpose\n', "expected 'TYPE MIN/MAX Name"),
        ("elements.yaml", 'elements:\n  "9990": AN 5/2 Purpose\n', "bad length 5/2"),
        ("segments.yaml", "segments:\n  ZZ1: Test | 353:Q\n", "bad member '353:Q'"),
        ("segments.yaml", "segments:\n  ZZ1: Test | 99999\n", "data element 99999, not in elements.yaml"),
        ("segments.yaml", "segments:\n  ZZ1: Test | C990\n", "undefined composite C990"),
        ("segments.yaml", "composites:\n  C991: Nested | C040\n", "composite C991 cannot contain composite C040"),
    ],
)
def test_malformed_dictionaries_are_refused(tmp_path, file, text, message):
    folder = _scratch(tmp_path)
    original = (folder / file).read_text()
    key = text.split("\n", 1)[0] + "\n"
    (folder / file).write_text(original.replace(key, text, 1))
    shutil.copy(SPEC_DIR / "850.yaml", folder / "850.yaml")
    with pytest.raises(SpecError, match=message) as caught:
        load_library(folder)
    assert file in str(caught.value)


def _scratch(tmp_path: Path) -> Path:
    folder = tmp_path / "specs"
    folder.mkdir()
    for name in ("elements.yaml", "segments.yaml"):
        shutil.copy(SPEC_DIR / name, folder / name)
    return folder
