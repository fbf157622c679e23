"""Canonical documents from channels into the hub's state, monotonically and idempotently.

Channels deliver late, twice and out of order. An order version older than the stored one (by the channel's
own updated time) never moves the order backwards; the same version again changes nothing and records
nothing; every real change appends one event to the order's timeline. The hub owns the lifecycle status:
a channel update can cancel an order but never resets where the hub has taken it.

A buyer's request to cancel is not a cancellation: the seller decides (Amazon asks the seller to cancel or to
ship). A channel mapping marks the lines it names with the attribute ``buyer_cancel_requested`` ("true", with
``buyer_cancel_reason`` when given); when a version of the order newly carries such lines, the timeline gets one
``order.cancel_requested`` entry naming them, and the order itself is left to the seller. A request once made
stays on its lines: a later version that does not mention it (a poll of what the API showed before the request
reached it) does not withdraw it, nor record it again when it reappears.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hub.canonical import Order, OrderLine, OrderStatus, Refund, Shipment
from hub.channels.redaction import REDACTING_TOPICS, check_shop, redact
from hub.db.models import ChannelAccount, ComplianceRequest, InboxMessage, OrderEvent, OrderRecord
from hub.db.models.base import as_utc, utcnow
from hub.oms.cancellation import cancel_for_channel
from hub.orders.store import add_order, find_record, record_event, replace_order


class OrderNotYetReceived(Exception):
    """A refund or shipment names an order the hub has not received yet; try again later."""


@dataclass(frozen=True)
class Applied:
    outcome: str  # created, updated, cancelled, unchanged, stale, recorded, duplicate
    order_id: str | None = None

    def describe(self) -> str:
        return f"{self.outcome} order {self.order_id}" if self.order_id else self.outcome


def apply_order(session: Session, order: Order, message: InboxMessage, *, account: str | None = None) -> Applied:
    """Create or update the order from ``message``; ``account`` is the channel account (or EDI partner) it
    belongs to when the message's own account does not say (an X12 file from a shared mailbox)."""
    source = f"inbox:{message.id}"
    account = account or message.account
    record = _locked(session, order.channel, account, order.channel_order_id)
    if record is None:
        try:
            with session.begin_nested():
                stored = add_order(session, order, account=account)
        except IntegrityError:  # created concurrently by another worker: continue as an update
            record = _locked(session, order.channel, account, order.channel_order_id)
        else:
            record_event(
                session,
                stored.id or "",
                received_kind(stored),
                source=source,
                data={"topic": message.topic},
                inbox_message_id=message.id,
            )
            _record_cancel_request(session, stored.id or "", order, None, message)
            return Applied("created", stored.id)
    assert record is not None
    incoming_at = order.updated_at or order.placed_at
    if incoming_at < (as_utc(record.channel_updated_at) or incoming_at):
        return Applied("stale", record.id)
    current = Order.model_validate(record.document)
    status = OrderStatus.CANCELLED if order.status is OrderStatus.CANCELLED else current.status
    candidate = _kept_cancel_requests(order.model_copy(update={"id": record.id, "status": status}), current)
    if candidate == current:
        return Applied("unchanged", record.id)
    changed = sorted(name for name in Order.model_fields if getattr(candidate, name) != getattr(current, name))
    replace_order(session, record, candidate)
    newly_cancelled = status is OrderStatus.CANCELLED and current.status is not OrderStatus.CANCELLED
    kind = "order.cancelled" if newly_cancelled else "order.updated"
    record_event(
        session,
        record.id,
        kind,
        source=source,
        data={"topic": message.topic, "changed": changed},
        inbox_message_id=message.id,
    )
    _record_cancel_request(session, record.id, candidate, current, message)
    if newly_cancelled:  # the hub cancels its units too and gives their stock back (hub.oms.cancellation)
        cancel_for_channel(session, record.id, reason=f"cancelled by the channel ({order.channel})", source=source)
    return Applied("cancelled" if newly_cancelled else "updated", record.id)


def received_kind(order: Order) -> str:
    """The timeline entry of a new order: received, or cancelled when it arrives cancelled."""
    return "order.cancelled" if order.status is OrderStatus.CANCELLED else "order.received"


CANCEL_REQUESTED = "buyer_cancel_requested"
CANCEL_REASON = "buyer_cancel_reason"


def _cancel_requested(order: Order | None) -> dict[str, OrderLine]:
    if order is None:
        return {}
    return {line.line_id: line for line in order.lines if line.attributes.get(CANCEL_REQUESTED) == "true"}


