"""Talking to Amazon's Selling Partner API: an LWA access token from the seller's refresh token, kept until it
nearly expires and fetched again when SP-API refuses it, a timeout on every call, and every failure turned into
the SDK's error tree with SP-API's ``{"errors": [{code, message}]}`` text. A 429 without ``Retry-After`` waits
for one request's share of ``x-amzn-RateLimit-Limit`` (requests per second)."""

from __future__ import annotations

import json
from typing import Any

import requests

from connectors.amazon.config import Config
from hub.sdk import (
    AccessToken,
    ConfigurationError,
    decoded_answer,
    error_excerpt,
    header_retry_after,
    json_body,
    send_request,
)


class AmazonClient:
    """One seller's SP-API access."""

    def __init__(self, config: Config, session: requests.Session) -> None:
        self.config = config
        self.session = session
        self._secrets = [config.client_secret.get_secret_value(), config.refresh_token.get_secret_value()]
        self._token = AccessToken("Login with Amazon", self._fetch_token, lifetime=3600)

    def __repr__(self) -> str:
        return f"AmazonClient({self.config.base_url!r})"

    def call(self, method: str, path: str, *, body: Any = None) -> Any:
        """The decoded JSON answer (None for 204); a refused token is replaced once before the refusal counts."""
        response = self._token.send(
            lambda token: self._send(method, f"{self.config.base_url}{path}", json=body, token=token),
            refused=lambda answer: answer.status_code == 403 and "Unauthorized" in answer.text,
        )
        return self._decode(method, path, response)

    def token(self) -> str:
        return self._token.get()

    def _fetch_token(self) -> Any:
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
        return self._decode("POST", "/auth/o2/token", response)

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
    body = json_body(response)
    return str(body.get("error", "")) if isinstance(body, dict) else ""


def _one_request_share(limit: str | None) -> float | None:
    """Seconds one request takes of the operation's rate (``x-amzn-RateLimit-Limit``, requests per second)."""
    try:
        rate = float(limit or "")
    except ValueError:
        return None
    return 1 / rate if rate > 0 else None
