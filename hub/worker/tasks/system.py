"""Housekeeping tasks: worker check-ins for the health endpoint, and cleanup of the embedded broker."""

from __future__ import annotations

from datetime import datetime

from celery import shared_task
from sqlalchemy import create_engine, text

from hub.db.models import WorkerHeartbeat
from hub.db.models.base import utcnow
from hub.worker.base import HubTask


@shared_task(bind=True, base=HubTask, name="hub.system.heartbeat")
def heartbeat(self: HubTask, queue: str, token: str = "beat", sent_at: str | None = None) -> None:  # noqa: S107
    """Record that a worker consuming ``queue`` is alive (a repeat only adds another check-in)."""
    with self.runtime.database.session() as session:
        session.add(
            WorkerHeartbeat(
                token=token,
                queue=queue,
                worker=self.request.hostname or "unknown",
                sent_at=datetime.fromisoformat(sent_at) if sent_at else utcnow(),
            )
        )


@shared_task(bind=True, base=HubTask, name="hub.system.purge_broker")
def purge_broker(self: HubTask) -> int:
    """Delete messages the embedded SQL broker has delivered; its transport keeps them forever otherwise."""
    url = self.runtime.settings.broker_url
    if not url.startswith("sqla+"):
        return 0
    engine = create_engine(url.removeprefix("sqla+"))
    try:
        with engine.begin() as connection:
            result = connection.execute(text("DELETE FROM kombu_message WHERE visible = :hidden"), {"hidden": False})
            return int(result.rowcount or 0)
    finally:
        engine.dispose()
