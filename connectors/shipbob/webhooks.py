"""ShipBob webhooks: proving one comes from ShipBob, and what it reports.

Subscriptions made with a dated API version are signed the Standard Webhooks way: ``webhook-id``,
``webhook-timestamp`` (Unix seconds) and ``webhook-signature`` (space-separated ``v1,<base64>`` entries, several
while a secret is rotated), each ``v1`` an HMAC-SHA256 of ``"{id}.{timestamp}.{raw body}"`` keyed with the
base64-decoded part of the subscription's ``whsec_`` secret. A request is accepted only when one entry matches,
compared in constant time over the raw bytes, and its timestamp lies within five minutes of now (a captured
request cannot be replayed later). Legacy (1.0/2.0) subscriptions are unsigned and are refused.

The topic travels in the ``x-webhook-topic`` header (ShipBob's documentation of the dated webhooks names the
topics and says the body is the full model the GET endpoints return; the header's name is from a third-party
description, so a ``topic`` or ``type`` field of the body, or a legacy ``shipbob-topic`` header, is read too).
The body is a shipment (``id``, ``order_id``, ``reference_id``, ``status``, ``tracking``, ``products``) or an order
with its ``shipments``; a ``data`` envelope around either is unwrapped.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

from pydantic import SecretStr

from connectors.shipbob.config import signing_key
from hub.sdk import InboundNotification, NotificationRefused, PermanentError

TOLERANCE_SECONDS = 5 * 60
MAX_HEADER = 2048
LEGACY_TOPICS = {
    "order_shipped": "order.shipped",
    "shipment_delivered": "order.shipment.delivered",
    "shipment_exception": "order.shipment.exception",
    "shipment_onhold": "order.shipment.on_hold",
    "shipment_cancelled": "order.shipment.cancelled",
}


def authenticate(notification: InboundNotification, secret: SecretStr | None, now: float | None = None) -> None:
    """Refuse the request unless a ``v1`` signature made with ``secret`` matches and it is recent."""
    if secret is None:
        raise NotificationRefused(
            "this ShipBob account has no webhook_secret: set the subscription's whsec_ secret "
            "(orderhub connector add shipbob ... --secret webhook_secret=REF)"
        )
    names = ("webhook-id", "webhook-timestamp", "webhook-signature")
    message_id, stamp, signatures = (notification.headers.get(name, "") for name in names)
    missing = [name for name in names if not notification.headers.get(name)]
    if missing:
        raise NotificationRefused(
            f"the request has no {', '.join(missing)} header: ShipBob signs the webhooks of subscriptions made "
            "with a dated API version"
        )
    if max(len(message_id), len(stamp), len(signatures)) > MAX_HEADER:
        raise NotificationRefused("a webhook signature header is too long to be ShipBob's")
    stamp = stamp.strip()
    if not (stamp.isascii() and stamp.isdigit() and len(stamp) <= 11):
        raise NotificationRefused("the webhook-timestamp header is not a Unix time in seconds")
    skew = (time.time() if now is None else now) - int(stamp)
    if abs(skew) > TOLERANCE_SECONDS:
        when = "old" if skew > 0 else "far in the future"
        raise NotificationRefused(
            f"the webhook-timestamp is {abs(skew):.0f} s {when} (more than 5 minutes): a delayed or replayed request"
        )
    try:
        key = signing_key(secret)
    except ValueError as wrong:
        raise NotificationRefused(f"this account's webhook_secret {wrong}: set the subscription's secret") from None
    expected = _signature(key, message_id, stamp, notification.body)
    for entry in signatures.split():
        version, _, value = entry.partition(",")
        if version == "v1" and hmac.compare_digest(value.encode(), expected):
            return
    raise NotificationRefused("no webhook-signature matches this account's webhook_secret")


def _signature(key: bytes, message_id: str, stamp: str, body: bytes) -> bytes:
    digest = hmac.new(key, f"{message_id}.{stamp}.".encode() + body, hashlib.sha256).digest()
    return base64.b64encode(digest)


def notification_key(notification: InboundNotification) -> str:
    """ShipBob's id of the delivery (the same on its retries), else the body's hash."""
    message_id = notification.headers.get("webhook-id", "").strip()
    if message_id:
        return f"shipbob:{message_id}"[:255]
    return f"sha256:{hashlib.sha256(notification.body).hexdigest()}"


def read_body(notification: InboundNotification) -> tuple[str | None, dict[str, Any]]:
    """``(topic, model)``: the dated topic name (legacy names translated; None when the request names none)
    and the shipment or order the body holds. ``PermanentError`` for a body that is not a JSON object."""
    try:
        data: Any = json.loads(notification.body)
    except (ValueError, UnicodeDecodeError):
        raise PermanentError("the ShipBob webhook body is not JSON") from None
    if not isinstance(data, dict):
        raise PermanentError("the ShipBob webhook body is not a JSON object")
    headers = notification.headers
    topic = headers.get("x-webhook-topic") or headers.get("shipbob-topic") or data.get("topic") or data.get("type")
    model = data["data"] if isinstance(data.get("data"), dict) else data
    name = str(topic).strip() if topic else None
    return (LEGACY_TOPICS.get(name, name) if name else None), model


def shipments_in(model: dict[str, Any]) -> list[tuple[dict[str, Any], dict[str, Any] | None]]:
    """Each shipment of the body with the order around it (None when the body is a shipment itself)."""
    if isinstance(model.get("shipments"), list):
        return [(shipment, model) for shipment in model["shipments"] if isinstance(shipment, dict)]
    if "order_id" in model and "id" in model:
        return [(model, None)]
    raise PermanentError("the ShipBob webhook body is neither a shipment (id, order_id) nor an order with shipments")
