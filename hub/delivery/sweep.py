"""Which pending deliveries the sweep publishes again, so none waits forever for a message the broker lost.

A delivery is published when it is planned (after the routing commit), and again by the sweep when it is
pending, due, its destination may receive (not paused, breaker not open or probing), and either nobody has
published it since it last became pending (``published_at`` is cleared whenever the engine puts a delivery
back: a retry, a skipped claim, a resumed destination) or its last publish is old. While the delivery's
queue holds a backlog, only deliveries unpublished for ``LOST_IN_BROKER`` are taken: the rest are most
likely in that backlog. With the queue empty, ``GRACE`` is enough (the planner publishes within
milliseconds of its commit). Publishing twice is harmless: a claim takes a delivery once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from hub.db.models import Delivery, DeliveryDestination, DeliveryStatus
from hub.delivery.breaker import HALF_OPEN, OPEN, BreakerSettings

GRACE = timedelta(seconds=5)
REPUBLISH_AFTER = timedelta(seconds=60)
LOST_IN_BROKER = timedelta(minutes=10)
LIMIT = 5000


def blocked_destinations(now: datetime, breaker: BreakerSettings):  # type: ignore[no-untyped-def]
    """A subquery of destinations that may not receive now: paused, open, or probing."""
    probing_since = now - timedelta(seconds=breaker.probe_timeout_seconds)
    return select(DeliveryDestination.destination).where(
        or_(
            DeliveryDestination.paused.is_(True),
            and_(DeliveryDestination.breaker == OPEN, DeliveryDestination.open_until > now),
            and_(DeliveryDestination.breaker == HALF_OPEN, DeliveryDestination.updated_at > probing_since),
        )
    )


def due_for_publishing(
    session: Session, now: datetime, breaker: BreakerSettings, backlog: Callable[[str], bool]
) -> dict[int, str]:
    """Delivery id -> queue of the deliveries to publish now (see the module docstring)."""
    found: dict[int, str] = {}
    queues = session.scalars(
        select(Delivery.queue).where(Delivery.status == DeliveryStatus.PENDING).group_by(Delivery.queue)
    ).all()
    for queue in queues:
        patience = LOST_IN_BROKER if backlog(queue) else GRACE
        republish = LOST_IN_BROKER if patience is LOST_IN_BROKER else REPUBLISH_AFTER
        query = (
            select(Delivery.id)
            .where(
                Delivery.status == DeliveryStatus.PENDING,
                Delivery.queue == queue,
                Delivery.next_attempt_at <= now - patience,
                or_(Delivery.published_at.is_(None), Delivery.published_at < now - republish),
                Delivery.destination.not_in(blocked_destinations(now, breaker)),
            )
            .order_by(Delivery.next_attempt_at, Delivery.id)
            .limit(LIMIT)
        )
        found.update((delivery_id, queue) for delivery_id in session.scalars(query))
    return found


def mark_published(session: Session, ids: Sequence[int], now: datetime) -> None:
    for start in range(0, len(ids), 1000):
        session.execute(
            update(Delivery)
            .where(Delivery.id.in_(ids[start : start + 1000]), Delivery.status == DeliveryStatus.PENDING)
            .values(published_at=now)
            .execution_options(synchronize_session=False)
        )


def unmark_published(session: Session, ids: Sequence[int], at: datetime) -> None:
    """Take back ``mark_published(session, ids, at)`` for a publish that failed, so the next sweep tries again."""
    for start in range(0, len(ids), 1000):
        session.execute(
            update(Delivery)
            .where(Delivery.id.in_(ids[start : start + 1000]), Delivery.published_at == at)
            .values(published_at=None)
            .execution_options(synchronize_session=False)
        )
