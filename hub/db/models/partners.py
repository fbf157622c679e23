"""Trading partners, suppliers and 3PLs the hub exchanges documents with."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from hub.db.models.base import Base, Json, utcnow


class Partner(Base):
    __tablename__ = "partners"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # a slug chosen by the operator
    name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(32))  # trading_partner, supplier, 3pl, channel, accounting
    active: Mapped[bool] = mapped_column(default=True)
    # Protocol profile (X12 ids, qualifiers, delimiters, acknowledgment policy, transports ...);
    # secrets appear here only as references (env:NAME, file:PATH).
    profile: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
