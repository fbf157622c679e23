"""A worker taking one ``hub.ingest.parse_many`` message also takes the chunks already waiting behind it on
the ingest queue (under load the web relay's chunks are small), parses them together and acknowledges
them once done; on a real worker, on the embedded stack and on PostgreSQL + RabbitMQ."""

from __future__ import annotations

from pathlib import Path

from celery import Celery
from sqlalchemy import select

from hub.db.models import InboxMessage, OrderRecord
from hub.worker.queues import INGEST, ROUTE, work_queues
from tests.channels.test_pipeline import order_event
from tests.processes import hub_env, hub_process, wait_for
from tests.stacks import hub_on

ORDERS = 12


def _waiting(celery: Celery, queue_name: str, amqp: bool) -> list[list[str]]:
    """The first argument of every message waiting on a queue, taken off it."""
    found = []
    declared = next(queue for queue in work_queues(amqp) if queue.name == queue_name)
    with celery.connection_for_write() as connection:
        bound = declared(connection.default_channel)
        while (message := bound.get(no_ack=False, accept=["json"])) is not None:
            args, _kwargs, _embed = message.decode()
            found.append(list(args[0]) if isinstance(args[0], list) else [args[0]])
            message.ack()
    return found


def test_a_backlog_of_small_chunks_is_parsed_together(migrated_stack: dict[str, str], tmp_path: Path) -> None:
    runtime, celery = hub_on(migrated_stack)
    with runtime.database.session() as session:
        messages = [
            InboxMessage(
                source="webhook",
                channel="standard",
                account="s1",
                dedupe_key=f"g-{n}",
                body=order_event(f"G-{n}"),
                headers={},
            )
            for n in range(ORDERS)
        ]
        session.add_all(messages)
        session.flush()
        ids = [message.id for message in messages]
    for inbox_id in ids:  # the backlog a busy relay leaves: one id per message
        celery.send_task("hub.ingest.parse_many", args=[[inbox_id]])

    def stored() -> int:
        with runtime.database.session() as session:
            return len(list(session.scalars(select(OrderRecord.id)))) >= ORDERS

    log = tmp_path / "worker.log"
    with hub_process(["worker", "--queues", INGEST, "--concurrency", "1"], hub_env(**migrated_stack), log):
        wait_for(stored, "the worker to parse the backlog")
        wait_for(lambda: "succeeded" in log.read_text(), "the worker to finish its task")
    with runtime.database.session() as session:
        orders = set(session.scalars(select(OrderRecord.id)))
        statuses = set(session.scalars(select(InboxMessage.status)))
    assert len(orders) == ORDERS and statuses == {"processed"}
    routing = _waiting(celery, ROUTE, not runtime.settings.embedded)  # one routing request per parsed chunk
    assert sorted(order_id for request in routing for order_id in request) == sorted(orders)
    assert len(routing) < ORDERS
    assert _waiting(celery, INGEST, not runtime.settings.embedded) == []  # every gathered message acknowledged
    runtime.close()
