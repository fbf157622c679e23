"""The hub's own bookkeeping: worker check-ins that the health endpoint reports."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from hub.db.models.base import Base, Id, utcnow


class WorkerHeartbeat(Base):
    """One row per check-in a worker made in answer to the ``hub.system.heartbeat`` task."""

    __tablename__ = "worker_heartbeats"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    token: Mapped[str] = mapped_column(String(64), index=True)
    queue: Mapped[str] = mapped_column(String(64))  # the queue the check-in request travelled through
    worker: Mapped[str] = mapped_column(String(255))
    sent_at: Mapped[datetime]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
