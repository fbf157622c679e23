"""The hub's fast X12 validator: one transaction set's segments checked against its spec.

pyx12's full validation runs about 15,000 segments/s; the hub needs well over 100,000 end to end, so this
module compiles each ``TransactionSpec`` once into

* a segment state machine: the state is the last segment slot matched; the transition for (state, segment
  id) is found once with the same forward scan pyx12 does (siblings at or after the current one, into a child
  loop whose first segment matches, else up to the enclosing loop) and memoised together with the mandatory
  segments and loops it passes over;
* per segment, one regular expression that only a valid segment matches (elements joined with a separator
  that cannot be in the data). Almost every segment is accepted by that single match; a segment it rejects
  goes through the element-by-element checks that say what is wrong.

Findings use X12 acknowledgment codes: SEGMENT findings carry AK304 (1 unrecognized segment id, 2 unexpected
segment, 3 mandatory segment missing, 4 loop over maximum, 5 segment over maximum use), ELEMENT findings
AK403 (1 mandatory missing, 3 too many elements or components, 4 too short, 5 too long, 6 invalid character,
7 invalid code, 8 invalid date, 9 invalid time) for a segment whose AK3 is then AK304 8; the TRANSACTION
finding AK502 5 is added when any segment is in error. Positions count from ST = 1.

A value missing from a code list is an error only when the spec calls the list closed. From an open list
(qualifiers, entity codes, units: see ``hub.edi.spec``) it is an :class:`UnlistedCode`, a warning that leaves
the set accepted; ``hub.edi.acks`` reports it to partners whose profile asks for strict code checks.

Deliberate differences from pyx12 (see also ``hub.edi.pyx12maps``):

* a segment the set knows but that cannot come where it stands is AK304 2 (unexpected); pyx12 reports
  every segment it cannot place as 1. Unknown ids are 1 in both.
* too many elements is an element note (AK403 3 at the first extra position) and a mandatory component
  missing in a composite is AK403 1 at that component; pyx12 reports both as a bare AK304 8.
* envelope checks (SE01 count, ST02/SE02, trailing separators) belong to the reader and are not repeated here.
* HL01 out of sequence and HL02 naming no open level are AK403 7 on HL01 / HL02 (pyx12 uses its own segment
  codes HL1 and HL2); HL02 "0" on the first HL, seen in real files, is a non-fatal finding.
* a data element the packaged pyx12 dictionary defines differently (``pyx12maps.dataele_conflicts``) is
  checked as the spec says, e.g. REF02 is 30 characters at most in 004010.
* ``DTM05``/``DTM06`` format qualifiers are not cross-checked (pyx12 only does so for inline code lists).
* a mandatory segment missing just before SE is reported at SE's position, where it was due; pyx12's counter
  skips SE and names the segment before.
* a present optional composite without its mandatory first component is AK403 1 (pyx12 lets it pass).
* a value missing from an open code list is a warning; the generated pyx12 maps carry every list as it stands
  and pyx12 reports it as an error like any other code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from hub.edi.model import Finding, Interchange, Level, Transaction
from hub.edi.spec import (
    CompositeSpec,
    ElementSpec,
    LoopSpec,
    SegmentRef,
    SpecLibrary,
    TransactionSpec,
    UnknownVersionError,
    Usage,
    load_library,
)

_SEP = "\x1f"  # joins elements for the whole-segment match; never valid in data
# pyx12's extended character sets (4010, and 5010 which adds ^ and `), written here as allowed characters.
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
_CHARS_4010 = _LETTERS + "!\"&'()*+,-./:;?= %~@[]_{}\\|<>#$"
_CHARS_5010 = _CHARS_4010 + "^`"
# Accented Latin letters and signs (U+00A0 to U+024F), for partners whose agreement allows them: European
# names and streets arrive in Latin-1 or UTF-8 files although the X12 character sets lack them.
_INTERNATIONAL = "".join(chr(code) for code in range(0xA0, 0x250))


def _bad(chars: str) -> re.Pattern[str]:
    return re.compile("[^" + "".join(re.escape(c) for c in chars) + "]")


def _charset(version: str, international: bool) -> str:
    chars = _CHARS_5010 if version.startswith("005") else _CHARS_4010
    return chars + _INTERNATIONAL if international else chars
_CONTROL = re.compile("[\x01-\x07\x09-\x0d\x11-\x17\x1c-\x1f]")
_NUMERIC = re.compile(r"-?[0-9]+")
_DECIMAL = re.compile(r"-?[0-9]*(\.[0-9]+)?")
_DATE8 = (
    "(?:1[89]|[2-9][0-9])[0-9]{2}(?:(?:0[13578]|1[02])(?:0[1-9]|[12][0-9]|3[01])"
    "|(?:0[469]|11)(?:0[1-9]|[12][0-9]|30)|02(?:0[1-9]|1[0-9]|2[0-8]))"
)
_TIME = "(?:[01][0-9]|2[0-3])[0-5][0-9](?:[0-5][0-9](?:[0-9]{1,2})?)?"

# --- element checks (the slow path, which explains a rejected segment) ---------------------------------------


@dataclass(frozen=True)
class UnlistedCode(Finding):
    """A value an open code list does not hold (AK403 7 if reported, never fatal): kept on the set as a warning
    and told to the partner only when its profile asks for strict code checks (``hub.edi.acks``)."""

    @property
    def ref(self) -> str:
        """The element as the specs and partner profiles name it: ``REF01``, ``REF04-1``."""
        return self.segment_id + self.element.replace(":", "-")


def unlisted_codes_note(findings: list[Finding], limit: int = 10) -> str | None:
    """One line naming the unlisted codes of a set, for the register: "codes not in the hub's open lists, kept
    as sent: REF01 'PS' at segment 3, DTM01 '015' at segment 5"; None when there are none."""
    found = [f for f in findings if isinstance(f, UnlistedCode)]
    if not found:
        return None
    named = ", ".join(f"{f.ref} {f.value!r} at segment {f.position}" for f in found[:limit])
    more = f" and {len(found) - limit} more" if len(found) > limit else ""
    return f"codes not in the hub's open lists, kept as sent: {named}{more}"


