"""Envelope events and the envelope rules checked on them while a file streams past.

The reader (``hub.edi.reader``) turns a file into events, in file order::

    InterchangeStart      the ISA is read: the Interchange header (its groups list stays empty)
      Ta1Read             a TA1 between the ISA and a GS (a partner's interchange acknowledgment)
      GroupStart          a GS is read: the Group header (its transactions list stays empty)
        TransactionRead   one whole transaction set, ST to SE, with its segments
      GroupEnd            the GE, or ``trailer=None`` when it is missing
    InterchangeEnd        the IEA, or ``trailer=None`` when the file ended first

Nothing grows with the file: containers are filled only by ``read_interchanges``, which builds the tree for
small inputs. ``EnvelopeChecker`` sees the same events and keeps counters; it appends its findings to the
Interchange, Group or Transaction they concern before the event reaches the caller, so a consumer reading
``TransactionRead.transaction.findings`` or ``GroupEnd.group.findings`` sees them complete.

Codes, and the choices the standard leaves open:

* TA1 (interchange): 001 IEA02 is not ISA13; 021 IEA01 is not the number of groups; 014/015 ISA09/ISA10 is
  not a date/time; 017 ISA12 is not a control version from 00200 to 00801, a warning only (TA104 E): no
  part of reading an interchange depends on ISA12, and each group is read by its own GS08, so a group the
  hub can read is never dropped for its envelope's version (an ISA12 older or newer than GS08, such as
  00305 over 004010 or 00401 over 005010, is normal and no finding at all); 018 ISA13 is not 1-9 digits;
  019 ISA14 is not 0/1; 020 ISA15 is not P/T; 005-008 empty or malformed sender/receiver qualifier or id;
  004/027 a terminator or component separator that is a letter, a digit or another delimiter; 022 a
  repetition separator equal to another delimiter (X12 RFI 1497); 023 the file ended before the IEA;
  025 the same ISA13 from the same sender to the same receiver twice in one file (not fatal: the copy is
  acknowledged but must not be processed again; ``hub.edi.duplicates`` does the same across files).
  The reader adds 022 (the envelope nesting or the ISA's fixed layout is broken) and 024 (content outside
  any envelope it belongs in).
* AK9 (group): 1 GS01 is not a functional group the hub reads; 2 GS08 is not a version from 002000 to
  008099; 3 GE missing; 4 GE02 is not GS06; 5 GE01 is not the number of sets; 6 GS06 is not 1-9 digits;
  19 GS06 repeats within the interchange (19 exists from 004050 on; the 997 writer sends 6 to older partners).
* AK5 (transaction set): 2 SE missing; 3 SE02 is not ST02; 4 SE01 is not the number of segments from ST to
  SE; 6 ST01 missing, not three digits, or not a set the group's GS01 carries (PO carries 850, SH 856 ...):
  an 856 inside a PO group is an invalid transaction set identifier *for that group*, which is what code 6
  says, while code 1 ("not supported") would blame the hub; 7 ST02 not 4-9 characters; 23 ST02 repeats in
  the group.
* AK4 (element) 7 on HL01/HL02 of hierarchical sets (856 ...): HL01 repeated, or HL02 not an earlier HL01.
  X12 has no closer element code than "invalid code value" for an identifier that is wrong in context. An
  HL01 out of the 1, 2, 3 order guides ask for is the same code as a warning; HL02 "0" is read as a root.
* Control numbers of numeric type (ISA13 and IEA02, GS06 and GE02: X12 type N0) are compared as numbers,
  so ``000000001`` and ``1`` agree; ST02/SE02 are alphanumeric (AN 4-9) and compared as strings.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, replace

from .model import Finding, Group, Interchange, Level, Segment, Transaction

FUNCTIONAL_GROUPS: Mapping[str, frozenset[str]] = {
    "PO": frozenset({"850"}),
    "PC": frozenset({"860"}),
    "PR": frozenset({"855"}),
    "SH": frozenset({"856"}),
    "IN": frozenset({"810"}),
    "IB": frozenset({"846"}),
    "FA": frozenset({"997", "999"}),
    "OW": frozenset({"940"}),
    "SW": frozenset({"945"}),
}
HIERARCHICAL_SETS = frozenset({"856", "857", "270", "271", "276", "277", "278", "837"})  # sets built of HL levels
CONTROL_VERSIONS = ("00200", "00801")  # ISA12, inclusive
GROUP_VERSIONS = ("002000", "008099")  # the first six characters of GS08, inclusive


@dataclass(frozen=True, slots=True)
class InterchangeStart:
    interchange: Interchange
    byte_offset: int  # where its "ISA" begins in the input


@dataclass(frozen=True, slots=True)
class Ta1Read:
    interchange: Interchange
    segment: Segment


@dataclass(frozen=True, slots=True)
class GroupStart:
    interchange: Interchange
    group: Group
    header: Segment | None  # the GS; None when an ST came without one and the reader opened the group for it


@dataclass(frozen=True, slots=True)
class TransactionRead:
    interchange: Interchange
    group: Group
    transaction: Transaction  # segments from ST through SE (no SE when it was missing)


@dataclass(frozen=True, slots=True)
class GroupEnd:
    interchange: Interchange
    group: Group
    header: Segment | None  # the GS, as in GroupStart
    trailer: Segment | None  # the GE; None when it is missing


@dataclass(frozen=True, slots=True)
class InterchangeEnd:
    interchange: Interchange
    trailer: Segment | None  # the IEA; None when the input ended (or the next ISA began) first
    byte_end: int  # just past the interchange's last byte: its IEA terminator, or where reading stopped
    encoding: str  # ascii, utf-8, latin-1, utf-8+latin-1 (segments of both), cp037 or cp500


Event = InterchangeStart | Ta1Read | GroupStart | TransactionRead | GroupEnd | InterchangeEnd


class EnvelopeChecker:
    """Checks the envelope rules on a stream of events, keeping counters and little else.

    Call ``observe`` with every event in order, before handing the event on. Memory is constant per group
    for sequentially numbered transaction sets (see ``ControlNumbers``) and per interchange otherwise.
    """

    def __init__(self, functional_groups: Mapping[str, frozenset[str]] = FUNCTIONAL_GROUPS) -> None:
        self.functional_groups = functional_groups
        self._interchanges: set[tuple[str, str, str, str, str]] = set()
        self._groups = 0
        self._group_numbers: set[str] = set()
        self._sets = 0
        self._set_numbers = ControlNumbers()
        self._handlers = {
            InterchangeStart: self._interchange_start,
            GroupStart: self._group_start,
            TransactionRead: self._transaction,
            GroupEnd: self._group_end,
            InterchangeEnd: self._interchange_end,
        }

    def observe(self, event: Event) -> None:
        handler = self._handlers.get(type(event))
        if handler is not None:
            handler(event)  # type: ignore[operator]

    def _interchange_start(self, event: InterchangeStart) -> None:
        interchange = event.interchange
        self._groups = 0
        self._group_numbers = set()
        interchange.findings.extend(isa_findings(interchange))
        key = (
            interchange.sender_qualifier,
            interchange.sender_id,
            interchange.receiver_qualifier,
            interchange.receiver_id,
            interchange.control_number,
        )
        if key in self._interchanges:
            duplicate = _ta1(
                "025",
                f"ISA13 {interchange.control_number} was already used by an earlier "
                f"interchange from {interchange.sender_id} to {interchange.receiver_id} in this file: "
                "do not process it twice",
                "ISA13",
                interchange.control_number,
            )
            interchange.findings.append(replace(duplicate, fatal=False))  # sound envelope, already received
        self._interchanges.add(key)

    def _group_start(self, event: GroupStart) -> None:
        self._sets = 0
        self._set_numbers = ControlNumbers()
        if event.header is None:
            return  # the reader already reported the missing GS on the interchange
        self._groups += 1
        group = event.group
        group.findings.extend(gs_findings(group, self.functional_groups))
        number = group.control_number
        if number in self._group_numbers:
            group.findings.append(
                _ak9("19", f"GS06 {number} is used by another group in this interchange", "GS06", number)
            )
        self._group_numbers.add(number)

    def _transaction(self, event: TransactionRead) -> None:
        self._sets += 1
        transaction = event.transaction
        found = st_se_findings(transaction, event.group, self.functional_groups)
        if transaction.control_number and not self._set_numbers.add(transaction.control_number):
            found.append(
                _ak5(
                    "23",
                    f"ST02 {transaction.control_number} is used by another transaction set in this group "
                    f"(GS06 {event.group.control_number})",
                    "ST02",
                    transaction.control_number,
                )
            )
        if transaction.set_id in HIERARCHICAL_SETS:
            found.extend(hl_findings(transaction))
        transaction.findings.extend(found)

    def _group_end(self, event: GroupEnd) -> None:
        if event.header is None:
            return
        group, trailer = event.group, event.trailer
        if trailer is None:
            group.findings.append(_ak9("3", f"group GS06 {group.control_number} has no GE trailer", "GE"))
            return
        count = trailer.element(1)
        if not _same_number(count, str(self._sets)):
            group.findings.append(
                _ak9(
                    "5", f"GE01 says {count or 'nothing'} transaction sets, the group holds {self._sets}", "GE01", count
                )
            )
        if not _same_number(trailer.element(2), group.control_number):
            group.findings.append(
                _ak9(
                    "4",
                    f"GE02 {trailer.element(2) or '(empty)'} does not match GS06 {group.control_number}",
                    "GE02",
                    trailer.element(2),
                )
            )

    def _interchange_end(self, event: InterchangeEnd) -> None:
        interchange, trailer = event.interchange, event.trailer
        if trailer is None:
            interchange.findings.append(
                _ta1(
                    "023",
                    f"interchange ISA13 {interchange.control_number} ends at byte {event.byte_end} "
                    "without an IEA: the file was cut short; ask the partner to resend it",
                    "IEA",
                )
            )
            return
        count = trailer.element(1)
        if not _same_number(count, str(self._groups)):
            interchange.findings.append(
                _ta1(
                    "021",
                    f"IEA01 says {count or 'nothing'} functional groups, the interchange holds {self._groups}",
                    "IEA01",
                    count,
                )
            )
        if not _same_number(trailer.element(2), interchange.control_number):
            interchange.findings.append(
                _ta1(
                    "001",
                    f"IEA02 {trailer.element(2) or '(empty)'} does not match ISA13 {interchange.control_number}",
                    "IEA02",
                    trailer.element(2),
                )
            )


def isa_findings(interchange: Interchange) -> list[Finding]:
    """What is wrong with an interchange header, field by field (TA1 note codes)."""
    isa, found = interchange.isa, []
    version = "a control version 00200 to 00801; its groups are read all the same, each by its GS08"
    checks = (
        ("005", "ISA05", _qualifier(isa.element(5)), "a 2-character sender id qualifier (01, 12, ZZ ...)"),
        ("006", "ISA06", bool(isa.element(6).strip()), "a sender id"),
        ("007", "ISA07", _qualifier(isa.element(7)), "a 2-character receiver id qualifier"),
        ("008", "ISA08", bool(isa.element(8).strip()), "a receiver id"),
        ("014", "ISA09", _date(isa.element(9)), "a date YYMMDD"),
        ("015", "ISA10", _time(isa.element(10)), "a time HHMM"),
        ("017", "ISA12", _in_range(isa.element(12), CONTROL_VERSIONS, 5), version),
        ("018", "ISA13", _control_number(isa.element(13)), "a control number of 1 to 9 digits"),
        ("019", "ISA14", isa.element(14) in ("0", "1"), "0 or 1 (acknowledgment requested)"),
        ("020", "ISA15", isa.element(15) in ("P", "T"), "P (production) or T (test)"),
    )
    for code, name, ok, expected in checks:
        if not ok:
            value = isa.element(int(name[3:]))
            finding = _ta1(code, f"{name} {value!r} is not {expected}", name, value)
            found.append(replace(finding, fatal=False) if code == "017" else finding)
    found.extend(_delimiter_findings(interchange))
    return found


def _delimiter_findings(interchange: Interchange) -> list[Finding]:
    d, found = interchange.delimiters, []
    if d.component.isalnum() or d.component in (d.element, d.segment, " "):
        found.append(
            _ta1(
                "027",
                f"component separator ISA16 {d.component!r} is a letter, a digit, a blank or another delimiter",
                "ISA16",
                d.component,
            )
        )
    if d.segment.isalnum() or d.segment in (d.element, " "):
        found.append(
            _ta1(
                "004",
                f"segment terminator {d.segment!r} is a letter, a digit, a blank or the element separator",
                "ISA",
                d.segment,
            )
        )
    if d.repetition is not None and d.repetition in (d.element, d.component, d.segment):
        found.append(
            _ta1("022", f"repetition separator ISA11 {d.repetition!r} is also another delimiter", "ISA11", d.repetition)
        )
    return found


def gs_findings(group: Group, functional_groups: Mapping[str, frozenset[str]] = FUNCTIONAL_GROUPS) -> list[Finding]:
    """What is wrong with a functional group header (AK9 codes)."""
    found = []
    if group.functional_id not in functional_groups:
        known = ", ".join(sorted(functional_groups))
        found.append(
            _ak9(
                "1",
                f"GS01 {group.functional_id!r} is not a functional group this hub reads ({known})",
                "GS01",
                group.functional_id,
            )
        )
    if not _control_number(group.control_number):
        found.append(
            _ak9(
                "6",
                f"GS06 {group.control_number!r} is not a control number of 1 to 9 digits",
                "GS06",
                group.control_number,
            )
        )
    if not _in_range(group.version[:6], GROUP_VERSIONS, 6):
        found.append(
            _ak9("2", f"GS08 {group.version!r} is not an X12 version from 002000 to 008099", "GS08", group.version)
        )
    return found


def st_se_findings(
    transaction: Transaction, group: Group, functional_groups: Mapping[str, frozenset[str]] = FUNCTIONAL_GROUPS
) -> list[Finding]:
    """What is wrong with a transaction set's ST/SE envelope (AK5 codes), except ST02 uniqueness."""
    found = []
    set_id, number = transaction.set_id, transaction.control_number
    carried = functional_groups.get(group.functional_id)
    if not (len(set_id) == 3 and set_id.isascii() and set_id.isdigit()):
        found.append(_ak5("6", f"ST01 {set_id!r} is not a transaction set identifier", "ST01", set_id))
    elif carried is not None and set_id not in carried:
        found.append(
            _ak5(
                "6",
                f"ST01 {set_id} does not belong in functional group {group.functional_id} "
                f"(it carries {', '.join(sorted(carried))})",
                "ST01",
                set_id,
            )
        )
    if not 4 <= len(number) <= 9 or number != number.strip():
        found.append(_ak5("7", f"ST02 {number!r} is not a control number of 4 to 9 characters", "ST02", number))
    segments = transaction.segments
    trailer = segments[-1]
    if trailer.id != "SE":
        found.append(
            _ak5(
                "2",
                f"transaction set {set_id} {number} has no SE trailer (it ends after "
                f"{trailer.id} at position {len(segments)})",
                "SE",
            )
        )
        return found
    count = trailer.element(1)
    if count != str(len(segments)):
        found.append(
            _ak5(
                "4",
                f"SE01 says {count or 'nothing'} segments, the set has {len(segments)} from ST to SE",
                "SE01",
                count,
                len(segments),
            )
        )
    if trailer.element(2) != number:
        found.append(
            _ak5(
                "3",
                f"SE02 {trailer.element(2) or '(empty)'} does not match ST02 {number}",
                "SE02",
                trailer.element(2),
                len(segments),
            )
        )
    return found


