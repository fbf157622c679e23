"""The export schedule: each accounting destination exported every ``export_every_minutes`` (its setting).

Beat runs ``hub.export.accounting_due`` every minute; it publishes ``hub.export.accounting`` (on the
``export`` queue) for each active accounting account whose setting asks for a schedule and whose last run
started at least that long ago. The run is the same as ``orderhub export accounting`` (book, plan, send
through the engine), recorded with source ``schedule``. A run that finds nothing new posts nothing, so a
redelivered task or an overlapping tick is harmless.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from celery import shared_task
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.accounting.export import run_export
from hub.db.models import AccountingRun, ConnectorAccount
from hub.db.models.base import as_utc, utcnow
from hub.delivery.config import EngineConfig
from hub.sdk import ConnectorKind, UnknownConnector, load_connector
from hub.worker.base import HubTask

DUE_TASK = "hub.export.accounting_due"
RUN_TASK = "hub.export.accounting"
TICK = timedelta(minutes=1)


def _every(row: ConnectorAccount) -> timedelta | None:
    """How often the account asks to be exported, or None (not an accounting account, or by hand only)."""
    try:
        cls = load_connector(row.connector)
    except (UnknownConnector, ImportError):
        return None
    if cls.kind != ConnectorKind.ACCOUNTING:
        return None
    try:
        every = int((row.settings or {}).get("export_every_minutes") or 0)
    except (TypeError, ValueError):
        return None  # refused when the account was saved; an edited row is not guessed at
    return timedelta(minutes=every) if every > 0 else None


def due_destinations(session: Session, now: datetime) -> list[tuple[str, str]]:
    """(connector, account) of each account whose scheduled export is due at ``now``."""
    last = dict(
        session.execute(
            select(AccountingRun.destination, func.max(AccountingRun.started_at)).group_by(AccountingRun.destination)
        ).all()
    )
    due = []
    for row in session.scalars(select(ConnectorAccount).where(ConnectorAccount.active.is_(True))):
        every = _every(row)
        if every is None:
            continue
        started = as_utc(last.get(f"{row.connector}:{row.account}"))
        if started is None or now - started >= every - TICK / 2:
            due.append((row.connector, row.account))
    return sorted(due)


@shared_task(bind=True, base=HubTask, name=DUE_TASK)
def export_due(self: HubTask) -> int:
    with self.runtime.database.session() as session:
        due = due_destinations(session, utcnow())
    for connector, account in due:
        self.app.send_task(RUN_TASK, args=[connector, account])
    return len(due)


@shared_task(bind=True, base=HubTask, name=RUN_TASK)
def export_accounting(self: HubTask, connector: str, account: str) -> dict[str, Any]:
    engine = EngineConfig.from_settings(self.runtime.settings.worker)
    report = run_export(self.runtime.database, connector, account, engine=engine, source="schedule")
    return {"run_id": report.run_id, "planned": report.planned, "posted": report.posted, "failed": report.failed}
