"""HTTP to one Xero organisation: bearer auth, the tenant header, ``Idempotency-Key`` on writes, and Xero's
error shapes read into the SDK's errors (a 400 ``ValidationException`` names each element's messages; a 429
says which limit was hit in ``X-Rate-Limit-Problem`` and how long to wait in ``Retry-After``)."""

from __future__ import annotations

from typing import Any

import requests

from connectors.xero.config import Config
from hub.sdk import ConnectorError, TransientError, classify_http_status

IDEMPOTENCY_KEY_MAX = 128
EXCERPT = 300
MINUTE = 60.0  # the per-minute limit's window: the wait when Xero names no Retry-After


class XeroClient:
    def __init__(self, config: Config, session: requests.Session) -> None:
        self.config = config
        self.session = session

    def get(self, path: str, **params: Any) -> dict[str, Any]:
        return self._call("GET", path, params=params)

    def put(self, path: str, body: dict[str, Any], *, key: str) -> dict[str, Any]:
        headers = {"Idempotency-Key": key[:IDEMPOTENCY_KEY_MAX]}
        return self._call("PUT", path, json=body, headers=headers)

    def _call(self, method: str, path: str, headers: dict[str, str] | None = None, **kwargs: Any) -> dict[str, Any]:
        sent = {
            "Authorization": f"Bearer {self.config.access_token.get_secret_value()}",
            "xero-tenant-id": self.config.tenant_id,
            "Accept": "application/json",
            **(headers or {}),
        }
        url = f"{self.config.api_root}/{path}"
        try:
            response = self.session.request(method, url, headers=sent, timeout=self.config.timeout, **kwargs)
        except requests.Timeout:
            raise TransientError(f"Xero did not answer {method} {path} within {self.config.timeout} s") from None
        except requests.ConnectionError as error:
            raise TransientError(f"Xero unreachable: {type(error).__name__}") from None
        if 200 <= response.status_code < 300:
            body = response.json() if response.content else {}
            return body if isinstance(body, dict) else {}
        raise error_of(response)


def error_of(response: requests.Response) -> ConnectorError:
    detail = _detail(response)
    status = response.status_code
    if status == 429:
        problem = response.headers.get("X-Rate-Limit-Problem", "unknown")
        error = classify_http_status(
            status, f"Xero {problem} rate limit reached: {detail}", response.headers.get("Retry-After")
        )
        if isinstance(error, TransientError) and error.retry_after is None:
            error.retry_after = MINUTE
    else:
        error = classify_http_status(status, f"Xero: {detail}", response.headers.get("Retry-After"))
    assert error is not None
    return error


def _detail(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:EXCERPT]
    if not isinstance(body, dict):
        return response.text[:EXCERPT]
    messages = [
        str(problem.get("Message"))
        for element in body.get("Elements", [])
        if isinstance(element, dict)
        for problem in element.get("ValidationErrors", [])
        if isinstance(problem, dict)
    ]
    head = str(body.get("Message") or body.get("Detail") or body.get("Title") or "")
    return "; ".join([head, *messages])[:EXCERPT] if (head or messages) else response.text[:EXCERPT]
