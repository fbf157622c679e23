"""How inbound X12 is encoded, below the level of segments: its character set, where each interchange
begins, and the delimiters its ISA declares.

``Input`` holds the input as text in which character ``i`` is byte ``i``, pulled chunk by chunk, so that
interchange boundaries and error positions stay byte offsets whatever the encoding:

* ASCII-family input is decoded as Latin-1 (one character per byte, every byte valid). A segment holding
  bytes above 0x7F is then repaired on its own (``repair``): if those bytes are valid UTF-8 it is decoded as
  UTF-8, otherwise it stays Latin-1. Deciding per segment reads mixed files (a UTF-8 name in one segment, a
  Latin-1 one in the next) without a second pass, and costs nothing on ASCII chunks.
* EBCDIC is recognised by its "ISA" (0xC9 0xE2 0xC1). Code pages 037 (North America) and 500 (Europe)
  differ only in a few punctuation marks, some of them popular delimiters (``|``, ``^``, ``!``), so the page
  under which the ISA's delimiters read as delimiters wins. EBCDIC NL (0x15) decodes to U+0085 and stays
  a character of its own, apart from CR and LF: mainframe files end segments with it, often followed by the
  CR LF a transfer added, or use it as a mere line break after "~". Only in EBCDIC input is it a line break
  (``Input.breaks``); in ASCII-family input 0x85 is text (an ellipsis in Windows-1252).
* UTF-16 and UTF-32 are refused with a clear message: X12 must be ASCII-compatible or EBCDIC.

``locate_isa`` skips to the next interchange header, describing whatever else it passes (``Gap``), and
``parse_isa`` reads its delimiters: the element separator after "ISA", ISA16, and the segment terminator
after it, looking past line breaks that 80-column wrapping put inside the ISA or before the terminator. It
finds the elements by their separator, so an ISA that is not padded to its fixed widths is still read (the
reader decides what that costs); it reports ``fixed_width`` for that decision. Nothing in the ISA's layout
depends on ISA12, so every control version reads the same way; each ISA is read afresh, so the delimiters
of one interchange say nothing about the next.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO

from .model import Delimiters

UTF8_BOM = b"\xef\xbb\xbf"
EBCDIC_ISA = b"\xc9\xe2\xc1"
ASCII_ISA = b"ISA"
EBCDIC_CODECS = ("cp037", "cp500")
# Characters X12 files use as delimiters in practice; used only to choose between the two EBCDIC pages.
_USUAL_DELIMITERS = frozenset("~*:>^|!\\{}+'\"#%&,./;<=?@_-\n\r\x07\x1c\x1d\x1e\x1f")
_WIDE_BOMS = {
    b"\x00\x00\xfe\xff": "UTF-32 (big endian)",
    b"\xff\xfe\x00\x00": "UTF-32 (little endian)",
    b"\xfe\xff": "UTF-16 (big endian)",
    b"\xff\xfe": "UTF-16 (little endian)",
}
Source = bytes | bytearray | memoryview | BinaryIO
BLANKS = " \t\r\n\x85\x00\x1a"  # around interchanges: blanks, EBCDIC NL, NUL padding, Ctrl-Z
ASCII_BREAKS = "\r\n"  # line breaks: CR and LF, and in EBCDIC input also NL (decoded to U+0085)
EBCDIC_BREAKS = "\r\n\x85"
_UTF8_BOM_AS_TEXT = "\xef\xbb\xbf"  # a UTF-8 byte order mark as one-character-per-byte text
_ISA_AT = re.compile(r"(?<![A-Za-z0-9])ISA[^A-Za-z0-9 \r\n\x85]")
ISA_WIDTHS = (2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1)  # ISA01..ISA15; ISA16 is one character
_ISA_SCAN = 512  # an ISA fits in this many characters, padded or not, wrapped or not
_SAMPLE = 60
_SNIFF_BYTES = 4096
_NAMES = {"ascii": "ascii", "us-ascii": "ascii", "utf-8": "utf-8", "utf8": "utf-8", "utf-8-sig": "utf-8"}
_NAMES |= {"latin-1": "latin-1", "latin1": "latin-1", "iso-8859-1": "latin-1", "iso8859-1": "latin-1"}
_NAMES |= {"cp037": "cp037", "ibm037": "cp037", "ebcdic-cp-us": "cp037", "cp500": "cp500", "ibm500": "cp500"}


class EncodingError(ValueError):
    """The input is in an encoding X12 cannot be read from (UTF-16, UTF-32), or an unknown one was forced."""


@dataclass(frozen=True)
class Sniffed:
    """What the first bytes of an input say about its encoding."""

    codec: str  # "latin-1" for the ASCII family (repaired per segment), or "cp037" / "cp500"
    bom: bool  # a UTF-8 byte order mark opens the input
    repair_utf8: bool  # decode non-ASCII segments as UTF-8 when they are valid UTF-8

    @property
    def ebcdic(self) -> bool:
        return self.codec in EBCDIC_CODECS

    @property
    def breaks(self) -> str:
        """The characters that break lines in this input."""
        return EBCDIC_BREAKS if self.ebcdic else ASCII_BREAKS


def sniff(head: bytes, forced: str | None = None) -> Sniffed:
    """Decide the encoding from the first bytes of the input (a few hundred are enough).

    ``forced`` names the encoding a partner profile fixes (ascii, utf-8, latin-1, cp037, cp500); ``latin-1``
    then turns off the per-segment UTF-8 repair, for Latin-1 files whose bytes happen to be valid UTF-8.
    """
    bom = head.startswith(UTF8_BOM)
    if forced is not None:
        name = _NAMES.get(forced.strip().lower())
        if name is None:
            raise EncodingError(f"unknown X12 encoding {forced!r}: use one of ascii, utf-8, latin-1, cp037, cp500")
        if name in EBCDIC_CODECS:
            return Sniffed(name, False, False)
        return Sniffed("latin-1", bom, name != "latin-1")
    for mark, label in _WIDE_BOMS.items():
        if head.startswith(mark):
            raise EncodingError(f"the input starts with a {label} byte order mark; X12 must be ASCII-compatible")
    ascii_at, ebcdic_at = head.find(ASCII_ISA), head.find(EBCDIC_ISA)
    if ebcdic_at >= 0 and (ascii_at < 0 or ebcdic_at < ascii_at):
        return Sniffed(_ebcdic_page(head[ebcdic_at:]), False, False)
    return Sniffed("latin-1", bom, True)


def _ebcdic_page(isa: bytes) -> str:
    """cp037 or cp500: the page under which the ISA's delimiters read as usual delimiter characters."""

    def score(codec: str) -> int:
        text = isa[:120].decode(codec).replace("\x85", "\n")
        if len(text) < 4:
            return 0
        separator = text[3]
        marks = [separator]
        fields = text.split(separator)
        if len(fields) > 16 and fields[16]:
            marks += [fields[11][:1], fields[16][:1], fields[16][1:2]]  # ISA11, ISA16, terminator
        return sum(1 for mark in marks if mark in _USUAL_DELIMITERS)

    return "cp500" if score("cp500") > score("cp037") else "cp037"


