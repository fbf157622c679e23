"""Sending an interchange to a partner's HTTP endpoint: one POST of the X12 bytes, its answer classified.

The answer decides what happens next, through the one mapping in ``hub.sdk.errors``: 2xx is delivered; 408,
425, 429 and 5xx are transient (retried, after the partner's ``Retry-After`` when it sends one); 401 and 403
mean our credentials are wrong (held until an operator fixes them); 409 means the partner already has it;
any other 4xx is permanent. Redirects are not followed: a partner's endpoint that moved is a configuration
problem, and following a redirect could send the interchange and our credentials somewhere unchecked.
"""

from __future__ import annotations

import requests

from hub.edi.intake import X12_CONTENT_TYPE
from hub.edi.partners import HttpTransport
from hub.errors import ConfigurationError as HubConfigurationError
from hub.sdk.errors import ConfigurationError, TransientError, classify_http_status
from hub.secrets import resolve_secret
from hub.settings import redact_url

DETAIL_CHARS = 200


def _credentials(
    transport: HttpTransport, environ: dict[str, str] | None
) -> tuple[dict[str, str], tuple[str, str] | None]:
    """Extra headers and basic-auth pair for the transport's authentication."""
    try:
        if transport.token is not None:
            token = resolve_secret(transport.token, environ).get_secret_value()
            return {"Authorization": f"Bearer {token}"}, None
        if transport.username is not None and transport.password is not None:
            return {}, (transport.username, resolve_secret(transport.password, environ).get_secret_value())
    except HubConfigurationError as exc:
        raise ConfigurationError(str(exc)) from None
    return {}, None


def _detail(response: requests.Response) -> str:
    text = " ".join(response.text[:DETAIL_CHARS].split())
    return text or response.reason or "no detail"


def post_interchange(
    transport: HttpTransport,
    filename: str,
    data: bytes,
    *,
    idempotency_key: str | None = None,
    http: requests.Session | None = None,
    environ: dict[str, str] | None = None,
) -> int:
    """POST ``data`` to the transport's URL; returns the 2xx status, or raises the classified error."""
    headers, basic = _credentials(transport, environ)
    headers |= {"Content-Type": X12_CONTENT_TYPE, "X-Filename": filename}
    if idempotency_key:
        headers["Idempotency-Key"] = idempotency_key
    session = http or requests.Session()
    where = redact_url(transport.url)
    try:
        response = session.post(
            transport.url,
            data=data,
            headers=headers,
            auth=basic,
            timeout=transport.timeout_seconds,
            allow_redirects=False,
        )
    except (requests.Timeout, requests.ConnectionError) as exc:
        raise TransientError(f"POST {where} failed: {type(exc).__name__}") from exc
    except requests.RequestException as exc:
        raise ConfigurationError(f"POST {where} cannot be made: {type(exc).__name__}") from exc
    finally:
        if http is None:
            session.close()
    if 300 <= response.status_code < 400:
        raise ConfigurationError(
            f"POST {where} was redirected (HTTP {response.status_code} to"
            f" {response.headers.get('Location', 'nowhere')}); set the partner's http url to the final address",
            status_code=response.status_code,
        )
    error = classify_http_status(response.status_code, _detail(response), response.headers.get("Retry-After"))
    if error is not None:
        raise error
    return response.status_code
