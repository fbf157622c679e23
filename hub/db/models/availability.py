"""Available to sell as published: the last figures per (channel, account, SKU), the append-only change
events a channel connector sends on, and the runs that produced them.

``availability_published`` is what the hub last decided each listing should show; a recomputation
compares against it and writes an ``availability_events`` row only for a real change, so recomputing with
nothing changed writes nothing. Events are never updated or deleted (triggers refuse it, migration 0008):
a connector sends them in id order and keeps the last id it sent. ``availability_runs`` records each
recomputation with the inventory ledger id it had read up to, the watermark of the next run over changed
SKUs only.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.db.models.base import Base, Id, utcnow


class PublishedAvailability(Base):
    __tablename__ = "availability_published"

    channel: Mapped[str] = mapped_column(String(64), primary_key=True)
    account: Mapped[str] = mapped_column(String(128), primary_key=True)
    sku: Mapped[str] = mapped_column(String(128), primary_key=True)
    quantity: Mapped[int]
    preorder_quantity: Mapped[int]
    event_id: Mapped[int] = mapped_column(Id)  # the event that set these figures
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class AvailabilityEvent(Base):
    """One change of a listing's figures: old (None when first published) and new, why, and how."""

    __tablename__ = "availability_events"
    __table_args__ = (Index("ix_availability_events_channel_account_sku_id", "channel", "account", "sku", "id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    channel: Mapped[str] = mapped_column(String(64))
    account: Mapped[str] = mapped_column(String(128))
    sku: Mapped[str] = mapped_column(String(128))
    old_quantity: Mapped[int | None]
    new_quantity: Mapped[int]
    old_preorder_quantity: Mapped[int | None]
    new_preorder_quantity: Mapped[int]
    reason: Mapped[str] = mapped_column(String(32))  # scheduled, inventory_changed, cli ...
    explanation: Mapped[str] = mapped_column(Text)  # how the new figures were computed
    run_id: Mapped[int] = mapped_column(Id)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)


class AvailabilityRun(Base):
    """One recomputation: every SKU or only those whose inventory changed, and what it found."""

    __tablename__ = "availability_runs"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    scope: Mapped[str] = mapped_column(String(16))  # all, changed, skus
    reason: Mapped[str] = mapped_column(String(32))
    ledger_watermark: Mapped[int] = mapped_column(Id)  # inventory ledger entries up to this id are accounted for
    computed: Mapped[int]  # (channel, account, SKU) figures computed
    changed: Mapped[int]  # events written
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)
