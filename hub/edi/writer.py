"""A small X12 writer: segments to text with the delimiters a partner expects.

What it guarantees, whatever the caller hands it:

* The ISA is fixed width (106 characters with its terminator): the ids and free-text fields are
  right-padded with spaces, ISA13 is nine digits with leading zeros, codes, dates and times must have
  exactly their width, and a value longer than its field is refused (an id is never truncated). ISA11
  and ISA16 come from the delimiters, so the header can never disagree with the file: ISA16 is the
  component separator, ISA11 the repetition separator from control version 00402 on and ``U`` before it.
* No delimiter ever appears inside data. The element, component, segment and repetition separators, and
  CR and LF (readers strip them, and a file may end its segments with a line end), are checked in every
  value. ``on_delimiter="refuse"`` (the default) raises :class:`DelimiterInData` naming the segment and
  element; ``on_delimiter="replace"`` puts ``replacement`` (a space unless told otherwise) in place of
  each such character. Replacing is for copies of someone else's data, such as the bad value an AK4
  quotes; identifiers and amounts should be refused, because a changed one is a wrong one.
* Trailing empty elements and components are left out (X12 forbids trailing separators); empty ones in
  the middle keep their place (``AK3*PO1*5**8``).
* The trailers are computed, never given: SE01 counts ST to SE inclusive, GE01 the transaction sets,
  IEA01 the groups; SE02, GE02 and IEA02 repeat their header's control number.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from hub.edi.model import Delimiters
from hub.errors import InputRejected

# A simple value, or a composite given as its components.
Value = str | tuple[str, ...]
# A value, or several repetitions of it (joined with the repetition separator, 00402 and later).
Element = Value | list[Value]

# ISA01..ISA16 widths.
ISA_WIDTHS = (2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1)
# Only the free-text fields (ISA02, ISA04) and the ids (ISA06, ISA08) are padded; every other field is a
# code, date, time or number of exactly its width.
ISA_PADDED = frozenset({2, 4, 6, 8})
MAX_CONTROL_NUMBER = 999_999_999


class WriterError(InputRejected):
    """The writer was asked for something X12 cannot carry; the message says what and where."""


class DelimiterInData(WriterError):
    """A value contains one of the interchange's delimiters (or CR/LF) and the writer refuses to guess."""


@dataclass(frozen=True)
class OutSegment:
    id: str
    elements: tuple[Element, ...] = ()


def seg(segment_id: str, *elements: Element) -> OutSegment:
    return OutSegment(segment_id, elements)


@dataclass(frozen=True)
class InterchangeHeader:
    """Our ISA: who sends to whom, when, under which control version and number."""

    sender_qualifier: str
    sender_id: str
    receiver_qualifier: str
    receiver_id: str
    date: str  # YYMMDD
    time: str  # HHMM
    control_version: str  # 00401, 00501 ...
    control_number: int
    ack_requested: bool = False
    usage: str = "P"  # P production, T test
    authorization: tuple[str, str] = ("00", "")  # ISA01, ISA02
    security: tuple[str, str] = ("00", "")  # ISA03, ISA04


@dataclass
class OutTransaction:
    set_id: str  # ST01
    control_number: str  # ST02 (4 to 9 characters)
    body: Iterable[OutSegment]  # the segments between ST and SE; read once, when written
    implementation: str = ""  # ST03 (5010)


@dataclass
class OutGroup:
    functional_id: str  # GS01
    sender: str  # GS02
    receiver: str  # GS03
    date: str  # GS04, CCYYMMDD
    time: str  # GS05, HHMM
    control_number: str  # GS06
    version: str  # GS08
    transactions: list[OutTransaction] = field(default_factory=list)
    agency: str = "X"  # GS07


@dataclass
class OutInterchange:
    header: InterchangeHeader
    groups: list[OutGroup] = field(default_factory=list)
    # Interchange-level segments written after the ISA and before any GS: TA1 acknowledgments.
    preamble: list[OutSegment] = field(default_factory=list)


