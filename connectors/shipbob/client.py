"""Talking to ShipBob's API: Bearer auth, the channel header, a timeout on every call, its rate-limit answer,
and every failure turned into the SDK's error tree (without the token in any message)."""

from __future__ import annotations

import json
import logging
from typing import Any

import requests

from connectors.shipbob.config import Config
from hub.sdk import PermanentError, TransientError, classify_http_status

log = logging.getLogger(__name__)

EXCERPT = 300  # characters of a partner's error body kept in a message
CHANNEL_HEADER = "shipbob_channel_id"


class ShipBobClient:
    """One account's API access, every path relative to ``<base_url>/<api_version>``.

    ShipBob allows 150 requests a minute per user and application across all APIs and answers 429 with
    ``x-retry-after`` (seconds) past it; that hint (else a standard ``Retry-After``) becomes the
    ``TransientError.retry_after`` the engine waits for.
    """

    def __init__(self, config: Config, session: requests.Session) -> None:
        self.config = config
        self.session = session
        self._token = config.access_token.get_secret_value()

    def __repr__(self) -> str:
        return f"ShipBobClient({self.config.api_root!r}, channel {self.config.channel_id})"

    def get(self, path: str, params: dict[str, str] | None = None, *, channel: bool = True) -> Any:
        return self.call("GET", path, params=params, channel=channel)

    def post(self, path: str, body: Any = None) -> Any:
        return self.call("POST", path, body=body)

    def call(
        self, method: str, path: str, *, params: dict[str, str] | None = None, body: Any = None, channel: bool = True
    ) -> Any:
        """The decoded JSON answer, or the ``hub.sdk`` error the failure means. ``channel`` sends the
        account's channel id (required to write; on reads it keeps to the orders of that channel)."""
        headers = {"Authorization": f"Bearer {self._token}", "Accept": "application/json"}
        if channel:
            headers[CHANNEL_HEADER] = self.config.channel_id
        try:
            response = self.session.request(
                method,
                f"{self.config.api_root}{path}",
                params=params,
                json=body,
                headers=headers,
                timeout=self.config.timeout,
                allow_redirects=False,
            )
        except requests.Timeout:
            raise TransientError(f"ShipBob did not answer {method} {path} within {self.config.timeout:g} s") from None
        except requests.RequestException as exc:
            raise TransientError(f"ShipBob {method} {path} failed: connection error ({type(exc).__name__})") from None
        return self._decode(method, path, response)

    def _decode(self, method: str, path: str, response: requests.Response) -> Any:
        status = response.status_code
        if 300 <= status < 400:
            raise PermanentError(f"ShipBob answered {method} {path} with a redirect ({status})", status_code=status)
        retry_after = response.headers.get("x-retry-after") or response.headers.get("Retry-After")
        error = classify_http_status(status, f"ShipBob {method} {path}: {self._detail(response)}", retry_after)
        if error is not None:
            if status == 429:
                log.info("ShipBob rate limit reached; it asks to wait %s s", retry_after or "an unstated time")
            raise error
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise TransientError(
                f"ShipBob answered {method} {path} with a body that is not JSON", status_code=status
            ) from None

    def _detail(self, response: requests.Response) -> str:
        """What ShipBob said, on one short line, with the token blanked should it ever echo it."""
        try:
            body = response.json()
        except ValueError:
            text = response.text
        else:
            text = error_message(body)
        text = " ".join(text.split())[:EXCERPT] or response.reason or "no detail"
        return text.replace(self._token, "***") if self._token else text


def error_message(body: Any) -> str:
    """ShipBob's error bodies as one line: ``{"statusCode", "message"}`` (rate limit), a problem document
    (``title``/``detail``/``errors``), or validation errors ``{field: [messages]}``."""
    if not isinstance(body, dict):
        return json.dumps(body)
    parts = [str(body[key]) for key in ("message", "title", "detail") if isinstance(body.get(key), str | int)]
    errors = body.get("errors") if isinstance(body.get("errors"), dict) else None
    fields = errors or {key: value for key, value in body.items() if isinstance(value, list)}
    for field, problems in fields.items():
        listed = problems if isinstance(problems, list) else [problems]
        parts.append(f"{field or 'order'}: {'; '.join(map(str, listed))}")
    return " ".join(parts) or json.dumps(body)
