"""Where routing stands for each order it has looked at, and which SKUs an order still waits for.

``order_routings`` holds one row per order the router has decided on: the last outcome, how many times it
was routed, and, while units are still unplaced, when to route it again (``reroute_at``) and when to cancel
what is left (``cancel_at``). ``ledger_mark`` is the newest inventory ledger entry the last decision could
see: a later entry that raises the availability of an awaited SKU (``order_routing_skus``) makes the wait
due at once, so stock arriving through any path (receipt, adjustment, count, 846, release) wakes the
orders waiting for it without the inventory code knowing about routing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.db.models.base import Base, Id, utcnow


class OrderRouting(Base):
    """The routing state of one order; ``waiting`` while some units still have no location."""

    __tablename__ = "order_routings"
    __table_args__ = (
        Index("ix_order_routings_waiting_reroute_at", "waiting", "reroute_at"),
        Index("ix_order_routings_waiting_cancel_at", "waiting", "cancel_at"),
        Index("ix_order_routings_outcome_order_id", "outcome", "order_id"),  # parked orders (the stuck filter)
    )

    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), primary_key=True)
    outcome: Mapped[str] = mapped_column(String(32))  # the last decision's outcome (hub.routing.Outcome)
    rule: Mapped[str | None] = mapped_column(String(128))
    waiting: Mapped[bool] = mapped_column(default=False)
    test: Mapped[bool] = mapped_column(default=False)  # a test order: its fulfillment orders are never sent
    attempts: Mapped[int] = mapped_column(default=0)
    routed_at: Mapped[datetime] = mapped_column(default=utcnow)
    reroute_at: Mapped[datetime | None]
    cancel_at: Mapped[datetime | None]
    ledger_mark: Mapped[int] = mapped_column(Id, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    skus: Mapped[list[OrderRoutingSku]] = relationship(cascade="all, delete-orphan", order_by="OrderRoutingSku.sku")


class OrderRoutingSku(Base):
    """A SKU a waiting order still needs units of: stock of it arriving anywhere routes the order again."""

    __tablename__ = "order_routing_skus"
    __table_args__ = (Index("ix_order_routing_skus_sku", "sku"),)

    order_id: Mapped[str] = mapped_column(ForeignKey("order_routings.order_id", ondelete="CASCADE"), primary_key=True)
    sku: Mapped[str] = mapped_column(String(128), primary_key=True)
    units: Mapped[int]
