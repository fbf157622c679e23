"""Reads ANSI X12 from bytes or a binary stream, interchange by interchange, as a stream of envelope events.

``read_events`` pulls the input in chunks and yields the events described in ``hub.edi.envelope``, with the
envelope checks applied, so memory follows the largest transaction set rather than the file.
``read_interchanges`` builds the whole tree, with each interchange's raw bytes, for small inputs.

What real files do and this reader accepts (``hub.edi.encoding`` covers character sets and delimiters):

* several interchanges in one file, each with its own delimiters, read again from each ISA; a line end
  after ISA16 means lines are the terminator (CRLF counts as one);
* when the terminator is not a line end, CR and LF anywhere are cosmetic and removed, which also undoes
  80-column hard wrapping inside segments (and inside the ISA itself); so is EBCDIC NL, unless it is the
  terminator itself (mainframe files, often with the CR LF of a transfer after each NL);
* blanks after a terminator (spaces, tabs, line breaks that are not the terminator: pretty-printed or
  indented files) are no part of the next segment's tag;
* a missing final terminator, trailing blanks, NUL padding and a DOS end-of-file mark (Ctrl-Z);
* any ISA12: the interchange is read the same way whatever its control version, and each group by its own
  GS08 (an ISA12 older or newer than GS08 is normal); the repetition separator is ISA11 only from 00402 on
  and only when it is not a letter or digit (5010 files still carry "U").

What it reports instead of losing data silently, each fatal unless the ``Leniency`` says otherwise:

* an ISA not padded to its fixed widths (TA1 022), read all the same by its element separators;
* an empty segment ("~~", a blank line): AK304 1 in a set, TA1 024 outside one; one finding per run;
* trailing element separators ("N1*ST*ACME**"): AK304 8;
* text around or between interchanges, segments outside any set (TA1 024), envelope segments out of place
  such as an ST without a GS (TA1 022: the reader opens a group without header so the sets are kept);
* a segment longer than ``max_segment_length`` (TA1 024), skipped so that memory stays bounded;
* missing SE/GE/IEA become AK5 2, AK9 3 and TA1 023 through the envelope checks.

``UnreadableInput`` is raised only when no interchange header can be found at all. ``Segment.offset`` is the
segment's index in its interchange (ISA = 0); empty segments take no index, so positions counted from
ST = 1 match what the sender's SE01 counts.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from .encoding import (
    BLANKS,
    ISA_WIDTHS,
    EncodingError,
    Gap,
    Input,
    IsaHeader,
    Source,
    locate_isa,
    nothing_readable,
    repair,
)
from .envelope import (
    EnvelopeChecker,
    Event,
    GroupEnd,
    GroupStart,
    InterchangeEnd,
    InterchangeStart,
    Ta1Read,
    TransactionRead,
)
from .model import Finding, Group, Interchange, Level, Segment, Transaction

DEFAULT_CHUNK_SIZE = 1 << 16

_ENVELOPE = frozenset({"ISA", "IEA", "GS", "GE", "ST", "SE", "TA1"})
_ISA_LINE = re.compile(r"[\r\n]ISA[^A-Za-z0-9 \r\n]")
_ISA_LINE_NL = re.compile(r"[\r\n\x85]ISA[^A-Za-z0-9 \r\n\x85]")  # EBCDIC input with NL as a line break
_PADDING = " \t"  # blanks that may follow a terminator, besides the input's line breaks
_SAMPLE = 60


@dataclass(frozen=True)
class Leniency:
    """Deviations from the X12 syntax a partner's files may be allowed; allowed ones become warnings."""

    variable_width_isa: bool = False  # an ISA not padded to its fixed field widths
    empty_segments: bool = False  # "~~" or blank lines between segments
    text_outside_interchanges: bool = False  # e.g. a transport header before the first ISA
    trailing_separators: bool = False  # "N1*ST*ACME**~": empty trailing elements written out (AK304 8)
    max_segment_length: int = 1 << 20  # longer segments are reported (TA1 024) and skipped: bounds memory
    international_characters: bool = False  # accented Latin letters in text elements (checked by validation)


STRICT = Leniency()


class UnreadableInput(ValueError):
    """No interchange can be read: the input holds no ISA segment (the message says what it holds instead)."""