def _digits(value: str) -> bool:
    """Only the ASCII digits 0-9: ``str.isdigit`` also accepts superscripts ("²") and other scripts' digits,
    which X12 numbers, dates and times never hold (and which ``int`` refuses or silently converts)."""
    return value.isascii() and value.isdigit()


def _is_date(value: str) -> bool:
    if not _digits(value) or len(value) not in (6, 8, 12):
        return False
    if len(value) == 6:
        value = ("20" if int(value[:2]) < 50 else "19") + value
    year, month, day = int(value[:4]), int(value[4:6]), int(value[6:8])
    if year < 1800 or not 1 <= month <= 12:
        return False
    if month == 2:
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        last = 29 if leap else 28
    else:
        last = 30 if month in (4, 6, 9, 11) else 31
    return 1 <= day <= last and (len(value) != 12 or _is_time(value[8:]))


def _is_time(value: str) -> bool:
    if not _digits(value) or len(value) < 4 or len(value) == 5 or len(value) > 8:
        return False
    return value[:2] <= "23" and value[2:4] <= "59" and (len(value) < 6 or value[4:6] <= "59")


def _element_errors(spec: ElementSpec, value: str, bad_chars: re.Pattern[str]) -> list[tuple[str, str, bool]]:
    """(AK403 code, message, fatal) for one non-empty value, in pyx12's order of checks."""
    out: list[tuple[str, str, bool]] = []
    kind = spec.type
    measured = value.replace("-", "").replace(".", "") if kind == "R" or kind[0] == "N" else value
    if len(measured) < spec.min:
        out.append(("4", f"{spec.ref} ({spec.name}) is too short: {len(measured)} < {spec.min}", True))
    if len(measured) > spec.max:
        out.append(("5", f"{spec.ref} ({spec.name}) is too long: {len(measured)} > {spec.max}", True))
    if _CONTROL.search(value):
        out.append(("6", f"{spec.ref} ({spec.name}) contains a control character", True))
        return out
    if kind in ("AN", "ID") and value.endswith(" ") and len(value.rstrip()) >= spec.min:
        out.append(("6", f"{spec.ref} ({spec.name}) has trailing spaces", True))
    if spec.codes is not None and value not in spec.codes:
        out.append(_unknown_code(spec, value))
    if kind[0] == "N":
        ok = _NUMERIC.fullmatch(value) is not None
    elif kind == "R":
        ok = _DECIMAL.fullmatch(value) is not None
    elif kind == "DT":
        if not _is_date(value):
            out.append(("8", f"{spec.ref} ({spec.name}) is not a valid date: {value!r}", True))
        return out
    elif kind == "TM":
        if not _is_time(value):
            out.append(("9", f"{spec.ref} ({spec.name}) is not a valid time: {value!r}", True))
        return out
    else:
        ok = bad_chars.search(value) is None
    if not ok:
        out.append(("6", f"{spec.ref} ({spec.name}) of type {kind} has an invalid character: {value!r}", True))
    return out


