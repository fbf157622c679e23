"""The inbox: every inbound message, stored raw before anything can fail, and replayable."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hub.db.models.base import Base, Id, Json, utcnow


class InboxStatus(StrEnum):
    RECEIVED = "received"  # stored, waiting for its parse task
    PROCESSED = "processed"  # turned into canonical documents
    FAILED = "failed"  # could not be processed; error says why; replayable
    IGNORED = "ignored"  # verified and recorded, nothing to do (pings, compliance topics handled elsewhere)


class InboxMessage(Base):
    __tablename__ = "inbox_messages"
    __table_args__ = (
        # A channel's delivery/event id, or an interchange key: a second copy is recognised, not stored twice.
        UniqueConstraint("channel", "account", "dedupe_key"),
        Index("ix_inbox_messages_status_received_at", "status", "received_at"),
        Index("ix_inbox_messages_enqueued_at", "enqueued_at"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    source: Mapped[str] = mapped_column(String(32))  # webhook, poll, edi-http, mailbox, sftp, cli
    channel: Mapped[str] = mapped_column(String(64))
    account: Mapped[str] = mapped_column(String(128))
    topic: Mapped[str | None] = mapped_column(String(128))
    dedupe_key: Mapped[str | None] = mapped_column(String(255))
    content_type: Mapped[str | None] = mapped_column(String(255))
    headers: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    triggered_at: Mapped[datetime | None]  # the channel's own event time, when it sends one
    status: Mapped[str] = mapped_column(String(16), default=InboxStatus.RECEIVED)
    # Set once the parse task was handed to the broker (by the relay or the sweeper); rows still null
    # after a while were never published and are picked up again.
    enqueued_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)
    processed_at: Mapped[datetime | None]
