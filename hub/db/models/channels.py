"""Sales-channel accounts (a Shopify shop, a WooCommerce site ...) and the privacy requests they send."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hub.db.models.base import Base, Id, Json, utcnow


class ChannelAccount(Base):
    __tablename__ = "channel_accounts"
    __table_args__ = (UniqueConstraint("channel", "account"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    channel: Mapped[str] = mapped_column(String(64))
    account: Mapped[str] = mapped_column(String(128))  # the operator's slug, part of the webhook URL
    active: Mapped[bool] = mapped_column(default=True)
    # base_url, webhook secrets, API tokens ...; secrets only as references (env:NAME, file:PATH)
    settings: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    # Reconciliation/polling: orders updated after this instant have not been pulled yet.
    watermark: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ComplianceRequest(Base):
    """A privacy-law request from a channel (Shopify customers/data_request, customers/redact, shop/redact)."""

    __tablename__ = "compliance_requests"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    channel: Mapped[str] = mapped_column(String(64))
    account: Mapped[str] = mapped_column(String(128))
    topic: Mapped[str] = mapped_column(String(64))
    inbox_message_id: Mapped[int] = mapped_column(ForeignKey("inbox_messages.id"), unique=True)
    subject: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)  # customer id/email, orders named
    status: Mapped[str] = mapped_column(String(16), default="open")  # open, done
    due_at: Mapped[datetime]
    done_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(512))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