def _unknown_code(spec: ElementSpec, value: str) -> tuple[str, str, bool]:
    if spec.open_codes:
        message = f"{value!r} is not among the {spec.ref} ({spec.name}) codes the hub knows; kept as sent"
        return "7", message, False
    return "7", f"{value!r} is not a valid code for {spec.ref} ({spec.name})", True


@dataclass(frozen=True)
class _ElementNote:
    code: str
    message: str
    element: str  # "03" or "04:2"
    data_element: str
    value: str
    fatal: bool = True  # False: a value an open code list does not hold


def _check_segment(
    elements: tuple[str, ...], specs: tuple[ElementSpec | CompositeSpec, ...], comp: str, bad: re.Pattern[str]
) -> list[_ElementNote]:
    notes: list[_ElementNote] = []
    for i, spec in enumerate(specs):
        value = elements[i] if i < len(elements) else ""
        if isinstance(spec, CompositeSpec):
            notes += _check_composite(value, spec, comp, bad)
            continue
        where = f"{spec.position:02d}"
        if value == "":
            if spec.usage is Usage.MANDATORY:
                notes.append(
                    _ElementNote("1", f"mandatory {spec.ref} ({spec.name}) is missing", where, spec.data_element, "")
                )
        elif comp in value:
            msg = f"{spec.ref} ({spec.name}) holds a composite, it must be a simple element"
            notes.append(_ElementNote("6", msg, where, spec.data_element, value))
        else:
            found = _element_errors(spec, value, bad)
            notes += [_ElementNote(c, m, where, spec.data_element, value, f) for c, m, f in found]
    if len(elements) > len(specs):
        extra = len(specs) + 1
        msg = f"too many elements: {len(elements)}, the segment has {len(specs)}"
        notes.append(_ElementNote("3", msg, f"{extra:02d}", "", elements[extra - 1]))
    return notes


def _check_composite(value: str, spec: CompositeSpec, comp: str, bad: re.Pattern[str]) -> list[_ElementNote]:
    where = f"{spec.position:02d}"
    parts = value.split(comp) if value else []
    if not any(parts):
        if spec.usage is Usage.MANDATORY:
            return [_ElementNote("1", f"mandatory composite {spec.ref} ({spec.name}) is missing", where, spec.id, "")]
        return []
    notes: list[_ElementNote] = []
    for j, component in enumerate(spec.components):
        part = parts[j] if j < len(parts) else ""
        at = f"{where}:{component.position}"
        if part == "":
            if component.usage is Usage.MANDATORY:
                msg = f"mandatory {component.ref} ({component.name}) is missing"
                notes.append(_ElementNote("1", msg, at, component.data_element, ""))
            continue
        notes += [
            _ElementNote(c, m, at, component.data_element, part, f) for c, m, f in _element_errors(component, part, bad)
        ]
    if len(parts) > len(spec.components):
        msg = f"too many components in {spec.ref}: {len(parts)}, the composite has {len(spec.components)}"
        notes.append(_ElementNote("3", msg, where, spec.id, value))
    return notes


# --- the whole-segment expression (the fast path) -------------------------------------------------------------


# How the expression is written matters as much as what it accepts: ``re`` runs a group made optional with
# ``?`` through its general repeat machinery (state allocated per use), while ``(?:X|)`` is a plain branch, and
# it tries the alternatives of a list one by one, so a code list is written as a tree of first characters.


