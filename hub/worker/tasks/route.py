"""Routing tasks: route orders in batches, and the sweep that routes what was missed, what is due again, and
cancels what waited too long.

``hub.route.order`` is published for each order an intake task created, once that transaction committed
(``hub.worker.tasks.ingest``); it takes one order id or a list of them. A worker running it for one id
first gathers the other ``hub.route.order`` messages already waiting on the route queue (up to
``BATCH_SIZE`` orders, polling for at most ``GATHER_SECONDS`` when the queue is empty, so a lone order is
not kept waiting for a batch to fill) and routes them all with ``hub.oms.route_batch.route_orders``: one
transaction, each order still all or nothing. The gathered messages are acknowledged only after that
transaction committed, so a worker that dies meanwhile leaves them to the broker to deliver again; routing
is safe to run twice (a second run routes only what is still unallocated).

``hub.route.sweep`` runs on beat every ``HUB_WORKER__ROUTE_SWEEP_SECONDS``: it releases soft reservations
past their expiry, auto-cancels waits past their deadline (releasing what the lifecycle gives back), then
publishes ``hub.route.order`` for orders stored but never routed (a lost publish) and for waits that are
due, on their schedule or because stock of a SKU they wait for arrived (``hub.oms.waiting``). Rules come
from ``HUB_WORKER__ROUTING_RULES`` (a file or directory), the shipped default when unset; they are read
again when the files change (``hub.oms.process_cache``).

Failures that pass (a race for stock lost every time, a dropped connection, a lock timeout) are retried
with backoff, for the order that met them only. One that retrying cannot mend parks the order as a routing
exception (``hub.oms.route_exceptions``): the task logs it and goes on, and neither the sweep nor a second
``hub.route.order`` routes it again until someone routes it by hand (``orderhub route order ID``).
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime
from typing import Any

from celery import shared_task
from kombu.connection import Connection
from kombu.message import Message

from hub.inventory.reservations import expire_reservations
from hub.oms.process_cache import current_rules
from hub.oms.route import OrderNotStored, Routed
from hub.oms.route_batch import route_orders
from hub.oms.route_exceptions import TRANSIENT, RoutingFailed
from hub.oms.waiting import sweep_waiting
from hub.routing import RuleSet
from hub.worker import queues
from hub.worker.base import HubTask
from hub.worker.tasks.deliver import publish_deliveries, send_by_queue

ORDER_TASK = "hub.route.order"
SWEEP_TASK = "hub.route.sweep"
BATCH_SIZE = 50  # orders routed in one transaction at most
GATHER_SECONDS = 0.005  # how long an empty queue is polled before a smaller batch goes
MAX_RETRIES = 10
log = logging.getLogger(__name__)


def configured_rules(task: HubTask) -> RuleSet:
    """The newest rule set stored through the API, else the one the settings name, loaded again only when
    its files change (a bad file fails every routing loudly)."""
    return current_rules(task.runtime.settings.worker.routing_rules, task.runtime.database)


@shared_task(bind=True, base=HubTask, name=ORDER_TASK)
def order(self: HubTask, order_id: str | list[str], retries: int = 0) -> str | dict[str, str]:
    """Route the order (or orders) now, with what else waits on the queue; returns each order's outcome
    ("missing" for an unknown order, "exception" for one parked as a routing exception, "retry" for one
    published again after a failure that passes)."""
    rules = configured_rules(self)  # a bad rule file is the operator's to fix, not the order's: raised as it is
    ids = [order_id] if isinstance(order_id, str) else list(order_id)
    gathered: list[Message] = []
    if not self.request.called_directly and len(ids) < BATCH_SIZE:
        gathered = _mailbox(self).gather(ids, BATCH_SIZE - len(ids))
    try:
        outcomes = _route(self, ids, rules, retries)
    except BaseException:
        for message in gathered:  # not routed: back to the queue for another try
            _settle(message.requeue)
        raise
    for message in gathered:
        _settle(message.ack)
    return outcomes[ids[0]] if isinstance(order_id, str) else outcomes


def _route(task: HubTask, ids: list[str], rules: RuleSet, retries: int) -> dict[str, str]:
    result = route_orders(task.runtime.database, ids, rules=rules, source="worker")
    deliveries = [delivery for routed in result.routed.values() for delivery in routed.deliveries]
    # committed: send their fulfillment orders (the batch knows the queues of what it planned)
    send_by_queue(task.app, {delivery: result.queues[delivery] for delivery in deliveries if delivery in result.queues})
    publish_deliveries(task.app, [delivery for delivery in deliveries if delivery not in result.queues])
    outcomes = {order_id: _outcome(routed) for order_id, routed in result.routed.items()}
    for order_id, error in result.failed.items():
        outcomes[order_id] = _failed(task, order_id, error, retries)
    return outcomes


def _outcome(routed: Routed) -> str:
    if routed.parked:
        return "exception"
    return str(routed.decision.outcome) if routed.decision else "not_routed"


def _failed(task: HubTask, order_id: str, error: Exception, retries: int) -> str:
    if isinstance(error, OrderNotStored):
        return "missing"
    if isinstance(error, RoutingFailed):
        log.warning("%s", error)
        return "exception"
    if not isinstance(error, TRANSIENT) or retries >= MAX_RETRIES:
        raise error  # the hub's setup, not the order (or it kept failing): the operator's to see
    countdown = min(120, 2 ** (retries + 1))
    log.info("order %s: routing again in %d s: %s", order_id, countdown, error)
    task.app.send_task(ORDER_TASK, args=[order_id], kwargs={"retries": retries + 1}, countdown=countdown)
    return "retry"


def _settle(action: Any) -> None:
    try:
        action()
    except Exception as error:  # noqa: BLE001 - the broker delivers an unsettled message again
        log.warning("route queue: could not settle a gathered message: %s", error)


class _Mailbox:
    """This process's own connection to the route queue, from which waiting routing messages are taken."""

    def __init__(self, task: HubTask) -> None:
        # no heartbeats: nothing services them between tasks, and a connection the broker closed is simply
        # opened again by the next gathering (see _forget_mailbox)
        self.connection: Connection = task.app.connection_for_read(heartbeat=0)
        amqp = not task.runtime.settings.embedded
        route = next(queue for queue in queues.work_queues(amqp) if queue.name == queues.ROUTE)
        self.queue = route(self.connection.default_channel)

    def gather(self, ids: list[str], room: int) -> list[Message]:
        """Take up to ``room`` more order ids waiting on the queue (appended to ``ids``); the messages they
        came in, to settle once they are routed."""
        taken: list[Message] = []
        deadline = time.monotonic() + GATHER_SECONDS
        try:
            while len(ids) < BATCH_SIZE and room > 0:
                message = self.queue.get(no_ack=False, accept=["json"])
                if message is None:
                    if time.monotonic() >= deadline:
                        break
                    time.sleep(0.001)
                    continue
                wanted = _order_ids(message)
                if wanted is None:  # another task: back to the queue, and the batch goes as it is
                    message.requeue()
                    break
                taken.append(message)
                ids.extend(oid for oid in wanted if oid not in ids)
                room -= 1
        except Exception as error:  # noqa: BLE001 - the broker went away: route what we have
            log.warning("route queue: gathering stopped: %s", error)
            _forget_mailbox()
        return taken


def _order_ids(message: Message) -> list[str] | None:
    """The order ids of a ``hub.route.order`` message taken as it is (no retries), or None."""
    if message.headers.get("task") != ORDER_TASK:
        return None
    args, kwargs, _embed = message.decode()
    if kwargs.get("retries") or not args:
        return None
    first = args[0]
    return [first] if isinstance(first, str) else [str(item) for item in first]


_local = threading.local()


def _mailbox(task: HubTask) -> _Mailbox:
    if getattr(_local, "mailbox", None) is None:
        _local.mailbox = _Mailbox(task)
    mailbox: _Mailbox = _local.mailbox
    return mailbox


def _forget_mailbox() -> None:
    mailbox = getattr(_local, "mailbox", None)
    _local.mailbox = None
    if mailbox is not None:
        try:
            mailbox.connection.release()
        except Exception:  # noqa: BLE001, S110 - already gone
            pass


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
