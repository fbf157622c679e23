"""Whether the bytes read so far hold one whole HTTP/1.1 request: headers, then the body they frame.

The web worker reads requests on its event loop and hands one to a thread only when it is whole; this is
how it knows. It judges framing only (where the headers end, Content-Length, chunked transfer coding) and
leaves every other judgement to gunicorn's parser, which reads the same bytes next: a request whose
framing headers are contradictory or unusual is declared whole at the end of its headers, so the parser
sees it at once and refuses it as it would anyway.
"""

from __future__ import annotations

from enum import Enum

HEAD_LIMIT = 64 * 1024  # headers beyond this are refused (431); webhook senders use a few KiB at most
LINE_LIMIT = 4096  # a chunk-size line or a trailer line beyond this is malformed
HEX_DIGITS = frozenset(b"0123456789abcdefABCDEF")


class Verdict(Enum):
    MORE = "more"  # keep reading
    WHOLE = "whole"  # the request (and maybe more) is in the buffer: parse it
    TOO_LARGE = "too_large"  # the body is over the limit (declared or received)
    HEAD_TOO_LARGE = "head_too_large"  # no end of headers within HEAD_LIMIT
    MALFORMED = "malformed"  # the chunked framing is broken


class RequestFraming:
    """Feed it what the client sends; it says when the first request in the buffer is whole."""

    def __init__(self, max_body: int) -> None:
        self.max_body = max_body
        self.buffer = bytearray()
        self.expects_continue = False  # the client waits for "100 Continue" before it sends the body
        self._head_end: int | None = None
        self._length: int | None = None  # body length, when framed by Content-Length
        self._chunked = False
        self._position = 0  # in the chunked body: where parsing resumes
        self._chunk_left: int | None = None  # bytes left in the current chunk; None: a size line is next
        self._trailers = False
        self._received = 0  # body bytes (chunk data) received so far

    def feed(self, data: bytes) -> Verdict:
        searched = max(0, len(self.buffer) - 3)
        self.buffer += data
        if self._head_end is None:
            end = self.buffer.find(b"\r\n\r\n", searched)
            if end < 0:
                return Verdict.HEAD_TOO_LARGE if len(self.buffer) > HEAD_LIMIT else Verdict.MORE
            self._head_end = self._position = end + 4
            verdict = self._read_head(bytes(self.buffer[:end]))
            if verdict is not Verdict.MORE:
                return verdict
        if self._chunked:
            # Chunk sizes and extensions cost bytes too; a body drowned in them is as good as too large.
            if len(self.buffer) - self._head_end > 2 * self.max_body + HEAD_LIMIT:
                return Verdict.TOO_LARGE
            return self._chunks()
        assert self._length is not None
        return Verdict.WHOLE if len(self.buffer) - self._head_end >= self._length else Verdict.MORE

    def _read_head(self, head: bytes) -> Verdict:
        request_line, *lines = head.split(b"\r\n")
        fields: dict[bytes, list[bytes]] = {}
        for line in lines:
            name, _, value = line.partition(b":")
            fields.setdefault(name.strip().lower(), []).append(value.strip())
        http11 = request_line.endswith(b"HTTP/1.1")
        self.expects_continue = http11 and [value.lower() for value in fields.get(b"expect", [])] == [b"100-continue"]
        codings = b",".join(fields.get(b"transfer-encoding", [])).lower()
        lengths = fields.get(b"content-length", [])
        if codings and not lengths and http11 and codings.split(b",")[-1].strip() == b"chunked":
            self._chunked = True
            return Verdict.MORE
        if codings or len(lengths) > 1 or (lengths and not lengths[0].isdigit()):
            return Verdict.WHOLE  # for the parser to refuse
        self._length = int(lengths[0]) if lengths else 0
        return Verdict.TOO_LARGE if self._length > self.max_body else Verdict.MORE

    def _chunks(self) -> Verdict:
        while True:
            if self._trailers:
                return self._trailer_lines()
            if self._chunk_left is None:
                verdict = self._size_line()
                if verdict is not None:
                    return verdict
                continue
            taken = min(self._chunk_left, len(self.buffer) - self._position)
            self._chunk_left -= taken
            self._position += taken
            self._received += taken
            if self._chunk_left:
                return Verdict.MORE
            if len(self.buffer) - self._position < 2:
                self._chunk_left = 0  # the data is in, its line end is not
                return Verdict.MORE
            if self.buffer[self._position : self._position + 2] != b"\r\n":
                return Verdict.MALFORMED
            self._position += 2
            self._chunk_left = None

    def _size_line(self) -> Verdict | None:
        """Read one chunk-size line; None when parsing may go on."""
        line = self._line()
        if line is None:
            return Verdict.MALFORMED if len(self.buffer) - self._position > LINE_LIMIT else Verdict.MORE
        size = line.split(b";", 1)[0].strip()
        if not size or len(size) > 16 or not set(size) <= HEX_DIGITS:
            return Verdict.MALFORMED
        self._chunk_left = int(size, 16)
        if self._received + self._chunk_left > self.max_body:
            return Verdict.TOO_LARGE
        self._trailers = self._chunk_left == 0
        return None

    def _trailer_lines(self) -> Verdict:
        while True:
            line = self._line()
            if line is None:
                return Verdict.MALFORMED if len(self.buffer) - self._position > LINE_LIMIT else Verdict.MORE
            if not line:
                return Verdict.WHOLE

    def _line(self) -> bytes | None:
        end = self.buffer.find(b"\r\n", self._position)
        if end < 0 or end - self._position > LINE_LIMIT:
            return None
        line = bytes(self.buffer[self._position : end])
        self._position = end + 2
        return line
