"""Talking to Amazon's Selling Partner API: an LWA access token from the seller's refresh token, kept until it
nearly expires and fetched again when SP-API refuses it, a timeout on every call, and every failure turned into
the SDK's error tree with SP-API's ``{"errors": [{code, message}]}`` text. A 429 without ``Retry-After`` waits
for one request's share of ``x-amzn-RateLimit-Limit`` (requests per second)."""

from __future__ import annotations

import json
import time
from typing import Any

import requests

from connectors.amazon.config import Config
from hub.sdk import (
    ConfigurationError,
    TransientError,
    decoded_answer,
    error_excerpt,
    header_retry_after,
    json_body,
    send_request,
)

EARLY = 60.0  # seconds before a token's end that it is replaced


class AmazonClient:
    """One seller's SP-API access."""

    def __init__(self, config: Config, session: requests.Session) -> None:
        self.config = config
        self.session = session
        self._secrets = [config.client_secret.get_secret_value(), config.refresh_token.get_secret_value()]
        self._token: str | None = None
        self._token_until = 0.0

    def __repr__(self) -> str:
        return f"AmazonClient({self.config.base_url!r})"

    def call(self, method: str, path: str, *, body: Any = None) -> Any:
        """The decoded JSON answer (None for 204); a refused token is replaced once before the refusal counts."""
        for attempt in (1, 2):
            response = self._send(method, f"{self.config.base_url}{path}", json=body, token=self.token())
            if response.status_code == 403 and attempt == 1 and "Unauthorized" in response.text:
                self._token = None
                continue
            return self._decode(method, path, response)
        raise AssertionError("unreachable")

    def token(self) -> str:
        if self._token is None or time.monotonic() >= self._token_until:
            form = {
                "grant_type": "refresh_token",
                "refresh_token": self._secrets[1],
                "client_id": self.config.client_id,
                "client_secret": self._secrets[0],
            }
            response = self._send("POST", self.config.token_url, data=form)
            if response.status_code in (400, 401) and _lwa_error(response) in ("invalid_grant", "invalid_client"):
                raise ConfigurationError(
                    f"Login with Amazon refused the app or the seller's refresh token ({_lwa_error(response)}): "
                    "check client_id, client_secret and refresh_token",
                    status_code=response.status_code,
                )
            answer = self._decode("POST", "/auth/o2/token", response)
            if not isinstance(answer, dict) or not answer.get("access_token"):
                raise TransientError("Login with Amazon's answer carries no access_token")
            self._token = str(answer["access_token"])
            self._token_until = time.monotonic() + max(0.0, float(answer.get("expires_in") or 3600) - EARLY)
        return self._token

    def upload(self, url: str, content: bytes, content_type: str) -> None:
        """PUT a feed document to the pre-signed URL the Feeds API gave for it (no SP-API token: the URL itself
        authorises the upload)."""
        response = self._send("PUT", url, data=content, headers={"Content-Type": content_type})
        self._decode("PUT", "/(feed document upload)", response)

    def _send(
        self, method: str, url: str, *, token: str | None = None, headers: dict[str, str] | None = None, **payload: Any
    ) -> requests.Response:
        headers = headers or {"Accept": "application/json"}
        if token is not None:
            headers["x-amz-access-token"] = token
        path = "/" + url.split("://", 1)[-1].split("/", 1)[-1].split("?", 1)[0]  # a pre-signed URL's query signs
        what = f"Amazon {method} {path}"
        return send_request(
            self.session, method, url, what=what, timeout=self.config.timeout, headers=headers, **payload
        )

    def _decode(self, method: str, path: str, response: requests.Response) -> Any:
        return decoded_answer(response, f"Amazon {method} {path}", self._detail, _retry_after)

    def _detail(self, response: requests.Response) -> str:
        body = json_body(response)
        errors = body.get("errors") if isinstance(body, dict) else None
        if isinstance(errors, list) and errors:
            text = "; ".join(
                f"{error.get('code', 'Error')}: {error.get('message', '')} {error.get('details') or ''}".strip()
                for error in errors
                if isinstance(error, dict)
            )
        elif isinstance(body, dict) and body.get("error"):
            text = f"{body['error']}: {body.get('error_description', '')}"
        else:
            text = response.text if body is None else json.dumps(body)
        return error_excerpt(text, response, self._secrets)


def _retry_after(response: requests.Response) -> float | None:
    """``Retry-After``, else, for a 429, one request's share of the operation's rate."""
    named = header_retry_after(response)
    if named is None and response.status_code == 429:
        return _one_request_share(response.headers.get("x-amzn-RateLimit-Limit"))
    return named


def _lwa_error(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    return str(body.get("error", "")) if isinstance(body, dict) else ""


def _one_request_share(limit: str | None) -> float | None:
    """Seconds one request takes of the operation's rate (``x-amzn-RateLimit-Limit``, requests per second)."""
    try:
        rate = float(limit or "")
    except ValueError:
        return None
    return 1 / rate if rate > 0 else None
