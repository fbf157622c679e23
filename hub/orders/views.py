"""An order as people read it: its summary, and everything that happened to it, as plain data.

``orderhub order show`` prints this view and the API answers with it (``hub.api.orders`` adds every attempt
of each delivery and the routing state), so the two never tell an operator different things.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from hub.db.models import (
    Delivery,
    DeliveryAttempt,
    FulfillmentOrderRecord,
    LineQuantityRecord,
    Location,
    OrderEvent,
    OrderRecord,
)
from hub.db.models.lifecycle import LEDGER_BUCKETS
from hub.delivery.shipments import find_shipments, shipment_details
from hub.errors import InputRejected
from hub.orders.store import timeline


class OrderNotFound(InputRejected):
    """No order has that id, number, PO or channel id."""


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def find_order(session: Session, reference: str) -> OrderRecord:
    """The order with the hub id ``reference``, else the only one with that number, PO or channel id."""
    row = session.get(OrderRecord, reference)
    if row is not None:
        return row
    matches = session.scalars(
        select(OrderRecord)
        .where(
            or_(
                OrderRecord.number == reference,
                OrderRecord.po_number == reference,
                OrderRecord.channel_order_id == reference,
            )
        )
        .limit(6)
    ).all()
    if len(matches) == 1:
        return matches[0]
    if matches:
        ids = ", ".join(m.id for m in matches[:5])
        raise InputRejected(f"{reference!r} is the number of several orders ({ids}): give the hub's order id")
    raise OrderNotFound(f"no order {reference!r}: give the hub's id (ord_...) or the order's number")


def order_summary(row: OrderRecord) -> dict[str, Any]:
    return {
        "id": row.id,
        "channel": row.channel,
        "account": row.account,
        "channel_order_id": row.channel_order_id,
        "number": row.number,
        "po_number": row.po_number,
        "status": row.status,
        "payment_status": row.payment_status,
        "total": str(row.total),
        "currency": row.currency,
        "test": row.test,
        "placed_at": iso(row.placed_at),
        "received_at": iso(row.created_at),
    }


def order_view(session: Session, row: OrderRecord) -> dict[str, Any]:
    """Everything ``order show`` prints, as data."""
    return {
        "order": order_summary(row),
        "lines": _lines(session, row),
        "fulfillment_orders": _fulfillment_orders(session, row.id),
        "shipments": [shipment_details(s) for s in find_shipments(session, row.id)],
        "deliveries": _deliveries(session, row.id),
        "timeline": [event_view(event) for event in timeline(session, row.id)],
    }


def _lines(session: Session, row: OrderRecord) -> list[dict[str, Any]]:
    ledger = {
        r.line_id: r for r in session.scalars(select(LineQuantityRecord).where(LineQuantityRecord.order_id == row.id))
    }
    lines = []
    for line in row.lines:
        entry: dict[str, Any] = {"line_id": line.line_id, "sku": line.sku, "name": line.name}
        tracked = ledger.get(line.line_id)
        if tracked is None:  # not followed by the lifecycle yet (not routed): only what was ordered
            entry.update(state="pending", quantities={"ordered": line.quantity})
        else:
            counts = {name: getattr(tracked, name) for name in LEDGER_BUCKETS}
            entry.update(state=tracked.state, quantities={k: n for k, n in counts.items() if n or k == "ordered"})
        lines.append(entry)
    return lines


def _fulfillment_orders(session: Session, order_id: str) -> list[dict[str, Any]]:
    query = (
        select(FulfillmentOrderRecord, Location.fulfilled_by)
        .join(Location, Location.id == FulfillmentOrderRecord.location_id)
        .where(FulfillmentOrderRecord.order_id == order_id)
        .order_by(FulfillmentOrderRecord.position)
    )
    return [
        {
            "id": fo.id,
            "location": fo.location_id,
            "fulfilled_by": fulfilled_by,
            "state": fo.state,
            "external_id": fo.external_id,
            "reason": fo.reason,
            "lines": [
                {
                    "line_id": fl.line_id,
                    "sku": fl.sku,
                    "quantity": fl.quantity,
                    "shipped": fl.shipped,
                    "cancelled": fl.cancelled,
                }
                for fl in fo.lines
            ],
        }
        for fo, fulfilled_by in session.execute(query)
    ]


def _deliveries(session: Session, order_id: str) -> list[dict[str, Any]]:
    rows = session.scalars(select(Delivery).where(Delivery.order_id == order_id).order_by(Delivery.id)).all()
    found = []
    for d in rows:
        last = session.scalars(
            select(DeliveryAttempt).where(DeliveryAttempt.delivery_id == d.id).order_by(DeliveryAttempt.number.desc())
        ).first()
        found.append(
            {
                "id": d.id,
                "operation": d.operation,
                "destination": d.destination,
                "subject": f"{d.subject_type}:{d.subject_id}",
                "status": d.status,
                "attempts": d.attempts,
                "next_attempt_at": iso(d.next_attempt_at) if d.status == "pending" else None,
                "external_id": d.external_id,
                "last_error": d.last_error,
                "last_attempt": None if last is None else attempt_view(last),
            }
        )
    return found


def attempt_view(a: DeliveryAttempt) -> dict[str, Any]:
    return {
        "number": a.number,
        "outcome": a.outcome,
        "status_code": a.status_code,
        "error": a.error,
        "started_at": iso(a.started_at),
        "finished_at": iso(a.finished_at),
    }


def event_view(event: OrderEvent) -> dict[str, Any]:
    return {"at": iso(event.occurred_at), "type": event.type, "source": event.source, "data": event.data}