def hl_findings(transaction: Transaction) -> list[Finding]:
    """HL numbering in a hierarchical set (856 ...): HL01 unique and, as guides require, 1, 2, 3 ...; HL02 an
    earlier HL01 or empty for a root ("0" is read as a root, as real files send it)."""
    found: list[Finding] = []
    seen: set[str] = set()
    for position, segment in enumerate(transaction.segments, start=1):
        if segment.id != "HL":
            continue
        number, parent = segment.element(1), segment.element(2)
        expected = str(len(seen) + 1)
        if number in seen:
            found.append(_hl(position, "01", "628", number, f"HL01 {number} at position {position} is used twice"))
        elif number != expected:
            message = f"HL01 {number or '(empty)'} at position {position} should be {expected}: HL01 counts from 1"
            found.append(replace(_hl(position, "01", "628", number, message), fatal=False))
        if parent not in ("", "0") and (parent not in seen or parent == number):
            message = f"HL02 {parent} at position {position} is not the HL01 of an earlier HL"
            found.append(_hl(position, "02", "734", parent, message))
        seen.add(number)
    return found


def _hl(position: int, element: str, data_element: str, value: str, message: str) -> Finding:
    return Finding(
        Level.ELEMENT,
        "7",
        message,
        segment_id="HL",
        position=position,
        element=element,
        data_element=data_element,
        value=value,
    )


