"""Talking to eBay's REST APIs: a user access token from the seller's refresh token (kept until it nearly
expires, fetched again when refused), a timeout on every call, and every failure turned into the SDK's error
tree with eBay's ``{"errors": [{errorId, message}]}`` text. The Post-Order API takes the same OAuth token under
the ``IAF`` scheme."""

from __future__ import annotations

import json
from typing import Any

import requests

from connectors.ebay.config import Config
from hub.sdk import AccessToken, ConfigurationError, decoded_answer, error_excerpt, json_body, send_request

OAUTH_PATH = "/identity/v1/oauth2/token"
OAUTH_REFUSALS = ("invalid_grant", "invalid_client", "invalid_scope", "unauthorized_client")


class EbayClient:
    """One seller's REST access. ``call`` answers the decoded body and the response headers (a created
    fulfillment's id is in ``Location``)."""

    def __init__(self, config: Config, session: requests.Session) -> None:
        self.config = config
        self.session = session
        self._secrets = [config.client_secret.get_secret_value(), config.refresh_token.get_secret_value()]
        self._token = AccessToken("eBay", self._fetch_token, lifetime=7200)

    def __repr__(self) -> str:
        return f"EbayClient({self.config.base_url!r})"

    def call(self, method: str, path: str, *, body: Any = None) -> tuple[Any, dict[str, str]]:
        scheme = "IAF" if path.startswith("/post-order/") else "Bearer"

        def request(token: str) -> requests.Response:
            headers = {"Authorization": f"{scheme} {token}", "Accept": "application/json"}
            return self._send(method, path, json=body, headers=headers)

        response = self._token.send(request, refused=lambda answer: answer.status_code == 401)
        return self._decode(method, path, response), dict(response.headers)

    def token(self) -> str:
        return self._token.get()

    def _fetch_token(self) -> Any:
        form = {"grant_type": "refresh_token", "refresh_token": self._secrets[1], "scope": self.config.scopes}
        auth = (self.config.client_id, self._secrets[0])
        response = self._send("POST", OAUTH_PATH, data=form, auth=auth, headers={"Accept": "application/json"})
        refusal = _oauth_error(response)
        if response.status_code in (400, 401) and refusal in OAUTH_REFUSALS:
            raise ConfigurationError(
                f"eBay refused the app or the seller's refresh token ({refusal}): check client_id, "
                "client_secret, refresh_token and scopes",
                status_code=response.status_code,
            )
        return self._decode("POST", OAUTH_PATH, response)

    def _send(self, method: str, path: str, **payload: Any) -> requests.Response:
        url, what = f"{self.config.base_url}{path}", f"eBay {method} {path}"
        return send_request(self.session, method, url, what=what, timeout=self.config.timeout, **payload)

    def _decode(self, method: str, path: str, response: requests.Response) -> Any:
        return decoded_answer(response, f"eBay {method} {path}", self._detail)

    def _detail(self, response: requests.Response) -> str:
        body = json_body(response)
        errors = body.get("errors") if isinstance(body, dict) else None
        if isinstance(errors, list) and errors:
            text = "; ".join(
                f"{error.get('errorId', '?')}: {error.get('longMessage') or error.get('message', '')}"
                for error in errors
                if isinstance(error, dict)
            )
        elif isinstance(body, dict) and body.get("error"):
            text = f"{body['error']}: {body.get('error_description', '')}"
        else:
            text = response.text if body is None else json.dumps(body)
        return error_excerpt(text, response, self._secrets)


def _oauth_error(response: requests.Response) -> str:
    body = json_body(response)
    return str(body.get("error", "")) if isinstance(body, dict) else ""
