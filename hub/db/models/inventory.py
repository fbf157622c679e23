"""Inventory as stored: locations, stock levels per SKU and location, the append-only ledger that explains
every change to a level, and the rows that give changes their identity (allocations, reservations, incoming
stock, counts).

The level row is the one place stock is decided: every operation in ``hub.inventory`` changes it with a
single conditional ``UPDATE ... RETURNING`` and writes ledger entries in the same transaction. The other
tables hold what an operation is about and make it idempotent (a unique key per allocation, reservation,
expected receipt and count), never a second copy of the quantities.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hub.db.models.base import Base, Id, Json, utcnow


class Location(Base):
    """A place stock is held or shipped from: warehouse, store, 3PL site or drop-ship supplier.

    Columns hold what queries filter on (kind, capabilities, active, priority, where it is); ``profile``
    holds the validated rest (address, cutoff, cost profile) as ``hub.inventory.locations.LocationSpec``
    writes it.
    """

    __tablename__ = "inventory_locations"
    __table_args__ = (
        Index("ix_inventory_locations_partner_id_external_id", "partner_id", "external_id"),
        Index("ix_inventory_locations_active_priority", "active", "priority"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # a slug chosen by the operator
    name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16))  # warehouse, store, 3pl, supplier
    active: Mapped[bool] = mapped_column(default=True)
    priority: Mapped[int] = mapped_column(default=100)  # lower is preferred when costs tie
    can_ship: Mapped[bool] = mapped_column(default=False)
    can_pickup: Mapped[bool] = mapped_column(default=False)
    can_ship_from_store: Mapped[bool] = mapped_column(default=False)
    country: Mapped[str | None] = mapped_column(String(2))
    postal_region: Mapped[str | None] = mapped_column(String(32))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    # The partner that reports this location's stock (846, feed) and its code for it (N1 of the 846).
    partner_id: Mapped[str | None] = mapped_column(ForeignKey("partners.id", ondelete="SET NULL"))
    external_id: Mapped[str | None] = mapped_column(String(80))
    profile: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    # Who ships its fulfillment orders: "self" (the operator), a connector account "shipstation:main", or an
    # X12 partner "edi:PARTNER"; None until the operator says (reported by health and `connector list`).
    fulfilled_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class InventoryLevel(Base):
    """Stock of one SKU at one location, by state. Available is on_hand - committed - reserved - safety_stock.

    ``incoming`` is the sum of the open ``inventory_incoming`` rows, kept here so the ledger explains it too.
    ``last_count_at`` is the as-of time of the newest count applied: an older count is stale.
    """

    __tablename__ = "inventory_levels"
    __table_args__ = (
        CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
        CheckConstraint("committed >= 0", name="committed_not_negative"),
        CheckConstraint("reserved >= 0", name="reserved_not_negative"),
        CheckConstraint("safety_stock >= 0", name="safety_stock_not_negative"),
        CheckConstraint("incoming >= 0", name="incoming_not_negative"),
        Index("ix_inventory_levels_location_id", "location_id"),
    )

    sku: Mapped[str] = mapped_column(String(128), primary_key=True)
    location_id: Mapped[str] = mapped_column(ForeignKey("inventory_locations.id"), primary_key=True)
    on_hand: Mapped[int] = mapped_column(default=0)
    committed: Mapped[int] = mapped_column(default=0)
    reserved: Mapped[int] = mapped_column(default=0)
    safety_stock: Mapped[int] = mapped_column(default=0)
    incoming: Mapped[int] = mapped_column(default=0)
    last_count_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class InventoryLedgerEntry(Base):
    """One change to one bucket of one level: append-only (triggers refuse UPDATE and DELETE).

    ``balance`` is the bucket's value after the change, in the order entries were recorded, and the deltas
    of a bucket sum to its current value. ``effective_at`` is when the change happened in the world: the
    recording time, except for a count's correction, which takes effect at the count's as-of time.
    """

    __tablename__ = "inventory_ledger"
    __table_args__ = (
        Index("ix_inventory_ledger_sku_location_id_id", "sku", "location_id", "id"),
        Index("ix_inventory_ledger_sku_location_id_effective_at", "sku", "location_id", "effective_at"),
        Index("ix_inventory_ledger_order_id_line_id", "order_id", "line_id"),
        Index("ix_inventory_ledger_reference", "reference"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    sku: Mapped[str] = mapped_column(String(128))
    location_id: Mapped[str] = mapped_column(ForeignKey("inventory_locations.id"))
    bucket: Mapped[str] = mapped_column(String(16))  # on_hand, committed, reserved, safety_stock, incoming
    delta: Mapped[int]
    balance: Mapped[int]
    reason: Mapped[str] = mapped_column(String(32))  # receipt, allocation, count ... (hub.inventory.ledger)
    reference: Mapped[str | None] = mapped_column(String(255))  # PO, ASN, count key, reservation id ...
    order_id: Mapped[str | None] = mapped_column(String(64))
    line_id: Mapped[str | None] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(128))  # who made the change: cli, worker, 846:SUP1 ...
    note: Mapped[str | None] = mapped_column(Text)
    # The idempotency key of the operation, on its first entry only: the database refuses a second one.
    key: Mapped[str | None] = mapped_column(String(255), unique=True)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    effective_at: Mapped[datetime] = mapped_column(default=utcnow)


class Allocation(Base):
    """Units of a SKU at a location committed to one order line; one row per (order, line, location), so a
    retried allocation finds its row instead of committing twice. ``quantity`` is what is still committed."""

    __tablename__ = "inventory_allocations"
    __table_args__ = (
        UniqueConstraint("order_id", "line_id", "location_id"),
        Index("ix_inventory_allocations_sku_location_id", "sku", "location_id"),
        CheckConstraint("quantity >= 0", name="quantity_not_negative"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    order_id: Mapped[str] = mapped_column(String(64))
    line_id: Mapped[str] = mapped_column(String(64))
    location_id: Mapped[str] = mapped_column(ForeignKey("inventory_locations.id"))
    sku: Mapped[str] = mapped_column(String(128))
    quantity: Mapped[int] = mapped_column(default=0)
    shipped: Mapped[int] = mapped_column(default=0)
    released: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(16))  # pending, active, shipped, released
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Reservation(Base):
    """A soft hold on units (a cart, a quote, an order awaiting payment) that lapses at ``expires_at``."""

    __tablename__ = "inventory_reservations"
    __table_args__ = (
        Index("ix_inventory_reservations_status_expires_at", "status", "expires_at"),
        Index("ix_inventory_reservations_sku_location_id", "sku", "location_id"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # res_...
    key: Mapped[str | None] = mapped_column(String(255), unique=True)  # the caller's idempotency key
    sku: Mapped[str] = mapped_column(String(128))
    location_id: Mapped[str] = mapped_column(ForeignKey("inventory_locations.id"))
    quantity: Mapped[int]
    status: Mapped[str] = mapped_column(String(16))  # pending, active, converted, released, expired
    reference: Mapped[str | None] = mapped_column(String(255))
    expires_at: Mapped[datetime]
    order_id: Mapped[str | None] = mapped_column(String(64))  # set when converted to an allocation
    line_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]


class IncomingStock(Base):
    """Units expected at a location: a purchase-order line, an ASN line, or what a supplier reports on order.
    One row per (location, sku, source, reference); ``quantity`` is what is still expected."""

    __tablename__ = "inventory_incoming"
    __table_args__ = (
        UniqueConstraint("location_id", "sku", "source_type", "reference"),
        Index("ix_inventory_incoming_sku_location_id_status", "sku", "location_id", "status"),
        CheckConstraint("quantity >= 0", name="quantity_not_negative"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    sku: Mapped[str] = mapped_column(String(128))
    location_id: Mapped[str] = mapped_column(ForeignKey("inventory_locations.id"))
    source_type: Mapped[str] = mapped_column(String(16))  # po, asn, transfer, advice
    reference: Mapped[str] = mapped_column(String(128))  # PO number, ASN number, advice sender ...
    quantity: Mapped[int]
    received: Mapped[int] = mapped_column(default=0)
    expected_on: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(16))  # open, received, cancelled
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class InventoryCount(Base):
    """An absolute figure reported for a SKU at a location as of a moment (a cycle count, a 3PL or ERP feed,
    an 846), and what reconciling it did. ``key`` makes a count delivered twice apply once."""

    __tablename__ = "inventory_counts"
    __table_args__ = (Index("ix_inventory_counts_sku_location_id_as_of", "sku", "location_id", "as_of"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)
    sku: Mapped[str] = mapped_column(String(128))
    location_id: Mapped[str] = mapped_column(ForeignKey("inventory_locations.id"))
    basis: Mapped[str] = mapped_column(String(16))  # on_hand, or available (on hand less committed)
    reported: Mapped[int]
    as_of: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16))  # pending, applied, stale
    ledger_value: Mapped[int | None]  # what the ledger said the basis was at as_of
    adjustment: Mapped[int | None]  # what was applied to on hand
    source: Mapped[str] = mapped_column(String(128))
    reference: Mapped[str | None] = mapped_column(String(255))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
