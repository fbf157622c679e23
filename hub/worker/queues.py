"""The queues work travels through, and the one place that says which task goes where.

Queues are split by concern so a slow accounting API never delays order intake, and so each group can be
scaled with its own workers (``orderhub worker --queues deliver.3pl``).
"""

from __future__ import annotations

from kombu import Exchange, Queue

INGEST = "ingest"  # parse inbox messages into canonical documents
ROUTE = "route"  # allocation and routing decisions
DELIVER_3PL = "deliver.3pl"
DELIVER_SUPPLIER = "deliver.supplier"
DELIVER_ACCOUNTING = "deliver.accounting"
DELIVER_EVENTS = "deliver.events"  # signed order events to subscribers
DELIVER_CHANNEL = "deliver.channel"  # shipment confirmations, cancellations and refunds to sales channels
EXPORT = "export"  # reports and bulk exports
EDI = "edi"  # X12 transports: sending interchanges, polling partners' mailboxes and SFTP servers
SYSTEM = "system"  # housekeeping: heartbeats, cleanup

QUEUES = (
    INGEST,
    ROUTE,
    DELIVER_3PL,
    DELIVER_SUPPLIER,
    DELIVER_ACCOUNTING,
    DELIVER_CHANNEL,
    DELIVER_EVENTS,
    EXPORT,
    EDI,
    SYSTEM,
)

# Task names are hub.<stage>.<verb>; the stage picks the queue.
TASK_ROUTES = {
    "hub.ingest.*": {"queue": INGEST},
    "hub.route.*": {"queue": ROUTE},
    "hub.deliver.3pl.*": {"queue": DELIVER_3PL},
    "hub.deliver.supplier.*": {"queue": DELIVER_SUPPLIER},
    "hub.deliver.accounting.*": {"queue": DELIVER_ACCOUNTING},
    "hub.deliver.channel.*": {"queue": DELIVER_CHANNEL},
    "hub.deliver.events.*": {"queue": DELIVER_EVENTS},
    "hub.export.*": {"queue": EXPORT},
    "hub.edi.*": {"queue": EDI},
    "hub.system.*": {"queue": SYSTEM},
}

DEAD_LETTER_EXCHANGE = "orderhub.dead"
DEAD_LETTER_QUEUE = "dead"


def work_queues(amqp: bool) -> list[Queue]:
    """Durable queues; on RabbitMQ, rejected messages are dead-lettered to a parking queue, not dropped."""
    arguments = {"x-dead-letter-exchange": DEAD_LETTER_EXCHANGE} if amqp else None
    return [Queue(name, Exchange(name, type="direct"), routing_key=name, queue_arguments=arguments) for name in QUEUES]


def dead_letter_queue() -> Queue:
    """The parking queue; declared by workers at start-up, never consumed by them."""
    return Queue(DEAD_LETTER_QUEUE, Exchange(DEAD_LETTER_EXCHANGE, type="fanout"))


def parse_queue_list(text: str | None) -> list[str]:
    """``"ingest,route"`` -> ["ingest", "route"]; None or empty means every queue. Unknown names are refused."""
    if not text:
        return list(QUEUES)
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = sorted(set(names) - set(QUEUES))
    if unknown:
        raise ValueError(f"unknown queue(s) {', '.join(unknown)}; the queues are {', '.join(QUEUES)}")
    return names