def read_events(
    source: Source,
    leniency: Leniency = STRICT,
    *,
    encoding: str | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    check: bool = True,
) -> Iterator[Event]:
    """Yield the envelope events of every interchange in ``source``, checked unless ``check`` is False.

    ``source`` is bytes or a binary stream (read ``chunk_size`` bytes at a time). ``encoding`` overrides the
    detection (ascii, utf-8, latin-1, cp037, cp500). Raises ``UnreadableInput`` on the first ``next`` when
    there is no ISA to read.
    """
    try:
        inp = Input(source, chunk_size, encoding)
    except EncodingError as exc:
        raise UnreadableInput(f"no ISA segment can be read: {exc}") from exc
    checker = EnvelopeChecker() if check else None
    for event in _scan(inp, leniency):
        if checker is not None:
            checker.observe(event)
        yield event


def read_interchanges(
    data: bytes | bytearray | memoryview, leniency: Leniency = STRICT, *, encoding: str | None = None
) -> list[Interchange]:
    """Every interchange in ``data`` with its groups and transaction sets, findings and raw bytes."""
    raw = bytes(data)
    interchanges: list[Interchange] = []
    start = 0
    for event in read_events(raw, leniency, encoding=encoding):
        if isinstance(event, TransactionRead):
            event.group.transactions.append(event.transaction)
        elif isinstance(event, GroupStart):
            event.interchange.groups.append(event.group)
        elif isinstance(event, InterchangeStart):
            interchanges.append(event.interchange)
            start = event.byte_offset
        elif isinstance(event, Ta1Read):
            event.interchange.acknowledgments.append(event.segment)
        elif isinstance(event, InterchangeEnd):
            event.interchange.raw = raw[start : event.byte_end]
            event.interchange.encoding = event.encoding
    return interchanges


def _scan(inp: Input, leniency: Leniency) -> Iterator[Event]:
    isa, gap = locate_isa(inp)
    if isa is None:
        raise UnreadableInput(nothing_readable(inp, gap))
    while isa is not None:
        reader = _InterchangeReader(inp, isa, leniency)
        if gap.count:
            reader.interchange.findings.append(_gap_finding(gap, leniency, "before"))
        yield from reader.events()
        isa, gap = locate_isa(inp)
        if gap.count:  # text after this interchange belongs to its report: the next one may never come
            reader.interchange.findings.append(_gap_finding(gap, leniency, "after"))
            gap = Gap()
        yield reader.end()


def _gap_finding(gap: Gap, leniency: Leniency, where: str) -> Finding:
    fatal = not leniency.text_outside_interchanges
    return Finding(Level.INTERCHANGE, "024", gap.describe(where), value=gap.sample, fatal=fatal)


