"""One HTTP exchange with a partner, as every REST connector makes it: the request with a timeout and no
redirects followed, and the answer turned into its JSON body or the ``hub.sdk.errors`` branch it means.

What differs between partners stays in the connector: how it words an error body (``describe``) and where it
says how long to wait (``retry_after``). Messages name the partner and the call (``"eBay POST /x"``) and keep
at most ``EXCERPT`` characters of the partner's text, with every secret given masked.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import requests

from hub.sdk.errors import PermanentError, TransientError, classify_http_status, parse_retry_after

EXCERPT = 300  # characters of a partner's error text kept in a message


def send_request(
    session: requests.Session, method: str, url: str, *, what: str, timeout: float, **options: Any
) -> requests.Response:
    """``session.request`` with ``timeout`` and redirects refused; a timeout or a connection failure is a
    ``TransientError`` naming ``what`` (``"Walmart POST /v3/orders/1/shipping"``) and the kind of failure only,
    never the URL's query or a header."""
    try:
        return session.request(method, url, timeout=timeout, allow_redirects=False, **options)
    except requests.Timeout:
        raise TransientError(f"{what}: no answer within {timeout:g} s") from None
    except requests.RequestException as exc:
        raise TransientError(f"{what} failed: connection error ({type(exc).__name__})") from None


def json_body(response: requests.Response) -> Any:
    """The answer's JSON, or None when it is empty or not JSON."""
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return None


def error_excerpt(text: str, response: requests.Response, secrets: Sequence[str] = ()) -> str:
    """``text`` on one line, cut to ``EXCERPT`` characters (the reason phrase when empty), secrets masked."""
    shown = " ".join(text.split())[:EXCERPT] or response.reason or "no detail"
    for secret in secrets:
        if secret:
            shown = shown.replace(secret, "***")
    return shown


def header_retry_after(response: requests.Response) -> float | None:
    """Seconds from the ``Retry-After`` header (either form), the wait most partners name."""
    return parse_retry_after(response.headers.get("Retry-After"))


def raise_for_answer(
    response: requests.Response,
    what: str,
    detail: Callable[[requests.Response], str],
    retry_after: Callable[[requests.Response], float | None] = header_retry_after,
) -> None:
    """Raise the error a non-2xx answer means: a redirect is permanent (the configured URL is wrong), the
    status is classified by ``classify_http_status`` with ``detail(response)`` in the message, and a transient
    error carries ``retry_after(response)``."""
    status = response.status_code
    if 300 <= status < 400:
        raise PermanentError(f"{what}: answered with a redirect ({status})", status_code=status)
    if 200 <= status < 300:
        return
    error = classify_http_status(status, f"{what}: {detail(response)}")
    if isinstance(error, TransientError):
        error.retry_after = retry_after(response)
    if error is not None:
        raise error


def decoded_answer(
    response: requests.Response,
    what: str,
    detail: Callable[[requests.Response], str],
    retry_after: Callable[[requests.Response], float | None] = header_retry_after,
) -> Any:
    """The answer's JSON (None for an empty one), or the error it means (``raise_for_answer``); a 2xx whose
    body is not JSON is transient (a proxy's page in front of the partner)."""
    raise_for_answer(response, what, detail, retry_after)
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        raise TransientError(
            f"{what}: answered with a body that is not JSON", status_code=response.status_code
        ) from None
