"""Signing test deliveries exactly as each channel does."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from datetime import UTC, datetime

from standardwebhooks.webhooks import Webhook


def body_hmac(secret: str, body: bytes) -> str:
    """Shopify and WooCommerce: base64 HMAC-SHA256 of the raw body."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def standard_headers(
    secret: str, body: bytes, message_id: str, timestamp: int | None = None, *, raw_secret: bool = False
) -> dict[str, str]:
    """Standard Webhooks headers (webhook-id, webhook-timestamp, webhook-signature)."""
    stamp = int(time.time()) if timestamp is None else timestamp
    key = base64.b64encode(secret.encode()).decode() if raw_secret else secret
    signature = Webhook(key).sign(message_id, datetime.fromtimestamp(stamp, tz=UTC), body.decode())
    return {"webhook-id": message_id, "webhook-timestamp": str(stamp), "webhook-signature": signature}


def walmart_headers(
    secret: str, method: str, path: str, body: bytes, timestamp_ms: int | None = None
) -> dict[str, str]:
    stamp = str(int(time.time() * 1000) if timestamp_ms is None else timestamp_ms)
    canonical = f"{method}\n{path}\n{stamp}\n{hashlib.sha256(body).hexdigest()}"
    signature = base64.b64encode(hmac.new(secret.encode(), canonical.encode(), hashlib.sha256).digest()).decode()
    return {"WM_SEC.TIMESTAMP": stamp, "WM_SEC.SIGNATURE": signature}
