"""Channel payouts as stored: one row per settlement a channel published (a Shopify Payments payout, an Amazon
settlement report), its lines kept as JSON, unique by channel account and payout id so reading it again
replaces it instead of adding a second one."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hub.db.models.base import Base, Id, Json, utcnow

Amount = Numeric(18, 4)


class PayoutRecord(Base):
    __tablename__ = "channel_payouts"
    __table_args__ = (UniqueConstraint("channel", "account", "payout_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    channel: Mapped[str] = mapped_column(String(64))
    account: Mapped[str] = mapped_column(String(128))
    payout_id: Mapped[str] = mapped_column(String(128))
    payout_date: Mapped[date]
    currency: Mapped[str] = mapped_column(String(3))
    gross: Mapped[Decimal] = mapped_column(Amount)
    fees: Mapped[Decimal] = mapped_column(Amount)
    net: Mapped[Decimal] = mapped_column(Amount)
    # [{"channel_order_id", "kind", "amount", "fee"}], amounts as strings
    lines: Mapped[list[dict[str, Any]]] = mapped_column(Json, default=list)
    read_at: Mapped[datetime] = mapped_column(default=utcnow)
