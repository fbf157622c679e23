"""The events connector: posts one event to one subscriber, signed, through the egress guard.

What the subscriber's answer means follows the Standard Webhooks producer rules: 2xx is taken; 410 Gone asks
the sender to stop (the subscriber is disabled until an operator resumes it); ``webhook-delivery:
abort-message`` gives up on that one message; 401 and 403 mean it refuses the signature (the subscriber is
paused until its secret is fixed); 409 means it already has the event; anything else (3xx, 4xx, 5xx, a
timeout) is retried on the published schedule (the hub's events handler keeps it), with the subscriber's
``Retry-After`` as a floor.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import ClassVar
from urllib.parse import urlsplit

import requests
from standardwebhooks import Webhook

from connectors.events.config import Config as EventsConfig
from connectors.events.signing import signature_header, signers
from hub.sdk import (
    ConfigurationError,
    ConnectorKind,
    EgressRefused,
    OutboundEvent,
    PermanentError,
    Submitted,
    TransientError,
    classify_http_status,
    guarded_session,
)
from hub.sdk.egress import resolve

USER_AGENT = "orderhub-events/1"
EXCERPT = 200


class Events:
    """One subscriber (``events:NAME``): Standard Webhooks-signed JSON posts."""

    name: ClassVar[str] = "events"
    kind: ClassVar[ConnectorKind] = ConnectorKind.EVENTS
    Config: ClassVar[type[EventsConfig]] = EventsConfig

    def __init__(self, config: EventsConfig, session: requests.Session) -> None:
        # The engine's shared session is not used: every request here must go through the egress guard.
        del session
        self.config = config
        self.session = guarded_session(allow_private=config.allow_private_network)

    def check(self) -> None:
        """The secrets are usable and the URL's host resolves to addresses the hub may send to."""
        self._signers()
        parts = urlsplit(self.config.url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            resolve(parts.hostname or "", port, allow_private=self.config.allow_private_network)
        except EgressRefused as error:
            raise ConfigurationError(f"subscriber URL refused: {error}") from None

    def publish_event(self, event: OutboundEvent, idempotency_key: str) -> Submitted:
        del idempotency_key  # the subscriber de-duplicates on webhook-id, which is stable per event
        body = event.body()
        now = datetime.now(UTC)
        headers = {
            "content-type": "application/json",
            "user-agent": USER_AGENT,
            "webhook-id": event.id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": signature_header(self._signers(), event.id, now, body),
        }
        try:
            response = self.session.post(self.config.url, data=body, headers=headers, timeout=self.config.timeout)
        except EgressRefused as error:
            raise ConfigurationError(f"subscriber URL refused: {error}") from None
        except requests.TooManyRedirects:
            raise TransientError(f"more than {self.session.max_redirects} redirects from {self.config.url}") from None
        except (requests.Timeout, requests.ConnectionError) as error:
            raise TransientError(f"{type(error).__name__} posting to the subscriber") from None
        return _answer(response)

    def _signers(self) -> list[Webhook]:
        try:
            return signers([self.config.secret, self.config.previous_secret])
        except ValueError as error:
            raise ConfigurationError(str(error)) from None


def _answer(response: requests.Response) -> Submitted:
    status = response.status_code
    if 200 <= status < 300:
        return Submitted(note=f"HTTP {status}")
    detail = response.text[:EXCERPT]
    if status == 410:
        raise ConfigurationError(f"the subscriber answered 410 Gone (it asks not to be sent to): {detail}")
    if response.headers.get("webhook-delivery", "").strip().lower() == "abort-message":
        raise PermanentError(
            f"the subscriber asked to stop retrying this message: HTTP {status}: {detail}", status_code=status
        )
    error = classify_http_status(status, detail, response.headers.get("retry-after"))
    if isinstance(error, PermanentError):  # any other 4xx: the subscriber's to fix, retried on the schedule
        raise TransientError(str(error), status_code=status)
    assert error is not None
    raise error
