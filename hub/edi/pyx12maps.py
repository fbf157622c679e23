"""pyx12 maps generated from the hub's specs, and a runner for pyx12's validator on bytes.

pyx12 ships maps only for HIPAA sets and its ``map_path`` replaces the whole map folder, so
``build_map_folder`` writes a complete folder: a copy of the packaged one, one generated map per set and base
version, ``maps.xml`` entries for every ISA12 / GS08 / GS01 combination the hub accepts (retail variants such as
``004010VICS`` included, since pyx12 matches GS08 exactly), the data elements missing from ``dataele.xml``,
and the code lists as codesets in ``codes.xml``.

Code lists are written as *external* codesets on purpose. pyx12 uses an inline list on a segment's first
element as the key that matches the segment (``BEG*99`` would read as "segment not found", AK304 1, and
knock on to a missing loop); external lists are checked as values only, so a bad code is an element error
(AK403 7) as the hub's own validator reports it. ST01, GS01 and GS08 stay inline: they select the map.

Packaged data element definitions win over the spec where both exist (the HIPAA maps share the file);
``dataele_conflicts`` lists where they differ, and the tests pin that list.

``validate_with_pyx12`` needs nothing from the hub: bytes and a map folder in, pyx12's errors out. Where its
verdicts and the hub's validator differ on purpose is listed in ``hub.edi.validate``.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass
from importlib.resources import files as resource_files
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET  # noqa: S405 - only writes XML; reading uses defusedxml

import defusedxml.ElementTree as SafeET

from hub.edi.spec import (
    BASE_VERSIONS,
    INDUSTRY_SUFFIXES,
    CompositeSpec,
    ElementSpec,
    LoopSpec,
    SegmentRef,
    SpecLibrary,
    TransactionSpec,
    Usage,
    load_library,
)

CONTROL_VERSIONS = ("00401", "00501")  # the ISA12 values pyx12's reader accepts
# X12 I05 interchange id qualifiers; pyx12's control maps list only the HIPAA subset (no 08 UCC or 12 phone).
ISA_QUALIFIERS = "01 02 03 04 07 08 09 10 11 12 13 14 15 16 17 18 19 20 27 28 29 30 33 34 NR SA SN ZZ".split()
# Sets with no generated map. pyx12 picks a map by ISA12, GS08 and GS01 only, and a 999 shares GS01 FA and
# GS08 005010 with the 997, so a generated 999 map could never be chosen; pyx12's packaged 999 maps (GS08
# 005010X231 and 005010X231A1, the versions 999s carry) stay in the folder and validate them.
NOT_GENERATED = frozenset({"999"})
_MARKER = "orderhub.digest"
_lock = threading.Lock()
_built: dict[Path, Path] = {}


def map_file_name(spec: TransactionSpec) -> str:
    return f"orderhub.{spec.set_id}.{spec.version}.xml"


def gs08_variants(version: str) -> list[str]:
    """The GS08 values registered with pyx12 for a base version: the bare one and the retail variants."""
    return [version] + [version + suffix for suffix in INDUSTRY_SUFFIXES]


def build_map_folder(directory: Path | str | None = None, library: SpecLibrary | None = None) -> Path:
    """A complete pyx12 map folder for ``library`` under ``directory`` (the temp dir by default).

    The folder is named after the specs' digest and pyx12's version and written once: later calls, in this
    process or another, reuse it.
    """
    import pyx12

    library = library or load_library()
    base = Path(directory or tempfile.gettempdir())
    target = (base / f"orderhub-pyx12-{pyx12.__version__}-{library.digest}").resolve()
    with _lock:
        if target in _built:
            return target
        if not _is_complete(target, library.digest):
            base.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(prefix=".building-", dir=base))
            try:
                _write_folder(staging, library)
                try:
                    os.replace(staging, target)
                except OSError:
                    if not _is_complete(target, library.digest):  # not a concurrent writer that won: replace
                        shutil.rmtree(target, ignore_errors=True)
                        os.replace(staging, target)
            finally:
                shutil.rmtree(staging, ignore_errors=True)
        _built[target] = target
        return target


def _is_complete(folder: Path, digest: str) -> bool:
    marker = folder / _MARKER
    return marker.is_file() and marker.read_text(encoding="ascii").strip() == digest


def _write_folder(folder: Path, library: SpecLibrary) -> None:
    packaged = resource_files("pyx12").joinpath("map")
    for entry in packaged.iterdir():
        if entry.is_file() and entry.name.endswith((".xml", ".xsd", ".dtd")):
            (folder / entry.name).write_bytes(entry.read_bytes())
    codesets: dict[frozenset[str], str] = {}
    entries: dict[str, list[tuple[str, str, str, str]]] = {icvn: [] for icvn in CONTROL_VERSIONS}
    for (set_id, version), spec in sorted(library.specs.items()):
        if set_id in NOT_GENERATED:
            continue
        name = map_file_name(spec)
        _write_xml(folder / name, _transaction_map(spec, codesets))
        for icvn in CONTROL_VERSIONS:
            for gs08 in gs08_variants(version):
                entries[icvn].append((gs08, spec.functional_group, spec.set_id, name))
    _write_maps_index(folder / "maps.xml", entries)
    _extend_dataele(folder / "dataele.xml", library)
    _extend_codes(folder / "codes.xml", codesets)
    for icvn in CONTROL_VERSIONS:
        _widen_isa_qualifiers(folder / f"x12.control.{icvn}.xml")
    (folder / _MARKER).write_text(library.digest + "\n", encoding="ascii")


def _write_xml(path: Path, root: ET.Element) -> None:
    ET.indent(root)
    path.write_bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True))


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    node = ET.SubElement(parent, tag, attrs)
    if text is not None:
        node.text = text
    return node


class _Positions:
    """Map positions unique across the whole map: pyx12 compares positions of nodes in different loops."""

    def __init__(self) -> None:
        self.value = 0

    def next(self) -> str:
        self.value += 1
        return f"{self.value:04d}"


def _transaction_map(spec: TransactionSpec, codesets: dict[frozenset[str], str]) -> ET.Element:
    pos = _Positions()
    root = ET.Element("transaction", {"xid": spec.set_id})
    _sub(root, "name", f"{spec.name} {spec.version} (generated by orderhub)")
    isa_loop = _loop_node(root, "ISA_LOOP", "Interchange Control Header", "R", pos.next(), ">1", explicit=True)
    _envelope_segment(isa_loop, "ISA", pos.next(), _isa_elements(spec.version))
    gs_loop = _loop_node(isa_loop, "GS_LOOP", "Functional Group Header", "R", pos.next(), ">1", explicit=True)
    gs = [("479", "R", [spec.functional_group]), ("142", "R", None), ("124", "R", None), ("373", "R", None)]
    gs += [("337", "R", None), ("28", "R", None), ("455", "R", ["X"]), ("480", "R", gs08_variants(spec.version))]
    _envelope_segment(gs_loop, "GS", pos.next(), gs)
    st_loop = _loop_node(gs_loop, "ST_LOOP", "Transaction Set Header", "R", pos.next(), ">1", explicit=True)
    xids: set[str] = {"ISA_LOOP", "GS_LOOP", "ST_LOOP"}
    for node in spec.body:
        _body_node(st_loop, node, pos, codesets, xids, parent_id="")
    _envelope_segment(gs_loop, "GE", pos.next(), [("97", "R", None), ("28", "R", None)])
    ta1 = [
        ("I12", "R", None),
        ("I08", "R", None),
        ("I09", "R", None),
        ("I17", "R", ["A", "E", "R"]),
        ("I18", "R", None),
    ]
    _envelope_segment(isa_loop, "TA1", pos.next(), ta1, usage="S")
    _envelope_segment(isa_loop, "IEA", pos.next(), [("I16", "R", None), ("I12", "R", None)])
    return root


def _isa_elements(version: str) -> list[tuple[str, str, list[str] | None]]:
    icvn = "00501" if version.startswith("005") else "00401"
    isa11 = ["U"] if icvn == "00401" else None
    numbers = ["I01", "I02", "I03", "I04", "I05", "I06", "I05", "I07", "I08", "I09"]
    out: list[tuple[str, str, list[str] | None]] = [(n, "R", None) for n in numbers]
    out[4] = ("I05", "R", ISA_QUALIFIERS)
    out[6] = ("I05", "R", ISA_QUALIFIERS)
    out += [("I10" if icvn == "00401" else "I65", "R", isa11), ("I11", "R", [icvn]), ("I12", "R", None)]
    out += [("I13", "R", ["0", "1"]), ("I14", "R", ["P", "T"]), ("I15", "R", None)]
    return out


def _loop_node(
    parent: ET.Element, xid: str, name: str, usage: str, pos: str, repeat: str, explicit: bool = False
) -> ET.Element:
    node = _sub(parent, "loop", xid=xid, **({"type": "explicit"} if explicit else {}))
    _sub(node, "name", name)
    _sub(node, "usage", usage)
    _sub(node, "pos", pos)
    _sub(node, "repeat", repeat)
    return node


def _envelope_segment(
    parent: ET.Element, seg_id: str, pos: str, elements: list[tuple[str, str, list[str] | None]], usage: str = "R"
) -> None:
    seg = _sub(parent, "segment", xid=seg_id)
    _sub(seg, "name", seg_id)
    _sub(seg, "usage", usage)
    _sub(seg, "pos", pos)
    _sub(seg, "max_use", "1")
    for i, (number, ele_usage, codes) in enumerate(elements, start=1):
        el = _sub(seg, "element", xid=f"{seg_id}{i:02d}")
        _sub(el, "data_ele", number)
        _sub(el, "name", f"{seg_id}{i:02d}")
        _sub(el, "usage", ele_usage)
        _sub(el, "seq", f"{i:02d}")
        if codes:
            valid = _sub(el, "valid_codes")
            for code in codes:
                _sub(valid, "code", code)


def _usage(usage: Usage) -> str:
    return "R" if usage is Usage.MANDATORY else "S"


def _count(value: int | None) -> str:
    return ">1" if value is None else str(value)


def _body_node(
    parent: ET.Element,
    node: SegmentRef | LoopSpec,
    pos: _Positions,
    codesets: dict[frozenset[str], str],
    xids: set[str],
    parent_id: str,
) -> None:
    if isinstance(node, LoopSpec):
        xid = node.id if node.id not in xids else f"{parent_id}_{node.id}"  # pyx12 compares nodes by parent xid
        xids.add(xid)
        loop = _loop_node(parent, xid, f"Loop {node.id}", _usage(node.usage), pos.next(), _count(node.repeat))
        for child in node.children:
            _body_node(loop, child, pos, codesets, xids, xid)
        return
    seg = _sub(parent, "segment", xid=node.id)
    _sub(seg, "name", node.segment.name)
    _sub(seg, "usage", _usage(node.usage))
    _sub(seg, "pos", pos.next())
    _sub(seg, "max_use", _count(node.max_use))
    for element in node.segment.elements:
        if isinstance(element, CompositeSpec):
            comp = _sub(seg, "composite", xid=element.ref)
            _sub(comp, "data_ele", element.id)
            _sub(comp, "name", element.name)
            _sub(comp, "usage", _usage(element.usage))
            _sub(comp, "seq", f"{element.position:02d}")
            _sub(comp, "refdes", element.ref)
            for component in element.components:
                _element_node(comp, component, codesets, inline=False)
        else:
            _element_node(seg, element, codesets, inline=node.id == "ST" and element.position == 1)


def _element_node(parent: ET.Element, spec: ElementSpec, codesets: dict[frozenset[str], str], inline: bool) -> None:
    el = _sub(parent, "element", xid=spec.ref)
    _sub(el, "data_ele", spec.data_element)
    _sub(el, "name", spec.name)
    _sub(el, "usage", _usage(spec.usage))
    _sub(el, "seq", f"{spec.position:02d}")
    if spec.codes is None:
        return
    if inline:
        valid = _sub(el, "valid_codes")
        for code in sorted(spec.codes):
            _sub(valid, "code", code)
        return
    codeset_id = codesets.setdefault(spec.codes, f"orderhub-{len(codesets) + 1:04d}")
    _sub(el, "valid_codes", external=codeset_id)


def _write_maps_index(path: Path, entries: dict[str, list[tuple[str, str, str, str]]]) -> None:
    root = SafeET.parse(path).getroot()
    ours = {(icvn, gs08, fic) for icvn, rows in entries.items() for gs08, fic, _, _ in rows}
    for version in root.iter("version"):
        for old in list(version.iterfind("map")):
            if (version.get("icvn"), old.get("vriic"), old.get("fic")) in ours:
                version.remove(old)  # the packaged HIPAA 997 map would shadow ours for plain 004010 / FA
    by_icvn = {v.get("icvn"): v for v in root.iter("version")}
    for icvn, rows in entries.items():
        version = by_icvn.get(icvn)
        if version is None:
            version = _sub(root, "version", icvn=icvn)
        for i, (gs08, fic, abbr, name) in enumerate(rows):
            row = ET.Element("map", {"vriic": gs08, "fic": fic, "abbr": abbr})
            row.text = name
            version.insert(i, row)  # first match wins in pyx12's index
    _write_xml(path, root)


def _extend_dataele(path: Path, library: SpecLibrary) -> None:
    root = SafeET.parse(path).getroot()
    known = {e.get("ele_num") for e in root.iter("data_ele")}
    for version in BASE_VERSIONS:  # 004010 first: its definition is the one added when both are missing
        for number, de in sorted(library.data_elements[version].items()):
            if number not in known:
                attrs = {"ele_num": number, "data_type": de.type, "min_len": str(de.min), "max_len": str(de.max)}
                _sub(root, "data_ele", **attrs, name=de.name)
                known.add(number)
    _write_xml(path, root)


def _extend_codes(path: Path, codesets: dict[frozenset[str], str]) -> None:
    root = SafeET.parse(path).getroot()
    for codes, codeset_id in codesets.items():
        codeset = _sub(root, "codeset")
        _sub(codeset, "id", codeset_id)
        _sub(codeset, "name", f"orderhub code list {codeset_id}")
        version = _sub(codeset, "version")
        for code in sorted(codes):
            _sub(version, "code", code)
    _write_xml(path, root)


def _widen_isa_qualifiers(path: Path) -> None:
    root = SafeET.parse(path).getroot()
    for element in root.iter("element"):
        if element.get("xid") in ("ISA05", "ISA07"):
            valid = element.find("valid_codes")
            if valid is not None:
                for code in list(valid):
                    valid.remove(code)
                for code in ISA_QUALIFIERS:
                    _sub(valid, "code", code)
    _write_xml(path, root)


@dataclass(frozen=True)
class DataeleConflict:
    number: str
    version: str
    spec: str  # "AN 1/30"
    pyx12: str  # what the packaged dataele.xml says, which pyx12 applies


def dataele_conflicts(library: SpecLibrary | None = None) -> list[DataeleConflict]:
    """Data elements the packaged ``dataele.xml`` defines differently from the spec (pyx12 applies its own)."""
    library = library or load_library()
    packaged = resource_files("pyx12").joinpath("map", "dataele.xml")
    with packaged.open("rb") as fd:
        theirs = {
            e.get("ele_num"): f"{e.get('data_type')} {e.get('min_len')}/{e.get('max_len')}"
            for e in SafeET.parse(fd).getroot().iter("data_ele")
        }
    out = []
    for version in BASE_VERSIONS:
        for number, de in sorted(library.data_elements[version].items(), key=lambda kv: int(kv[0])):
            ours = f"{de.type} {de.min}/{de.max}"
            if number in theirs and theirs[number] != ours:
                out.append(DataeleConflict(number, version, ours, theirs[number]))
    return out


# --- running pyx12 ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pyx12Error:
    """One error from pyx12's error tree. ``level`` is isa / gs / st / segment / element."""

    level: str
    code: str
    message: str
    segment_id: str = ""
    position: int = 0  # segment position in its transaction set (ST = 1), for segment and element errors
    element: str = ""  # "03" or "04:1"
    data_element: str = ""
    value: str = ""
    line: int = 0