class ControlNumbers:
    """The control numbers already seen in one scope, answering "new or repeated?".

    Numeric values are kept as runs of consecutive numbers (per width, so "0001" and "001" stay distinct),
    which makes the usual sequential numbering cost a few integers however long the group. Other values go
    into a set.
    """

    def __init__(self) -> None:
        self._runs: dict[int, tuple[list[int], list[int]]] = {}
        self._others: set[str] = set()

    def add(self, value: str) -> bool:
        """Record ``value``; False when it was already there."""
        if not (value.isascii() and value.isdigit()):
            if value in self._others:
                return False
            self._others.add(value)
            return True
        starts, ends = self._runs.setdefault(len(value), ([], []))
        number = int(value)
        i = bisect_right(starts, number) - 1
        if i >= 0 and number <= ends[i]:
            return False
        extends_left = i >= 0 and ends[i] == number - 1
        extends_right = i + 1 < len(starts) and starts[i + 1] == number + 1
        if extends_left and extends_right:
            ends[i] = ends[i + 1]
            del starts[i + 1], ends[i + 1]
        elif extends_left:
            ends[i] = number
        elif extends_right:
            starts[i + 1] = number
        else:
            starts.insert(i + 1, number)
            ends.insert(i + 1, number)
        return True

    def __len__(self) -> int:
        return len(self._others) + sum(len(starts) for starts, _ in self._runs.values())


