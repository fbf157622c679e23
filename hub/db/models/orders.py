"""Orders as stored: the canonical document plus the columns the hub queries, and the audit timeline.

The order list pages newest first by id (by placed_at, id within a date range), so each filter has an index led
by its column and ending in ``id``: an equality filter reads its page straight off the index, however many
orders match.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Index, Numeric, String, UniqueConstraint, and_, column
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.db.models.base import Base, Id, Json, utcnow

Amount = Numeric(18, 4)
# Statuses past shipping: such an order can no longer be late (the ``late`` filter of the order list).
DONE_STATUSES = ("shipped", "delivered", "closed", "cancelled")
# Orders that can still be late; the partial index holds only these, a small part of a long history.
_OPEN_WITH_SHIP_BY = and_(column("ship_by").is_not(None), column("status").not_in(DONE_STATUSES))


EMAIL_LENGTH = 320


def email_key(email: str | None) -> str | None:
    """``orders.customer_email``: the email lower-cased, so the filter matches any case on an index; cut to
    the column's length (longer is no email, but the order is stored all the same)."""
    return email.lower()[:EMAIL_LENGTH] if email else None


class OrderRecord(Base):
    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("channel", "account", "channel_order_id"),
        Index("ix_orders_po_number", "po_number"),
        Index("ix_orders_status_placed_at", "status", "placed_at"),
        Index("ix_orders_channel_id", "channel", "id"),
        Index("ix_orders_status_id", "status", "id"),
        Index("ix_orders_customer_email_id", "customer_email", "id"),
        Index("ix_orders_placed_at_id", "placed_at", "id"),
        Index(
            "ix_orders_open_id_ship_by",
            "id",
            "ship_by",
            postgresql_where=_OPEN_WITH_SHIP_BY,
            sqlite_where=_OPEN_WITH_SHIP_BY,
        ),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    channel: Mapped[str] = mapped_column(String(64))
    account: Mapped[str] = mapped_column(String(128))
    channel_order_id: Mapped[str] = mapped_column(String(128))
    number: Mapped[str | None] = mapped_column(String(128))
    po_number: Mapped[str | None] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(32))
    payment_status: Mapped[str] = mapped_column(String(32))
    currency: Mapped[str] = mapped_column(String(3))
    total: Mapped[Decimal] = mapped_column(Amount)
    test: Mapped[bool] = mapped_column(default=False)
    placed_at: Mapped[datetime]
    # Projections of the document for the order list's filters (JSON paths cannot use an index):
    # the customer's email lower-cased, and the channel's requested ship date.
    customer_email: Mapped[str | None] = mapped_column(String(EMAIL_LENGTH))
    ship_by: Mapped[date | None]
    # The channel's last-modified time of the stored version: updates older than this never apply.
    channel_updated_at: Mapped[datetime]
    schema_version: Mapped[str] = mapped_column(String(32))
    document: Mapped[dict[str, Any]] = mapped_column(Json)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    revision: Mapped[int] = mapped_column(default=1)

    lines: Mapped[list[OrderLineRecord]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderLineRecord.position"
    )

    __mapper_args__ = {"version_id_col": revision}


class OrderLineRecord(Base):
    """One line of an order, as columns, for inventory and routing queries."""

    __tablename__ = "order_lines"
    # (sku, order_id): the orders with a line of a SKU, newest first, from the index alone (the SKU filter)
    __table_args__ = (UniqueConstraint("order_id", "line_id"), Index("ix_order_lines_sku_order_id", "sku", "order_id"))

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    position: Mapped[int]
    line_id: Mapped[str] = mapped_column(String(64))
    channel_line_id: Mapped[str | None] = mapped_column(String(128))
    sku: Mapped[str | None] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(512))
    quantity: Mapped[int]
    unit_price: Mapped[Decimal] = mapped_column(Amount)
    total: Mapped[Decimal] = mapped_column(Amount)
    requires_shipping: Mapped[bool]

    order: Mapped[OrderRecord] = relationship(back_populates="lines")


class OrderEvent(Base):
    """Append-only timeline of everything that happened to an order (triggers refuse UPDATE and DELETE)."""

    __tablename__ = "order_events"
    __table_args__ = (Index("ix_order_events_order_id_id", "order_id", "id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"))
    type: Mapped[str] = mapped_column(String(64))  # order.received, order.updated, order.cancelled ...
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    source: Mapped[str] = mapped_column(String(128))  # inbox:42, cli, routing ...
    inbox_message_id: Mapped[int | None] = mapped_column(ForeignKey("inbox_messages.id"))
    data: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
