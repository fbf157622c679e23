"""A delivery as people read it: ``orderhub deliveries list/show`` print these, the API answers with them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from hub.db.models import Delivery, DeliveryAttempt, DeliveryDestination, DeliveryStatus


def _when(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def delivery_summary(row: Delivery) -> dict[str, Any]:
    return {
        "id": row.id,
        "status": row.status,
        "operation": row.operation,
        "destination": row.destination,
        "subject": row.subject_id,
        "order_id": row.order_id,
        "attempts": row.attempts,
        "next_attempt_at": _when(row.next_attempt_at) if row.status == DeliveryStatus.PENDING else None,
        "delivered_at": _when(row.delivered_at),
        "external_id": row.external_id,
        "last_error": row.last_error,
    }


def attempt_details(row: DeliveryAttempt) -> dict[str, Any]:
    took = (row.finished_at - row.started_at).total_seconds() if row.finished_at else None
    return {
        "number": row.number,
        "started_at": _when(row.started_at),
        "seconds": round(took, 3) if took is not None else None,
        "outcome": row.outcome,
        "status_code": row.status_code,
        "error": row.error,
        "response_excerpt": row.response_excerpt,
    }


def delivery_details(session: Session, row: Delivery) -> dict[str, Any]:
    """The summary with its key and queue, whether its destination is paused (and why), every attempt and
    the payload."""
    shown = delivery_summary(row) | {"idempotency_key": row.idempotency_key, "queue": row.queue}
    destination = session.get(DeliveryDestination, row.destination)
    if destination is not None and destination.paused:
        shown["destination_paused"] = destination.paused_reason or "paused"
    return shown | {"attempts": [attempt_details(a) for a in row.attempt_log], "payload": row.payload}
