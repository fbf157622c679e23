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
    is logged and later outcomes are left to the sweeps untried (each try could wait out a connection
    timeout). ``published`` is False once something was left that way."""

    def __init__(self, app: Celery) -> None:
        self.app = app
        self.published = True

    def __call__(self, outcome: Outcome) -> None:
        if not (outcome.created or outcome.deliveries or outcome.outbound):
            return
        if not self.published:
            return
        try:
            publish_follow_ups(self.app, [outcome])
        except Exception:  # committed already: the sweeps publish what is still unrouted or unsent
            log.exception("could not publish what an inbox message left to do; the sweeps will")
            self.published = False
