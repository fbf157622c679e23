"""The outbox: delivery rows written in the same transaction as what causes them.

Routing creates fulfillment orders and, before it commits, calls ``plan_fulfillment``: one
``fulfillment_order.submit`` delivery per fulfillment order still ``created`` whose location names who
fulfils it (``inventory_locations.fulfilled_by``), unless the order is on hold (test orders are held by
routing, so they never get one). If the routing rolls back, so do its deliveries; if it commits, they exist
even if the process dies before publishing them (the sweep publishes them). Releasing a hold calls
``plan_fulfillment`` again. A location with no ``fulfilled_by`` gets no delivery: its fulfillment orders
stay ``created`` until the operator says who ships them (health reports such locations).

``plan_cancellation`` asks the partner holding a fulfillment order to withdraw it
(``fulfillment_order.cancel``); a fulfillment order nobody has received yet is cancelled in the hub at
once. Each delivery carries one idempotency key per intended effect (``fo:<id>:submit``,
``fo:<id>:cancel``): planning twice finds the first row, and a connector hands the key to the partner so a
resend after a crash never makes a second order there.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from hub.canonical import FulfillmentRequest, Order
from hub.db.models import (
    Delivery,
    DeliveryStatus,
    FulfillmentOrderRecord,
    Location,
    OrderLifecycleRecord,
    OrderRecord,
)
from hub.db.models.base import utcnow
from hub.lifecycle import FulfillmentState
from hub.lifecycle.commands import CancelFulfillmentOrder, CancelLine
from hub.oms.stock_effects import execute_with_stock
from hub.sdk import ConnectorKind, UnknownConnector, load_connector
from hub.worker.queues import DELIVER_3PL, DELIVER_ACCOUNTING, DELIVER_CHANNEL, DELIVER_EVENTS, DELIVER_SUPPLIER

SUBMIT = "fulfillment_order.submit"
CANCEL = "fulfillment_order.cancel"
# An X12 drop-ship supplier gets purchase orders (850) instead: same keys, its own handlers and queue.
PO_SUBMIT = "purchase_order.submit"
PO_CANCEL = "purchase_order.cancel"
SELF = "self"  # the operator ships it; no partner is called
RELEASED = (FulfillmentState.SENT, FulfillmentState.ACCEPTED, FulfillmentState.PARTIALLY_SHIPPED)
QUEUE_BY_KIND = {
    ConnectorKind.THREE_PL: DELIVER_3PL,
    ConnectorKind.SUPPLIER: DELIVER_SUPPLIER,
    ConnectorKind.ACCOUNTING: DELIVER_ACCOUNTING,
    ConnectorKind.CHANNEL: DELIVER_CHANNEL,
    ConnectorKind.EVENTS: DELIVER_EVENTS,
}


def submit_key(fulfillment_order_id: str) -> str:
    return f"fo:{fulfillment_order_id}:submit"


def cancel_key(fulfillment_order_id: str) -> str:
    return f"fo:{fulfillment_order_id}:cancel"


def operations_for(destination: str, location_kind: str) -> tuple[str, str, str | None]:
    """(submit operation, cancel operation, queue or None for the destination's own) for a location."""
    if location_kind == "supplier" and connector_of(destination) == "edi":
        return PO_SUBMIT, PO_CANCEL, DELIVER_SUPPLIER
    return SUBMIT, CANCEL, None


def connector_of(destination: str) -> str:
    """``shipstation:main`` -> ``shipstation``; ``edi:ACME`` -> ``edi``; ``self`` -> ``self``."""
    return destination.partition(":")[0]


@cache
def queue_for(destination: str) -> str:
    """The queue whose workers send to ``destination``: by the connector's kind (3PL, supplier, accounting)."""
    name = connector_of(destination)
    if destination == SELF or name == "edi":
        return DELIVER_3PL
    try:
        kind = ConnectorKind(load_connector(name).kind)
    except (UnknownConnector, ImportError, AttributeError, TypeError, ValueError):
        return DELIVER_3PL  # not loadable here: the engine reports why when it tries to send
    return QUEUE_BY_KIND.get(kind, DELIVER_3PL)


def enqueue(
    session: Session,
    *,
    destination: str,
    operation: str,
    subject_type: str,
    subject_id: str,
    idempotency_key: str,
    payload: dict[str, Any],
    order_id: str | None = None,
    now: datetime | None = None,
    queue: str | None = None,
) -> tuple[int, bool]:
    """Write one delivery in the caller's transaction: (its id, True), or (the existing one's id, False) when a
    delivery with this idempotency key was planned before. The caller publishes the id after commit."""
    moment = now or utcnow()
    values = {
        "connector": connector_of(destination),
        "destination": destination,
        "operation": operation,
        "subject_type": subject_type,
        "subject_id": subject_id,
        "order_id": order_id,
        "queue": queue or queue_for(destination),
        "idempotency_key": idempotency_key,
        "payload": payload,
        "status": DeliveryStatus.PENDING.value,
        "attempts": 0,
        "next_attempt_at": moment,
        "created_at": moment,
    }
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(Delivery).values(**values).on_conflict_do_nothing(index_elements=["idempotency_key"])
    created = session.execute(statement.returning(Delivery.id)).scalar_one_or_none()
    if created is not None:
        return int(created), True
    existing = session.execute(select(Delivery.id).where(Delivery.idempotency_key == idempotency_key)).scalar_one()
    return int(existing), False


def plan_fulfillment(session: Session, order_id: str, *, order: Order | None = None) -> list[int]:
    """Submit deliveries for the order's fulfillment orders that are ready to go (see the module docstring);
    returns the ids of deliveries to publish after commit (new ones, and cancelled ones planned again)."""
    lifecycle = session.get(OrderLifecycleRecord, order_id)
    if lifecycle is None or lifecycle.hold_reason is not None:
        return []
    query = (
        select(FulfillmentOrderRecord, Location.fulfilled_by, Location.kind)
        .join(Location, Location.id == FulfillmentOrderRecord.location_id)
        .where(FulfillmentOrderRecord.order_id == order_id, FulfillmentOrderRecord.state == FulfillmentState.CREATED)
        .order_by(FulfillmentOrderRecord.position)
    )
    ready = [(fo, fulfilled_by, kind) for fo, fulfilled_by, kind in session.execute(query) if fulfilled_by]
    if not ready:
        return []
    document = order or _stored_order(session, order_id)
    ids = []
    for fo, destination, kind in ready:
        payload = fulfillment_request(fo, document)
        operation, _cancel, queue = operations_for(destination, kind)
        delivery_id, created = enqueue(
            session,
            destination=destination,
            operation=operation,
            subject_type="fulfillment_order",
            subject_id=fo.id,
            idempotency_key=submit_key(fo.id),
            payload=payload,
            order_id=order_id,
            queue=queue,
        )
        if created or _plan_again(session, delivery_id, payload):
            ids.append(delivery_id)
    return ids


def _plan_again(session: Session, delivery_id: int, payload: dict[str, Any]) -> bool:
    """A submit withdrawn while its order was on hold becomes pending again, with the order as it is now."""
    result = session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id, Delivery.status == DeliveryStatus.CANCELLED)
        .values(status=DeliveryStatus.PENDING, next_attempt_at=utcnow(), payload=payload, last_error=None)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def _stored_order(session: Session, order_id: str) -> Order:
    record = session.get(OrderRecord, order_id)
    assert record is not None  # the lifecycle row refers to it
    return Order.model_validate(record.document)


