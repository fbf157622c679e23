"""What ``GET /healthz`` reports: database, migrations, broker, worker check-ins, the inbox.

Anyone who can reach the hub can read ``/healthz``, so the report names each backend's kind (``sqlite`` or
``postgresql``, ``embedded`` or ``rabbitmq``) and never its URL, host, user name or file path, not even
inside an error: why a backend is unreachable goes to the log, where the operator looks.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from celery import Celery
from sqlalchemy import func, select

from hub.db.migrate import current_revision, head_revision
from hub.db.models import InboxMessage, InboxStatus, WorkerHeartbeat
from hub.db.models.base import as_utc, utcnow
from hub.delivery.destinations import locations_without_fulfiller
from hub.errors import ServiceUnavailable
from hub.runtime import Runtime
from hub.settings import redact_url

log = logging.getLogger(__name__)
UNREACHABLE = "the {} is unreachable; the hub's log says why"


def check_broker(celery: Celery, timeout: float = 3.0) -> None:
    """Raise ServiceUnavailable with one readable line if the broker does not accept a connection."""
    url = celery.conf.broker_url
    try:
        with celery.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, interval_start=0, timeout=timeout)
    except Exception as exc:  # kombu raises transport-specific errors  # noqa: BLE001
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ServiceUnavailable(f"broker {redact_url(url)} is unreachable: {reason}") from None


def database_report(runtime: Runtime) -> dict[str, Any]:
    database = runtime.database
    report: dict[str, Any] = {"ok": False, "backend": database.dialect}
    try:
        database.ping()
    except ServiceUnavailable as exc:
        log.warning("health check: %s", exc)
        report["error"] = UNREACHABLE.format("database")
        return report
    current, head = current_revision(database), head_revision()
    report.update(ok=current == head, revision=current, head=head)
    if current != head:
        report["error"] = "database schema is not up to date: run `orderhub db upgrade`"
    return report


def broker_report(celery: Celery) -> dict[str, Any]:
    backend = "embedded" if str(celery.conf.broker_url).startswith("sqla+") else "rabbitmq"
    report: dict[str, Any] = {"ok": True, "backend": backend}
    try:
        check_broker(celery)
    except ServiceUnavailable as exc:
        log.warning("health check: %s", exc)
        report.update(ok=False, error=UNREACHABLE.format("broker"))
    return report


def worker_report(runtime: Runtime) -> dict[str, Any]:
    """Age of the latest check-in per queue; a queue with none has had no live worker since the hub began."""
    query = select(WorkerHeartbeat.queue, func.max(WorkerHeartbeat.received_at)).group_by(WorkerHeartbeat.queue)
    now = utcnow()
    with runtime.database.session() as session:
        rows: list[tuple[str, datetime]] = [(queue, at) for queue, at in session.execute(query)]
    return {
        queue: {
            "last_heartbeat": as_utc(at).isoformat(),
            "age_seconds": round((now - as_utc(at)).total_seconds(), 1),
        }
        for queue, at in sorted(rows)
    }


def inbox_report(runtime: Runtime) -> dict[str, Any]:
    """Messages waiting to be processed (and the oldest one's age), and messages that failed."""
    waiting = select(func.count(), func.min(InboxMessage.received_at)).where(
        InboxMessage.status == InboxStatus.RECEIVED
    )
    failed = select(func.count()).where(InboxMessage.status == InboxStatus.FAILED)
    with runtime.database.session() as session:
        count, oldest = session.execute(waiting).one()
        failures = session.execute(failed).scalar_one()
    age = round((utcnow() - as_utc(oldest)).total_seconds(), 1) if oldest is not None else None
    return {"waiting": count, "oldest_waiting_seconds": age, "failed": failures}


def warnings_report(runtime: Runtime) -> list[dict[str, Any]]:
    """What works but needs the operator, without making the hub unhealthy: locations holding stock that
    nobody fulfils (their fulfillment orders would never leave the hub)."""
    with runtime.database.session() as session:
        found = locations_without_fulfiller(session)
    return [{"location": f.location_id, "on_hand": f.on_hand, "warning": f.warning} for f in found]


def health(runtime: Runtime, celery: Celery) -> dict[str, Any]:
    database = database_report(runtime)
    broker = broker_report(celery)
    ok = database["ok"] and broker["ok"]
    return {
        "status": "ok" if ok else "unavailable",
        "database": database,
        "broker": broker,
        "workers": worker_report(runtime) if database["ok"] else {},
        "inbox": inbox_report(runtime) if database["ok"] else {},
        "warnings": warnings_report(runtime) if database["ok"] else [],
    }
