"""Transaction set specifications: the compact YAML in ``hub/edi/specs/``, its typed model, and lookups.

One spec drives both validators: the hub's fast validator (``hub.edi.validate``) and the pyx12 maps generated
from it (``hub.edi.pyx12maps``). The files are data, read with ``yaml.safe_load`` and checked here; nothing in
them is evaluated or imported.

Files
-----
``elements.yaml``   the data element dictionary::

        elements:
          "353": ID 2/2 Transaction Set Purpose Code | closed 00 01 04 05 06 07
          "373": DT 8/8 Date
        "005010":                 # only what changed in that version
          elements:
            "127": AN 1/50 Reference Identification

    ``TYPE MIN/MAX Name`` with TYPE one of AN ID DT TM R N0..N9, then optionally ``|`` and the element's code
    list wherever it is used (a set file can give its own for one position). Every list says first whether it
    is ``closed`` or ``open``:

    * ``closed``: the codes the hub's mappings branch on (purposes, document and level types, acknowledgment
      codes) or the standard's whole list. Any other value changes what the document means, so it is an error
      (AK403 7) and the set is rejected.
    * ``open``: the common codes of a list the standard keeps long and partners extend (qualifiers, entity
      codes, units). Another value is a warning kept on the set; it reaches the partner's 997 only when its
      profile asks for strict code checks (``hub.edi.partners``).

``segments.yaml``   the segment dictionary, elements in position order::

        composites:
          C040: Reference Identifier | 128:M 127:M 128:X 127:X 128:X 127:X
        segments:
          REF: Reference Identification | 128:M 127:X 352:X C040
        "005010":
          segments:
            ST: Transaction Set Header | 143:M 329:M 1705

    Each element is a data element number or a composite id with an optional usage: ``M`` mandatory, ``O``
    optional (the default), ``X`` (or ``C``) conditional, which is checked like ``O``.

``<set>.yaml``      one file per transaction set, 004010 and 005010 differences inside it::

        set: "850"
        name: Purchase Order
        functional_group: PO
        versions: ["004010", "005010"]
        heading:
          - ST M 1                              # segment, usage, max use (>1 = unbounded)
          - N1 loop O 200: [N1 M 1, N3 O 2]     # loop id, usage, repeat: children, first one starts it
        detail: [...]
        summary: [...]
        codes:                                  # code lists for one position of this set
          BEG01: closed 00 01 04 05 06 07 22    # SEGnn, or SEGnn-m for a composite component
        "005010":
          codes: {...}                          # replaces a position's list in that version

Versions
--------
Specs are kept per base version (``004010``, ``005010``). A GS08 value resolves to its base by its first six
digits, so retail variants (``004010VICS``, ``004010UCS``, ``005010VICS``) use the base spec.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

SPEC_DIR = Path(__file__).with_name("specs")
BASE_VERSIONS = ("004010", "005010")
# GS08 suffixes registered with pyx12 besides the bare version; the hub itself accepts any suffix.
INDUSTRY_SUFFIXES = ("VICS", "UCS")
# Bumped when the meaning of the files or of the generated artefacts changes, so caches keyed by the
# digest are rebuilt.
FORMAT_REVISION = "2"

_TYPES = re.compile(r"^(AN|ID|DT|TM|R|N[0-9])$")
_ELEMENT_TEXT = re.compile(r"^(\S+)\s+(\d+)/(\d+)\s+([^|]+?)\s*(?:\|\s*(.*))?$")
_MEMBER = re.compile(r"^(\d+|C\d{3})(?::([MOXC]))?$")
_SEGMENT_REF = re.compile(r"^([A-Z][A-Z0-9]{1,2}) ([MOXC]) (\d+|>1)$")
_LOOP_REF = re.compile(r"^([A-Z][A-Z0-9_]{0,5}) loop ([MOXC]) (\d+|>1)$")
_POSITION_REF = re.compile(r"^([A-Z][A-Z0-9]{1,2})(\d{2})(?:-(\d{1,2}))?$")
_VERSION_KEY = re.compile(r"^\d{6}$")
_GS08 = re.compile(r"^(\d{6})([A-Z0-9]{0,6})$")


class SpecError(ValueError):
    """A spec file is malformed or refers to something that does not exist; the message says where."""


class UnknownVersionError(LookupError):
    """The GS08 version (or the set in that version) has no spec."""


class Usage(StrEnum):
    MANDATORY = "M"
    OPTIONAL = "O"
    CONDITIONAL = "X"


class Table(StrEnum):
    HEADING = "heading"
    DETAIL = "detail"
    SUMMARY = "summary"


@dataclass(frozen=True)
class CodeList:
    """A code list as a spec file states it: its codes, and whether it is open (other values are warnings)."""

    codes: frozenset[str]
    open: bool


@dataclass(frozen=True)
class DataElement:
    number: str
    type: str  # AN ID DT TM R N0..N9
    min: int
    max: int
    name: str
    codes: frozenset[str] | None = None
    open_codes: bool = False  # other values than ``codes`` are warnings, not errors


@dataclass(frozen=True)
class ElementSpec:
    """One element position of a segment (or one component of a composite)."""

    ref: str  # "BEG01", "REF04-1"
    position: int  # 1-based in its segment (or composite)
    data_element: str
    name: str
    type: str
    min: int
    max: int
    usage: Usage
    codes: frozenset[str] | None = None
    open_codes: bool = False  # other values than ``codes`` are warnings, not errors


@dataclass(frozen=True)
class CompositeSpec:
    ref: str  # "REF04"
    position: int
    id: str  # "C040"
    name: str
    usage: Usage
    components: tuple[ElementSpec, ...]


@dataclass(frozen=True)
class SegmentSpec:
    id: str
    name: str
    elements: tuple[ElementSpec | CompositeSpec, ...]


@dataclass(frozen=True)
class SegmentRef:
    segment: SegmentSpec
    usage: Usage
    max_use: int | None  # None: unbounded (">1")
    table: Table

    @property
    def id(self) -> str:
        return self.segment.id


@dataclass(frozen=True)
class LoopSpec:
    id: str
    usage: Usage
    repeat: int | None  # None: unbounded
    children: tuple[SegmentRef | LoopSpec, ...]  # children[0] is the SegmentRef that starts each repeat
    table: Table

    @property
    def first(self) -> SegmentRef:
        first = self.children[0]
        assert isinstance(first, SegmentRef)
        return first


@dataclass(frozen=True)
class TransactionSpec:
    set_id: str
    name: str
    functional_group: str
    version: str  # base version: 004010 / 005010
    body: tuple[SegmentRef | LoopSpec, ...]  # ST first, SE last

    def segment_ids(self) -> set[str]:
        return {ref.id for ref in iter_refs(self.body)}


def iter_refs(body: tuple[SegmentRef | LoopSpec, ...]) -> Iterator[SegmentRef]:
    """Every SegmentRef in document order, descending into loops."""
    for node in body:
        if isinstance(node, LoopSpec):
            yield from iter_refs(node.children)
        else:
            yield node


# --- raw file shapes (pydantic checks the outline, the parsers below the compact strings) ---------------------


class _RawElements(BaseModel):
    model_config = ConfigDict(extra="forbid")
    elements: dict[str, str]


class _RawSegments(BaseModel):
    model_config = ConfigDict(extra="forbid")
    composites: dict[str, str] = {}
    segments: dict[str, str] = {}


class _RawSetOverride(BaseModel):
    model_config = ConfigDict(extra="forbid")
    codes: dict[str, str | int] = {}


class _RawSet(BaseModel):
    model_config = ConfigDict(extra="forbid")
    set: str
    name: str
    functional_group: str
    versions: list[str]
    heading: list[Any]
    detail: list[Any] = []
    summary: list[Any] = []
    codes: dict[str, str | int] = {}


def _split_versions(data: Any, where: str) -> tuple[dict[str, Any], dict[str, Any]]:
    if not isinstance(data, dict):
        raise SpecError(f"{where}: expected a mapping at the top")
    base = {str(k): v for k, v in data.items() if not _VERSION_KEY.match(str(k))}
    overrides = {str(k): v for k, v in data.items() if _VERSION_KEY.match(str(k))}
    for version in overrides:
        if version not in BASE_VERSIONS:
            raise SpecError(f"{where}: version section {version!r} is not one of {', '.join(BASE_VERSIONS)}")
    return base, overrides


def _model(cls: type[BaseModel], data: Any, where: str) -> Any:
    try:
        return cls.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        raise SpecError(f"{where}: {loc}: {first['msg']}") from None


def _code_list(text: str | int, where: str) -> CodeList:
    """``closed 00 01 04`` or ``open BY ST`` as a ``CodeList``; the word first is required, so that every list
    in the specs is a decision someone took (see the module docstring for what each means)."""
    kind, *codes = str(text).split() or [""]
    if kind not in ("closed", "open"):
        raise SpecError(f"{where}: a code list starts with 'closed' or 'open', got {str(text)[:40]!r}")
    if not codes:
        raise SpecError(f"{where}: the {kind} code list has no codes")
    return CodeList(frozenset(codes), kind == "open")


def _parse_element(number: str, text: str, where: str) -> DataElement:
    m = _ELEMENT_TEXT.match(text.strip())
    if not m or not _TYPES.match(m.group(1)):
        raise SpecError(f"{where}: element {number}: expected 'TYPE MIN/MAX Name [| codes]', got {text!r}")
    kind, lo, hi, name, codes = m.group(1), int(m.group(2)), int(m.group(3)), m.group(4), m.group(5)
    if not 0 < lo <= hi:
        raise SpecError(f"{where}: element {number}: bad length {lo}/{hi}")
    if codes is None:
        return DataElement(number, kind, lo, hi, name)
    code_list = _code_list(codes, f"{where}: element {number}")
    return DataElement(number, kind, lo, hi, name, code_list.codes, code_list.open)


def _parse_members(text: str, where: str) -> tuple[str, list[tuple[str, Usage]]]:
    name, sep, members = text.partition("|")
    if not sep or not name.strip():
        raise SpecError(f"{where}: expected 'Name | member member ...', got {text!r}")
    out: list[tuple[str, Usage]] = []
    for token in members.split():
        m = _MEMBER.match(token)
        if not m:
            raise SpecError(f"{where}: bad member {token!r} (NUMBER[:M|O|X] or Cnnn[:M|O|X])")
        usage = m.group(2) or "O"
        out.append((m.group(1), Usage.CONDITIONAL if usage in ("X", "C") else Usage(usage)))
    if not out:
        raise SpecError(f"{where}: no elements")
    return name.strip(), out


@dataclass
class _Dictionary:
    """Elements, composites and segment outlines of one base version."""

    elements: dict[str, DataElement] = field(default_factory=dict)
    composites: dict[str, tuple[str, list[tuple[str, Usage]]]] = field(default_factory=dict)
    segments: dict[str, tuple[str, list[tuple[str, Usage]]]] = field(default_factory=dict)


def _load_dictionaries(folder: Path) -> dict[str, _Dictionary]:
    el_where, seg_where = str(folder / "elements.yaml"), str(folder / "segments.yaml")
    el_base, el_over = _split_versions(_read_yaml(folder / "elements.yaml"), el_where)
    seg_base, seg_over = _split_versions(_read_yaml(folder / "segments.yaml"), seg_where)
    raw_el = _model(_RawElements, el_base, el_where)
    raw_seg = _model(_RawSegments, seg_base, seg_where)
    out: dict[str, _Dictionary] = {}
    for version in BASE_VERSIONS:
        d = _Dictionary()
        element_texts = dict(raw_el.elements)
        if version in el_over:
            element_texts.update(_model(_RawElements, el_over[version], f"{el_where} [{version}]").elements)
        d.elements = {str(n): _parse_element(str(n), t, el_where) for n, t in element_texts.items()}
        comps, segs = dict(raw_seg.composites), dict(raw_seg.segments)
        if version in seg_over:
            over = _model(_RawSegments, seg_over[version], f"{seg_where} [{version}]")
            comps.update(over.composites)
            segs.update(over.segments)
        d.composites = {cid: _parse_members(t, f"{seg_where}: {cid}") for cid, t in comps.items()}
        d.segments = {sid: _parse_members(t, f"{seg_where}: {sid}") for sid, t in segs.items()}
        _check_dictionary(d, seg_where, version)
        out[version] = d
    return out


def _check_dictionary(d: _Dictionary, where: str, version: str) -> None:
    owners = [(cid, members, True) for cid, (_, members) in d.composites.items()]
    owners += [(sid, members, False) for sid, (_, members) in d.segments.items()]
    for owner, members, is_composite in owners:
        for number, _usage in members:
            if number.startswith("C"):
                if is_composite:
                    raise SpecError(f"{where} [{version}]: composite {owner} cannot contain composite {number}")
                if number not in d.composites:
                    raise SpecError(f"{where} [{version}]: {owner} uses undefined composite {number}")
            elif number not in d.elements:
                raise SpecError(f"{where} [{version}]: {owner} uses data element {number}, not in elements.yaml")


def _segment_spec(seg_id: str, d: _Dictionary, codes: dict[str, CodeList], set_id: str) -> SegmentSpec:
    name, members = d.segments[seg_id]
    elements: list[ElementSpec | CompositeSpec] = []
    for pos, (number, usage) in enumerate(members, start=1):
        ref = f"{seg_id}{pos:02d}"
        if number.startswith("C"):
            cname, cmembers = d.composites[number]
            components = tuple(
                _element_spec(f"{ref}-{cpos}", cpos, d.elements[cnum], cusage, codes.get(f"{ref}-{cpos}"))
                for cpos, (cnum, cusage) in enumerate(cmembers, start=1)
            )
            elements.append(CompositeSpec(ref, pos, number, cname, usage, components))
        else:
            override = codes.get(ref)
            if seg_id == "ST" and pos == 1:
                override = CodeList(frozenset({set_id}), open=False)
            elements.append(_element_spec(ref, pos, d.elements[number], usage, override))
    return SegmentSpec(seg_id, name, tuple(elements))


def _element_spec(ref: str, position: int, de: DataElement, usage: Usage, codes: CodeList | None) -> ElementSpec:
    if codes is None:
        return ElementSpec(ref, position, de.number, de.name, de.type, de.min, de.max, usage, de.codes, de.open_codes)
    return ElementSpec(ref, position, de.number, de.name, de.type, de.min, de.max, usage, codes.codes, codes.open)


def _parse_body(
    entries: list[Any], table: Table, build: Any, where: str, loop_depth: int = 0
) -> list[SegmentRef | LoopSpec]:
    out: list[SegmentRef | LoopSpec] = []
    for i, entry in enumerate(entries):
        at = f"{where}[{i}]"
        if isinstance(entry, str):
            m = _SEGMENT_REF.match(entry.strip())
            if not m:
                raise SpecError(f"{at}: expected 'SEG USAGE MAX' (e.g. 'REF O >1'), got {entry!r}")
            out.append(SegmentRef(build(m.group(1), at), _usage(m.group(2)), _count(m.group(3)), table))
        elif isinstance(entry, dict) and len(entry) == 1:
            key, children = next(iter(entry.items()))
            m = _LOOP_REF.match(str(key).strip())
            if not m or not isinstance(children, list) or not children:
                raise SpecError(f"{at}: expected 'ID loop USAGE REPEAT': [children], got {key!r}")
            parsed = _parse_body(children, table, build, f"{at}.{m.group(1)}", loop_depth + 1)
            first = parsed[0]
            if not isinstance(first, SegmentRef) or first.usage is not Usage.MANDATORY or first.max_use != 1:
                raise SpecError(f"{at}: loop {m.group(1)} must start with a segment used 'M 1'")
            out.append(LoopSpec(m.group(1), _usage(m.group(2)), _count(m.group(3)), tuple(parsed), table))
        else:
            raise SpecError(f"{at}: expected a segment string or a one-key loop mapping, got {entry!r}")
    return out


def _usage(text: str) -> Usage:
    return Usage.CONDITIONAL if text in ("X", "C") else Usage(text)


def _count(text: str) -> int | None:
    return None if text == ">1" else int(text)


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise SpecError(f"{path}: {exc}") from None


def _build_set(path: Path, dictionaries: dict[str, _Dictionary]) -> dict[str, TransactionSpec]:
    where = str(path)
    base, overrides = _split_versions(_read_yaml(path), where)
    raw: _RawSet = _model(_RawSet, base, where)
    if path.stem != raw.set:
        raise SpecError(f"{where}: file name must be the set id ({raw.set}.yaml)")
    out: dict[str, TransactionSpec] = {}
    for version in raw.versions:
        if version not in BASE_VERSIONS:
            raise SpecError(f"{where}: version {version!r} is not one of {', '.join(BASE_VERSIONS)}")
        d = dictionaries[version]
        code_texts = dict(raw.codes)
        if version in overrides:
            code_texts.update(_model(_RawSetOverride, overrides[version], f"{where} [{version}]").codes)
        codes, unreadable = _set_code_lists(code_texts, where)

        def build(seg_id: str, at: str, d: _Dictionary = d, codes: dict[str, CodeList] = codes) -> SegmentSpec:
            if seg_id not in d.segments:
                raise SpecError(f"{at}: segment {seg_id} is not in segments.yaml")
            return _segment_spec(seg_id, d, codes, raw.set)

        body: list[SegmentRef | LoopSpec] = []
        for table in Table:
            body += _parse_body(getattr(raw, table.value), table, build, f"{where}: {table.value}")
        spec = TransactionSpec(raw.set, raw.name, raw.functional_group, version, tuple(body))
        _check_set(spec, codes, where)
        if unreadable:  # after the positions: a list for a position that does not exist is the first thing to fix
            raise unreadable[0]
        out[version] = spec
    return out


def _set_code_lists(texts: dict[str, str | int], where: str) -> tuple[dict[str, CodeList], list[SpecError]]:
    codes: dict[str, CodeList] = {}
    unreadable: list[SpecError] = []
    for ref, text in texts.items():
        try:
            codes[ref] = _code_list(text, f"{where}: codes: {ref}")
        except SpecError as exc:
            codes[ref] = CodeList(frozenset(), open=False)
            unreadable.append(exc)
    return codes, unreadable


def _check_set(spec: TransactionSpec, codes: dict[str, CodeList], where: str) -> None:
    first, last = spec.body[0], spec.body[-1]
    if not (isinstance(first, SegmentRef) and first.id == "ST" and isinstance(last, SegmentRef) and last.id == "SE"):
        raise SpecError(f"{where}: the body must start with 'ST M 1' and end with 'SE M 1'")
    used = {ref.id: ref.segment for ref in iter_refs(spec.body)}
    for ref in codes:
        m = _POSITION_REF.match(ref)
        seg = used.get(m.group(1)) if m else None
        if not m or seg is None:
            raise SpecError(f"{where}: codes: {ref!r} does not name a position of a segment used in {spec.set_id}")
        position, component = int(m.group(2)), m.group(3)
        if not 0 < position <= len(seg.elements):
            raise SpecError(f"{where}: codes: {seg.id} has no element {position:02d}")
        node = seg.elements[position - 1]
        if (component is None) != isinstance(node, ElementSpec):
            raise SpecError(f"{where}: codes: {ref!r} must {'not ' if component is None else ''}name a composite")


@dataclass(frozen=True)
class SpecLibrary:
    """Every set spec in a folder, per base version, and the digest of the files they came from."""

    specs: dict[tuple[str, str], TransactionSpec]  # (set id, base version) -> spec
    data_elements: dict[str, dict[str, DataElement]]  # base version -> number -> element
    digest: str

    @property
    def set_ids(self) -> list[str]:
        return sorted({set_id for set_id, _ in self.specs})

    def get(self, set_id: str, version: str) -> TransactionSpec:
        """The spec of ``set_id`` for a GS08 ``version`` (``004010``, ``004010VICS``, ``005010UCS`` ...)."""
        base = base_version(version)
        try:
            return self.specs[(set_id, base)]
        except KeyError:
            raise UnknownVersionError(f"no spec for transaction set {set_id!r} in version {version!r}") from None

    def functional_group(self, set_id: str) -> str:
        for (sid, _), spec in self.specs.items():
            if sid == set_id:
                return spec.functional_group
        raise UnknownVersionError(f"no spec for transaction set {set_id!r}")

    @cached_property
    def code_lists(self) -> dict[str, bool]:
        """Every element position with a code list (``REF01``, ``REF04-1``) and whether it is open in some set."""
        out: dict[str, bool] = {}
        for spec in self.specs.values():
            for ref in iter_refs(spec.body):
                for element in ref.segment.elements:
                    parts = element.components if isinstance(element, CompositeSpec) else (element,)
                    for part in parts:
                        if part.codes is not None:
                            out[part.ref] = out.get(part.ref, False) or part.open_codes
        return out


def base_version(gs08: str) -> str:
    """``004010VICS`` -> ``004010``: the version/release digits of a GS08 value, when the hub has specs for it."""
    m = _GS08.match(gs08.strip().upper())
    if not m or m.group(1) not in BASE_VERSIONS:
        raise UnknownVersionError(
            f"GS08 version {gs08!r} is not supported: use {' or '.join(BASE_VERSIONS)}, optionally followed by an "
            "industry identifier such as VICS or UCS"
        )
    return m.group(1)


def load_library(folder: Path | str | None = None) -> SpecLibrary:
    """Load and check every spec in ``folder`` (the packaged ``specs/`` by default). Cached per folder."""
    if folder is None:
        return _packaged_library()
    return _load_library(Path(folder).resolve())


@lru_cache(maxsize=1)
def _packaged_library() -> SpecLibrary:
    # Asked for every transaction set read: resolving the folder each time costs more than validating.
    return _load_library(Path(SPEC_DIR).resolve())


@lru_cache(maxsize=8)
def _load_library(folder: Path) -> SpecLibrary:
    dictionaries = _load_dictionaries(folder)
    specs: dict[tuple[str, str], TransactionSpec] = {}
    set_files = sorted(p for p in folder.glob("*.yaml") if p.stem.isdigit())
    if not set_files:
        raise SpecError(f"{folder}: no transaction set files (NNN.yaml)")
    for path in set_files:
        for version, spec in _build_set(path, dictionaries).items():
            specs[(spec.set_id, version)] = spec
    digest = hashlib.sha256(FORMAT_REVISION.encode())
    for path in sorted(folder.glob("*.yaml")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return SpecLibrary(specs, {v: d.elements for v, d in dictionaries.items()}, digest.hexdigest()[:16])


def get_spec(set_id: str, version: str) -> TransactionSpec:
    """Shortcut: the packaged spec of ``set_id`` for the GS08 ``version``."""
    return load_library().get(set_id, version)
