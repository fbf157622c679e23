"""A transaction set as JSON data shaped by its spec's loops, so mapping files can address X12 by name.

``transaction_tree(transaction, spec)`` walks the segments once with the same state machine the validator
uses (``hub.edi.validate.compile_spec``) and returns plain dicts, lists and strings.

Convention
----------
* A **segment** is an object keyed by the two-digit element position: ``BEG*00*SA*PO1**20240115`` becomes
  ``{"01": "00", "02": "SA", "03": "PO1", "05": "20240115"}``. Empty elements are left out (mappings read a
  missing key and an empty value alike). Elements beyond the spec's last position are kept all the same.
* A **composite** position (a ``Cnnn`` in the segment's spec) is a list of its components, empty ones kept as
  ``""`` so that ``REF.04[1]`` is always the second component: ``ZZ>DEPT-12`` -> ``["ZZ", "DEPT-12"]``.
  A composite with a single component is still a list.
* Segments whose max use in the spec is 1 are single objects (``"BEG": {...}``); segments that may repeat are
  lists in file order (``"REF": [{...}, {...}]``), even when the file has only one.
* A **loop** is a list of objects under ``"<LOOPID>_loop"`` (``"N1_loop"``, ``"PO1_loop"``), one per
  repeat, each holding the loop's segments and inner loops by the same rules, plus ``"index"``: the
  repeat's 1-based position in its list (an X12 line number stand-in when PO101 is empty).
* **HL** (856): the loop stays flat, ``"HL_loop"`` in file order as the standard has it, and each entry gets
  ``"id"`` (HL01), ``"level"`` (HL03: S, O, T, P, I ...), ``"parent"`` (HL02, absent at the root),
  ``"parent_level"`` (the level of that parent), ``"levels"`` (the level codes from the root down to it
  joined, "SOI" for an item right under an order, "SOPI" for one in a pack; "?" for a missing HL03) and
  ``"children"``: the entries whose HL02 names it, in file
  order. ``children`` holds the same objects as the flat list (no copies), so a mapping can select
  ``each: HL_loop`` + ``where: {path: level, equals: P}`` and then ``each: children`` for a pack's items.
  Serialized to JSON the children appear again under their parents.

Keys the converter adds are lowercase; segment ids are uppercase and loop keys end in ``_loop``, so they never
collide. Segments the spec cannot place (which make the set fail validation) are skipped, as is a repeat of a
segment whose max use is 1: only accepted sets are meant to reach this function. The 5010 repetition
separator is not split.
"""

from __future__ import annotations

from operator import itemgetter
from typing import Any

from hub.edi.model import Segment, Transaction
from hub.edi.spec import CompositeSpec, LoopSpec, SegmentRef, TransactionSpec
from hub.edi.validate import CompiledSpec, compile_spec

_KEYS = tuple(f"{n:02d}" for n in range(100))


class _Layout:
    """What the tree needs per spec slot, computed once per (spec, component separator)."""

    def __init__(self, compiled: CompiledSpec) -> None:
        slots = compiled.slots
        self.compiled = compiled
        self.key: list[str] = []  # segment id, or "<LOOPID>_loop"
        self.many: list[bool] = []  # segment slots: repeats allowed -> list
        self.composite: list[frozenset[int]] = []  # 0-based element indexes that are composites
        self.parent: list[int] = []  # enclosing loop slot index, -1 at the top
        for slot in slots:
            node = slot.node
            self.parent.append(slot.parent.index if slot.parent is not None else -1)
            if isinstance(node, LoopSpec):
                self.key.append(f"{node.id}_loop")
                self.many.append(True)
                self.composite.append(frozenset())
            else:
                assert isinstance(node, SegmentRef)
                self.key.append(node.id)
                self.many.append(node.max_use != 1)
                self.composite.append(
                    frozenset(i for i, el in enumerate(node.segment.elements) if isinstance(el, CompositeSpec))
                )


_layouts: dict[int, tuple[CompiledSpec, _Layout]] = {}


def _layout(spec: TransactionSpec) -> _Layout:
    compiled = compile_spec(spec)
    hit = _layouts.get(id(compiled))
    if hit is None or hit[0] is not compiled:
        hit = _layouts[id(compiled)] = (compiled, _Layout(compiled))
    return hit[1]


