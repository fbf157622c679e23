"""The X12 structures every part of the EDI engine shares: delimiters, segments, envelopes, findings.

The input layer (``hub.edi.reader``) builds these from bytes; validation (``hub.edi.validate``) adds findings;
acknowledgments (``hub.edi.acks``) and document maps read them. Positions follow X12: a segment's position
is counted from its ST (ST = 1) for AK3, and ``offset`` is its index in the whole file for humans.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, NamedTuple


@dataclass(frozen=True)
class Delimiters:
    element: str  # ISA position 4 (the character after "ISA")
    component: str  # ISA16
    segment: str  # the character after ISA16 ("\n" when the file uses line ends as terminators)
    repetition: str | None = None  # ISA11 from 00402 on, when it is not alphanumeric

    def characters(self) -> set[str]:
        return {c for c in (self.element, self.component, self.segment, self.repetition) if c}


class Segment(NamedTuple):
    """Immutable; a NamedTuple because readers build millions of them (twice as fast as a frozen dataclass)."""

    id: str  # "BEG", "PO1" ...
    elements: tuple[str, ...]  # elements[0] is the first data element (BEG01); composites keep their separator
    offset: int  # 0-based index of the segment in its interchange (ISA = 0)

    def element(self, number: int) -> str:
        """Element ``number`` counted from 1 as X12 does (``BEG03``), "" when absent."""
        return self.elements[number - 1] if 0 < number <= len(self.elements) else ""

    def components(self, number: int, delimiters: Delimiters) -> list[str]:
        return self.element(number).split(delimiters.component)


class Level(StrEnum):
    """Where a finding belongs, which decides the acknowledgment that reports it."""

    INTERCHANGE = "interchange"  # TA1 note code
    GROUP = "group"  # AK9 code
    TRANSACTION = "transaction"  # AK5 code
    SEGMENT = "segment"  # AK3 code (+ AK4 element notes)
    ELEMENT = "element"  # AK4 code


@dataclass(frozen=True)
class Finding:
    """One problem found in a file, with the code the acknowledgment uses and a sentence for humans.

    ``code`` is the X12 code for ``level``: TA105 (e.g. "001"), AK905 ("5"), AK502 ("4"), AK304 ("8") or
    AK403 ("7"). ``position`` is the segment's position in its transaction set (ST = 1) for segment and
    element findings; ``element`` is "03" or "03:2" for composites; ``value`` the bad data (AK404).
    """

    level: Level
    code: str
    message: str
    segment_id: str = ""
    position: int = 0
    element: str = ""
    data_element: str = ""  # the X12 data element number (AK402), when known
    value: str = ""
    loop_id: str = ""  # AK303
    repetition: int = 0  # 5010: which repetition of a repeating element (AK401-3), 0 when not repeated
    fatal: bool = True  # False for warnings a partner's leniency allows (e.g. a short ISA)


@dataclass(slots=True)
class Transaction:
    set_id: str  # ST01
    control_number: str  # ST02
    segments: list[Segment]  # from ST to SE inclusive, as read
    implementation: str = ""  # ST03 (5010)
    findings: list[Finding] = field(default_factory=list)
    # Where validation placed each segment after ST: the spec it used and one state-machine step per segment
    # (None for a segment it could not place). The tree (``hub.edi.tree``) walks the same steps instead of
    # finding every transition again; it is dropped with the segments.
    placement: tuple[object, list[Any]] | None = None

    @property
    def accepted(self) -> bool:
        return not any(f.fatal for f in self.findings)


@dataclass(slots=True)
class Group:
    functional_id: str  # GS01
    sender: str  # GS02
    receiver: str  # GS03
    date: str  # GS04
    time: str  # GS05
    control_number: str  # GS06
    version: str  # GS08 (004010, 004010VICS, 005010 ...)
    transactions: list[Transaction] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    declared_count: int | None = None  # GE01, the number of sets the sender says the group holds (AK902)


@dataclass(slots=True)
class Interchange:
    sender_qualifier: str  # ISA05
    sender_id: str  # ISA06 (trimmed)
    receiver_qualifier: str  # ISA07
    receiver_id: str  # ISA08 (trimmed)
    date: str  # ISA09
    time: str  # ISA10
    control_version: str  # ISA12 (00401, 00501 ...)
    control_number: str  # ISA13
    ack_requested: bool  # ISA14 == "1"
    usage: str  # ISA15: P or T
    delimiters: Delimiters
    isa: Segment
    groups: list[Group] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    declared_group_count: int | None = None  # IEA01
    acknowledgments: list[Segment] = field(default_factory=list)  # TA1s the sender put before its groups
    encoding: str = ""  # as read: ascii, utf-8, latin-1, utf-8+latin-1, cp037 or cp500
    raw: bytes = b""  # the interchange's own bytes, as received

    @property
    def accepted(self) -> bool:
        return not any(f.fatal for f in self.findings)
