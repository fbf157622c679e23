"""The one error tree connectors use to say what went wrong; the delivery engine decides what to do.

::

    ConnectorError
    ├── TransientError          try again later (timeouts, connection resets, 429, 5xx); may carry retry_after
    ├── PermanentError          this payload will never succeed here (400, 404, 422); dead-letter it
    ├── ConfigurationError      the destination is misconfigured or refuses our credentials (401, 403);
    │                           hold deliveries to it until an operator fixes the settings
    └── AlreadyDelivered        the partner already has it (409 on an idempotent resend); count as delivered

Failure type is data (``ConnectorError.failure``); the retry policy lives once, in the delivery task base.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


class ConnectorError(Exception):
    """Base of every connector failure. ``str(error)`` must never contain a secret."""

    failure = "error"

    def __init__(self, message: str, *, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


class TransientError(ConnectorError):
    """Retry later; ``retry_after`` (seconds) is the partner's own hint when it sent one."""

    failure = "transient"

    def __init__(self, message: str, *, status_code: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(message, status_code=status_code)
        self.retry_after = retry_after


class PermanentError(ConnectorError):
    """Retrying the same payload cannot succeed."""

    failure = "permanent"


class ConfigurationError(ConnectorError):
    """Credentials or settings are wrong; nothing to this destination can succeed until they are fixed."""

    failure = "configuration"


class AlreadyDelivered(ConnectorError):
    """The partner reports it already holds this document; the delivery counts as done."""

    failure = "already_delivered"


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date); None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def classify_http_status(status: int, detail: str, retry_after: str | None = None) -> ConnectorError | None:
    """The error a partner's HTTP status means, or None for success (2xx). One mapping for every connector."""
    if 200 <= status < 300:
        return None
    message = f"HTTP {status}: {detail}"
    if status == 409:
        return AlreadyDelivered(message, status_code=status)
    if status in (401, 403):
        return ConfigurationError(message, status_code=status)
    if status in (408, 425, 429) or status >= 500:
        return TransientError(message, status_code=status, retry_after=parse_retry_after(retry_after))
    return PermanentError(message, status_code=status)
