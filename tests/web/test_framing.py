"""When the web worker may hand a request to a thread: only once every byte of it has arrived, however the
client splits what it sends; and when it answers for itself (a body too large, framing that is broken)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from hub.web.framing import HEAD_LIMIT, RequestFraming, Verdict

LIMIT = 4096
HEAD = b"POST /webhooks/shopify/shop1 HTTP/1.1\r\nHost: hub\r\nContent-Type: application/json\r\n"


def chunked(body: bytes, sizes: list[int], trailers: bytes = b"") -> bytes:
    wire, start = b"", 0
    for size in sizes:
        piece = body[start : start + size]
        if piece:
            wire += b"%x;ext=1\r\n%s\r\n" % (len(piece), piece)
        start += size
    if start < len(body):
        wire += b"%X\r\n%s\r\n" % (len(body) - start, body[start:])
    return wire + b"0\r\n" + trailers + b"\r\n"


def verdicts(request: bytes, splits: list[int]) -> list[Verdict]:
    """What the framing says after each piece, the request fed split at ``splits``."""
    framing, said, start = RequestFraming(LIMIT), [], 0
    for end in [*sorted(set(splits)), len(request)]:
        if start < end <= len(request):
            said.append(framing.feed(request[start:end]))
            start = end
    return said


@settings(max_examples=200, deadline=None)
@given(
    body=st.binary(max_size=LIMIT),
    sizes=st.lists(st.integers(1, 600), max_size=8),
    trailers=st.sampled_from([b"", b"X-Checksum: abc\r\n"]),
    splits=st.lists(st.integers(1, 6000), max_size=12),
    is_chunked=st.booleans(),
)
def test_a_request_is_whole_exactly_when_its_last_byte_arrives(
    body: bytes, sizes: list[int], trailers: bytes, splits: list[int], is_chunked: bool
) -> None:
    if is_chunked:
        request = HEAD + b"Transfer-Encoding: chunked\r\n\r\n" + chunked(body, sizes, trailers)
    else:
        request = HEAD + b"Content-Length: %d\r\n\r\n" % len(body) + body
    said = verdicts(request, splits)
    assert said[-1] is Verdict.WHOLE
    assert all(verdict is Verdict.MORE for verdict in said[:-1])


def test_byte_by_byte_and_with_the_next_request_behind() -> None:
    request = HEAD + b"Transfer-Encoding: chunked\r\n\r\n" + chunked(b"x" * 100, [7, 50])
    said = verdicts(request + b"GET /healthz HTTP/1.1\r\n", list(range(1, len(request) + 1)))
    assert said[len(request) - 1] is Verdict.WHOLE
    assert set(said[: len(request) - 1]) == {Verdict.MORE}


def test_requests_without_a_body_are_whole_at_the_end_of_their_headers() -> None:
    framing = RequestFraming(LIMIT)
    assert framing.feed(b"GET /healthz HTTP/1.1\r\nHost: hub\r\n") is Verdict.MORE
    assert framing.feed(b"\r\n") is Verdict.WHOLE


def test_bodies_over_the_limit_are_known_as_soon_as_possible() -> None:
    declared = RequestFraming(LIMIT)
    assert declared.feed(HEAD + b"Content-Length: %d\r\n\r\n" % (LIMIT + 1)) is Verdict.TOO_LARGE
    announced = RequestFraming(LIMIT)
    assert announced.feed(HEAD + b"Transfer-Encoding: chunked\r\n\r\n%x\r\n" % (LIMIT + 1)) is Verdict.TOO_LARGE
    received = RequestFraming(LIMIT)
    assert received.feed(HEAD + b"Transfer-Encoding: chunked\r\n\r\n") is Verdict.MORE
    for _ in range(LIMIT // 1000):
        assert received.feed(b"3e8\r\n" + b"x" * 1000 + b"\r\n") is Verdict.MORE
    assert received.feed(b"3e8\r\n") is Verdict.TOO_LARGE
    exact = RequestFraming(LIMIT)
    assert exact.feed(HEAD + b"Transfer-Encoding: chunked\r\n\r\n" + chunked(b"x" * LIMIT, [1000])) is Verdict.WHOLE


def test_a_body_drowned_in_chunk_extensions_is_too_large() -> None:
    framing = RequestFraming(LIMIT)
    framing.feed(HEAD + b"Transfer-Encoding: chunked\r\n\r\n")
    verdict = Verdict.MORE
    while verdict is Verdict.MORE:
        verdict = framing.feed(b"1;" + b"e" * 1000 + b"\r\nx\r\n")
    assert verdict is Verdict.TOO_LARGE
    assert len(framing.buffer) < 3 * LIMIT + HEAD_LIMIT


def test_broken_chunked_framing_is_malformed() -> None:
    for broken in (b"zz\r\nx\r\n", b"1\r\nxy\r\n", b"\r\n", b"1" * 17 + b"\r\n", b"1;" + b"e" * 5000):
        framing = RequestFraming(LIMIT)
        assert framing.feed(HEAD + b"Transfer-Encoding: chunked\r\n\r\n" + broken) is Verdict.MALFORMED, broken


def test_headers_past_the_cap_are_refused_and_odd_framing_goes_to_the_parser_at_once() -> None:
    assert RequestFraming(LIMIT).feed(HEAD + b"X-Pad: " + b"p" * HEAD_LIMIT) is Verdict.HEAD_TOO_LARGE
    for odd in (
        b"Content-Length: 5\r\nContent-Length: 6\r\n",
        b"Content-Length: -1\r\n",
        b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n",
        b"Transfer-Encoding: gzip\r\n",
    ):
        assert RequestFraming(LIMIT).feed(HEAD + odd + b"\r\n") is Verdict.WHOLE, odd


def test_a_client_that_waits_for_100_continue_is_known() -> None:
    waiting = RequestFraming(LIMIT)
    assert waiting.feed(HEAD + b"Expect: 100-continue\r\nContent-Length: 10\r\n\r\n") is Verdict.MORE
    assert waiting.expects_continue
    plain = RequestFraming(LIMIT)
    plain.feed(HEAD + b"Content-Length: 10\r\n\r\n")
    assert not plain.expects_continue
