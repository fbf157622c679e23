"""Talking to ShipStation's v1 API: Basic auth, a timeout on every call, its rate-limit headers, and every
failure turned into the SDK's error tree (without a secret in any message)."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import requests

from connectors.shipstation.config import Config
from hub.sdk import PermanentError, TransientError, classify_http_status

log = logging.getLogger(__name__)

EXCERPT = 300  # characters of a partner's error body kept in a message


class ShipStationClient:
    """One account's API access. When an answer says the minute's allowance is spent, later calls wait for
    the window to reset by failing fast (``TransientError`` with the seconds left) instead of earning a 429."""

    def __init__(self, config: Config, session: requests.Session) -> None:
        self.config = config
        self.session = session
        self._auth = (config.api_key.get_secret_value(), config.api_secret.get_secret_value())
        self._secrets = [secret for secret in self._auth if secret]
        self._resume_at = 0.0

    def __repr__(self) -> str:
        return f"ShipStationClient({self.config.base_url!r})"

    def rate_limit_wait(self) -> float:
        """Seconds until the rate-limit window resets, when an answer said it is spent; else 0."""
        return max(0.0, self._resume_at - time.monotonic())

    def get(self, path_or_url: str, params: dict[str, Any] | None = None) -> Any:
        """GET a path under the base URL (or a URL the caller has already checked lies under it)."""
        return self.call("GET", path_or_url, params=params)

    def post(self, path: str, body: Any) -> Any:
        return self.call("POST", path, body=body)

    def call(self, method: str, path_or_url: str, *, params: dict[str, Any] | None = None, body: Any = None) -> Any:
        """The decoded JSON answer, or the ``hub.sdk`` error the failure means."""
        url = path_or_url if "://" in path_or_url else f"{self.config.base_url}{path_or_url}"
        wait = self._resume_at - time.monotonic()
        if wait > 0:
            raise TransientError(f"ShipStation rate limit spent; it resets in {wait:.0f} s", retry_after=wait)
        try:
            response = self.session.request(
                method,
                url,
                params=params,
                json=body,
                auth=self._auth,
                timeout=self.config.timeout,
                allow_redirects=False,
            )
        except requests.Timeout:
            raise TransientError(
                f"ShipStation did not answer {method} {_path(url)} within {self.config.timeout:g} s"
            ) from None
        except requests.RequestException as exc:
            reason = type(exc).__name__
            raise TransientError(f"ShipStation {method} {_path(url)} failed: connection error ({reason})") from None
        self._note_rate_limit(response)
        return self._decode(method, url, response)

    def _decode(self, method: str, url: str, response: requests.Response) -> Any:
        status = response.status_code
        if 300 <= status < 400:
            raise PermanentError(
                f"ShipStation answered {method} {_path(url)} with a redirect ({status})", status_code=status
            )
        retry_after = response.headers.get("Retry-After")
        if status == 429 and not retry_after:
            retry_after = response.headers.get("X-Rate-Limit-Reset")
        error = classify_http_status(
            status, f"ShipStation {method} {_path(url)}: {self._detail(response)}", retry_after
        )
        if error is not None:
            raise error
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise TransientError(
                f"ShipStation answered {method} {_path(url)} with a body that is not JSON", status_code=status
            ) from None

    def _note_rate_limit(self, response: requests.Response) -> None:
        remaining, reset = response.headers.get("X-Rate-Limit-Remaining"), response.headers.get("X-Rate-Limit-Reset")
        if remaining is not None and remaining.strip() == "0" and reset and reset.strip().isdigit():
            self._resume_at = time.monotonic() + int(reset)
            log.info("ShipStation rate limit spent for this key; next call in %s s", reset)

    def _detail(self, response: requests.Response) -> str:
        """What the partner said, shortened, with our own secrets blanked should it ever echo them."""
        try:
            body = response.json()
        except ValueError:
            text = response.text
        else:
            text = _message(body) if isinstance(body, dict) else json.dumps(body)
        text = " ".join(text.split())[:EXCERPT] or response.reason or "no detail"
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text


def _message(body: dict[str, Any]) -> str:
    """ShipStation's ``{"Message", "ExceptionMessage", "ModelState": {field: [messages]}}`` as one line."""
    parts = [str(body[key]) for key in ("Message", "ExceptionMessage") if body.get(key)]
    model_state = body.get("ModelState")
    if isinstance(model_state, dict):
        parts += [f"{field}: {'; '.join(map(str, problems))}" for field, problems in model_state.items()]
    return " ".join(parts) or json.dumps(body)


def _path(url: str) -> str:
    """The path of a URL, for messages (no host, no query)."""
    rest = url.split("://", 1)[-1]
    return "/" + rest.split("/", 1)[1].split("?", 1)[0] if "/" in rest else "/"
