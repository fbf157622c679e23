"""Webhook signature schemes, each checked over the raw body in constant time.

Every verifier takes the request and the account's active secrets (several during a rotation: Shopify keeps
signing with the old secret for a while) and raises ``SignatureInvalid`` with a reason; nothing is stored as
an order from a request that fails here.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


class SignatureInvalid(Exception):
    """The request is not signed by any of the account's secrets; ``str()`` says why (no secret in it)."""


@dataclass(frozen=True)
class InboundRequest:
    method: str
    path: str
    query: str
    headers: dict[str, str]  # names lower-cased
    body: bytes
    received_at: float = field(default_factory=time.time)

    def header(self, *names: str) -> str | None:
        """The first of ``names`` present (case-insensitive), e.g. with and without the ``X-`` prefix."""
        for name in names:
            value = self.headers.get(name.lower())
            if value:
                return value
        return None


# Bounds on the headers a verifier reads. Every value is checked before it is used, so a malformed header is a
# refusal (401) like any other bad signature, never an exception: a signature is base64 or hex of a 32-byte MAC
# (a Standard Webhooks header may list several), an id is a short token, a timestamp is at most 13 ASCII digits
# (epoch milliseconds; 11 or fewer are seconds).
MAX_SIGNATURE_LENGTH = 256
MAX_SIGNATURE_LIST_LENGTH = 2048
MAX_ID_LENGTH = 200
MAX_STAMP_DIGITS = 13
SECONDS_DIGITS = 11


def epoch_seconds(stamp: str) -> float | None:
    """Epoch seconds from ASCII digits (more than 11 digits: milliseconds); None for anything else."""
    text = stamp.strip()
    if not 0 < len(text) <= MAX_STAMP_DIGITS or not (text.isascii() and text.isdigit()):
        return None
    return int(text) / (1000 if len(text) > SECONDS_DIGITS else 1)


def bounded_header(request: InboundRequest, names: Sequence[str], max_length: int) -> str | None:
    """The header, or None when it is absent; SignatureInvalid when it is longer than ``max_length`` or holds
    anything but printable ASCII (no signature scheme here sends other characters)."""
    value = request.header(*names)
    if value is None:
        return None
    if len(value) > max_length or not (value.isascii() and value.isprintable()):
        raise SignatureInvalid(f"malformed {names[0]} header")
    return value


class Verifier(Protocol):
    def verify(self, request: InboundRequest, secrets: Sequence[str]) -> None:
        """Return if ``request`` is signed by one of ``secrets``; raise SignatureInvalid otherwise."""
        ...


def _hmac_b64(secret: str, message: bytes) -> bytes:
    return base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest())


def _matches_any(given: str, secrets: Sequence[str], message: bytes) -> bool:
    supplied = given.strip().encode()
    # compare against every secret, so timing does not reveal which one (or whether an early one) matched
    results = [hmac.compare_digest(_hmac_b64(secret, message), supplied) for secret in secrets]
    return any(results)


@dataclass(frozen=True)
class BodyHmac:
    """base64(HMAC-SHA256(secret, raw body)) in a header: Shopify, WooCommerce."""

    headers: tuple[str, ...]

    def verify(self, request: InboundRequest, secrets: Sequence[str]) -> None:
        given = bounded_header(request, self.headers, MAX_SIGNATURE_LENGTH)
        if not given:
            raise SignatureInvalid(f"missing signature header {self.headers[0]}")
        if not _matches_any(given, secrets, request.body):
            raise SignatureInvalid("signature does not match the body")


