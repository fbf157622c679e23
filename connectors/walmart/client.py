"""Talking to the Walmart Marketplace API: an OAuth client-credentials token (``/v3/token``) kept until it
nearly expires and fetched again when refused, Walmart's ``WM_*`` headers on every call, a timeout, and every
failure turned into the SDK's error tree with Walmart's own error text (``{"errors": ...}``)."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import requests

from connectors.walmart.config import Config
from hub.sdk import (
    AccessToken,
    ConfigurationError,
    decoded_answer,
    error_excerpt,
    header_retry_after,
    json_body,
    send_request,
)


class WalmartClient:
    """One seller's API access."""

    def __init__(self, config: Config, session: requests.Session) -> None:
        self.config = config
        self.session = session
        self._secret = config.client_secret.get_secret_value()
        self._token = AccessToken("Walmart", self._fetch_token, lifetime=900)

    def __repr__(self) -> str:
        return f"WalmartClient({self.config.base_url!r})"

    def call(self, method: str, path: str, *, body: Any = None) -> Any:
        """The decoded JSON answer; a refused token is replaced once before the refusal counts."""
        response = self._token.send(
            lambda token: self._send(method, path, body=body, token=token),
            refused=lambda answer: answer.status_code == 401,
        )
        return self._decode(method, path, response)

    def token(self) -> str:
        return self._token.get()

    def _fetch_token(self) -> Any:
        form = {"grant_type": "client_credentials"}
        return self._decode("POST", "/v3/token", self._send("POST", "/v3/token", form=form))

    def _send(
        self, method: str, path: str, *, body: Any = None, form: dict[str, str] | None = None, token: str | None = None
    ) -> requests.Response:
        headers = {
            "WM_SVC.NAME": self.config.service_name,
            "WM_QOS.CORRELATION_ID": str(uuid.uuid4()),
            "Accept": "application/json",
        }
        if token is not None:
            headers["WM_SEC.ACCESS_TOKEN"] = token
        return send_request(
            self.session, method, f"{self.config.base_url}{path}", what=f"Walmart {method} {path}",
            timeout=self.config.timeout, json=body, data=form, headers=headers,
            auth=(self.config.client_id, self._secret) if form is not None else None,
        )  # fmt: skip

    def _decode(self, method: str, path: str, response: requests.Response) -> Any:
        what = f"Walmart {method} {path}"
        if path == "/v3/token" and response.status_code == 401:
            detail = f"{what}: {self._detail(response)} (check client_id and client_secret)"
            raise ConfigurationError(detail, status_code=response.status_code)
        return decoded_answer(response, what, self._detail, _replenished_in)

    def _detail(self, response: requests.Response) -> str:
        body = json_body(response)
        return error_excerpt(error_text(body) if body is not None else response.text, response, [self._secret])


def error_text(body: Any) -> str:
    """Walmart's ``{"errors": [{code, description}]}`` (or ``{"errors": {"error": [...]}}``) as one line."""
    errors = body.get("errors") if isinstance(body, dict) else None
    if isinstance(errors, dict):
        errors = errors.get("error")
    if isinstance(errors, list) and errors:
        return "; ".join(
            f"{error.get('code', 'ERROR')}: {error.get('description') or error.get('info') or ''}".strip()
            for error in errors
            if isinstance(error, dict)
        )
    return json.dumps(body)


def _replenished_in(response: requests.Response) -> float | None:
    """``Retry-After``, else the seconds until Walmart refills the call's token bucket
    (``x-next-replenishment-time``, epoch ms)."""
    named = header_retry_after(response)
    value = response.headers.get("x-next-replenishment-time", "")
    if named is not None or not value.strip().isdigit():
        return named
    return max(0.0, int(value) / 1000 - time.time())
