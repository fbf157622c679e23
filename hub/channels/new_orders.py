"""The orders a chunk of inbox messages creates, written with three multi-row statements.

Per order, the ORM path (``hub.orders.store.add_order``) builds an ``OrderRecord``, its line objects and an
``OrderEvent``, flushes them one unit of work at a time and encodes the document twice (to a dict, then
that dict to JSON text). Here the same rows are plain dictionaries: the orders of the whole chunk go in one
``INSERT ... ON CONFLICT DO NOTHING RETURNING id``, then their lines and timeline entries in one statement
each, and the document is encoded once, by pydantic, and handed to the database as JSON text.

An order another worker stored between the chunk's look-up and this insert is skipped by the conflict
clause and reported back, so its message is applied as an update instead; nothing is written twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table
from sqlalchemy.orm import Session

from hub.canonical import Order
from hub.channels.apply import cancel_request_data, received_kind
from hub.db.bulk import insert_rows
from hub.db.models import OrderEvent, OrderLineRecord, OrderRecord
from hub.db.models.base import utcnow
from hub.db.models.orders import email_key
from hub.ids import new_id
from hub.orders.ship_by import fill_ship_by

ORDERS = cast(Table, OrderRecord.__table__)
LINES = cast(Table, OrderLineRecord.__table__)
EVENTS = cast(Table, OrderEvent.__table__)
OrderKey = tuple[str, str, str]  # channel, account, channel order id
KEY = ("channel", "account", "channel_order_id")  # the unique index a concurrent insert of the same order meets


def order_key(order: Order, account: str) -> OrderKey:
    return (order.channel, account, order.channel_order_id)


@dataclass
class NewOrders:
    """Rows of the orders some messages create, gathered until ``write``."""

    orders: list[dict[str, Any]] = field(default_factory=list)
    lines: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # by order id
    events: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # by order id
    by_message: dict[int, list[str]] = field(default_factory=dict)  # inbox id -> the order ids it creates

    def __bool__(self) -> bool:
        return bool(self.by_message)

    def add(self, inbox_id: int, topic: str | None, account: str, documents: list[Order]) -> list[str]:
        """Rows for new orders from message ``inbox_id``; returns their hub ids. Raises nothing a database
        would: a document the rows cannot be made of fails here, before anything is gathered."""
        made = [_rows(inbox_id, topic, account, order) for order in documents]
        ids = []
        for order_row, line_rows, event_rows in made:
            self.orders.append(order_row)
            self.lines[order_row["id"]] = line_rows
            self.events[order_row["id"]] = event_rows
            ids.append(order_row["id"])
        self.by_message[inbox_id] = ids
        return ids

    def write(self, session: Session) -> set[str]:
        """Insert every gathered row; returns the ids of the orders stored (one another worker stored first
        is left out, with its lines and events)."""
        fill_ship_by(session, self.orders)  # the channel's day, else the account's promise (read once)
        inserted = insert_rows(
            session, ORDERS, self.orders, skip_conflicts=KEY, returning=["id"], json_text=["document"]
        )
        stored = {row[0] for row in inserted}
        lines = [row for order_id in stored for row in self.lines[order_id]]
        events = [row for order_id in stored for row in self.events[order_id]]
        insert_rows(session, LINES, lines)
        insert_rows(session, EVENTS, events)
        return stored

    def clear(self) -> None:
        self.orders.clear()
        self.lines.clear()
        self.events.clear()
        self.by_message.clear()


def _rows(
    inbox_id: int, topic: str | None, account: str, order: Order
) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    """The rows ``add_order`` and ``apply_order`` would write for a new order (same projection)."""
    if order.id is None:
        order = order.model_copy(update={"id": new_id("ord")})
    order_id = order.id or ""
    now = utcnow()
    order_row = {
        "id": order_id,
        "channel": order.channel,
        "account": account,
        "channel_order_id": order.channel_order_id,
        "number": order.number,
        "po_number": order.po_number,
        "status": order.status.value,
        "payment_status": order.payment_status.value,
        "currency": order.currency,
        "total": order.totals.total.amount,
        "test": order.test,
        "placed_at": order.placed_at,
        "customer_email": email_key(order.customer.email if order.customer else None),
        "ship_by": order.requested_ship_date,
        "channel_updated_at": order.updated_at or order.placed_at,
        "schema_version": order.schema_version,
        "document": order.model_dump_json(),  # encoded once, stored as it is
        "created_at": now,
        "updated_at": now,
        "revision": 1,
    }
    return order_row, _line_rows(order_id, order), _event_rows(inbox_id, topic, order_id, order)


def _line_rows(order_id: str, order: Order) -> list[dict[str, Any]]:
    return [
        {
            "order_id": order_id,
            "position": position,
            "line_id": line.line_id,
            "channel_line_id": line.channel_line_id,
            "sku": line.sku,
            "name": line.name,
            "quantity": line.quantity,
            "unit_price": line.unit_price.amount,
            "total": line.total.amount,
            "requires_shipping": line.requires_shipping,
        }
        for position, line in enumerate(order.lines)
    ]


def _event_rows(inbox_id: int, topic: str | None, order_id: str, order: Order) -> list[dict[str, Any]]:
    """The order's first timeline entries: received (or cancelled), then any cancel request it carries."""
    source, now = f"inbox:{inbox_id}", utcnow()
    entries = [(received_kind(order), {"topic": topic})]
    requested = cancel_request_data(order, None, topic)
    if requested is not None:
        entries.append(("order.cancel_requested", requested))
    return [
        {
            "order_id": order_id,
            "type": kind,
            "occurred_at": now,
            "source": source,
            "inbox_message_id": inbox_id,
            "data": data,
        }
        for kind, data in entries
    ]
