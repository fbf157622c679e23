"""Connector accounts (a configured ShipStation, a CSV drop folder ...), the state of each delivery
destination (paused by an operator or a refused credential, and its circuit breaker), and shipments as
recorded on orders, whatever reported them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hub.db.models.base import Base, Id, Json, utcnow


class ConnectorAccount(Base):
    """One configured instance of a connector; its destination name is ``<connector>:<account>``."""

    __tablename__ = "connector_accounts"
    __table_args__ = (UniqueConstraint("connector", "account"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    connector: Mapped[str] = mapped_column(String(64))  # the registered entry-point name
    account: Mapped[str] = mapped_column(String(128))  # the operator's slug
    active: Mapped[bool] = mapped_column(default=True)
    # Validated against the connector's Config; secrets only as references (env:NAME, file:PATH).
    settings: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    secrets: Mapped[dict[str, str]] = mapped_column(Json, default=dict)  # setting name -> reference
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class DeliveryDestination(Base):
    """Where deliveries go (a connector account, or an X12 partner for EDI fulfilment), and whether they may.

    ``paused`` holds every delivery to it until an operator resumes it (set by hand, or when the partner
    refused our credentials). ``breaker`` is the circuit breaker: ``closed`` (sending), ``open`` until
    ``open_until`` after ``failures`` consecutive transient failures, then ``half_open`` (one probe).
    """

    __tablename__ = "delivery_destinations"

    destination: Mapped[str] = mapped_column(String(200), primary_key=True)
    paused: Mapped[bool] = mapped_column(default=False)
    paused_reason: Mapped[str | None] = mapped_column(Text)
    breaker: Mapped[str] = mapped_column(String(16), default="closed")
    failures: Mapped[int] = mapped_column(default=0)
    open_until: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ShipmentRecord(Base):
    """A shipment of (part of) a fulfillment order, recorded once per report (``source``, ``key``)."""

    __tablename__ = "shipments"
    __table_args__ = (
        UniqueConstraint("source", "key"),
        Index("ix_shipments_order_id", "order_id"),
        Index("ix_shipments_fulfillment_order_id", "fulfillment_order_id"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # shp_...
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id"))
    fulfillment_order_id: Mapped[str | None] = mapped_column(ForeignKey("fulfillment_orders.id"))
    source: Mapped[str] = mapped_column(String(200))  # shipstation:main, edi:acme, csv-3pl:east, cli ...
    key: Mapped[str] = mapped_column(String(255))  # the reporter's id of the shipment
    carrier: Mapped[str | None] = mapped_column(String(128))
    service: Mapped[str | None] = mapped_column(String(128))
    tracking_numbers: Mapped[list[str]] = mapped_column(Json, default=list)
    tracking_url: Mapped[str | None] = mapped_column(String(1024))
    shipped_at: Mapped[datetime | None]
    units: Mapped[dict[str, int]] = mapped_column(Json, default=dict)  # order line_id -> units shipped
    document: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)  # the canonical shipment.v1
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
