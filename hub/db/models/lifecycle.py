"""The order lifecycle as stored: per-line quantity ledgers, fulfillment orders and returns (RMAs).

``hub.lifecycle.store`` is the only writer: it loads an order's rows into an ``OrderLifecycle`` value,
applies one command and writes back what changed, in the caller's transaction. State columns are
projections of the quantities (``order_lifecycles.state`` is the rollup of the lines), rewritten with every
change and never set on their own; CHECK constraints hold the ledger's invariants in the database too.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.db.models.base import Base, Id, Json, utcnow

LEDGER_BUCKETS = (
    "ordered",
    "allocated",
    "backordered",
    "released",
    "shipped",
    "delivered",
    "cancelled",
    "return_requested",
    "returned",
    "restocked",
    "disposed",
)
LEDGER_NESTING = (
    "cancelled + backordered + allocated <= ordered AND released <= allocated AND shipped <= released"
    " AND delivered <= shipped AND return_requested <= delivered AND returned <= return_requested"
    " AND restocked + disposed <= returned"
)


class OrderLifecycleRecord(Base):
    """One row per order the lifecycle follows; its version column makes every change a conditional update."""

    __tablename__ = "order_lifecycles"
    __table_args__ = (Index("ix_order_lifecycles_state", "state"),)

    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), primary_key=True)
    state: Mapped[str] = mapped_column(String(32))  # the rollup, as hub.lifecycle derives it
    validated: Mapped[bool] = mapped_column(default=False)
    hold_reason: Mapped[str | None] = mapped_column(Text)
    closed: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    revision: Mapped[int] = mapped_column(default=1)

    lines: Mapped[list[LineQuantityRecord]] = relationship(
        cascade="all, delete-orphan", order_by="LineQuantityRecord.position"
    )
    fulfillment_orders: Mapped[list[FulfillmentOrderRecord]] = relationship(
        cascade="all, delete-orphan", order_by="FulfillmentOrderRecord.position"
    )
    returns: Mapped[list[ReturnRecord]] = relationship(cascade="all, delete-orphan", order_by="ReturnRecord.position")

    __mapper_args__ = {"version_id_col": revision}


class LineQuantityRecord(Base):
    """The quantity ledger of one order line."""

    __tablename__ = "line_quantities"
    __table_args__ = (
        UniqueConstraint("order_id", "line_id"),
        CheckConstraint(" AND ".join(f"{name} >= 0" for name in LEDGER_BUCKETS), name="not_negative"),
        CheckConstraint(LEDGER_NESTING, name="nested"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("order_lifecycles.order_id", ondelete="CASCADE"))
    position: Mapped[int]
    line_id: Mapped[str] = mapped_column(String(64))
    sku: Mapped[str | None] = mapped_column(String(128))
    state: Mapped[str] = mapped_column(String(32))
    ordered: Mapped[int]
    allocated: Mapped[int] = mapped_column(default=0)
    backordered: Mapped[int] = mapped_column(default=0)
    released: Mapped[int] = mapped_column(default=0)
    shipped: Mapped[int] = mapped_column(default=0)
    delivered: Mapped[int] = mapped_column(default=0)
    cancelled: Mapped[int] = mapped_column(default=0)
    return_requested: Mapped[int] = mapped_column(default=0)
    returned: Mapped[int] = mapped_column(default=0)
    restocked: Mapped[int] = mapped_column(default=0)
    disposed: Mapped[int] = mapped_column(default=0)


class FulfillmentOrderRecord(Base):
    """Units of one order that one location is asked to ship."""

    __tablename__ = "fulfillment_orders"
    __table_args__ = (
        Index("ix_fulfillment_orders_order_id", "order_id"),
        Index("ix_fulfillment_orders_location_id_state", "location_id", "state"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # ful_...
    order_id: Mapped[str] = mapped_column(ForeignKey("order_lifecycles.order_id", ondelete="CASCADE"))
    position: Mapped[int]  # creation order within the order: cancellations take from the newest first
    location_id: Mapped[str] = mapped_column(ForeignKey("inventory_locations.id"))
    state: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(Text)
    external_id: Mapped[str | None] = mapped_column(String(64))  # the location's reference, once accepted
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    lines: Mapped[list[FulfillmentOrderLineRecord]] = relationship(
        cascade="all, delete-orphan", order_by="FulfillmentOrderLineRecord.position"
    )


class FulfillmentOrderLineRecord(Base):
    __tablename__ = "fulfillment_order_lines"
    __table_args__ = (
        UniqueConstraint("fulfillment_order_id", "line_id"),
        CheckConstraint("shipped >= 0 AND cancelled >= 0 AND shipped + cancelled <= quantity", name="units"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    fulfillment_order_id: Mapped[str] = mapped_column(ForeignKey("fulfillment_orders.id", ondelete="CASCADE"))
    position: Mapped[int]
    line_id: Mapped[str] = mapped_column(String(64))
    sku: Mapped[str | None] = mapped_column(String(128))
    quantity: Mapped[int]
    shipped: Mapped[int] = mapped_column(default=0)
    cancelled: Mapped[int] = mapped_column(default=0)


class ReturnRecord(Base):
    """A return (RMA) of delivered units of one order."""

    __tablename__ = "return_authorizations"
    __table_args__ = (
        Index("ix_return_authorizations_order_id", "order_id"),
        Index("ix_return_authorizations_rma_number", "rma_number"),
        # The returns page: one state's list (and the count per state), and the newest changes first.
        Index("ix_return_authorizations_state_updated_at", "state", "updated_at"),
        Index("ix_return_authorizations_updated_at", "updated_at"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # ret_...
    order_id: Mapped[str] = mapped_column(ForeignKey("order_lifecycles.order_id", ondelete="CASCADE"))
    position: Mapped[int]
    state: Mapped[str] = mapped_column(String(32))
    rma_number: Mapped[str | None] = mapped_column(String(64))
    location_id: Mapped[str | None] = mapped_column(ForeignKey("inventory_locations.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    replacements: Mapped[dict[str, str]] = mapped_column(Json, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    lines: Mapped[list[ReturnLineRecord]] = relationship(
        cascade="all, delete-orphan", order_by="ReturnLineRecord.position"
    )


class ReturnLineRecord(Base):
    __tablename__ = "return_lines"
    __table_args__ = (
        UniqueConstraint("return_id", "line_id"),
        CheckConstraint(
            "received >= 0 AND cancelled >= 0 AND restocked >= 0 AND disposed >= 0"
            " AND received + cancelled <= requested AND restocked + disposed <= received",
            name="units",
        ),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    return_id: Mapped[str] = mapped_column(ForeignKey("return_authorizations.id", ondelete="CASCADE"))
    position: Mapped[int]
    line_id: Mapped[str] = mapped_column(String(64))
    sku: Mapped[str | None] = mapped_column(String(128))
    requested: Mapped[int]
    received: Mapped[int] = mapped_column(default=0)
    cancelled: Mapped[int] = mapped_column(default=0)
    restocked: Mapped[int] = mapped_column(default=0)
    disposed: Mapped[int] = mapped_column(default=0)
    condition: Mapped[str | None] = mapped_column(String(64))
