"""HTTP to one QuickBooks company: bearer auth, ``minorversion`` on every call, ``requestid`` on writes, and
every answer read for a ``Fault`` (QuickBooks reports some faults with HTTP 200)."""

from __future__ import annotations

import hashlib
from typing import Any

import requests

from connectors.quickbooks.config import Config
from hub.sdk import (
    AlreadyDelivered,
    ConfigurationError,
    ConnectorError,
    PermanentError,
    TransientError,
    parse_retry_after,
)

THROTTLE_WAIT = 60.0  # Intuit: after a 429, wait 60 s
PAGE = 1000  # the most rows a query returns at once
EXCERPT = 300
# Fault codes that another try can cure: stale SyncToken, and the service's own hiccups.
TRANSIENT_CODES = frozenset({"5010", "3001", "3100"})


class DuplicateDocument(PermanentError):
    """Fault 6140: the document number is already used (the message names the other transaction)."""


class DuplicateName(PermanentError):
    """Fault 6240: a customer (or vendor) with this display name exists."""


def request_id(idempotency_key: str, suffix: str = "") -> str:
    """A ``requestid`` (at most 50 characters, unique per company) for one intended write."""
    return hashlib.sha1(f"{idempotency_key}{suffix}".encode()).hexdigest()  # noqa: S324 - an id, not security


class QuickBooksClient:
    def __init__(self, config: Config, session: requests.Session) -> None:
        self.config = config
        self.session = session

    def get(self, path: str, **params: Any) -> dict[str, Any]:
        return self._call("GET", path, params=params)

    def post(self, entity: str, body: dict[str, Any], *, request: str, **params: Any) -> dict[str, Any]:
        return self._call("POST", entity, json=body, params={"requestid": request, **params})

    def batch(self, body: dict[str, Any], *, request: str) -> dict[str, Any]:
        """One ``/batch`` call (see ``connectors.quickbooks.batch``); a fault of the whole call raises."""
        return self._call("POST", "batch", json=body, params={"requestid": request})

    def query(self, statement: str) -> list[dict[str, Any]]:
        """Every row of a ``select * from Entity where ...`` statement, page by page."""
        entity = statement.split()[3]
        rows: list[dict[str, Any]] = []
        start = 1
        while True:
            answer = self.get("query", query=f"{statement} startposition {start} maxresults {PAGE}")
            page = answer.get("QueryResponse", {}).get(entity, [])
            rows.extend(page)
            if len(page) < PAGE:
                return rows
            start += PAGE

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        headers = {
            "Authorization": f"Bearer {self.config.access_token.get_secret_value()}",
            "Accept": "application/json",
        }
        kwargs["params"] = {**kwargs.get("params", {}), "minorversion": self.config.minor_version}
        url = f"{self.config.company_root}/{path}"
        try:
            response = self.session.request(method, url, headers=headers, timeout=self.config.timeout, **kwargs)
        except requests.Timeout:
            raise TransientError(f"QuickBooks did not answer {method} {path} within {self.config.timeout} s") from None
        except requests.ConnectionError as error:
            raise TransientError(f"QuickBooks unreachable: {type(error).__name__}") from None
        return _read(response)


def _read(response: requests.Response) -> dict[str, Any]:
    try:
        body: Any = response.json()
    except ValueError:
        body = None
    status = response.status_code
    fault = body.get("Fault") if isinstance(body, dict) else None
    if 200 <= status < 300 and not fault:
        return body if isinstance(body, dict) else {}
    raise fault_error(status, fault, response.text[:EXCERPT], response.headers.get("Retry-After"))


def fault_error(status: int, fault: Any, text: str, retry_after: str | None) -> ConnectorError:
    """The SDK error a QuickBooks answer means: by HTTP status first, then by the fault's code and type."""
    errors = fault.get("Error", []) if isinstance(fault, dict) else []
    first = errors[0] if errors and isinstance(errors[0], dict) else {}
    code = str(first.get("code", ""))
    kind = str(fault.get("type", "")) if isinstance(fault, dict) else ""
    detail = " ".join(str(first.get(key, "")) for key in ("Message", "Detail")).strip() or text
    message = f"HTTP {status}: QuickBooks {kind or 'error'} {code}: {detail}".replace("  ", " ")
    if status == 429:
        wait = parse_retry_after(retry_after) or THROTTLE_WAIT
        return TransientError(message, status_code=status, retry_after=wait)
    if status in (401, 403) or kind == "AuthenticationFault" or code in ("100", "120", "3200"):
        return ConfigurationError(message, status_code=status)
    if status >= 500 or status == 408 or code in TRANSIENT_CODES:
        return TransientError(message, status_code=status, retry_after=parse_retry_after(retry_after))
    if code == "6140":
        return DuplicateDocument(message, status_code=status)
    if code == "6240":
        return DuplicateName(message, status_code=status)
    if status == 409:
        return AlreadyDelivered(message, status_code=status)
    return PermanentError(message, status_code=status)
