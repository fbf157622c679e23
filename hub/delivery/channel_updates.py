"""Telling the channel an order came from what the hub did with it: planning the deliveries.

Whatever ships, from any location, reaches the channel as a ``channel.shipment`` delivery planned in the
transaction that records the shipment (``record_shipment`` calls ``plan_shipment``), so a shipment kept is
a confirmation owed, and a rolled-back one owes nothing. The other updates are planned the same way:

==================  ========================================  ===============================================
operation           planned by                                idempotency key (one delivery per intent)
==================  ========================================  ===============================================
channel.shipment    ``plan_shipment`` (every new shipment)     ``shipment:<shp_id>:channel``
channel.tracking    ``change_tracking`` (carrier or numbers)   ``shipment:<shp_id>:tracking:<digest>``
channel.cancel      ``plan_channel_cancellation``              ``order:<id>:channel_cancel:<digest>``
channel.refund      ``plan_refund`` (``orderhub order refund``) ``order:<id>:refund:<digest>``
==================  ========================================  ===============================================

The destination is the order's own channel account, ``<order.channel>:<order.account>`` (``shopify:shop1``):
the connector account of the same two names (``orderhub connector add shopify shop1 ...``). The payload
carries the canonical order as the channel sent it, so the connector finds the channel's ids there
(``channel_order_id``, each line's ``channel_line_id``) without reading the hub's store.

Nothing is skipped silently. When nobody can take the update (no connector account of that name, a
connector that cannot do this, an X12 partner's order) the delivery is still written, straight away
``cancelled`` with ``last_error`` saying why (``orderhub deliveries list`` shows it), and the timeline
gets ``channel.update_skipped``; once the account exists, ``orderhub deliveries replay ID`` sends it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hub.canonical import Order, Shipment
from hub.db.models import Delivery, DeliveryStatus, OrderRecord, ShipmentRecord
from hub.delivery import outbox
from hub.delivery.accounts import find_account
from hub.delivery.handlers import CONNECTOR, destination_kind, handler_for
from hub.errors import InputRejected
from hub.orders.store import record_event
from hub.sdk import ConnectorKind, UnknownConnector, load_connector

SHIPMENT = "channel.shipment"
TRACKING = "channel.tracking"
CANCEL = "channel.cancel"
REFUND = "channel.refund"
SKIPPED = "channel.update_skipped"
TRACKING_CHANGED = "shipment.tracking_changed"
NOT_SENT = "not sent: "  # how last_error starts on a delivery nobody could take
CAPABILITY = {SHIPMENT: "confirm_shipment", TRACKING: "update_tracking", CANCEL: "cancel_order", REFUND: "refund_order"}
WHAT = {SHIPMENT: "confirm shipments", TRACKING: "update tracking", CANCEL: "cancel orders", REFUND: "refund orders"}


def shipment_key(shipment_id: str) -> str:
    return f"shipment:{shipment_id}:channel"


def channel_destination(record: OrderRecord) -> str:
    """The destination that speaks for the order's channel account."""
    return f"{record.channel}:{record.account}"


def why_not_sent(session: Session, destination: str, operation: str) -> str | None:
    """Why nobody can take ``operation`` for ``destination``, or None when a connector account can."""
    if destination_kind(destination) != CONNECTOR:
        if handler_for(operation, destination) is not None:
            return None
        return f"{destination} is an X12 trading partner: the hub has no channel back-channel to it for {operation}"
    name, _, account = destination.partition(":")
    try:
        cls = load_connector(name)
    except (UnknownConnector, ImportError) as exc:
        return f"no connector named {name!r} can tell this channel ({exc})"
    if str(getattr(cls, "kind", "")) != ConnectorKind.CHANNEL.value or not hasattr(cls, CAPABILITY[operation]):
        return f"the {name} connector cannot {WHAT[operation]}"
    if find_account(session, name, account) is None:
        return (
            f"no active connector account {destination!r}: add it with `orderhub connector add {name} {account} "
            "--set ... --secret ...`, then replay this delivery"
        )
    return None


def enqueue_update(
    session: Session,
    record: OrderRecord,
    *,
    operation: str,
    subject: tuple[str, str],
    key: str,
    payload: dict[str, Any],
) -> tuple[int, bool]:
    """Write one channel update for ``record`` (see the module docstring): (delivery id, whether it is new).
    One nobody can take is written cancelled, with the reason and a timeline entry (publishing its id then
    sends nothing: only pending deliveries are claimed)."""
    destination = channel_destination(record)
    delivery_id, created = outbox.enqueue(
        session,
        destination=destination,
        operation=operation,
        subject_type=subject[0],
        subject_id=subject[1],
        idempotency_key=key,
        payload=payload,
        order_id=record.id,
    )
    if not created:
        return delivery_id, False
    reason = why_not_sent(session, destination, operation)
    if reason is not None:
        skip(session, delivery_id, record.id, operation, destination, reason)
    return delivery_id, True


