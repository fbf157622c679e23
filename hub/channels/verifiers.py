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
        given = request.header(*self.headers)
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
        if not all(request.header(name) for name in ("webhook-id", "webhook-timestamp", "webhook-signature")):
            raise SignatureInvalid("missing webhook-id, webhook-timestamp or webhook-signature header")
        headers = {
            name: request.header(name) or "" for name in ("webhook-id", "webhook-timestamp", "webhook-signature")
        }
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
        signature = request.header("wm_sec.signature", "wm-sec.signature")
        stamp = request.header("wm_sec.timestamp", "wm-sec.timestamp")
        if not signature or not stamp:
            raise SignatureInvalid("missing WM_SEC.SIGNATURE or WM_SEC.TIMESTAMP header")
        try:
            seconds = int(stamp) / (1000 if len(stamp.strip()) > 11 else 1)
        except ValueError:
            raise SignatureInvalid("WM_SEC.TIMESTAMP is not a number") from None
        if abs(request.received_at - seconds) > self.tolerance_seconds:
            raise SignatureInvalid("WM_SEC.TIMESTAMP is outside the replay window")
        target = f"{request.path}?{request.query}" if request.query else request.path
        canonical = f"{request.method.upper()}\n{target}\n{stamp.strip()}\n{hashlib.sha256(request.body).hexdigest()}"
        if not _matches_any(signature, secrets, canonical.encode()):
            raise SignatureInvalid("signature does not match the request")
