"""Routing tasks: route one order, and the sweep that routes what was missed, what is due again, and
cancels what waited too long.

``hub.route.order`` is published for each order an intake task created, once that transaction committed
(``hub.worker.tasks.ingest``). Routing is safe to run twice: a second run routes only what is still
unallocated. ``hub.route.sweep`` runs on beat every ``HUB_WORKER__ROUTE_SWEEP_SECONDS``: it releases soft
reservations past their expiry, auto-cancels waits past their deadline (releasing what the lifecycle gives
back), then publishes ``hub.route.order`` for orders stored but never routed (a lost publish) and for waits
that are due, on their schedule or because stock of a SKU they wait for arrived (``hub.oms.waiting``). Rules
come from ``HUB_WORKER__ROUTING_RULES`` (a file or directory), the shipped default when unset.

Failures that pass (a race for stock lost every time, a dropped connection, a lock timeout) are retried
with backoff. One that retrying cannot mend parks the order as a routing exception (``hub.oms.route_exceptions``):
the task logs it and ends, and neither the sweep nor a second ``hub.route.order`` routes it again until
someone routes it by hand (``orderhub route order ID``).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from celery import shared_task

from hub.inventory.reservations import expire_reservations
from hub.oms.route import OrderNotStored, StockKeptMoving, route_order
from hub.oms.route_exceptions import TRANSIENT, RoutingFailed
from hub.oms.waiting import sweep_waiting
from hub.routing import RuleSet, default_rules, load_rules
from hub.worker.base import HubTask
from hub.worker.tasks.deliver import publish_deliveries

ORDER_TASK = "hub.route.order"
SWEEP_TASK = "hub.route.sweep"
log = logging.getLogger(__name__)


@cache
def _rules(path: Path | None) -> RuleSet:
    return load_rules(path) if path is not None else default_rules()


def configured_rules(task: HubTask) -> RuleSet:
    """The rule set the settings name, loaded once per process (a bad file fails every routing loudly)."""
    return _rules(task.runtime.settings.worker.routing_rules)


@shared_task(
    bind=True,
    base=HubTask,
    name=ORDER_TASK,
    autoretry_for=(StockKeptMoving, *TRANSIENT),
    retry_backoff=2,
    retry_backoff_max=120,
    retry_jitter=True,
    max_retries=10,
)
def order(self: HubTask, order_id: str) -> str:
    """Route one stored order now; returns the decision's outcome ("missing" for an unknown order, "exception"
    for one parked as a routing exception, now or before)."""
    rules = configured_rules(self)  # a bad rule file is the operator's to fix, not the order's: raised as it is
    try:
        routed = route_order(self.runtime.database, order_id, rules=rules, source="worker", release=False)
    except OrderNotStored:
        return "missing"
    except RoutingFailed as failed:
        log.warning("%s", failed)
        return "exception"
    if routed.parked:
        return "exception"
    publish_deliveries(self.app, routed.deliveries)  # committed: send its fulfillment orders
    return str(routed.decision.outcome) if routed.decision else "not_routed"


@shared_task(bind=True, base=HubTask, name=SWEEP_TASK)
def sweep(self: HubTask) -> dict[str, int]:
    """Release soft reservations past their expiry (the stock they free can wake waits), auto-cancel expired
    waits, then publish routing for never-routed and due orders."""

    def publish(order_id: str) -> None:
        self.app.send_task(ORDER_TASK, args=[order_id])

    now = datetime.now(UTC)
    with self.runtime.database.session() as session:
        expired = expire_reservations(session, now=now, source="worker")
    found = sweep_waiting(self.runtime.database, now, route=publish, source="worker")
    return {
        "reservations_expired": expired,
        "never_routed": len(found.never_routed),
        "due": len(found.due),
        "cancelled": len(found.cancelled),
    }
