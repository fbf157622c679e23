"""Claims: a delivery is claimed by one worker only, however many are handed the same ids at once, and
claims skip destinations that may not receive (paused, breaker open) without holding up the others."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import select

from hub.db.models import Delivery
from hub.db.models.base import utcnow
from hub.db.session import Database
from hub.delivery.breaker import BreakerSettings
from hub.delivery.claim import Claimed, claim
from hub.delivery.destinations import pause
from hub.delivery.outbox import enqueue

LEASE = timedelta(minutes=5)
BREAKER = BreakerSettings(threshold=3, open_seconds=60)


def _plan(database: Database, count: int, destination: str = "self") -> list[int]:
    with database.session() as session:
        return [
            enqueue(
                session,
                destination=destination,
                operation="test.noop",
                subject_type="test",
                subject_id=f"s{n}",
                idempotency_key=f"test:{destination}:{n}",
                payload={"n": n},
            )[0]
            for n in range(count)
        ]


def _claim(database: Database, ids: list[int]) -> list[Claimed]:
    with database.session() as session:
        return claim(session, ids, utcnow(), lease=LEASE, breaker=BREAKER)


def test_two_workers_claiming_the_same_ids_at_once_never_share_one(database: Database) -> None:
    ids = _plan(database, 60)
    got: list[list[int]] = [[], [], []]
    start = threading.Barrier(3)

    def worker(slot: int) -> None:
        start.wait()
        for begin in range(0, len(ids), 10):  # in chunks, as tasks would
            got[slot].extend(claimed.id for claimed in _claim(database, ids[begin : begin + 10]))

    threads = [threading.Thread(target=worker, args=(slot,)) for slot in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    everything = got[0] + got[1] + got[2]
    assert sorted(everything) == ids  # each delivery claimed, and once only
    with database.session() as session:
        rows = session.execute(select(Delivery.status, Delivery.attempts, Delivery.lease_until)).all()
    assert {(status, attempts) for status, attempts, _lease in rows} == {("in_flight", 1)}
    assert all(lease is not None for _status, _attempts, lease in rows)
    assert _claim(database, ids) == []  # a second run of the same task finds nothing


def test_a_claim_skips_a_paused_destination_and_takes_the_others(database: Database) -> None:
    held = _plan(database, 3, "fake3pl:paused")
    free = _plan(database, 3, "self")
    with database.session() as session:
        pause(session, "fake3pl:paused", "by hand")
    assert [claimed.id for claimed in _claim(database, held + free)] == free
    with database.session() as session:
        statuses = dict(session.execute(select(Delivery.id, Delivery.status).where(Delivery.id.in_(held))).all())
    assert set(statuses.values()) == {"pending"}


def test_a_delivery_not_due_yet_is_not_claimed(database: Database) -> None:
    (later,) = _plan(database, 1)
    with database.session() as session:
        row = session.get(Delivery, later)
        assert row is not None
        row.next_attempt_at = utcnow() + timedelta(minutes=1)
    assert _claim(database, [later]) == []