class _InterchangeReader:
    """Reads the segments after one ISA and yields its events; stops after its IEA, at the next ISA or at the end."""

    def __init__(self, inp: Input, isa: IsaHeader, leniency: Leniency) -> None:
        self.inp, self.leniency = inp, leniency
        self.byte_offset = inp.base
        f, d = isa.fields, isa.delimiters
        self.interchange = Interchange(
            sender_qualifier=f[4],
            sender_id=f[5].strip(),
            receiver_qualifier=f[6],
            receiver_id=f[7].strip(),
            date=f[8],
            time=f[9],
            control_version=f[11],
            control_number=f[12],
            ack_requested=f[13] == "1",
            usage=f[14],
            delimiters=d,
            isa=Segment("ISA", f, 0),
        )
        if not isa.fixed_width:
            self.interchange.findings.append(_width_finding(f, leniency))
        self.trailer: Segment | None = None
        self.byte_end = inp.base + isa.length
        self._split_by(isa, inp.sniffed.breaks)
        self._repair = inp.sniffed.repair_utf8
        self._encodings: set[str] = set()
        self._offset = 1
        self._group: Group | None = None
        self._gs: Segment | None = None
        self._segments: list[Segment] | None = None
        self._set_findings: list[Finding] = []
        self._last_empty = -1
        self._outside: list[tuple[int, str, str]] = []  # a run of segments outside any set: offset, id, text
        self._outside_count = 0
        self._stop = ""  # "IEA" or "ISA" once this interchange is over
        self._stop_index = 0  # the piece of the last chunk where it ended
        inp.drop(isa.length)

    def _split_by(self, isa: IsaHeader, breaks: str) -> None:
        """What this interchange's own delimiters make of the text: the terminator to split on, the line breaks
        that are cosmetic, and the blanks that may stand between a terminator and the next tag."""
        d = isa.delimiters
        self._split_on = d.segment
        self._line_ends = isa.line_ends
        if not isa.line_ends:  # wrapping and line ends between segments
            self._cosmetic: tuple[str, ...] = tuple(mark for mark in breaks if mark != d.segment)
        else:
            self._cosmetic = ("\r",) if d.segment == "\n" else ("\n",)  # the other half of CRLF
        self._isa_line = _ISA_LINE_NL if "\x85" in self._cosmetic else _ISA_LINE
        self._padding = "".join(mark for mark in _PADDING + breaks if mark not in (d.element, d.segment))
        # Compiled searches: ``re`` finds a two-character pattern whose first character is frequent (the
        # terminator, the separator) about three times faster than ``in`` does.
        self._padded = re.compile(re.escape(d.segment) + "[" + re.escape(self._padding) + "]")
        self._trailing = re.compile(re.escape(d.element + d.segment))

    def events(self) -> Iterator[Event]:
        yield InterchangeStart(self.interchange, self.byte_offset)
        inp, split_on, skipping = self.inp, self._split_on, False
        limit = self.leniency.max_segment_length
        while True:
            buf = inp.buf
            if skipping:
                end = buf.find(split_on)
                skipping = end < 0
                inp.drop(len(buf) if skipping else end + 1)
                if skipping and not inp.more():
                    break
                continue
            cut = self._next_isa_line(buf)
            if cut >= 0:
                buf = buf[:cut]
            text = self._clean(buf)
            pieces = text.split(split_on)
            tail = pieces.pop()
            if len(text) > limit and max(map(len, pieces), default=0) > limit:
                yield from self._feed_guarded(pieces, text)
            else:
                yield from self._feed(pieces, text)
            if self._stop:
                self._finish(buf, text, pieces)
                return
            consumed = self._raw_index(buf, text, len(text) - len(tail))
            inp.drop(consumed)
            if cut >= 0:  # the next interchange begins before this one ended
                yield from self._last(inp.buf[: cut - consumed])
                return
            if len(tail) > limit:
                self._oversized(tail)
                inp.drop(len(inp.buf))
                skipping = True
            if not inp.more():
                break
        yield from self._last(inp.buf)

    def end(self) -> InterchangeEnd:
        """The closing event, given once the text after this interchange has been looked at."""
        return InterchangeEnd(self.interchange, self.trailer, self.byte_end, self._encoding())

    def _next_isa_line(self, buf: str) -> int:
        """Where an "ISA" starts a line, when line ends are cosmetic: the interchange before it was cut short
        without a final terminator, and removing the line end would glue its last segment to the ISA."""
        if self._line_ends or "ISA" not in buf:
            return -1
        match = self._isa_line.search(buf)
        return -1 if match is None else match.start() + 1

    def _last(self, tail: str) -> Iterator[Event]:
        """The end of the input, or of the text before the next ISA: the last segment may lack its terminator;
        then close what is still open."""
        last = tail.strip(BLANKS)
        lead = len(tail) - len(tail.lstrip(BLANKS))
        final = self._clean(last)
        if final:
            yield from self._feed([final], final)
        self.byte_end = self.inp.base + (lead if self._stop == "ISA" else lead + len(last))
        self.inp.drop(lead if self._stop == "ISA" else len(tail))
        if self._stop != "IEA":
            self._flush_outside()
            yield from self._close()

    def _feed(self, pieces: list[str], buf: str) -> Iterator[Event]:
        """The hot loop: one pass over the segments of a chunk; everything unusual is a method call."""
        sep = self.interchange.delimiters.element
        trailing = self._trailing.search(buf) is not None or buf.endswith(sep)
        if (buf and buf[0] in self._padding) or self._padded.search(buf):
            padding = self._padding  # each piece starts right after a terminator: its blanks go
            pieces = [piece.lstrip(padding) for piece in pieces]
        repairs = not buf.isascii()
        if repairs and not self._repair:
            self._encodings.add("latin-1")
            repairs = False
        isa_here = "ISA" in buf
        envelope = _ENVELOPE
        segments = self._segments
        offset = self._offset
        for piece in pieces:
            if not piece:
                self._offset = offset
                self._empty()
                continue
            if repairs and not piece.isascii():
                text, used = repair(piece)
                self._encodings.add(used)
                parts = text.split(sep)
            else:
                parts = piece.split(sep)
            sid = parts[0]
            if sid in envelope or (isa_here and sid[:3] == "ISA"):
                self._offset = offset
                yield from self._envelope(sid, parts)
                if self._stop:
                    self._stop_index = next(i for i, candidate in enumerate(pieces) if candidate is piece)
                    return
                segments, offset = self._segments, self._offset
            elif segments is not None:
                del parts[0]  # cheaper than slicing off the id
                segment = Segment(sid, tuple(parts), offset)
                segments.append(segment)
                if trailing and parts and not parts[-1]:
                    self._trailing_separator(segment, len(segments))
                offset += 1
            else:
                if len(self._outside) < 5:
                    self._outside.append((offset, sid, piece[:_SAMPLE]))
                self._outside_count += 1
                offset += 1
        self._offset = offset

    def _feed_guarded(self, pieces: list[str], buf: str) -> Iterator[Event]:
        """``_feed`` for a chunk holding a segment longer than the limit: that one is reported and skipped."""
        limit, start = self.leniency.max_segment_length, 0
        for end in [i for i, piece in enumerate(pieces) if len(piece) > limit] + [len(pieces)]:
            yield from self._feed(pieces[start:end], buf)
            if self._stop:
                self._stop_index += start
                return
            if end < len(pieces):
                self._oversized(pieces[end])
            start = end + 1

    def _envelope(self, sid: str, parts: list[str]) -> list[Event]:
        if self._outside_count:
            self._flush_outside()
        if sid == "TA1" and self._segments is not None:  # inside a set it is just a segment for validation
            self._segments.append(Segment(sid, tuple(parts[1:]), self._offset))
            self._offset += 1
            return []
        if sid not in _ENVELOPE or sid == "ISA":  # the next interchange starts before this one ended
            self._stop = "ISA"
            return self._close()
        segment = Segment(sid, tuple(parts[1:]), self._offset)
        self._offset += 1
        events: list[Event] = []
        if sid == "ST":
            if self._segments is not None:
                events.append(self._end_set())
            if self._group is None:
                self._structure(f"ST at segment offset {segment.offset} has no GS before it")
                events.append(self._open_group(None))
            self._segments, self._set_findings = [segment], []
        elif sid == "SE":
            if self._segments is None:
                self._structure(f"SE at segment offset {segment.offset} has no ST before it")
            else:
                self._segments.append(segment)
                events.append(self._end_set())
        elif sid == "GS":
            events += self._close()
            events.append(self._open_group(segment))
        elif sid == "GE":
            if self._segments is not None:
                events.append(self._end_set())
            if self._group is None:
                self._structure(f"GE at segment offset {segment.offset} has no GS before it")
            else:
                events.append(self._end_group(segment))
        elif sid == "IEA":
            events += self._close()
            self.trailer, self._stop = segment, "IEA"
        else:
            events.append(Ta1Read(self.interchange, segment))
        return events

    def _open_group(self, gs: Segment | None) -> GroupStart:
        if gs is None:
            self._group = Group("", "", "", "", "", "", "")
        else:
            e = gs.element
            self._group = Group(e(1), e(2), e(3), e(4), e(5), e(6), e(8))
        self._gs = gs
        return GroupStart(self.interchange, self._group, gs)

    def _end_group(self, ge: Segment | None) -> GroupEnd:
        assert self._group is not None
        event = GroupEnd(self.interchange, self._group, self._gs, ge)
        self._group = self._gs = None
        return event

    def _end_set(self) -> TransactionRead:
        assert self._segments is not None and self._group is not None
        segments = self._segments
        st = segments[0]
        transaction = Transaction(st.element(1), st.element(2), segments, st.element(3), self._set_findings)
        self._segments, self._set_findings = None, []
        return TransactionRead(self.interchange, self._group, transaction)

    def _close(self) -> list[Event]:
        """End the open transaction set and group without their trailers (the checks report them missing)."""
        events: list[Event] = []
        if self._segments is not None:
            events.append(self._end_set())
        if self._group is not None:
            events.append(self._end_group(None))
        return events

    def _finish(self, buf: str, text: str, pieces: list[str]) -> None:
        """Drop what this interchange consumed: through its IEA's terminator, or up to the next ISA."""
        index = self._stop_index
        start = sum(len(piece) for piece in pieces[:index]) + index * len(self._split_on)
        consumed = start + len(pieces[index]) + len(self._split_on) if self._stop == "IEA" else start
        self.inp.drop(self._raw_index(buf, text, consumed))
        self.byte_end = self.inp.base

    def _clean(self, buf: str) -> str:
        """``buf`` without its cosmetic line ends: all of them, or the CR of CRLF when lines are the terminator."""
        for cosmetic in self._cosmetic:
            if cosmetic in buf:
                buf = buf.replace(cosmetic, "")
        return buf

    def _raw_index(self, buf: str, text: str, index: int) -> int:
        """The index in ``buf`` of character ``index`` of ``text`` (``buf`` cleaned); cosmetic line ends that
        follow it stay after it."""
        if len(text) == len(buf):
            return index
        position, counted, skipped = index, 0, 0
        while True:  # the least position with ``index`` characters that are not cosmetic line ends before it
            skipped += sum(buf.count(cosmetic, counted, position) for cosmetic in self._cosmetic)
            counted, position = position, index + skipped
            if position == counted:
                return position

    def _empty(self) -> None:
        if self._last_empty == self._offset:
            return  # one finding per run of empty segments
        self._last_empty = self._offset
        fatal = not self.leniency.empty_segments
        if self._segments is not None:
            last, position = self._segments[-1], len(self._segments) + 1
            self._set_findings.append(
                Finding(
                    Level.SEGMENT,
                    "1",
                    f"empty segment (terminators with nothing between them) after {last.id} at position {position - 1}",
                    position=position,
                    fatal=fatal,
                )
            )
        else:
            self.interchange.findings.append(
                Finding(
                    Level.INTERCHANGE,
                    "024",
                    f"empty segment (terminators with nothing between them) "
                    f"outside any transaction set, before segment offset {self._offset}",
                    fatal=fatal,
                )
            )

    def _flush_outside(self) -> None:
        if not self._outside_count:
            return
        first, ids = self._outside[0], ", ".join(dict.fromkeys(sid for _, sid, _ in self._outside))
        self.interchange.findings.append(
            Finding(
                Level.INTERCHANGE,
                "024",
                f"{self._outside_count} segment(s) ({ids}) from segment offset "
                f"{first[0]} are outside any transaction set and were not read; the first is {first[2]!r}",
                segment_id=first[1],
                value=first[2],
            )
        )
        self._outside, self._outside_count = [], 0

    def _trailing_separator(self, segment: Segment, position: int) -> None:
        self._set_findings.append(
            Finding(
                Level.SEGMENT,
                "8",
                f"{segment.id} at position {position} ends with an element separator: "
                "empty trailing elements must be left out with their separators",
                segment_id=segment.id,
                position=position,
                fatal=not self.leniency.trailing_separators,
            )
        )

    def _structure(self, message: str) -> None:
        self.interchange.findings.append(Finding(Level.INTERCHANGE, "022", message))

    def _oversized(self, text: str) -> None:
        self.interchange.findings.append(
            Finding(
                Level.INTERCHANGE,
                "024",
                f"a segment longer than {self.leniency.max_segment_length} characters, after segment offset "
                f"{self._offset - 1}, was skipped: {text[:_SAMPLE]!r}...",
                value=text[:_SAMPLE],
            )
        )

    def _encoding(self) -> str:
        sniffed = self.inp.sniffed
        if sniffed.ebcdic:
            return sniffed.codec
        if self._encodings:
            return "+".join(sorted(self._encodings, key=("utf-8", "latin-1").index))
        return "utf-8" if sniffed.bom and self.byte_offset == 3 else "ascii"


def _width_finding(values: tuple[str, ...], leniency: Leniency) -> Finding:
    wrong = [
        f"ISA{number:02d} is {len(value)} characters, not {width}"
        for number, (value, width) in enumerate(zip(values, ISA_WIDTHS, strict=False), start=1)
        if len(value) != width
    ]
    return Finding(
        Level.INTERCHANGE,
        "022",
        "the ISA is not padded to its fixed field widths: " + "; ".join(wrong),
        segment_id="ISA",
        fatal=not leniency.variable_width_isa,
    )