def _optional(pattern: str) -> str:
    """``(?:pattern)?``, accepting the same strings, written as the cheaper branch."""
    return f"(?:{pattern}|)"


def _codes_pattern(codes: list[str]) -> str:
    """An alternation of ``codes`` grouped by first character (a trie): ``(?:A[BC]|D)`` for AB, AC, D."""
    if "" in codes:
        rest = [code for code in codes if code]
        return _optional(_codes_pattern(rest)) if rest else ""
    tails: dict[str, list[str]] = {}
    for code in codes:
        tails.setdefault(code[0], []).append(code[1:])
    branches = [re.escape(first) + _codes_pattern(rest) for first, rest in tails.items()]
    return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"


def _value_pattern(spec: ElementSpec, chars: str, bad: re.Pattern[str], comp: str) -> str:
    if spec.codes is not None:
        codes = sorted(c for c in spec.codes if comp not in c and not _element_errors(spec, c, bad))
        return _codes_pattern(codes) if codes else "(?!)"
    lo, hi, kind = spec.min, spec.max, spec.type
    if kind[0] == "N":
        return f"-?[0-9]{{{lo},{hi}}}"
    if kind == "R":  # lo..hi digits, the point and sign not counted: digits alone, or a run of digits and
        # exactly one point (its length, point included, is one more than the digits) shaped D*.D+
        whole = f"[0-9]{{{lo},{hi}}}(?![0-9.])"
        return f"-?(?:{whole}|(?=[0-9.]{{{lo + 1},{hi + 1}}}(?![0-9.]))[0-9]*\\.[0-9]+)"
    if kind == "DT":
        return _DATE8 if (lo, hi) == (8, 8) else "(?!)"
    if kind == "TM":
        return _TIME if lo <= 4 and hi >= 8 else "(?!)"
    allowed = "".join(re.escape(c) for c in chars if c != comp)
    # A value is lo..hi allowed characters and does not end in a space (pyx12 flags trailing spaces).
    cls, last = f"[{allowed}]", f"(?! )[{allowed}]"
    return f"(?:{cls}{{{max(lo - 1, 0)},{hi - 1}}}{last})"


def _element_pattern(spec: ElementSpec | CompositeSpec, chars: str, bad: re.Pattern[str], comp: str) -> str:
    if isinstance(spec, CompositeSpec):
        esc = re.escape(comp)
        parts = [_element_pattern(c, chars, bad, comp) for c in spec.components]
        tail = ""
        for part in reversed(parts[1:]):
            tail = _optional(f"{esc}{part}{tail}")
        body = parts[0] + tail
        return body if spec.usage is Usage.MANDATORY else _optional(body)
    value = _value_pattern(spec, chars, bad, comp)
    return value if spec.usage is Usage.MANDATORY else _optional(value)


def _segment_pattern(
    specs: tuple[ElementSpec | CompositeSpec, ...], chars: str, bad: re.Pattern[str], comp: str
) -> re.Pattern[str]:
    parts = [_element_pattern(s, chars, bad, comp) for s in specs]
    last_mandatory = max((i for i, s in enumerate(specs) if s.usage is Usage.MANDATORY), default=0)
    head = _SEP.join(parts[: last_mandatory + 1])
    tail = ""
    for part in reversed(parts[last_mandatory + 1 :]):
        tail = _optional(f"{_SEP}{part}{tail}")
    return re.compile(head + tail, re.DOTALL)


# --- the segment state machine --------------------------------------------------------------------------------


@dataclass
class _Slot:
    """A segment or loop position of the spec, numbered in document order (a loop's slots follow it)."""

    index: int
    ref: SegmentRef | None  # None for a loop slot
    loop: LoopSpec | None
    parent: _Slot | None  # the enclosing loop slot, None at the top
    end: int = 0  # loop slots: one past the last slot inside
    children: list[_Slot] = field(default_factory=list)

    @property
    def node(self) -> SegmentRef | LoopSpec:
        node = self.ref if self.ref is not None else self.loop
        assert node is not None
        return node

    @property
    def mandatory(self) -> bool:
        return self.node.usage is Usage.MANDATORY