def _ta1(code: str, message: str, segment_element: str, value: str = "") -> Finding:
    return Finding(
        Level.INTERCHANGE, code, message, segment_id=segment_element[:3], element=segment_element[3:], value=value
    )


def _ak9(code: str, message: str, segment_element: str, value: str = "") -> Finding:
    return Finding(Level.GROUP, code, message, segment_id=segment_element[:2], element=segment_element[2:], value=value)


def _ak5(code: str, message: str, segment_element: str, value: str = "", position: int = 1) -> Finding:
    return Finding(
        Level.TRANSACTION,
        code,
        message,
        segment_id=segment_element[:2],
        element=segment_element[2:],
        value=value,
        position=position,
    )


def _same_number(a: str, b: str) -> bool:
    a, b = a.strip(), b.strip()
    if a.isascii() and a.isdigit() and b.isascii() and b.isdigit():
        return int(a) == int(b)
    return a == b


def _control_number(value: str) -> bool:
    return 1 <= len(value) <= 9 and value.isascii() and value.isdigit()


def _qualifier(value: str) -> bool:
    return len(value) == 2 and value.isascii() and value.isalnum()


def _in_range(value: str, bounds: tuple[str, str], width: int) -> bool:
    return len(value) == width and value.isascii() and value.isdigit() and bounds[0] <= value <= bounds[1]


def _date(value: str) -> bool:
    if not (len(value) == 6 and value.isascii() and value.isdigit()):
        return False
    try:
        dt.date(2000 + int(value[:2]), int(value[2:4]), int(value[4:]))
    except ValueError:
        return False
    return True


def _time(value: str) -> bool:
    return len(value) == 4 and value.isascii() and value.isdigit() and value[:2] < "24" and value[2:] < "60"
