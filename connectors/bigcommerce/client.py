"""Talking to the BigCommerce REST API (v2 and v3 under one store root): the access token, a timeout on every
call, the store's rate-limit headers, and every failure turned into the SDK's error tree with BigCommerce's own
error text (v2 ``[{"status", "message"}]``, v3 ``{"title", "errors"}``)."""

from __future__ import annotations

import json
import time
from typing import Any

import requests

from connectors.bigcommerce.config import Config
from hub.sdk import PermanentError, TransientError, classify_http_status, parse_retry_after

EXCERPT = 300


class BigCommerceClient:
    """One store's API access. The rate-limit quota is shared by every app on the store: when an answer says
    none is left, later calls fail fast until the window resets instead of earning a 429."""

    def __init__(self, config: Config, session: requests.Session) -> None:
        self.config = config
        self.session = session
        self._token = config.access_token.get_secret_value()
        self._resume_at = 0.0

    def __repr__(self) -> str:
        return f"BigCommerceClient({self.config.base_url!r})"

    def call(self, method: str, path: str, *, params: dict[str, Any] | None = None, body: Any = None) -> Any:
        """The decoded JSON answer (None for 204), or the ``hub.sdk`` error the failure means."""
        wait = self._resume_at - time.monotonic()
        if wait > 0:
            raise TransientError(f"BigCommerce rate limit spent; it resets in {wait:.1f} s", retry_after=wait)
        headers = {"X-Auth-Token": self._token, "Accept": "application/json"}
        try:
            response = self.session.request(
                method,
                f"{self.config.base_url}{path}",
                params=params,
                json=body,
                headers=headers,
                timeout=self.config.timeout,
                allow_redirects=False,
            )
        except requests.Timeout:
            raise TransientError(
                f"BigCommerce did not answer {method} {path} within {self.config.timeout:g} s"
            ) from None
        except requests.RequestException as exc:
            raise TransientError(
                f"BigCommerce {method} {path} failed: connection error ({type(exc).__name__})"
            ) from None
        self._note_rate_limit(response)
        return self._decode(method, path, response)

    def _decode(self, method: str, path: str, response: requests.Response) -> Any:
        status = response.status_code
        if 300 <= status < 400:
            raise PermanentError(f"BigCommerce answered {method} {path} with a redirect ({status})", status_code=status)
        error = classify_http_status(status, f"BigCommerce {method} {path}: {self._detail(response)}")
        if isinstance(error, TransientError):
            error.retry_after = _retry_after(response)
        if error is not None:
            raise error
        if status == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise TransientError(f"BigCommerce answered {method} {path} with a body that is not JSON") from None

    def _note_rate_limit(self, response: requests.Response) -> None:
        left, reset = (
            response.headers.get("X-Rate-Limit-Requests-Left"),
            response.headers.get("X-Rate-Limit-Time-Reset-Ms"),
        )
        if left is not None and left.strip() == "0" and reset and reset.strip().isdigit():
            self._resume_at = time.monotonic() + int(reset) / 1000

    def _detail(self, response: requests.Response) -> str:
        try:
            body = response.json()
        except ValueError:
            body = None
        text = _message(body) if body is not None else response.text
        text = " ".join(text.split())[:EXCERPT] or response.reason or "no detail"
        return text.replace(self._token, "***")


def _retry_after(response: requests.Response) -> float | None:
    """The longest wait the store names: the window reset (ms), ``X-Retry-After`` or ``Retry-After``."""
    waits = [parse_retry_after(response.headers.get(name)) for name in ("X-Retry-After", "Retry-After")]
    reset = response.headers.get("X-Rate-Limit-Time-Reset-Ms")
    if reset and reset.strip().isdigit():
        waits.append(int(reset) / 1000)
    known = [wait for wait in waits if wait is not None]
    return max(known) if known else None


def _message(body: Any) -> str:
    if isinstance(body, list):
        return "; ".join(str(item.get("message", item)) if isinstance(item, dict) else str(item) for item in body)
    if isinstance(body, dict):
        parts = [str(body[key]) for key in ("title", "detail", "message") if body.get(key)]
        if isinstance(body.get("errors"), dict):
            parts += [f"{field}: {problem}" for field, problem in body["errors"].items()]
        return " ".join(parts) or json.dumps(body)
    return json.dumps(body)