_ELEMENT_KEYS = _KEYS[1:]
_FILLED = itemgetter(1)  # (key, value) -> value: keeps the pairs whose element is not empty


def segment_data(elements: tuple[str, ...], composites: frozenset[int], component: str) -> dict[str, Any]:
    """One segment's elements keyed "01", "02" ...; composites (by 0-based index) split into components."""
    if len(elements) <= len(_ELEMENT_KEYS):  # every segment of a real file: built without a Python loop
        out: dict[str, Any] = dict(filter(_FILLED, zip(_ELEMENT_KEYS, elements, strict=False)))
        for i in composites:
            if i < len(elements) and elements[i]:
                out[_ELEMENT_KEYS[i]] = elements[i].split(component)
        return out
    out = {}
    for i, value in enumerate(elements):
        if value:
            out[_KEYS[i + 1] if i < 99 else f"{i + 1:02d}"] = value.split(component) if i in composites else value
    return out


def transaction_tree(transaction: Transaction, spec: TransactionSpec, component: str = ">") -> dict[str, Any]:
    """The segments of ``transaction`` (ST to SE) as nested JSON data; see the module docstring."""
    layout = _layout(spec)
    keys, many, composite, parent_of = layout.key, layout.many, layout.composite, layout.parent
    root: dict[str, Any] = {}
    open_loops: dict[int, dict[str, Any]] = {}
    hl_by_id: dict[str, dict[str, Any]] = {}
    segments = transaction.segments
    start = 0
    if segments and segments[0].id == "ST":
        root["ST"] = segment_data(segments[0].elements, composite[0], component)
        start = 1
    body = segments[start:] if start else segments
    element_keys, filled = _ELEMENT_KEYS, _FILLED
    for seg, step in zip(body, _steps(transaction, spec, layout.compiled, body), strict=True):
        if step is None:
            continue  # not placeable in this set; validation reports it
        for loop_index in step.entered:
            up = parent_of[loop_index]
            holder = root if up < 0 else open_loops[up]
            entries = holder.get(keys[loop_index])
            if entries is None:
                entries = holder[keys[loop_index]] = []
            entry: dict[str, Any] = {"index": len(entries) + 1}
            entries.append(entry)
            open_loops[loop_index] = entry
        target = step.target
        up = parent_of[target]
        holder = root if up < 0 else open_loops[up]
        elements, composites = seg.elements, composite[target]
        if composites or len(elements) > len(element_keys):
            data = segment_data(elements, composites, component)
        else:  # segment_data's common case, written out: most segments have no composite
            data = dict(filter(filled, zip(element_keys, elements, strict=False)))
        key = keys[target]
        if many[target]:
            found = holder.get(key)
            if found is None:
                holder[key] = [data]
            else:
                found.append(data)
        elif key not in holder:
            holder[key] = data
        if key == "HL" and up >= 0:
            _link_hl(holder, data, hl_by_id)
    return root


def _steps(transaction: Transaction, spec: TransactionSpec, compiled: CompiledSpec, body: list[Segment]) -> list[Any]:
    """The state-machine step of each segment of ``body``: the ones validation took with this very spec when it
    placed these segments, else found again here."""
    placement = transaction.placement
    if placement is not None and placement[0] is spec and len(placement[1]) == len(body):
        return placement[1]
    steps: list[Any] = []
    state, transition = 0, compiled.transition
    for seg in body:
        step = transition(state, seg.id)
        steps.append(step)
        if step is not None:
            state = step.target
    return steps


def _link_hl(entry: dict[str, Any], hl: dict[str, Any], by_id: dict[str, dict[str, Any]]) -> None:
    entry["id"] = number = hl.get("01", "")
    level = hl.get("03")
    if level is not None:
        entry["level"] = level
    entry["children"] = []
    above = ""
    parent_id = hl.get("02")
    if parent_id is not None:
        entry["parent"] = parent_id
        parent = by_id.get(parent_id)
        if parent is not None:
            if "level" in parent:
                entry["parent_level"] = parent["level"]
            above = parent["levels"]
            parent["children"].append(entry)
    entry["levels"] = above + (level or "?")
    if number:
        by_id[number] = entry
