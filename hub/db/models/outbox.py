"""The outbox: what the hub owes to connectors (deliveries) and every try at it (attempts)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.db.models.base import Base, Id, Json, utcnow


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # due at next_attempt_at
    IN_FLIGHT = "in_flight"  # a worker holds it until lease_until
    DELIVERED = "delivered"
    DEAD = "dead"  # retries exhausted or a permanent failure; replayable by hand
    CANCELLED = "cancelled"  # withdrawn before it was delivered (by an operator, or the order was cancelled)


class Delivery(Base):
    __tablename__ = "deliveries"
    __table_args__ = (
        Index("ix_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_deliveries_subject", "subject_type", "subject_id"),
        Index("ix_deliveries_order_id", "order_id"),
        Index("ix_deliveries_destination_status", "destination", "status"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    connector: Mapped[str] = mapped_column(String(64))  # the connector's registered name
    destination: Mapped[str] = mapped_column(String(200))  # connector:account, or edi:PARTNER
    operation: Mapped[str] = mapped_column(String(64))  # e.g. fulfillment_order.create, invoice.post
    subject_type: Mapped[str] = mapped_column(String(32))  # order, shipment, invoice ...
    subject_id: Mapped[str] = mapped_column(String(64))
    order_id: Mapped[str | None] = mapped_column(String(40))  # the order it serves, for listings
    queue: Mapped[str] = mapped_column(String(32), default="deliver.3pl")  # the Celery queue that sends it
    # One key per intended effect: enqueueing the same effect twice finds the existing delivery.
    idempotency_key: Mapped[str] = mapped_column(String(255), unique=True)
    payload: Mapped[dict[str, Any]] = mapped_column(Json)
    status: Mapped[str] = mapped_column(String(16), default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    lease_until: Mapped[datetime | None]  # in flight: past this the sweeper takes it back
    published_at: Mapped[datetime | None]  # last handed to the broker (relay or sweeper)
    external_id: Mapped[str | None] = mapped_column(String(255))  # the partner's id for what was delivered
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]

    attempt_log: Mapped[list[DeliveryAttempt]] = relationship(
        back_populates="delivery", order_by="DeliveryAttempt.number"
    )


class DeliveryAttempt(Base):
    __tablename__ = "delivery_attempts"
    __table_args__ = (Index("ix_delivery_attempts_delivery_id_number", "delivery_id", "number", unique=True),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("deliveries.id", ondelete="CASCADE"))
    number: Mapped[int]
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(32))  # delivered, transient, permanent, configuration
    status_code: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(Text)
    response_excerpt: Mapped[str | None] = mapped_column(Text)

    delivery: Mapped[Delivery] = relationship(back_populates="attempt_log")