class X12Writer:
    def __init__(
        self,
        delimiters: Delimiters,
        *,
        newline: bool = False,
        on_delimiter: Literal["refuse", "replace"] = "refuse",
        replacement: str = " ",
    ) -> None:
        check_delimiters(delimiters)
        self.delimiters = delimiters
        self.newline = newline and delimiters.segment != "\n"
        self.on_delimiter = on_delimiter
        self.forbidden = delimiters.characters() | {"\r", "\n"}
        if len(replacement) != 1 or replacement in self.forbidden:
            raise WriterError(f"replacement {replacement!r} must be one character that is not a delimiter")
        self.replacement = replacement

    # -- segments -------------------------------------------------------------------------------------

    def segment(self, segment: OutSegment) -> str:
        if not (2 <= len(segment.id) <= 3 and segment.id.isalnum() and segment.id.isupper()):
            raise WriterError(f"{segment.id!r} is not a segment id (2-3 upper-case letters and digits)")
        if segment.id == "ISA":
            raise WriterError("the ISA is written from an InterchangeHeader, not as a plain segment")
        rendered = [self._element(value, segment.id, number) for number, value in enumerate(segment.elements, 1)]
        while rendered and rendered[-1] == "":
            rendered.pop()
        return self._terminate(self.delimiters.element.join([segment.id, *rendered]))

    def _terminate(self, text: str) -> str:
        return text + self.delimiters.segment + ("\n" if self.newline else "")

    def _element(self, value: Element, segment_id: str, number: int) -> str:
        if isinstance(value, list):
            if not self.delimiters.repetition:
                raise WriterError(
                    f"{segment_id}{number:02d} repeats, but these delimiters have no repetition separator"
                )
            return self.delimiters.repetition.join(self._value(v, segment_id, number) for v in value)
        return self._value(value, segment_id, number)

    def _value(self, value: Value, segment_id: str, number: int) -> str:
        if isinstance(value, tuple):
            parts = [self._clean(c, f"{segment_id}{number:02d}-{i}") for i, c in enumerate(value, 1)]
            while parts and parts[-1] == "":
                parts.pop()
            return self.delimiters.component.join(parts)
        return self._clean(value, f"{segment_id}{number:02d}")

    def _clean(self, text: str, where: str) -> str:
        bad = self.forbidden.intersection(text)
        if not bad:
            return text
        if self.on_delimiter == "refuse":
            shown = ", ".join(repr(c) for c in sorted(bad))
            raise DelimiterInData(
                f"{where} contains {shown}, a delimiter of this interchange: change the value or the partner's"
                " delimiters"
            )
        return "".join(self.replacement if c in bad else c for c in text)

    # -- envelopes ------------------------------------------------------------------------------------

    def isa(self, header: InterchangeHeader) -> str:
        if not 0 < header.control_number <= MAX_CONTROL_NUMBER:
            raise WriterError(f"ISA13 {header.control_number} is outside 1..{MAX_CONTROL_NUMBER}")
        if header.control_version >= "00402":
            if not self.delimiters.repetition:
                raise WriterError(f"control version {header.control_version} needs a repetition separator (ISA11)")
            isa11 = self.delimiters.repetition
        else:
            isa11 = "U"
        values = (
            *header.authorization,
            *header.security,
            header.sender_qualifier,
            header.sender_id,
            header.receiver_qualifier,
            header.receiver_id,
            header.date,
            header.time,
            isa11,
            header.control_version,
            f"{header.control_number:09d}",
            "1" if header.ack_requested else "0",
            header.usage,
            self.delimiters.component,
        )
        fields = []
        for number, (value, width) in enumerate(zip(values, ISA_WIDTHS, strict=True), 1):
            if len(value) > width or (number not in ISA_PADDED and len(value) != width):
                raise WriterError(f"ISA{number:02d} {value!r} does not fit its fixed width of {width} characters")
            if number not in (11, 16):  # the two separators are the delimiters themselves
                value = self._clean(value, f"ISA{number:02d}")
            fields.append(value.ljust(width))
        return self._terminate(self.delimiters.element.join(["ISA", *fields]))

    def transaction(self, transaction: OutTransaction) -> str:
        """ST, the body and SE; the body may be a generator (a 997 for a group of thousands of sets is written
        one AK2 loop at a time), so SE01 is counted while writing."""
        out = io.StringIO()
        out.write(self.segment(seg("ST", transaction.set_id, transaction.control_number, transaction.implementation)))
        count = 1
        for segment in transaction.body:
            out.write(self.segment(segment))
            count += 1
        out.write(self.segment(seg("SE", str(count + 1), transaction.control_number)))
        return out.getvalue()

    def group(self, group: OutGroup) -> str:
        numbers = [t.control_number for t in group.transactions]
        repeated = sorted({n for n in numbers if numbers.count(n) > 1})
        if repeated:
            raise WriterError(f"ST02 {', '.join(repeated)} used twice in group {group.control_number}")
        gs = seg(
            "GS",
            group.functional_id,
            group.sender,
            group.receiver,
            group.date,
            group.time,
            group.control_number,
            group.agency,
            group.version,
        )
        ge = seg("GE", str(len(group.transactions)), group.control_number)
        return self.segment(gs) + "".join(self.transaction(t) for t in group.transactions) + self.segment(ge)

    def interchange(self, interchange: OutInterchange) -> str:
        header = interchange.header
        parts = [self.isa(header)]
        parts += [self.segment(s) for s in interchange.preamble]
        parts += [self.group(g) for g in interchange.groups]
        parts.append(self.segment(seg("IEA", str(len(interchange.groups)), f"{header.control_number:09d}")))
        return "".join(parts)

    def segments(self, segments: Sequence[OutSegment]) -> str:
        return "".join(self.segment(s) for s in segments)


def check_delimiters(delimiters: Delimiters) -> None:
    """Raise WriterError unless the delimiters are single, distinct, non-alphanumeric, non-space characters."""
    named = {
        "element": delimiters.element,
        "component": delimiters.component,
        "segment": delimiters.segment,
    }
    if delimiters.repetition is not None:
        named["repetition"] = delimiters.repetition
    for name, char in named.items():
        if len(char) != 1 or char.isalnum() or char == " ":
            raise WriterError(f"{name} separator {char!r} must be one character, not a letter, digit or space")
    if len(set(named.values())) != len(named):
        raise WriterError(f"delimiters must differ from each other: {named}")
