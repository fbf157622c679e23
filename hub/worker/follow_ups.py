"""Handing to the workers what processing an inbox message left to do, once that processing committed.

Processing a message (``hub.channels.process.process_message``, or a chunk of them in ``hub.channels.chunk``)
names on its ``Outcome`` the work it leaves for other queues: the orders it created (``hub.route.order``),
the deliveries it planned (a channel's shipment confirmation: ``hub.deliver.<kind>.send``) and the EDI
interchanges it queued (a 997: ``hub.edi.send``). Every path that processes a message publishes them here,
after its own transactions committed: the ingest tasks, a replay (API, console, ``orderhub inbox replay``)
and a channel pull (``hub.ingest.pull``, ``orderhub channel pull``).

Publishing only saves the wait for the sweeps (``hub.route.sweep``, the delivery sweep,
``hub.edi.send_pending``), which find the same work in the database. So a path for which a broker that does
not answer is no error of its own (a replay, a pull, a command on a host without the broker) uses
``FollowUps``: it logs the failure, stops trying, and says so in ``published``; the work waits for the sweeps
exactly as it did before it was published at once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from celery import Celery

from hub.channels.process import Outcome
from hub.worker.tasks.deliver import publish_deliveries
from hub.worker.tasks.route import BATCH_SIZE as ROUTE_BATCH_SIZE
from hub.worker.tasks.route import ORDER_TASK as ROUTE_TASK

SEND_INTERCHANGE_TASK = "hub.edi.send"
log = logging.getLogger(__name__)


def publish_follow_ups(app: Celery, outcomes: Iterable[Outcome]) -> None:
    """Publish the follow-ups of ``outcomes`` (committed already) through one producer; raises what the broker
    raised. The orders go as routing requests of up to ``ROUTE_BATCH_SIZE`` ids (``hub.route.order`` takes a
    list), so a chunk of messages costs one publish for its orders, not one per order."""
    done = list(outcomes)
    deliveries = [delivery_id for outcome in done for delivery_id in outcome.deliveries]
    if deliveries:
        publish_deliveries(app, deliveries)
    outbound = [interchange_id for outcome in done for interchange_id in outcome.outbound]
    created = [order_id for outcome in done for order_id in outcome.created]
    if not outbound and not created:
        return
    with app.producer_or_acquire() as producer:
        for interchange_id in outbound:
            app.send_task(SEND_INTERCHANGE_TASK, args=[interchange_id], producer=producer)
        for start in range(0, len(created), ROUTE_BATCH_SIZE):
            orders = created[start : start + ROUTE_BATCH_SIZE]
            app.send_task(ROUTE_TASK, args=[orders[0] if len(orders) == 1 else orders], producer=producer)


class FollowUps:
    """Publishes each outcome given to it, for a path that must succeed without the broker: the first failure
    is kept in ``failure`` (and logged as a warning, unless ``log_failure`` is False: a command prints it its
    own way, one line, no traceback) and later outcomes are left to the sweeps untried, since each try could
    wait out a connection timeout."""

    def __init__(self, app: Celery, *, log_failure: bool = True) -> None:
        self.app = app
        self.log_failure = log_failure
        self.failure: str | None = None

    @property
    def published(self) -> bool:
        """False once something was left for the sweeps."""
        return self.failure is None

    def __call__(self, outcome: Outcome) -> None:
        if self.failure is not None or not (outcome.created or outcome.deliveries or outcome.outbound):
            return
        try:
            publish_follow_ups(self.app, [outcome])
        except Exception as exc:  # noqa: BLE001 (committed already: the sweeps publish what is unrouted or unsent)
            self.failure = f"{type(exc).__name__}: {exc}".splitlines()[0]
            if self.log_failure:
                log.warning("could not publish what an inbox message left to do (%s); the sweeps will", self.failure)
