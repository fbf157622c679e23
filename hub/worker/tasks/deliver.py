"""Delivery tasks: send deliveries by id, sweep what was lost or became due, poll partners for news.

``hub.deliver.<kind>.send`` (kind ``3pl``, ``supplier``, ``accounting``, one per queue so a slow accounting
API never delays a 3PL) takes a list of delivery ids and runs them through the engine
(``hub.delivery.engine``): safe to run twice, since a delivery is claimed once. A message with fewer ids
than a chunk tops its chunk up with other due deliveries of its queue, so a backlog of one-order messages
is sent and recorded a chunk at a time (the messages after it find their deliveries taken). A failure
outside the engine's own handling (the database gone mid-chunk) rejects the message without requeueing it: on
RabbitMQ it lands in the dead-letter queue for inspection, and the deliveries themselves come back
through the sweep (their leases run out), so nothing is lost either way.

``publish_deliveries(app, ids)`` is what a transaction that planned deliveries calls after it committed.
``hub.system.sweep_deliveries`` (beat, every ``HUB_WORKER__DELIVERY_SWEEP_SECONDS``) takes back deliveries
whose worker died mid-send and publishes pending ones that are due and were not published recently
(``hub.delivery.sweep``). ``hub.system.poll_destinations`` (beat, every ``HUB_WORKER__DELIVERY_POLL_SECONDS``)
publishes ``hub.deliver.<kind>.poll`` for each account whose connector polls (``hub.delivery.poll``).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping

from celery import Celery, shared_task
from celery.exceptions import Reject
from sqlalchemy import select

from hub.db.models import Delivery
from hub.db.models.base import utcnow
from hub.delivery.config import EngineConfig
from hub.delivery.engine import Report, deliver, take_back_expired
from hub.delivery.handlers import AfterCommit
from hub.delivery.outbox import queue_for
from hub.delivery.poll import poll_destination, pollable_destinations
from hub.delivery.sweep import blocked_destinations, due_for_publishing, mark_published, unmark_published
from hub.edi.supplier_watch import flag_overdue
from hub.worker.base import HubTask
from hub.worker.queues import DELIVER_3PL, DELIVER_ACCOUNTING, DELIVER_CHANNEL, DELIVER_EVENTS, DELIVER_SUPPLIER
from hub.worker.relay import queue_depth

log = logging.getLogger(__name__)
KINDS = {
    DELIVER_3PL: "3pl",
    DELIVER_SUPPLIER: "supplier",
    DELIVER_ACCOUNTING: "accounting",
    DELIVER_CHANNEL: "channel",
    DELIVER_EVENTS: "events",
}
SEND_TASKS = {queue: f"hub.deliver.{kind}.send" for queue, kind in KINDS.items()}
POLL_TASKS = {queue: f"hub.deliver.{kind}.poll" for queue, kind in KINDS.items()}
SWEEP_TASK = "hub.system.sweep_deliveries"
POLL_ALL_TASK = "hub.system.poll_destinations"
ROUTE_TASK = "hub.route.order"
PARSE_TASK = "hub.ingest.parse"
WATCH_SUPPLIERS_TASK = "hub.deliver.supplier.watch"


def engine_config(task: HubTask) -> EngineConfig:
    return EngineConfig.from_settings(task.runtime.settings.worker)


def publish_deliveries(app: Celery, ids: Iterable[int]) -> int:
    """Publish send tasks for the deliveries ``ids`` (after the transaction that wrote them committed), each
    to its delivery's queue, a chunk of ids per message; returns how many ids were published."""
    wanted = sorted(set(ids))
    if not wanted:
        return 0
    with app.hub.database.session() as session:
        queues = dict(session.execute(select(Delivery.id, Delivery.queue).where(Delivery.id.in_(wanted))).all())
    return send_by_queue(app, queues)


def send_by_queue(app: Celery, queues: Mapping[int, str]) -> int:
    """Publish send tasks for deliveries whose queues are known (delivery id -> queue)."""
    if not queues:
        return 0
    chunk = app.hub.settings.worker.delivery_chunk
    by_queue: dict[str, list[int]] = defaultdict(list)
    for delivery_id, queue in sorted(queues.items()):
        by_queue[queue if queue in SEND_TASKS else DELIVER_3PL].append(delivery_id)
    with app.producer_or_acquire() as producer:
        for queue, ids in by_queue.items():
            for start in range(0, len(ids), chunk):
                app.send_task(SEND_TASKS[queue], args=[ids[start : start + chunk]], producer=producer)
    return sum(len(ids) for ids in by_queue.values())


def publish_after(app: Celery, after: AfterCommit) -> None:
    """What a committed chunk left to publish: its new deliveries, orders to route again, other tasks (the
    sending of an interchange an EDI handler queued)."""
    publish_deliveries(app, after.deliveries)
    for order_id in sorted(after.routes):
        app.send_task(ROUTE_TASK, args=[order_id])
    for name, args in after.tasks:
        app.send_task(name, args=args)