def decoder(sniffed: Sniffed) -> Callable[[bytes | memoryview], str]:
    """A function turning one chunk of bytes into text of the same length (character i = byte i)."""
    if sniffed.ebcdic:
        codec = sniffed.codec

        def ebcdic(chunk: bytes | memoryview) -> str:
            return str(chunk, codec)

        return ebcdic

    def latin1(chunk: bytes | memoryview) -> str:
        return str(chunk, "latin-1")

    return latin1


def repair(segment: str) -> tuple[str, str]:
    """A segment read as Latin-1 that holds non-ASCII bytes: its text and the encoding that explains it."""
    try:
        return segment.encode("latin-1").decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return segment, "latin-1"


class Input:
    """The input as text in which character ``i`` of ``buf`` is byte ``base + i``, pulled chunk by chunk."""

    def __init__(self, source: Source, chunk_size: int, encoding: str | None) -> None:
        self._read = chunks(source, chunk_size)
        head = chunk = self._read()
        while chunk and len(head) < _SNIFF_BYTES:  # enough to see the first ISA, whatever the chunk size
            chunk = self._read()
            head += chunk
        self.sniffed = sniff(head, encoding)  # EncodingError for UTF-16/32
        self._decode = decoder(self.sniffed)
        self.buf = self._decode(head)
        self.base = 0
        self.size = len(head)
        self.eof = not head

    def more(self) -> bool:
        """Append the next chunk to ``buf``; False at the end of the input."""
        if self.eof:
            return False
        chunk = self._read()
        if not chunk:
            self.eof = True
            return False
        self.size += len(chunk)
        self.buf += self._decode(chunk)
        return True

    def drop(self, count: int) -> None:
        if count:
            self.buf = self.buf[count:]
            self.base += count


