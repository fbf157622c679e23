"""A chunk of deliveries settled together: what one order's refusal, the chunk's size and a worker's death do
to the others, on both databases."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from hub.db.models import Delivery, FulfillmentOrderRecord, OrderEvent
from hub.db.models.base import utcnow
from hub.db.session import Database
from hub.delivery import engine
from hub.delivery.config import EngineConfig
from hub.delivery.engine import deliver, take_back_expired
from hub.delivery.record import UNSETTLED
from hub.lifecycle.commands import Hold
from hub.lifecycle.store import execute
from hub.settings import WorkerSettings
from hub.worker.queues import DELIVER_3PL
from tests.delivery.conftest import CONFIG, add_account, add_location, make_due, pending_ids, route, store_order
from tests.delivery.fake3pl import Fake3plServer
from tests.sql_statements import statements

pytestmark = pytest.mark.usefixtures("fake3pl_installed")


def _routed(database: Database, fake: Fake3plServer, count: int, connector: str = "fake3pl") -> list[str]:
    add_location(database, "wh-east", add_account(database, fake.origin, connector=connector), LAMP=10 * count)
    orders = [store_order(database, str(1001 + n)) for n in range(count)]
    for order_id in orders:
        route(database, order_id)
    return orders


def _fo_states(database: Database) -> dict[str, str]:
    with database.session() as session:
        return dict(session.execute(select(FulfillmentOrderRecord.order_id, FulfillmentOrderRecord.state)).all())


def _events(database: Database, order_id: str) -> list[str]:
    with database.session() as session:
        query = select(OrderEvent.type).where(OrderEvent.order_id == order_id).order_by(OrderEvent.id)
        return list(session.scalars(query))


def test_an_order_the_lifecycle_refuses_leaves_its_neighbours_in_the_chunk_settled(
    database: Database, fake: Fake3plServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, held, last = _routed(database, fake, 3)
    record = engine.record

    def an_operator_holds_one_order_while_the_partner_answers(*args: Any, **kwargs: Any) -> Any:
        with database.session() as session:
            execute(session, held, Hold(reason="fraud check"), source="cli")
        return record(*args, **kwargs)

    monkeypatch.setattr(engine, "record", an_operator_holds_one_order_while_the_partner_answers)
    assert deliver(database, pending_ids(database), CONFIG).outcomes == {"delivered": 3}
    assert _fo_states(database) == {first: "accepted", held: "created", last: "accepted"}
    for order_id in (first, last):
        events = _events(database, order_id)
        assert events[-3:] == [
            "fulfillment_order.sent",
            "fulfillment_order.accepted",
            "fulfillment_order.submitted",
        ], events
    assert _events(database, held)[-1] == UNSETTLED
    assert sorted(fake.received) == sorted(f"fo:{fo}:submit" for fo in _fo_ids(database))


def _fo_ids(database: Database) -> list[str]:
    with database.session() as session:
        return list(session.scalars(select(FulfillmentOrderRecord.id)))


def _statements(action: Callable[[], object]) -> int:
    with statements() as sent:
        action()
    return len(sent)


def test_statements_per_delivered_order_do_not_grow_with_the_chunk(database: Database, fake: Fake3plServer) -> None:
    orders = _routed(database, fake, 16, connector="fakebatch")
    ids = pending_ids(database)
    few = _statements(lambda: deliver(database, ids[:4], CONFIG))
    many = _statements(lambda: deliver(database, ids[4:], CONFIG))
    assert set(_fo_states(database).values()) == {"accepted"} and len(_fo_states(database)) == len(orders)
    # eight orders more than the first chunk, each sent, accepted and put on its timeline: at most two
    # statements each (a fixed number per chunk otherwise)
    assert many - few <= 2 * 8, (few, many)


def test_a_backlog_of_a_hundred_goes_to_a_batch_partner_in_one_call_with_the_worker_defaults(
    database: Database, fake: Fake3plServer
) -> None:
    _routed(database, fake, 100, connector="fakebatch")
    ids = pending_ids(database)
    # one send message naming one delivery, as the worker runs it: it tops its chunk up with the backlog
    report = deliver(database, ids[:1], EngineConfig.from_settings(WorkerSettings()), queue=DELIVER_3PL)
    assert report.outcomes == {"delivered": 100}
    assert [seen["path"] for seen in fake.requests].count("/orders/batch") == 1
    assert sorted(fake.received) == sorted(f"fo:{fo}:submit" for fo in _fo_ids(database))
    assert set(_fo_states(database).values()) == {"accepted"}


def test_a_worker_dying_mid_chunk_leaves_every_order_at_the_partner_once(
    database: Database, fake: Fake3plServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _routed(database, fake, 3)
    ids = pending_ids(database)
    record = engine.record

    class WorkerDied(BaseException):
        """The process ends between the partner's answer and the record (SIGKILL, OOM)."""

    def dies(*_args: Any, **_kwargs: Any) -> Any:
        raise WorkerDied

    monkeypatch.setattr(engine, "record", dies)
    with pytest.raises(WorkerDied):  # its message named one delivery; it topped its chunk up with the others
        deliver(database, ids[:1], CONFIG, queue=DELIVER_3PL)
    monkeypatch.setattr(engine, "record", record)
    assert len(fake.received) == 3
    for delivery_id in ids[1:]:  # the other messages find their deliveries held by the dead worker
        assert deliver(database, [delivery_id], CONFIG, queue=DELIVER_3PL).claimed == 0
    with database.session() as session:  # its lease runs out
        session.execute(update(Delivery).values(lease_until=utcnow() - timedelta(seconds=1)))
    assert take_back_expired(database, CONFIG).outcomes == {"lost": 3}
    make_due(database)
    assert deliver(database, pending_ids(database), CONFIG, queue=DELIVER_3PL).outcomes == {"delivered": 3}
    assert sorted(fake.received) == sorted(f"fo:{fo}:submit" for fo in _fo_ids(database))  # each held once
    assert set(_fo_states(database).values()) == {"accepted"}
    with database.session() as session:
        submitted = session.scalars(select(OrderEvent.type).where(OrderEvent.type == "fulfillment_order.submitted"))
        assert len(list(submitted)) == 3