def _send(task: HubTask, delivery_ids: list[int], queue: str) -> dict[str, int]:
    try:
        report: Report = deliver(task.runtime.database, delivery_ids, engine_config(task), queue=queue)
    except Exception as exc:
        log.exception("sending deliveries %s failed; the sweep takes them back when their lease ends", delivery_ids)
        raise Reject(f"{type(exc).__name__}: {exc}", requeue=False) from exc
    publish_after(task.app, report.after)
    return dict(report.outcomes)


@shared_task(bind=True, base=HubTask, name=SEND_TASKS[DELIVER_3PL])
def send_3pl(self: HubTask, delivery_ids: list[int]) -> dict[str, int]:
    return _send(self, delivery_ids, DELIVER_3PL)


@shared_task(bind=True, base=HubTask, name=SEND_TASKS[DELIVER_SUPPLIER])
def send_supplier(self: HubTask, delivery_ids: list[int]) -> dict[str, int]:
    return _send(self, delivery_ids, DELIVER_SUPPLIER)


@shared_task(bind=True, base=HubTask, name=SEND_TASKS[DELIVER_ACCOUNTING])
def send_accounting(self: HubTask, delivery_ids: list[int]) -> dict[str, int]:
    return _send(self, delivery_ids, DELIVER_ACCOUNTING)


@shared_task(bind=True, base=HubTask, name=SEND_TASKS[DELIVER_CHANNEL])
def send_channel(self: HubTask, delivery_ids: list[int]) -> dict[str, int]:
    return _send(self, delivery_ids, DELIVER_CHANNEL)


@shared_task(bind=True, base=HubTask, name=SEND_TASKS[DELIVER_EVENTS])
def send_events(self: HubTask, delivery_ids: list[int]) -> dict[str, int]:
    return _send(self, delivery_ids, DELIVER_EVENTS)


@shared_task(bind=True, base=HubTask, name=SWEEP_TASK)
def sweep(self: HubTask) -> dict[str, int]:
    """Take back deliveries past their lease, then publish the pending ones that are due and unpublished."""
    config = engine_config(self)
    database = self.runtime.database
    lost = take_back_expired(database, config)
    publish_after(self.app, lost.after)
    now = utcnow()
    with database.session() as session:
        due = due_for_publishing(session, now, config.breaker, lambda queue: queue_depth(self.app, queue) > 0)
    if not due:
        return {"lost": sum(lost.outcomes.values()), "published": 0}
    # Marked before publishing: a worker may take a delivery the moment it is published, and a mark made
    # after that would lock the row its claim skips, or stamp a retry it put back as just published (either
    # way the delivery would then wait for the republish window).
    with database.session() as session:
        mark_published(session, sorted(due), now)
    try:
        published = send_by_queue(self.app, due)
    except Exception:
        with database.session() as session:
            unmark_published(session, sorted(due), now)
        raise
    return {"lost": sum(lost.outcomes.values()), "published": published}


@shared_task(bind=True, base=HubTask, name=POLL_ALL_TASK)
def poll_all(self: HubTask) -> int:
    """Publish a poll of each account whose connector polls, unless its destination is paused or open."""
    config = engine_config(self)
    with self.runtime.database.session() as session:
        blocked = set(session.scalars(blocked_destinations(utcnow(), config.breaker)))
        destinations = [d for d in pollable_destinations(session) if d not in blocked]
    for destination in destinations:
        self.app.send_task(POLL_TASKS.get(queue_for(destination), POLL_TASKS[DELIVER_3PL]), args=[destination])
    return len(destinations)


def _poll(task: HubTask, destination: str) -> dict[str, object]:
    report = poll_destination(task.runtime.database, destination)
    for inbox_id in report.stored:
        task.app.send_task(PARSE_TASK, args=[inbox_id])
    publish_after(task.app, report.after)
    if report.error:
        log.warning("polling %s failed: %s", destination, report.error)
    return {"stored": len(report.stored), "shipments": report.shipments, "error": report.error}


@shared_task(bind=True, base=HubTask, name=POLL_TASKS[DELIVER_3PL])
def poll_3pl(self: HubTask, destination: str) -> dict[str, object]:
    return _poll(self, destination)


@shared_task(bind=True, base=HubTask, name=POLL_TASKS[DELIVER_SUPPLIER])
def poll_supplier(self: HubTask, destination: str) -> dict[str, object]:
    return _poll(self, destination)


@shared_task(bind=True, base=HubTask, name=WATCH_SUPPLIERS_TASK)
def watch_suppliers(self: HubTask) -> int:
    """Flag purchase orders whose supplier has not acknowledged them in the agreed time (beat)."""
    with self.runtime.database.session() as session:
        return len(flag_overdue(session, utcnow()))