def skip(session: Session, delivery_id: int, order_id: str, operation: str, destination: str, reason: str) -> None:
    """Mark the delivery as one nobody took, with why, and say so on the order's timeline."""
    session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id)
        .values(status=DeliveryStatus.CANCELLED, last_error=NOT_SENT + reason)
        .execution_options(synchronize_session=False)
    )
    data = {"operation": operation, "destination": destination, "delivery": delivery_id, "reason": reason}
    record_event(session, order_id, SKIPPED, source="delivery", data=data)


# -- shipments -----------------------------------------------------------------------------------------------


def plan_shipment(session: Session, shipment_id: str) -> list[int]:
    """The ``channel.shipment`` delivery for a shipment just recorded; ids to publish after commit (none when
    it was planned before)."""
    row = session.get(ShipmentRecord, shipment_id)
    record = session.get(OrderRecord, row.order_id) if row is not None else None
    if row is None or record is None:
        return []
    payload = shipment_payload(row, record)
    delivery_id, created = enqueue_update(
        session, record, operation=SHIPMENT, subject=("shipment", row.id), key=shipment_key(row.id), payload=payload
    )
    return [delivery_id] if created else []


def shipment_payload(row: ShipmentRecord, record: OrderRecord) -> dict[str, Any]:
    """What a connector's ``ChannelShipment`` is built from: the order as received, the shipment as recorded
    now (carrier and tracking included) and the units per order line with the channel's line ids."""
    order = Order.model_validate(record.document)
    document = {key: value for key, value in (row.document or {}).items() if key != "fulfillment_orders"}
    shipment = Shipment.model_validate(document) if document else None
    carrier = {"name": row.carrier, "service": row.service} if row.carrier else None
    if shipment is not None and shipment.carrier is not None:
        carrier = shipment.carrier.model_dump(mode="json") | {"name": row.carrier or shipment.carrier.name}
    shipment_doc = (shipment.model_dump(mode="json") if shipment else {}) | {
        "id": row.id,
        "order_id": record.id,
        "carrier": carrier,
        "tracking_numbers": list(row.tracking_numbers),
        "shipped_at": row.shipped_at.isoformat() if row.shipped_at else None,
    }
    return {
        "shipment_id": row.id,
        "order": order.model_dump(mode="json"),
        "shipment": Shipment.model_validate(shipment_doc).model_dump(mode="json"),
        "lines": update_lines(order, row.units),
        "tracking_url": row.tracking_url,
    }


def update_lines(order: Order, units: Mapping[str, int]) -> list[dict[str, Any]]:
    """``{line_id: units}`` as ``UpdateLine`` fields, with each line's channel id and SKU, in order line order."""
    found = []
    for line in order.lines:
        count = units.get(line.line_id, 0)
        if count > 0:
            found.append(
                {"line_id": line.line_id, "quantity": count, "channel_line_id": line.channel_line_id, "sku": line.sku}
            )
    unknown = sorted(set(units) - {line.line_id for line in order.lines})
    if unknown:
        raise InputRejected(f"order {order.id} has no line {', '.join(unknown)}")
    return found


def change_tracking(
    session: Session,
    shipment_id: str,
    *,
    carrier: str | None,
    tracking_numbers: list[str],
    tracking_url: str | None,
    actor: str,
) -> list[int]:
    """Change a shipment's carrier and tracking, say so on the timeline, and have the channel told: a
    confirmation not sent yet (pending, or dead or cancelled and waiting for a replay) goes out with the new
    tracking; one already sent gets a ``channel.tracking`` delivery. Ids to publish after commit."""
    row = session.get(ShipmentRecord, shipment_id)
    if row is None:
        raise InputRejected(f"no shipment {shipment_id!r} (orderhub order show lists an order's shipments)")
    if not tracking_numbers:
        raise InputRejected("give at least one tracking number (--tracking)")
    before = {"carrier": row.carrier, "tracking_numbers": list(row.tracking_numbers), "tracking_url": row.tracking_url}
    new_carrier = carrier or row.carrier
    after = {"carrier": new_carrier, "tracking_numbers": tracking_numbers, "tracking_url": tracking_url}
    if after == before:
        return []
    row.carrier, row.tracking_numbers, row.tracking_url = new_carrier, tracking_numbers, tracking_url
    document = dict(row.document or {})
    document["tracking_numbers"] = tracking_numbers
    if carrier:
        document["carrier"] = {**(document.get("carrier") or {}), "name": carrier, "scac": None}
    row.document = document
    session.flush()
    record_event(session, row.order_id, TRACKING_CHANGED, source=actor, data={"shipment_id": row.id} | after)
    return _plan_tracking(session, row, after)