@dataclass(frozen=True)
class _Transition:
    target: int  # the segment slot matched
    missing: tuple[tuple[str, str, bool], ...]  # (segment id, loop id, is a loop) of mandatory nodes passed over
    entered: tuple[int, ...]  # loop slots entered, outermost first (a repeat is leaving and entering again)


class CompiledSpec:
    """A ``TransactionSpec`` made ready for validation; build with ``compile_spec``."""

    def __init__(self, spec: TransactionSpec, international: bool = False) -> None:
        self.spec = spec
        self.slots: list[_Slot] = []
        self.top: list[_Slot] = [self._add(node, None) for node in spec.body]
        self.known_ids = spec.segment_ids()
        self.max_use = [self._limit(s) for s in self.slots]
        self.loop_ids = [self._loop_id(s) for s in self.slots]
        self._transitions: list[dict[str, Any]] = [{} for _ in self.slots]
        self._chars = _charset(spec.version, international)
        self.bad_chars = _bad(self._chars)
        self._patterns: dict[tuple[str, str], re.Pattern[str]] = {}

    def _add(self, node: SegmentRef | LoopSpec, parent: _Slot | None) -> _Slot:
        slot = _Slot(
            len(self.slots),
            node if isinstance(node, SegmentRef) else None,
            node if isinstance(node, LoopSpec) else None,
            parent,
        )
        self.slots.append(slot)
        if isinstance(node, LoopSpec):
            slot.children = [self._add(child, slot) for child in node.children]
        slot.end = len(self.slots)
        return slot

    @staticmethod
    def _limit(slot: _Slot) -> int:
        node = slot.node
        limit = node.max_use if isinstance(node, SegmentRef) else node.repeat
        return limit if limit is not None else 1 << 62

    @staticmethod
    def _loop_id(slot: _Slot) -> str:
        parent = slot.parent
        return parent.loop.id if parent is not None and parent.loop is not None else ""

    def pattern(self, ref: SegmentRef, comp: str) -> re.Pattern[str]:
        key = (ref.id, comp)
        rx = self._patterns.get(key)
        if rx is None:
            rx = self._patterns[key] = _segment_pattern(ref.segment.elements, self._chars, self.bad_chars, comp)
        return rx

    def transition(self, state: int, seg_id: str) -> _Transition | None:
        row = self._transitions[state]
        if seg_id in row:
            found: _Transition | None = row[seg_id]
            return found
        row[seg_id] = step = self._scan(self.slots[state], seg_id)
        return step

    def _scan(self, current: _Slot, seg_id: str) -> _Transition | None:
        missing: list[tuple[str, str, bool]] = []
        siblings = current.parent.children if current.parent is not None else self.top
        start, here = siblings.index(current), current
        while True:
            for child in siblings[start:]:
                if child.ref is not None:
                    if child.ref.id == seg_id:
                        if child is here and child.parent is not None and child is child.parent.children[0]:
                            return _Transition(child.index, tuple(missing), (child.parent.index,))
                        return _Transition(child.index, tuple(missing), ())
                    if child is not here and child.mandatory:
                        missing.append((child.ref.id, self.loop_ids[child.index], False))
                else:
                    entered = self._enter(child, seg_id)
                    if entered is not None:
                        return _Transition(entered[-1], tuple(missing), tuple(entered[:-1]))
                    if child is not here and child.mandatory:
                        loop = child.node
                        assert isinstance(loop, LoopSpec)
                        missing.append((loop.first.id, loop.id, True))
            parent = here.parent
            if parent is None:
                return None
            here = parent
            siblings = parent.parent.children if parent.parent is not None else self.top
            start = siblings.index(parent)

    @staticmethod
    def _enter(loop: _Slot, seg_id: str) -> list[int] | None:
        """Loop slots entered then the segment slot, when ``seg_id`` starts ``loop``."""
        first = loop.children[0]
        return [loop.index, first.index] if first.ref is not None and first.ref.id == seg_id else None


_compiled: dict[tuple[int, bool], tuple[TransactionSpec, CompiledSpec]] = {}


def compile_spec(spec: TransactionSpec, international: bool = False) -> CompiledSpec:
    """The compiled form of ``spec``, built once per spec object and character set."""
    key = (id(spec), international)
    hit = _compiled.get(key)
    if hit is None or hit[0] is not spec:
        hit = _compiled[key] = (spec, CompiledSpec(spec, international))
    return hit[1]


