"""Talking to the WooCommerce REST API v3: the key pair, a timeout on every call, and every failure turned into
the SDK's error tree with WooCommerce's own ``{"code", "message"}`` text (never a secret)."""

from __future__ import annotations

from typing import Any

import requests

from connectors.woocommerce.config import Config
from hub.sdk import PermanentError, TransientError, classify_http_status

EXCERPT = 300  # characters of an error body kept in a message


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
        try:
            response = self.session.request(
                method,
                f"{self.config.base_url}{path}",
                params=params or None,
                json=body,
                auth=auth,
                timeout=self.config.timeout,
                allow_redirects=False,
            )
        except requests.Timeout:
            raise TransientError(
                f"WooCommerce did not answer {method} {path} within {self.config.timeout:g} s"
            ) from None
        except requests.RequestException as exc:
            raise TransientError(
                f"WooCommerce {method} {path} failed: connection error ({type(exc).__name__})"
            ) from None
        return self._decode(method, path, response)

    def _decode(self, method: str, path: str, response: requests.Response) -> Any:
        status = response.status_code
        if 300 <= status < 400:
            raise PermanentError(f"WooCommerce answered {method} {path} with a redirect ({status})", status_code=status)
        detail = f"WooCommerce {method} {path}: {self._detail(response)}"
        error = classify_http_status(status, detail, response.headers.get("Retry-After"))
        if error is not None:
            raise error
        try:
            return response.json() if response.content else None
        except ValueError:
            raise TransientError(f"WooCommerce answered {method} {path} with a body that is not JSON") from None

    def _detail(self, response: requests.Response) -> str:
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and body.get("message"):
            text = f"{body.get('code', 'error')}: {body['message']}"
        else:
            text = response.text
        text = " ".join(text.split())[:EXCERPT] or response.reason or "no detail"
        for secret in self._pair:
            text = text.replace(secret, "***")
        return text
