"""Outbound events' bookkeeping: how far the timeline has been read for publishing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from hub.db.models.base import Base, utcnow


class EventCursor(Base):
    """One row per reader of the order timeline (``events``): the entry up to which every earlier entry is
    known to be planned. Entries newer than a grace period are re-read on the next pass (a transaction still
    open when they were read may commit a smaller id later); the deliveries' idempotency keys make the re-read
    harmless."""

    __tablename__ = "event_cursors"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_id: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
