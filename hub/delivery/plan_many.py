"""``plan_fulfillment`` for a batch of routed orders, in a few statements whatever their number.

A routing batch creates fulfillment orders for many orders in one transaction; planning their submit
deliveries one order at a time took two queries and one insert per fulfillment order. This reads the
fulfillment orders still ``created`` of every order of the batch that is not on hold, with the location
that says who fulfils each, in one query, and writes every submit delivery with one multi-row insert that
skips an idempotency key planned before. The result is the same as ``plan_fulfillment`` per order, which
still decides every order where a key was planned before (a submit withdrawn while the order was on hold
becomes pending again there): planning stays one rule, written once.

A routing batch, which has just made those fulfillment orders and holds them, hands them over as ``Created``
values instead, and the query is not sent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from hub.canonical import Order
from hub.db.bulk import insert_rows
from hub.db.models import Delivery, DeliveryStatus, FulfillmentOrderRecord, Location, OrderLifecycleRecord
from hub.db.models.base import utcnow
from hub.delivery.outbox import (
    connector_of,
    fulfillment_request,
    operations_for,
    plan_fulfillment,
    queue_for,
    submit_key,
)
from hub.lifecycle import FulfillmentState
from hub.lifecycle.fulfillment import FulfillmentLine


@dataclass(frozen=True)
class Created:
    """A fulfillment order its caller has just inserted, with what planning reads of it and its location.

    Only for orders whose every fulfillment order is new, still ``created``, and that are not on hold: then
    these are exactly what the query of ``_ready`` would find, listed in the same order (order, position).
    """

    id: str
    order_id: str
    location_id: str
    lines: tuple[FulfillmentLine, ...]  # in position order
    fulfilled_by: str | None
    kind: str


def plan_fulfillment_many(
    session: Session,
    orders: Mapping[str, Order],
    documents: Mapping[str, dict[str, Any]] | None = None,
    queues: dict[int, str] | None = None,
    created: Sequence[Created] | None = None,
) -> dict[str, list[int]]:
    """Submit deliveries for the fulfillment orders of ``orders`` (order id -> the document as routed) that
    are ready to go; per order, the ids of deliveries to publish after commit. ``documents`` (order id -> the
    stored JSON each order was validated from) spares encoding each order again for its payload; ``queues``,
    when given, receives the queue of each delivery this insert planned, so they can be published without
    reading them back. ``created``, when given, are the fulfillment orders to plan, as the caller just
    inserted them (see ``Created``); they are not read again."""
    planned: dict[str, list[int]] = {order_id: [] for order_id in orders}
    if created is None:
        ready = _ready(session, [order_id for order_id in orders if not _held(session, order_id)])
    else:
        ready = [(fo, fo.fulfilled_by, fo.kind) for fo in created if fo.fulfilled_by is not None]
    if not ready:
        return planned
    moment = utcnow()
    stored = documents or {}
    values = [
        _delivery(fo, destination, kind, orders[fo.order_id], stored.get(fo.order_id), moment)
        for fo, destination, kind in ready
    ]
    returned = insert_rows(
        session, Delivery.__table__, values, skip_conflicts=["idempotency_key"], returning=["idempotency_key", "id"]
    )
    inserted = {key: delivery_id for key, delivery_id in returned}
    again: set[str] = set()
    for (fo, _destination, _kind), row in zip(ready, values, strict=True):
        if submit_key(fo.id) in inserted:
            planned[fo.order_id].append(int(inserted[submit_key(fo.id)]))
            if queues is not None:
                queues[int(inserted[submit_key(fo.id)])] = row["queue"]
        else:
            again.add(fo.order_id)
    for order_id in sorted(again):  # a key planned before: the one-order rule decides (it skips the new ones)
        planned[order_id] += plan_fulfillment(session, order_id, order=orders[order_id])
    return planned


def _held(session: Session, order_id: str) -> bool:
    lifecycle = session.get(OrderLifecycleRecord, order_id)  # in the session already after routing
    return lifecycle is None or lifecycle.hold_reason is not None


def _ready(session: Session, order_ids: list[str]) -> list[tuple[FulfillmentOrderRecord | Created, str, str]]:
    if not order_ids:
        return []
    query = (
        select(FulfillmentOrderRecord, Location.fulfilled_by, Location.kind)
        .join(Location, Location.id == FulfillmentOrderRecord.location_id)
        .where(FulfillmentOrderRecord.order_id.in_(order_ids), FulfillmentOrderRecord.state == FulfillmentState.CREATED)
        .order_by(FulfillmentOrderRecord.order_id, FulfillmentOrderRecord.position)
        .options(selectinload(FulfillmentOrderRecord.lines))
    )
    return [(fo, fulfilled_by, kind) for fo, fulfilled_by, kind in session.execute(query) if fulfilled_by]


def _delivery(
    fo: FulfillmentOrderRecord | Created,
    destination: str,
    kind: str,
    order: Order,
    document: dict[str, Any] | None,
    moment: Any,
) -> dict[str, Any]:
    operation, _cancel, queue = operations_for(destination, kind)  # an X12 supplier gets a purchase order
    return {
        "connector": connector_of(destination),
        "destination": destination,
        "operation": operation,
        "subject_type": "fulfillment_order",
        "subject_id": fo.id,
        "order_id": fo.order_id,
        "queue": queue or queue_for(destination),
        "idempotency_key": submit_key(fo.id),
        # it reads only the id, the location and the lines' line_id, sku, quantity and cancelled, which both have
        "payload": fulfillment_request(cast(FulfillmentOrderRecord, fo), order, document),
        "status": DeliveryStatus.PENDING.value,
        "attempts": 0,
        "next_attempt_at": moment,
        "created_at": moment,
    }
