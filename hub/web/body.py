"""The one way an endpoint reads its request body: whole, or not at all.

The body is read from the WSGI input stream, at most one byte past ``HUB_WEB__MAX_BODY_BYTES``, whatever its
framing. A declared Content-Length over the limit is refused before anything is read; a chunked body declares
no length, so it is read until it ends or passes the limit, and one that passes it is refused too. Either way
the answer is 413 and the endpoint never sees a body cut to the limit: no signature is checked over part of a
body, and no part of one is stored. (Flask's own ``get_data`` cuts a chunked body at ``MAX_CONTENT_LENGTH``
without a word, which is why no endpoint may use it.)
"""

from __future__ import annotations

import logging
from typing import IO

from flask import current_app, request
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge, RequestTimeout

log = logging.getLogger(__name__)

READ_SIZE = 64 * 1024


def too_large_message(limit: int) -> str:
    return f"the request body is over {limit} bytes, the most this hub accepts (HUB_WEB__MAX_BODY_BYTES)"


def read_body() -> bytes:
    """The current request's whole body; RequestEntityTooLarge (413) past the limit, RequestTimeout (408) when
    the server gave up waiting for it, BadRequest (400) when it ended early or was malformed."""
    limit = int(current_app.config["MAX_CONTENT_LENGTH"])
    declared = request.content_length
    if declared is not None and declared > limit:
        raise RequestEntityTooLarge(too_large_message(limit))
    # Without a length, only a server that ends the stream itself (it sets wsgi.input_terminated, as gunicorn
    # and werkzeug do for chunked bodies) can be read to the end; from any other, reading could wait forever.
    if declared is None and not request.environ.get("wsgi.input_terminated"):
        return b""
    body = _read(request.environ["wsgi.input"], limit + 1 if declared is None else declared)
    if len(body) > limit:
        raise RequestEntityTooLarge(too_large_message(limit))
    if declared is not None and len(body) < declared:
        raise BadRequest(f"the request body ended after {len(body)} of the {declared} bytes of its Content-Length")
    return body


def _read(stream: IO[bytes], wanted: int) -> bytes:
    parts: list[bytes] = []
    received = 0
    try:
        while received < wanted:
            part = stream.read(min(READ_SIZE, wanted - received))
            if not part:
                break
            parts.append(part)
            received += len(part)
    except TimeoutError:
        raise RequestTimeout("the request body did not arrive in time: send it whole, then wait") from None
    except Exception as exc:  # noqa: BLE001 - each server signals a broken body with its own exception types
        log.info("request body unreadable: %s: %s", type(exc).__name__, exc)
        raise BadRequest(
            "the request body could not be read: it ended early or its chunked framing is malformed"
        ) from None
    return b"".join(parts)
