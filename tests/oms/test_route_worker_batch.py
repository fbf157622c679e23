"""A worker routes the ``hub.route.order`` messages waiting on its queue together: the first one's task
gathers the rest and routes them in one batch, acknowledging them once the batch committed. Every order is
routed exactly once, and nothing is left on the queue."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from hub.db.models import OrderEvent, OrderRouting
from hub.inventory import get_level
from tests.oms.test_route import _locations, _order
from tests.processes import hub_env, hub_process, wait_for
from tests.stacks import hub_on

ORDERS = 12


def test_waiting_routing_messages_are_routed_in_one_batch(migrated_stack: dict[str, str], tmp_path: Path) -> None:
    runtime, celery = hub_on(migrated_stack)
    _locations(runtime.database, wh_nj=ORDERS)
    order_ids = [_order(runtime.database, quantity=1, number=str(3000 + n)) for n in range(ORDERS)]
    for order_id in order_ids:  # waiting before any worker runs, as after a burst of webhooks
        celery.send_task("hub.route.order", args=[order_id])

    def all_routed() -> bool:
        with runtime.database.session() as session:
            routed = session.scalar(select(func.count()).where(OrderRouting.order_id.in_(order_ids)))
            return routed == ORDERS

    log = tmp_path / "worker.log"
    with hub_process(["worker", "--queues", "route", "--concurrency", "1"], hub_env(**migrated_stack), log) as worker:
        wait_for(all_routed, "the worker to route every order", limit=120)
        assert worker.poll() is None, log.read_text()
    runs = log.read_text().count("hub.route.order[")
    with runtime.database.session() as session:
        assert get_level(session, "LAMP", "wh-nj").committed == ORDERS
        for order_id in order_ids:
            kinds = list(session.scalars(select(OrderEvent.type).where(OrderEvent.order_id == order_id)))
            assert kinds.count("order.routed") == 1, kinds
    with celery.connection_for_write() as connection:
        declared = connection.default_channel.queue_declare(queue="route", passive=True)
        assert declared.message_count == 0  # every gathered message was acknowledged
    assert 0 < runs < 2 * ORDERS, log.read_text()  # fewer task runs than messages: they were gathered
    runtime.close()
