"""Talking to the WooCommerce REST API v3: the key pair, a timeout on every call, and every failure turned into
the SDK's error tree with WooCommerce's own ``{"code", "message"}`` text (never a secret)."""

from __future__ import annotations

from typing import Any

import requests

from connectors.woocommerce.config import Config
from hub.sdk import decoded_answer, error_excerpt, json_body, send_request


class WooCommerceClient:
    """One store's REST access."""

    def __init__(self, config: Config, session: requests.Session) -> None:
        self.config = config
        self.session = session
        self._pair = (config.consumer_key.get_secret_value(), config.consumer_secret.get_secret_value())

    def __repr__(self) -> str:
        return f"WooCommerceClient({self.config.base_url!r})"

    def call(self, method: str, path: str, *, params: dict[str, Any] | None = None, body: Any = None) -> Any:
        """The decoded JSON answer, or the ``hub.sdk`` error the failure means."""
        params = dict(params or {})
        auth: tuple[str, str] | None = self._pair
        if self.config.auth == "query":
            params.update(consumer_key=self._pair[0], consumer_secret=self._pair[1])
            auth = None
        what = f"WooCommerce {method} {path}"
        response = send_request(
            self.session, method, f"{self.config.base_url}{path}", what=what, timeout=self.config.timeout,
            params=params or None, json=body, auth=auth,
        )  # fmt: skip
        return decoded_answer(response, what, self._detail)

    def _detail(self, response: requests.Response) -> str:
        body = json_body(response)
        if isinstance(body, dict) and body.get("message"):
            text = f"{body.get('code', 'error')}: {body['message']}"
        else:
            text = response.text
        return error_excerpt(text, response, self._pair)