def validate_with_pyx12(data: bytes | str, map_path: Path | str) -> list[Pyx12Error]:
    """Run pyx12's full validation (``x12n_document``) of ``data`` against the maps in ``map_path``.

    Returns every error it reports, envelope ones included; an empty list means pyx12 accepts the file. Raises
    ``ValueError`` when pyx12 cannot read the data at all, and lets pyx12's ``EngineError`` (e.g. "Map not
    found") through.
    """
    import pyx12.params
    import pyx12.x12n_document

    text = data.decode("latin-1") if isinstance(data, bytes) else data
    out = io.StringIO()
    params = pyx12.params.params()
    ok = pyx12.x12n_document.x12n_document(params, io.StringIO(text), None, None, fd_json=out, map_path=str(map_path))
    if not out.getvalue():
        raise ValueError("pyx12 could not read the data as X12")
    errors = _flatten(json.loads(out.getvalue()))
    if not ok and not errors:
        errors.append(Pyx12Error("isa", "", "pyx12 reported the document invalid without detail"))
    return errors


def _flatten(doc: dict[str, Any]) -> list[Pyx12Error]:
    out: list[Pyx12Error] = []
    for isa in doc.get("interchanges", []):
        out += [Pyx12Error("isa", e["err_cde"], e["err_str"]) for e in isa.get("errors", [])]
        for gs in isa.get("groups", []):
            out += [Pyx12Error("gs", e["err_cde"], e["err_str"]) for e in gs.get("errors", [])]
            for st in gs.get("transactions", []):
                out += [Pyx12Error("st", e["err_cde"], e["err_str"]) for e in st.get("errors", [])]
                for seg in st.get("segments", []):
                    out += _segment_errors(seg)
    return out


def _segment_errors(seg: dict[str, Any]) -> list[Pyx12Error]:
    seg_id, position = str(seg.get("seg_id") or ""), int(seg.get("seg_count") or 0)
    line = int(seg.get("cur_line") or 0)
    out = [
        Pyx12Error("segment", e["err_cde"], e["err_str"], seg_id, position, value=e.get("err_val") or "", line=line)
        for e in seg.get("errors", [])
    ]
    for ele in seg.get("elements", []):
        where = f"{int(ele['ele_pos']):02d}"
        if ele.get("subele_pos"):
            where += f":{int(ele['subele_pos'])}"
        for e in ele.get("errors", []):
            out.append(
                Pyx12Error(
                    "element",
                    e["err_cde"],
                    e["err_str"],
                    seg_id,
                    position,
                    element=where,
                    data_element=ele.get("ele_ref_num") or "",
                    value=e.get("err_val") or "",
                    line=line,
                )
            )
    return out
