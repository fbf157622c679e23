"""Talking to the BigCommerce REST API (v2 and v3 under one store root): the access token, a timeout on every
call, the store's rate-limit headers, and every failure turned into the SDK's error tree with BigCommerce's own
error text (v2 ``[{"status", "message"}]``, v3 ``{"title", "errors"}``)."""

from __future__ import annotations

import json
import time
from typing import Any

import requests

from connectors.bigcommerce.config import Config
from hub.sdk import TransientError, decoded_answer, error_excerpt, json_body, parse_retry_after, send_request


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
        what = f"BigCommerce {method} {path}"
        response = send_request(
            self.session, method, f"{self.config.base_url}{path}", what=what, timeout=self.config.timeout,
            params=params, json=body, headers=headers,
        )  # fmt: skip
        self._note_rate_limit(response)
        return decoded_answer(response, what, self._detail, _retry_after)

    def _note_rate_limit(self, response: requests.Response) -> None:
        left, reset = (
            response.headers.get("X-Rate-Limit-Requests-Left"),
            response.headers.get("X-Rate-Limit-Time-Reset-Ms"),
        )
        if left is not None and left.strip() == "0" and reset and reset.strip().isdigit():
            self._resume_at = time.monotonic() + int(reset) / 1000

    def _detail(self, response: requests.Response) -> str:
        body = json_body(response)
        return error_excerpt(_message(body) if body is not None else response.text, response, [self._token])


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
