"""``hub.route.order`` end to end on a real worker, on the embedded stack and on PostgreSQL + RabbitMQ: an
order webhook stored in the inbox is parsed by ``hub.ingest.parse``, which publishes the routing of the order
it created; the worker routes it, commits the stock and creates the fulfillment order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from hub.db.models import InboxMessage, OrderEvent, OrderRecord, OrderRouting
from hub.db.models.base import utcnow
from hub.inventory import adjust, get_level, parse_location, receive, reserve, save_location
from hub.lifecycle.store import load
from hub.oms.route import route_order
from hub.runtime import Runtime
from hub.settings import load_settings
from hub.worker.app import create_celery
from tests.channels.test_pipeline import order_event
from tests.oms.test_route import _locations, _order
from tests.processes import hub_env, hub_process, wait_for
from tests.stacks import hub_on


def test_an_ingested_order_is_routed_by_the_worker(migrated_stack: dict[str, str], tmp_path: Path) -> None:
    runtime, celery = hub_on(migrated_stack)
    with runtime.database.session() as session:
        spec = {
            "id": "wh-lyon",
            "name": "Lyon",
            "kind": "warehouse",
            "capabilities": ["ship"],
            "postal_region": "FR:69",
        }
        save_location(session, parse_location(spec))
        adjust(session, "TEE-BLK-M", "wh-lyon", 5, source="test")
        message = InboxMessage(
            source="webhook", channel="standard", account="s1", dedupe_key="r-1", body=order_event("R-1"), headers={}
        )
        session.add(message)
        session.flush()
        inbox_id = message.id
    celery.send_task("hub.ingest.parse", args=[inbox_id])

    def routed() -> OrderRouting | None:
        with runtime.database.session() as session:
            created = session.scalar(select(OrderEvent.order_id).where(OrderEvent.inbox_message_id == inbox_id))
            return session.get(OrderRouting, created) if created else None

    log = tmp_path / "worker.log"
    with hub_process(
        ["worker", "--queues", "ingest,route", "--concurrency", "1"], hub_env(**migrated_stack), log
    ) as worker:
        routing = wait_for(routed, "the worker to route the ingested order")
        assert worker.poll() is None, log.read_text()
    # the gift-wrap line has no SKU, so it is held; the tees ship from Lyon
    assert routing.outcome == "partially_routed"
    with runtime.database.session() as session:
        lifecycle = load(session, routing.order_id)
        (fulfillment_order,) = lifecycle.fulfillment_orders.values()
        assert fulfillment_order.location == "wh-lyon"
        assert {line_id: line.quantity for line_id, line in fulfillment_order.lines.items()} == {"1": 2}
        level = get_level(session, "TEE-BLK-M", "wh-lyon")
        assert (level.committed, level.available) == (2, 3)
        kinds = list(session.scalars(select(OrderEvent.type).where(OrderEvent.order_id == routing.order_id)))
        assert kinds[0] == "order.received" and kinds[-1] == "order.routed"
    runtime.close()


def test_the_sweep_task_cancels_expired_waits_and_publishes_routing(database_url: str, tmp_path: Path) -> None:
    settings = load_settings(
        data_dir=tmp_path, database_url=database_url, broker_url=f"sqla+sqlite:///{tmp_path / 'b.sqlite3'}"
    )
    runtime = Runtime(settings)
    celery = create_celery(settings, runtime)
    _locations(runtime.database)
    expired = _order(runtime.database, number="1", placed_at="2026-01-01T12:00:00Z")  # 30 days ran out long ago
    route_order(runtime.database, expired, now=datetime(2026, 1, 1, 13, tzinfo=UTC))  # backordered: no stock
    unrouted = _order(runtime.database, number="2")
    with runtime.database.session() as session:  # stored long enough ago that intake should have routed it
        session.get(OrderRecord, unrouted).created_at = utcnow() - timedelta(minutes=10)  # type: ignore[union-attr]
    with runtime.database.session() as session:  # a soft reservation whose hold ran out
        receive(session, "MUG-1", "wh-nj", 1, source="test")
        reserve(session, "MUG-1", "wh-nj", 1, ttl=timedelta(minutes=5), now=utcnow() - timedelta(hours=1))
    found = celery.tasks["hub.route.sweep"]()  # runs here, publishes to the real embedded broker
    assert found == {"reservations_expired": 1, "never_routed": 1, "due": 0, "cancelled": 1}
    with runtime.database.session() as session:
        assert get_level(session, "MUG-1", "wh-nj").reserved == 0
    with runtime.database.session() as session:
        assert load(session, expired).state == "cancelled"
        assert session.get(OrderRouting, expired).waiting is False  # type: ignore[union-attr]
    with celery.connection_for_write() as connection:
        queue = connection.SimpleQueue("route")
        message = queue.get(timeout=5)
        assert (message.headers["task"], message.headers["argsrepr"]) == ("hub.route.order", repr([unrouted]))
        message.ack()
        queue.close()
    runtime.close()


def test_the_order_task_parks_an_order_it_cannot_route_and_ends_without_retrying(
    database_url: str, tmp_path: Path
) -> None:
    settings = load_settings(
        data_dir=tmp_path, database_url=database_url, broker_url=f"sqla+sqlite:///{tmp_path / 'b.sqlite3'}"
    )
    runtime = Runtime(settings)
    celery = create_celery(settings, runtime)
    _locations(runtime.database, wh_nj=3)
    order_id = _order(runtime.database)
    with runtime.database.session() as session:  # stored before line ids were checked
        record = session.get(OrderRecord, order_id)
        assert record is not None
        record.document = {**record.document, "lines": [{**record.document["lines"][0], "line_id": "9" * 65}]}
    assert celery.tasks["hub.route.order"](order_id) == "exception"  # runs here: no retry was scheduled
    assert celery.tasks["hub.route.order"](order_id) == "exception"  # published twice: left alone
    with runtime.database.session() as session:
        kinds = list(session.scalars(select(OrderEvent.type).where(OrderEvent.order_id == order_id)))
        assert kinds.count("routing.failed") == 1 and "order.routed" not in kinds
    assert celery.tasks["hub.route.sweep"]()["never_routed"] == 0
    runtime.close()
