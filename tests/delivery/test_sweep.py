"""The sweep: a delivery whose worker died mid-send is taken back when its lease runs out (a late answer from
that worker is dropped), and pending deliveries are republished when due, unpublished and sendable."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from hub.db.models import Delivery, DeliveryAttempt
from hub.db.models.base import utcnow
from hub.db.session import Database
from hub.delivery.claim import claim
from hub.delivery.destinations import pause
from hub.delivery.engine import take_back_expired
from hub.delivery.outbox import enqueue
from hub.delivery.record import record
from hub.delivery.results import succeeded
from hub.delivery.sweep import GRACE, LOST_IN_BROKER, due_for_publishing, mark_published
from tests.delivery.conftest import CONFIG, add_location, delivery, make_due, route, run, store_order


def _outcomes(database: Database, delivery_id: int) -> list[str | None]:
    with database.session() as session:
        query = select(DeliveryAttempt.outcome).where(DeliveryAttempt.delivery_id == delivery_id)
        return list(session.scalars(query.order_by(DeliveryAttempt.number)))


def test_a_delivery_held_by_a_worker_that_died_is_taken_back_and_sent(database: Database) -> None:
    add_location(database, "shop", "self", LAMP=5)
    (delivery_id,) = route(database, store_order(database)).deliveries
    with database.session() as session:  # a worker claims it, then is killed before recording anything
        (held,) = claim(session, [delivery_id], utcnow(), lease=timedelta(seconds=30), breaker=CONFIG.breaker)
    assert take_back_expired(database, CONFIG).outcomes == {}  # the lease still runs
    with database.session() as session:
        session.execute(update(Delivery).values(lease_until=utcnow() - timedelta(seconds=1)))
    assert take_back_expired(database, CONFIG).outcomes == {"lost": 1}
    row = delivery(database, delivery_id)
    assert (row.status, row.attempts, row.lease_until) == ("pending", 1, None)
    assert "lease ran out" in (row.last_error or "")
    record(database, [held], [succeeded(delivery_id, utcnow())], CONFIG)  # the dead worker's late answer ...
    assert delivery(database, delivery_id).status == "pending"  # ... is dropped
    make_due(database)
    assert run(database).outcomes == {"delivered": 1}
    assert _outcomes(database, delivery_id) == ["lost", "delivered"]


def _planned(database: Database, key: str, destination: str = "self", **columns: object) -> int:
    with database.session() as session:
        delivery_id, _ = enqueue(
            session,
            destination=destination,
            operation="test.noop",
            subject_type="test",
            subject_id=key,
            idempotency_key=key,
            payload={},
        )
        if columns:
            session.execute(update(Delivery).where(Delivery.id == delivery_id).values(**columns))
    return delivery_id


def test_the_sweep_publishes_what_is_due_unpublished_and_sendable(database: Database) -> None:
    now = utcnow()
    lost = _planned(database, "lost", next_attempt_at=now - GRACE * 2)
    just_planned = _planned(database, "just-planned", next_attempt_at=now)  # its planner publishes it
    published = _planned(database, "published", next_attempt_at=now - GRACE * 2, published_at=now)
    later = _planned(database, "later", next_attempt_at=now + timedelta(minutes=5))
    held = _planned(database, "held", destination="fake3pl:paused", next_attempt_at=now - GRACE * 2)
    long_lost = _planned(database, "long-lost", next_attempt_at=now - LOST_IN_BROKER * 2)
    with database.session() as session:
        pause(session, "fake3pl:paused", "by hand")
    with database.session() as session:
        quiet = due_for_publishing(session, now, CONFIG.breaker, backlog=lambda queue: False)
        busy = due_for_publishing(session, now, CONFIG.breaker, backlog=lambda queue: True)
    assert sorted(quiet) == [lost, long_lost] and quiet[lost] == "deliver.3pl"
    assert sorted(busy) == [long_lost]  # a backlog most likely holds the rest
    assert not {just_planned, published, later, held} & set(quiet)
    with database.session() as session:
        mark_published(session, sorted(quiet), now)
    with database.session() as session:
        assert due_for_publishing(session, now, CONFIG.breaker, backlog=lambda queue: False) == {}