# --- validation ---------------------------------------------------------------------------------------------


def validate_transaction(
    tx: Transaction, spec: TransactionSpec, *, component: str = ">", international: bool = False
) -> list[Finding]:
    """Check ``tx`` (ST to SE) against ``spec``; returns the findings and adds them to ``tx.findings`` (all of
    them when one is fatal, else the unlisted codes of open lists).

    ``component`` is the interchange's component separator (ISA16), which composites keep in their value;
    ``international`` also accepts accented Latin letters in text elements (a partner's leniency).
    """
    steps: list[_Transition | None] = []
    findings = _run(compile_spec(spec, international), tx.segments, component, steps)
    tx.placement = (spec, steps)
    if any(f.fatal for f in findings):
        findings.append(
            Finding(Level.TRANSACTION, "5", f"{spec.set_id} {tx.control_number}: one or more segments in error")
        )
        tx.findings.extend(findings)
    else:  # a sound set keeps the unlisted codes (for the register, ``edi parse`` and a strict partner's 997);
        # its other notes are leniencies granted silently (HL02 "0")
        tx.findings.extend(f for f in findings if isinstance(f, UnlistedCode))
    return findings


def validate(
    tx: Transaction,
    version: str,
    *,
    component: str = ">",
    library: SpecLibrary | None = None,
    international: bool = False,
) -> list[Finding]:
    """Validate ``tx`` with the spec for its set and the group's GS08 ``version`` (retail variants resolve)."""
    try:
        spec = (library or load_library()).get(tx.set_id, version)
    except UnknownVersionError as exc:
        finding = Finding(Level.TRANSACTION, "1", f"transaction set not supported: {exc}")
        tx.findings.append(finding)
        return [finding]
    return validate_transaction(tx, spec, component=component, international=international)


def validate_interchange(interchange: Interchange, *, library: SpecLibrary | None = None) -> list[Finding]:
    """Validate every transaction of every group with its group's GS08 and the interchange's ISA16."""
    findings: list[Finding] = []
    for group in interchange.groups:
        for tx in group.transactions:
            findings += validate(tx, group.version, component=interchange.delimiters.component, library=library)
    return findings


def _run(compiled: CompiledSpec, segments: list[Any], comp: str, steps: list[_Transition | None]) -> list[Finding]:
    """The findings of one set; ``steps`` gets the step taken for each segment after ST, in order."""
    findings: list[Finding] = []
    placed = steps.append
    slots, max_use, loop_ids, rows = compiled.slots, compiled.max_use, compiled.loop_ids, compiled._transitions
    counts = [0] * len(slots)
    zeros = [0] * len(slots)
    patterns: list[re.Pattern[str] | None] = [None] * len(slots)
    state, first = 0, 0
    hierarchy = _Hierarchy()
    if segments and segments[0].id == "ST":  # the header is slot 0: validate it, then walk from there
        first, counts[0] = 1, 1
        findings += _element_findings(compiled, 0, segments[0], 1, comp)
    for position, seg in enumerate(segments[first:], start=first + 1):
        seg_id = seg.id
        step = rows[state].get(seg_id, _UNSEEN)
        if step is _UNSEEN:
            step = compiled.transition(state, seg_id)
        placed(step)
        if step is None:
            findings.append(_unplaced(compiled, seg_id, position, loop_ids[state]))
            continue
        if step.missing:
            findings += [_missing(sid, loop, is_loop, position) for sid, loop, is_loop in step.missing]
        for loop_index in step.entered:
            counts[loop_index] = n = counts[loop_index] + 1
            end = slots[loop_index].end
            counts[loop_index + 1 : end] = zeros[loop_index + 1 : end]
            if n > max_use[loop_index]:
                findings.append(_over(compiled, loop_index, seg_id, position, n))
        state = target = step.target
        counts[target] = n = counts[target] + 1
        if n > max_use[target]:
            findings.append(_over(compiled, target, seg_id, position, n))
        if seg_id == "HL":
            findings += hierarchy.check(seg, position, loop_ids[target])
        rx = patterns[target]
        if rx is None:
            rx = patterns[target] = compiled.pattern(slots[target].ref, comp)
        elements = seg.elements
        joined = _SEP.join(elements)
        if rx.fullmatch(joined) is None or joined.count(_SEP) != len(elements) - 1:
            findings += _element_findings(compiled, target, seg, position, comp)
    return findings