@dataclass(frozen=True)
class StandardWebhooks:
    """Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature), checked by the reference library:
    HMAC-SHA256 over ``id.timestamp.body``, several ``v1,`` signatures allowed, 5-minute timestamp tolerance.

    ``raw_secret``: the account's secret is the plain client secret (BigCommerce), not a ``whsec_`` key.
    """

    raw_secret: bool = False

    def verify(self, request: InboundRequest, secrets: Sequence[str]) -> None:
        headers = {
            "webhook-id": bounded_header(request, ("webhook-id",), MAX_ID_LENGTH) or "",
            "webhook-timestamp": bounded_header(request, ("webhook-timestamp",), MAX_STAMP_DIGITS) or "",
            "webhook-signature": bounded_header(request, ("webhook-signature",), MAX_SIGNATURE_LIST_LENGTH) or "",
        }
        if not all(headers.values()):
            raise SignatureInvalid("missing webhook-id, webhook-timestamp or webhook-signature header")
        if epoch_seconds(headers["webhook-timestamp"]) is None:
            raise SignatureInvalid("webhook-timestamp is not a time in epoch seconds")
        reasons = set()
        for secret in secrets:
            try:
                webhook = Webhook(base64.b64encode(secret.encode()).decode() if self.raw_secret else secret)
            except ValueError:
                reasons.add("the account's secret is not a valid whsec_ key")
                continue
            try:
                # json_parse=False: a signed body that is not JSON is stored and fails later, visibly
                webhook.verify(request.body, headers, json_parse=False)
                return
            except WebhookVerificationError as exc:
                reasons.add(str(exc))
            except ValueError:  # a malformed signature list, or a body that is not UTF-8
                reasons.add("malformed webhook-signature header or body")
        raise SignatureInvalid("; ".join(sorted(reasons)) or "no secret configured")


@dataclass(frozen=True)
class WalmartSignature:
    """Walmart: WM_SEC.SIGNATURE = base64 HMAC-SHA256 over ``METHOD\\nPATH?QUERY\\nTIMESTAMP\\nsha256hex(body)``,
    with WM_SEC.TIMESTAMP (epoch milliseconds or seconds) inside a replay window.

    WSGI cannot carry ``_`` in a header name (the environ spells ``_`` and ``-`` alike), so the headers reach
    the app as ``wm-sec.*``; both spellings are read."""

    tolerance_seconds: int = 300

    def verify(self, request: InboundRequest, secrets: Sequence[str]) -> None:
        signature = bounded_header(request, ("wm_sec.signature", "wm-sec.signature"), MAX_SIGNATURE_LENGTH)
        stamp = bounded_header(request, ("wm_sec.timestamp", "wm-sec.timestamp"), MAX_STAMP_DIGITS + 2)
        if not signature or not stamp:
            raise SignatureInvalid("missing WM_SEC.SIGNATURE or WM_SEC.TIMESTAMP header")
        seconds = epoch_seconds(stamp)
        if seconds is None:
            raise SignatureInvalid("WM_SEC.TIMESTAMP is not a time in epoch seconds or milliseconds")
        if abs(request.received_at - seconds) > self.tolerance_seconds:
            raise SignatureInvalid("WM_SEC.TIMESTAMP is outside the replay window")
        target = f"{request.path}?{request.query}" if request.query else request.path
        canonical = f"{request.method.upper()}\n{target}\n{stamp.strip()}\n{hashlib.sha256(request.body).hexdigest()}"
        if not _matches_any(signature, secrets, canonical.encode()):
            raise SignatureInvalid("signature does not match the request")


@dataclass(frozen=True)
class BearerOrStandardWebhooks:
    """For senders that forward another system's messages and cannot sign a body the way a channel does.

    Amazon delivers SP-API notifications to SQS or EventBridge, never over HTTP, and signs nothing: what
    reaches the hub is posted by the seller's own forwarder. An EventBridge API destination can only add a
    fixed header (its "API key" connection), so the account's secret is accepted as ``Authorization: Bearer
    <secret>`` (the header is never stored). A forwarder that can sign (a small queue consumer) signs the
    Standard Webhooks way with the same secret instead, which also binds the body and a timestamp; when a
    ``webhook-signature`` header is present, that is what is checked.
    """

    standard: StandardWebhooks = StandardWebhooks()

    def verify(self, request: InboundRequest, secrets: Sequence[str]) -> None:
        if request.header("webhook-signature") is not None:
            self.standard.verify(request, secrets)
            return
        given = bounded_header(request, ("authorization",), MAX_SIGNATURE_LIST_LENGTH)
        if not given:
            raise SignatureInvalid("missing Authorization: Bearer header (or a Standard Webhooks signature)")
        scheme, _, token = given.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise SignatureInvalid("Authorization is not a Bearer token")
        supplied = hashlib.sha256(token.strip().encode()).digest()
        # digests of equal length, compared against every secret: timing reveals neither the length nor which matched
        results = [hmac.compare_digest(hashlib.sha256(secret.encode()).digest(), supplied) for secret in secrets]
        if not any(results):
            raise SignatureInvalid("the bearer token is not the account's")