def _kept_cancel_requests(candidate: Order, current: Order) -> Order:
    """``candidate`` with the cancel requests ``current`` holds on lines it still has but no longer marks."""
    requested = _cancel_requested(current)
    lines = [
        line.model_copy(update={"attributes": {**_request_of(requested[line.line_id]), **line.attributes}})
        if line.line_id in requested and line.attributes.get(CANCEL_REQUESTED) != "true"
        else line
        for line in candidate.lines
    ]
    return candidate if lines == candidate.lines else candidate.model_copy(update={"lines": lines})


def _request_of(line: OrderLine) -> dict[str, str]:
    return {key: line.attributes[key] for key in (CANCEL_REQUESTED, CANCEL_REASON) if key in line.attributes}


def _record_cancel_request(
    session: Session, order_id: str, order: Order, previous: Order | None, message: InboxMessage
) -> None:
    data = cancel_request_data(order, previous, message.topic)
    if data is not None:
        record_event(
            session,
            order_id,
            "order.cancel_requested",
            source=f"inbox:{message.id}",
            data=data,
            inbox_message_id=message.id,
        )


def cancel_request_data(order: Order, previous: Order | None, topic: str | None) -> dict[str, Any] | None:
    """The ``order.cancel_requested`` entry's data when this version names lines the buyer asked to cancel
    that the previous version did not (None: a request arriving again changes nothing)."""
    before = _cancel_requested(previous)
    new = [line for line_id, line in _cancel_requested(order).items() if line_id not in before]
    if not new:
        return None
    lines = [
        {"line_id": line.line_id, "sku": line.sku, "quantity": line.quantity}
        | ({"reason": line.attributes[CANCEL_REASON]} if line.attributes.get(CANCEL_REASON) else {})
        for line in new
    ]
    return {"topic": topic, "by": "buyer", "lines": lines}


def _locked(session: Session, channel: str, account: str, channel_order_id: str) -> OrderRecord | None:
    """The stored order, locked for this transaction on PostgreSQL (SQLite serialises writers anyway)."""
    query = select(OrderRecord).where(
        OrderRecord.channel == channel, OrderRecord.account == account, OrderRecord.channel_order_id == channel_order_id
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return session.scalars(query).one_or_none()


def record_on_order(session: Session, document: Refund | Shipment, channel: str, message: InboxMessage) -> Applied:
    """A refund or a shipment the channel reports, on the timeline of the order it belongs to."""
    channel_order_id = getattr(document, "channel_order_id", None)
    record = find_record(session, channel, message.account, channel_order_id) if channel_order_id else None
    if record is None:
        raise OrderNotYetReceived(
            f"order {channel_order_id!r} of {channel}/{message.account} has not been received yet"
        )
    kind = "order.refund_recorded" if isinstance(document, Refund) else "order.shipment_reported"
    seen = select(OrderEvent.id).where(OrderEvent.inbox_message_id == message.id, OrderEvent.type == kind)
    if session.scalars(seen).first() is not None:
        return Applied("duplicate", record.id)
    record_event(
        session,
        record.id,
        kind,
        source=f"inbox:{message.id}",
        data=document.model_dump(mode="json"),
        inbox_message_id=message.id,
    )
    return Applied("recorded", record.id)


COMPLIANCE_DEADLINE = timedelta(days=30)


def record_compliance(session: Session, message: InboxMessage, payload: Any) -> Applied:
    """Keep a privacy request with its deadline; redaction requests are carried out at once.

    The request must name the account's own shop (MappingInputError otherwise, which fails the message and
    records nothing): the topic header is not signed, and the body alone says whose data is meant."""
    existing = session.scalars(
        select(ComplianceRequest).where(ComplianceRequest.inbox_message_id == message.id)
    ).first()
    if existing is not None:
        return Applied("duplicate")
    subject = payload if isinstance(payload, dict) else {}
    settings = session.scalars(
        select(ChannelAccount.settings).where(
            ChannelAccount.channel == message.channel, ChannelAccount.account == message.account
        )
    ).first()
    check_shop(settings or {}, subject, message.topic or "", message.account)
    request = ComplianceRequest(
        channel=message.channel,
        account=message.account,
        topic=message.topic or "",
        inbox_message_id=message.id,
        subject=subject,
        due_at=utcnow() + COMPLIANCE_DEADLINE,
    )
    session.add(request)
    session.flush()
    if message.topic in REDACTING_TOPICS:
        done = redact(session, message.channel, message.account, message.topic or "", subject, f"inbox:{message.id}")
        request.status, request.done_at, request.outcome = "done", utcnow(), done.describe()
    return Applied("recorded")