def fulfillment_request(
    fo: FulfillmentOrderRecord, order: Order, document: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The ``fulfillment_request.v1`` a partner receives for ``fo``: every line it holds, with its units.

    ``document``, when given, is the stored JSON that ``order`` was validated from: it is what dumping
    ``order`` gives back (the store keeps ``model_dump(mode="json")``), so it is reused rather than encoded
    again, which was the larger part of planning a delivery. The request is still built and checked whole."""
    lines = [
        {"line_id": line.line_id, "sku": line.sku, "quantity": line.quantity - line.cancelled}
        for line in fo.lines
        if line.quantity - line.cancelled > 0
    ] or [{"line_id": line.line_id, "sku": line.sku, "quantity": line.quantity} for line in fo.lines]
    request = FulfillmentRequest(id=fo.id, location_id=fo.location_id, order=order, lines=lines, test=order.test)
    if document is None:
        return request.model_dump(mode="json")
    dumped = request.model_dump(mode="json", exclude={"order"})
    return {key: document if key == "order" else dumped[key] for key in FulfillmentRequest.model_fields}


def plan_cancellation(
    session: Session, fulfillment_order_id: str, reason: str, *, cancel_lines: bool = False, source: str = "worker"
) -> list[int]:
    """Withdraw a fulfillment order. One the partner holds (sent, accepted, partly shipped) gets a
    ``fulfillment_order.cancel`` delivery, and its units are given back only when the partner confirms; one
    still ``created`` is cancelled in the hub now (its pending submit withdrawn). ``cancel_lines`` also
    cancels the units on the order (a channel cancellation) once they are back. Returns delivery ids to
    publish; none when there is nothing to ask a partner (or nobody fulfils the location)."""
    found = session.execute(
        select(FulfillmentOrderRecord, Location.fulfilled_by, Location.kind)
        .join(Location, Location.id == FulfillmentOrderRecord.location_id)
        .where(FulfillmentOrderRecord.id == fulfillment_order_id)
    ).one_or_none()
    if found is None:
        return []
    fo, destination, kind = found
    state = FulfillmentState(fo.state)
    submit = session.scalars(select(Delivery).where(Delivery.idempotency_key == submit_key(fo.id))).one_or_none()
    if state is FulfillmentState.CREATED and (submit is None or submit.status != DeliveryStatus.IN_FLIGHT):
        cancel_unsent(session, fo, reason, cancel_lines=cancel_lines, source=source)
        return []
    if (state not in RELEASED and state is not FulfillmentState.CREATED) or not destination:
        return []
    payload = {
        "request": fulfillment_request(fo, _stored_order(session, fo.order_id)),
        "reason": reason,
        "cancel_lines": cancel_lines,
    }
    _submit, operation, queue = operations_for(destination, kind)
    delivery_id, _created = enqueue(
        session,
        destination=destination,
        operation=operation,
        subject_type="fulfillment_order",
        subject_id=fo.id,
        idempotency_key=cancel_key(fo.id),
        payload=payload,
        order_id=fo.order_id,
        queue=queue,
    )
    return [delivery_id]


def cancel_unsent(
    session: Session, fo: FulfillmentOrderRecord, reason: str, *, cancel_lines: bool, source: str
) -> None:
    """Cancel a fulfillment order no partner has: its pending submit is withdrawn and its units go back."""
    session.execute(
        update(Delivery)
        .where(Delivery.idempotency_key == submit_key(fo.id), Delivery.status == DeliveryStatus.PENDING)
        .values(status=DeliveryStatus.CANCELLED, last_error=f"withdrawn: {reason}")
        .execution_options(synchronize_session=False)
    )
    open_units = {line.line_id: line.quantity - line.shipped - line.cancelled for line in fo.lines}
    execute_with_stock(session, fo.order_id, CancelFulfillmentOrder(id=fo.id, reason=reason), source=source)
    if cancel_lines:
        cancel_returned_units(session, fo.order_id, open_units, reason, source=source)


def cancel_returned_units(session: Session, order_id: str, units: dict[str, int], reason: str, *, source: str) -> None:
    """Cancel on the order the units a cancelled fulfillment order gave back to its lines."""
    for line_id, count in units.items():
        if count > 0:
            execute_with_stock(
                session, order_id, CancelLine(line=line_id, quantity=count, reason=reason), source=source
            )