def chunks(source: Source, size: int) -> Callable[[], bytes]:
    if isinstance(source, bytes | bytearray | memoryview):
        view = memoryview(source).cast("B")
        position = 0

        def take() -> bytes:
            nonlocal position
            chunk = bytes(view[position : position + size])
            position += len(chunk)
            return chunk

        return take
    read = getattr(source, "read", None)
    if read is None:
        raise TypeError(f"X12 input must be bytes or a binary stream, not {type(source).__name__}")

    def pull() -> bytes:
        chunk = read(size)
        if isinstance(chunk, str):
            raise TypeError("X12 input must be bytes: open the file in binary mode ('rb')")
        return bytes(chunk) if chunk else b""

    return pull


@dataclass(frozen=True)
class IsaHeader:
    """An interchange header as found in the text, before it becomes an ``Interchange``."""

    fields: tuple[str, ...]  # ISA01..ISA16 as read, line breaks removed
    delimiters: Delimiters
    length: int  # characters from "ISA" through its terminator
    fixed_width: bool
    line_ends: bool  # the segment terminator is a line end


def parse_isa(buf: str, at: int, eof: bool, breaks: str = ASCII_BREAKS) -> IsaHeader | str | None:
    """The ISA starting at ``buf[at]``; None when more text is needed; a reason when it is no interchange header.

    ``breaks`` are the input's line-break characters (``Sniffed.breaks``).
    """
    separator, limit = buf[at + 3], min(len(buf), at + _ISA_SCAN)
    more_to_come = not eof and limit < at + _ISA_SCAN
    elements: list[str] = []
    start = at + 4
    while len(elements) < 15:
        end = buf.find(separator, start, limit)
        if end < 0:
            return None if more_to_come else f"only {len(elements)} of its 16 elements are there"
        elements.append(_unwrapped(buf[start:end], breaks))
        start = end + 1
    i = _past_line_ends(buf, start, breaks)
    if i + 1 >= len(buf):
        return None if more_to_come else "the input ends inside it"
    component, after = buf[i], buf[i + 1]
    if after in breaks:
        j = _past_line_ends(buf, i + 1, breaks)
        if j >= len(buf) and more_to_come:
            return None
        if j < len(buf) and not buf[j].isalnum() and buf[j] not in BLANKS:  # a wrapped line, then "~"
            terminator, length, line_ends = buf[j], j + 1 - at, False
        elif after == "\x85":  # EBCDIC NL ends segments; line ends after it are cosmetic
            terminator, length, line_ends = after, i + 2 - at, False
        else:
            crlf = buf.startswith("\r\n", i + 1)
            terminator = "\r" if after == "\r" and not crlf else "\n"
            length, line_ends = i + (3 if crlf else 2) - at, True
    elif after.isalnum() or after == " " or after == separator:
        return f"the character after ISA16, {after!r}, cannot be a segment terminator"
    else:
        terminator, length, line_ends = after, i + 2 - at, False
    elements.append(component)
    version, isa11 = elements[11], elements[10]
    numeric = version.isascii() and version.isdigit()
    repeats = numeric and version >= "00402" and len(isa11) == 1 and not isa11.isalnum() and isa11 != " "
    return IsaHeader(
        fields=tuple(elements),
        delimiters=Delimiters(separator, component, terminator, isa11 if repeats else None),
        length=length,
        fixed_width=all(len(value) == width for value, width in zip(elements, ISA_WIDTHS, strict=False)),
        line_ends=line_ends,
    )