_UNSEEN = object()


class _Hierarchy:
    """HL01 numbers the HL segments 1, 2, 3 ... in order; HL02 names the HL01 of a level still open above."""

    def __init__(self) -> None:
        self.count = 0
        self.open: list[int] = []

    def check(self, seg: Any, position: int, loop_id: str) -> list[Finding]:
        self.count += 1
        out: list[Finding] = []
        number, parent = seg.element(1), seg.element(2)
        if _as_int(number) != self.count:
            msg = f"HL01 is {number!r}: HL segments are numbered 1, 2, 3 ... in order, expected {self.count}"
            out.append(_hl_finding(msg, "01", "628", number, position, loop_id, fatal=True))
        if parent:
            parent_id = _as_int(parent)
            if parent_id not in self.open:
                lenient = parent_id == 0 and not self.open  # "0" for the root level is seen in real files
                msg = f"HL02 {parent!r} is not the HL01 of an enclosing level"
                out.append(_hl_finding(msg, "02", "734", parent, position, loop_id, fatal=not lenient))
            else:  # close the levels below the parent; an unknown parent leaves them open (one finding, not many)
                while self.open[-1] != parent_id:
                    self.open.pop()
        self.open.append(self.count)
        return out


def _as_int(text: str) -> int | None:
    return int(text) if _digits(text) else None


def _hl_finding(
    msg: str, element: str, data_element: str, value: str, position: int, loop_id: str, fatal: bool
) -> Finding:
    return Finding(
        Level.ELEMENT,
        "7",
        msg,
        segment_id="HL",
        position=position,
        element=element,
        data_element=data_element,
        value=value,
        loop_id=loop_id,
        fatal=fatal,
    )


def _element_findings(compiled: CompiledSpec, slot: int, seg: Any, position: int, comp: str) -> list[Finding]:
    ref = compiled.slots[slot].ref
    assert ref is not None
    loop_id = compiled.loop_ids[slot]
    return [
        (Finding if note.fatal else UnlistedCode)(
            Level.ELEMENT,
            note.code,
            note.message,
            segment_id=seg.id,
            position=position,
            element=note.element,
            data_element=note.data_element,
            value=note.value,
            loop_id=loop_id,
            fatal=note.fatal,
        )
        for note in _check_segment(seg.elements, ref.segment.elements, comp, compiled.bad_chars)
    ]


def _unplaced(compiled: CompiledSpec, seg_id: str, position: int, loop_id: str) -> Finding:
    if seg_id in compiled.known_ids:
        msg = f"segment {seg_id} is not expected at position {position} of {compiled.spec.set_id}"
        return Finding(Level.SEGMENT, "2", msg, segment_id=seg_id, position=position, loop_id=loop_id)
    msg = f"segment {seg_id} is not part of transaction set {compiled.spec.set_id}"
    return Finding(Level.SEGMENT, "1", msg, segment_id=seg_id, position=position, loop_id=loop_id)


def _missing(seg_id: str, loop_id: str, is_loop: bool, position: int) -> Finding:
    what = f"loop {loop_id} (starting with {seg_id})" if is_loop else f"segment {seg_id}"
    msg = f"mandatory {what} is missing before position {position}"
    return Finding(Level.SEGMENT, "3", msg, segment_id=seg_id, position=position, loop_id=loop_id)


def _over(compiled: CompiledSpec, index: int, seg_id: str, position: int, count: int) -> Finding:
    slot = compiled.slots[index]
    if slot.loop is not None:
        msg = f"loop {slot.loop.id} repeats {count} times, at most {slot.loop.repeat}"
        return Finding(Level.SEGMENT, "4", msg, segment_id=seg_id, position=position, loop_id=slot.loop.id)
    msg = f"segment {seg_id} is used {count} times here, at most {compiled.max_use[index]}"
    return Finding(Level.SEGMENT, "5", msg, segment_id=seg_id, position=position, loop_id=compiled.loop_ids[index])