def _plan_tracking(session: Session, row: ShipmentRecord, change: dict[str, Any]) -> list[int]:
    record = session.get(OrderRecord, row.order_id)
    assert record is not None  # a shipment belongs to a stored order
    payload = shipment_payload(row, record)
    unsent = (DeliveryStatus.PENDING, DeliveryStatus.DEAD, DeliveryStatus.CANCELLED)
    refreshed = session.execute(
        update(Delivery)
        .where(Delivery.idempotency_key == shipment_key(row.id), Delivery.status.in_(unsent))
        .values(payload=payload)
        .execution_options(synchronize_session=False)
    )
    if refreshed.rowcount:  # type: ignore[attr-defined]
        return []  # the confirmation has not gone (or waits for a replay): it carries the new tracking
    key = f"shipment:{row.id}:tracking:{digest(change)}"
    payload["confirmation"] = shipment_key(row.id)
    delivery_id, created = enqueue_update(
        session, record, operation=TRACKING, subject=("shipment", row.id), key=key, payload=payload
    )
    return [delivery_id] if created else []


# -- cancellations and refunds -------------------------------------------------------------------------------


def plan_channel_cancellation(
    session: Session, order_id: str, reason: str, *, lines: Mapping[str, int] | None = None
) -> list[int]:
    """Tell the channel the hub cancelled units of the order (``lines``: ``{line_id: units}``), or the whole
    order (no ``lines``). Ids to publish after commit."""
    record = _order(session, order_id)
    order = Order.model_validate(record.document)
    chosen = update_lines(order, lines or {})
    payload = {"order": order.model_dump(mode="json"), "reason": reason, "lines": chosen}
    key = f"order:{order_id}:channel_cancel:{digest({'lines': chosen})}"
    delivery_id, created = enqueue_update(
        session, record, operation=CANCEL, subject=("order", order_id), key=key, payload=payload
    )
    return [delivery_id] if created else []


def plan_refund(
    session: Session,
    order_id: str,
    reason: str,
    *,
    lines: Mapping[str, int],
    shipping: bool,
    restock: bool = False,
) -> tuple[int, bool]:
    """A refund the operator asked for, made by the channel: (delivery id, whether it is new). The same request
    made twice is one delivery, so a command run twice never refunds twice."""
    record = _order(session, order_id)
    order = Order.model_validate(record.document)
    if not lines and not shipping:
        raise InputRejected("name what to refund: --line SKU=QTY (repeat it) and/or --shipping")
    chosen = update_lines(order, lines)
    payload = {
        "order": order.model_dump(mode="json"),
        "reason": reason,
        "lines": chosen,
        "shipping": shipping,
        "restock": restock,
    }
    key = f"order:{order_id}:refund:{digest({'lines': chosen, 'shipping': shipping, 'reason': reason})}"
    return enqueue_update(session, record, operation=REFUND, subject=("order", order_id), key=key, payload=payload)


def refund_units(session: Session, order_id: str, wanted: Mapping[str, int]) -> dict[str, int]:
    """``{SKU or line_id: units}`` as ``{line_id: units}``, refused when a line is unknown or asked for more
    units than it was ordered with."""
    order = Order.model_validate(_order(session, order_id).document)
    units: dict[str, int] = {}
    for name, count in wanted.items():
        matches = [line for line in order.lines if name in (line.line_id, line.sku)]
        if not matches:
            raise InputRejected(f"order {order_id} has no line with SKU or line id {name!r}")
        line = matches[0]
        units[line.line_id] = units.get(line.line_id, 0) + count
        if units[line.line_id] > line.quantity:
            raise InputRejected(
                f"order {order_id}: {units[line.line_id]} units of {name} asked for, the line has {line.quantity}"
            )
    return units


def _order(session: Session, order_id: str) -> OrderRecord:
    record = session.get(OrderRecord, order_id)
    if record is None:
        raise InputRejected(f"no order {order_id!r} (orderhub order list shows them)")
    return record


def digest(value: Any) -> str:
    """A short stable digest of what an update asks for, for its idempotency key."""
    text = json.dumps(value, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def deliveries_of(session: Session, order_id: str) -> list[Delivery]:
    """The order's channel updates, oldest first."""
    query = select(Delivery).where(Delivery.order_id == order_id, Delivery.operation.like("channel.%"))
    return list(session.scalars(query.order_by(Delivery.id)))