def _past_line_ends(buf: str, i: int, breaks: str) -> int:
    while i < len(buf) and buf[i] in breaks:
        i += 1
    return i


def _unwrapped(value: str, breaks: str) -> str:
    for mark in breaks:
        if mark in value:
            value = value.replace(mark, "")
    return value


@dataclass
class Gap:
    """Text between interchanges that is neither blank nor an interchange."""

    start: int = -1  # byte offset of its first character
    count: int = 0  # bytes, blanks inside it included
    sample: str = ""
    rejected: str = ""  # why an "ISA" in it was not read as an interchange header

    def add(self, text: str, base: int) -> None:
        text = text.replace(_UTF8_BOM_AS_TEXT, "   ")  # a byte order mark before an ISA is no content
        core = text.strip(BLANKS)
        if not core:
            return
        if self.start < 0:
            self.start = base + len(text) - len(text.lstrip(BLANKS))
            text = text.lstrip(BLANKS)
        if len(self.sample) < _SAMPLE:  # the text may come in several pieces: keep the blanks between them
            self.sample = (self.sample + text)[:_SAMPLE]
        self.count += len(core)

    def describe(self, where: str) -> str:
        message = f"{self.count} bytes of text that is not X12 {where} the interchange, at byte {self.start}: "
        return message + repr(self.sample.rstrip(BLANKS)) + (f" ({self.rejected})" if self.rejected else "")


def locate_isa(inp: Input) -> tuple[IsaHeader | None, Gap]:
    """Skip to the next readable ISA (``inp.buf`` then starts with it), describing what was skipped."""
    gap, position = Gap(), 0
    while True:
        match = _ISA_AT.search(inp.buf, position)
        if match is None:
            keep = len(inp.buf) if inp.eof else max(position, len(inp.buf) - 3)  # "IS" may end a chunk
            while keep > position and not inp.eof and inp.buf[keep - 1] in _UTF8_BOM_AS_TEXT[:2]:
                keep -= 1  # and so may the start of a byte order mark
            gap.add(inp.buf[:keep], inp.base)
            inp.drop(keep)
            position = 0
            if not inp.more():
                gap.add(inp.buf, inp.base)
                inp.drop(len(inp.buf))
                return None, gap
            continue
        at = match.start()
        isa = parse_isa(inp.buf, at, inp.eof, inp.sniffed.breaks)
        if isa is None:
            if inp.more():
                continue
            isa = parse_isa(inp.buf, at, True, inp.sniffed.breaks)
        if isinstance(isa, IsaHeader):
            gap.add(inp.buf[:at], inp.base)
            inp.drop(at)
            return isa, gap
        gap.rejected = gap.rejected or f"'ISA' at byte {inp.base + at} is not an interchange header: {isa}"
        position = at + 3


def nothing_readable(inp: Input, gap: Gap) -> str:
    if inp.size == 0:
        return "the input is empty: there is no ISA segment to read"
    if gap.rejected:
        return f"no readable interchange in {inp.size} bytes: {gap.rejected}"
    if gap.count == 0:
        return f"the input is {inp.size} bytes of blanks: there is no ISA segment to read"
    sample = gap.sample.rstrip(BLANKS)
    return f"no ISA segment in {inp.size} bytes: the text starts at byte {gap.start} with {sample!r}"
