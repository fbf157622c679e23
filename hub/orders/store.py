"""Canonical orders to rows and back.

The canonical document is stored whole (``orders.document``), so what comes out is exactly what went in;
the columns and ``order_lines`` rows are projections of it for queries, rewritten on every save.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.canonical import Order
from hub.db.models import OrderEvent, OrderLineRecord, OrderRecord
from hub.db.models.orders import email_key
from hub.ids import new_id
from hub.orders.ship_by import order_ship_by


class OrderNotFound(LookupError):
    pass


def _project(session: Session, record: OrderRecord, order: Order) -> None:
    record.number = order.number
    record.po_number = order.po_number
    record.status = order.status.value
    record.payment_status = order.payment_status.value
    record.currency = order.currency
    record.total = order.totals.total.amount
    record.test = order.test
    record.placed_at = order.placed_at
    record.customer_email = email_key(order.customer.email if order.customer else None)
    record.ship_by = order_ship_by(session, order.channel, record.account, order.requested_ship_date, order.placed_at)
    record.channel_updated_at = order.updated_at or order.placed_at
    record.schema_version = order.schema_version
    record.document = order.model_dump(mode="json")
    record.lines = [
        OrderLineRecord(
            position=position,
            line_id=line.line_id,
            channel_line_id=line.channel_line_id,
            sku=line.sku,
            name=line.name,
            quantity=line.quantity,
            unit_price=line.unit_price.amount,
            total=line.total.amount,
            requires_shipping=line.requires_shipping,
        )
        for position, line in enumerate(order.lines)
    ]


def add_order(session: Session, order: Order, *, account: str) -> Order:
    """Store a new order; it gets a hub id if it has none. Returns the order as stored."""
    if order.id is None:
        order = order.model_copy(update={"id": new_id("ord")})
    record = OrderRecord(id=order.id, channel=order.channel, account=account, channel_order_id=order.channel_order_id)
    _project(session, record, order)
    session.add(record)
    session.flush()
    return order


def replace_order(session: Session, record: OrderRecord, order: Order) -> Order:
    """Store a new version of an existing order (same hub id, same channel identity)."""
    order = order.model_copy(update={"id": record.id})
    record.lines.clear()
    session.flush()  # old line rows go before new ones reuse their (order_id, line_id)
    _project(session, record, order)
    session.flush()
    return order


def find_record(session: Session, channel: str, account: str, channel_order_id: str) -> OrderRecord | None:
    query = select(OrderRecord).where(
        OrderRecord.channel == channel,
        OrderRecord.account == account,
        OrderRecord.channel_order_id == channel_order_id,
    )
    return session.scalars(query).one_or_none()


def get_order(session: Session, order_id: str) -> Order:
    record = session.get(OrderRecord, order_id)
    if record is None:
        raise OrderNotFound(f"no order {order_id!r}")
    return Order.model_validate(record.document)


def record_event(
    session: Session,
    order_id: str,
    type_: str,
    *,
    source: str,
    data: dict[str, Any] | None = None,
    inbox_message_id: int | None = None,
) -> OrderEvent:
    """Append one entry to the order's timeline."""
    event = OrderEvent(order_id=order_id, type=type_, source=source, data=data or {}, inbox_message_id=inbox_message_id)
    session.add(event)
    return event


def timeline(session: Session, order_id: str) -> list[OrderEvent]:
    query = select(OrderEvent).where(OrderEvent.order_id == order_id).order_by(OrderEvent.id)
    return list(session.scalars(query))
