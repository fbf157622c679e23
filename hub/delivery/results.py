"""What one try at a delivery came to (``Result``), read from the connector's answer or error, with every
text that is kept (error, response excerpt) cut short and scrubbed of secrets.

=====================  ===========================================================  ===================
outcome                 meaning                                                      an attempt row?
=====================  ===========================================================  ===================
``delivered``           the partner took it                                          yes
``already_delivered``   the partner already had it (an idempotent resend)            yes
``transient``           try again later (the retry policy says when); breaker counts yes
``permanent``           this payload can never succeed there: dead                   yes
``configuration``       credentials or settings refused: the destination is paused   yes
``lost``                the worker holding it stopped before recording (lease over)  yes
``deferred``            not tried this time (its destination just failed): pending   no
``withdrawn``           no longer wanted (its fulfillment order was cancelled)       no
=====================  ===========================================================  ===================
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

import requests

from hub.db.models.base import utcnow
from hub.sdk import AlreadyDelivered, ConfigurationError, ConnectorError, PermanentError, TransientError

DELIVERED = "delivered"
ALREADY_DELIVERED = "already_delivered"
TRANSIENT = "transient"
PERMANENT = "permanent"
CONFIGURATION = "configuration"
LOST = "lost"
DEFERRED = "deferred"
WITHDRAWN = "withdrawn"
SUCCEEDED = (DELIVERED, ALREADY_DELIVERED)
NOT_TRIED = (DEFERRED, WITHDRAWN)
EXCERPT_CHARS = 500
# key=value and "key": "value" pairs whose names say they hold a credential
_CREDENTIAL = re.compile(
    r"(?i)\b(authorization|api[_-]?key|api[_-]?secret|secret|token|password|passwd)\b(\"?\s*[:=]\s*\"?)"
    r"(basic\s+|bearer\s+)?[^\s\"',;&]+"
)


@dataclass(frozen=True)
class Result:
    delivery_id: int
    outcome: str
    started_at: datetime
    finished_at: datetime
    status_code: int | None = None
    error: str | None = None
    excerpt: str | None = None
    external_id: str | None = None
    retry_after: float | None = None

    @property
    def tried(self) -> bool:
        return self.outcome not in NOT_TRIED

    def scrubbed(self, secrets: Iterable[str]) -> Result:
        values = tuple(secret for secret in secrets if secret and len(secret) >= 4)
        return replace(self, error=scrub(self.error, values), excerpt=scrub(self.excerpt, values))


def scrub(text: str | None, secrets: Iterable[str] = ()) -> str | None:
    """``text`` cut to ``EXCERPT_CHARS`` with secret values and credential-looking pairs masked."""
    if text is None:
        return None
    for secret in secrets:
        text = text.replace(secret, "***")
    text = _CREDENTIAL.sub(lambda match: f"{match.group(1)}{match.group(2)}***", text)
    return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 3] + "..."


def succeeded(
    delivery_id: int, started_at: datetime, external_id: str | None = None, note: str = "", *, already: bool = False
) -> Result:
    outcome = ALREADY_DELIVERED if already else DELIVERED
    return Result(delivery_id, outcome, started_at, utcnow(), external_id=external_id, excerpt=note or None)


def not_tried(delivery_id: int, outcome: str, reason: str) -> Result:
    now = utcnow()
    return Result(delivery_id, outcome, now, now, error=reason)


def failed(delivery_id: int, started_at: datetime, error: BaseException) -> Result:
    """The result an exception from a connector means; anything outside the error tree counts as transient
    (a bug or an unforeseen answer should be retried and looked at, not lose the delivery)."""
    finished = utcnow()
    if isinstance(error, AlreadyDelivered):
        return Result(delivery_id, ALREADY_DELIVERED, started_at, finished, error.status_code, excerpt=str(error))
    if isinstance(error, ConnectorError):
        outcome = _outcome_of(error)
        retry_after = error.retry_after if isinstance(error, TransientError) else None
        return Result(
            delivery_id, outcome, started_at, finished, error.status_code, str(error), retry_after=retry_after
        )
    if isinstance(error, requests.RequestException):
        return Result(delivery_id, TRANSIENT, started_at, finished, error=f"network: {type(error).__name__}: {error}")
    return Result(delivery_id, TRANSIENT, started_at, finished, error=f"unexpected {type(error).__name__}: {error}")


def _outcome_of(error: ConnectorError) -> str:
    for cls, outcome in (
        (TransientError, TRANSIENT),
        (PermanentError, PERMANENT),
        (ConfigurationError, CONFIGURATION),
    ):
        if isinstance(error, cls):
            return outcome
    return PERMANENT  # a bare ConnectorError says only that it failed: retrying the same payload will not help
