"""Claiming deliveries: pending and due ones become ``in_flight`` for one worker, in one statement per chunk.

A claim takes the ids a task was given, keeps those still pending and due whose destination may receive
(not paused, breaker not open: ``hub.delivery.breaker.admit``), and moves them to ``in_flight`` with a lease
and one more attempt in a single conditional ``UPDATE ... WHERE status = 'pending' RETURNING``. Two workers
given the same ids never both get one: on PostgreSQL the rows are picked ``FOR UPDATE SKIP LOCKED`` and the
update re-checks the status; on SQLite the update runs under the database's single write lock.

A claim may also *top up* its chunk: given a queue and a size, it takes besides the ids it was handed other
deliveries of that queue that are pending and due and whose destination may receive, up to the size. When
every routed order publishes a message of its own, the first task to run takes the backlog's deliveries
as one chunk (one partner batch call, one record transaction) and the messages after it find their
deliveries taken and end at once; a lone delivery still goes the moment its message is taken.

What a claim returns is a plain snapshot (``Claimed``) used outside any transaction while sending. A
delivery skipped because its destination is blocked has its ``published_at`` cleared, so the sweep
publishes it again once the destination may receive.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, case, or_, select, update
from sqlalchemy.orm import Session

from hub.db.models import Delivery, DeliveryStatus
from hub.delivery.breaker import BreakerSettings, admit
from hub.delivery.sweep import blocked_destinations


@dataclass(frozen=True)
class Claimed:
    """A delivery as claimed: everything sending and recording it needs."""

    id: int
    destination: str
    connector: str
    operation: str
    subject_id: str
    order_id: str | None
    idempotency_key: str
    payload: dict[str, Any]
    attempts: int  # this try's number
    external_id: str | None
    queue: str
    claimed_at: datetime


COLUMNS = (
    Delivery.id,
    Delivery.destination,
    Delivery.connector,
    Delivery.operation,
    Delivery.subject_id,
    Delivery.order_id,
    Delivery.idempotency_key,
    Delivery.payload,
    Delivery.attempts,
    Delivery.external_id,
    Delivery.queue,
)


def snapshot(row: Row[Any], claimed_at: datetime) -> Claimed:
    return Claimed(
        row.id,
        row.destination,
        row.connector,
        row.operation,
        row.subject_id,
        row.order_id,
        row.idempotency_key,
        dict(row.payload),
        row.attempts,
        row.external_id,
        row.queue,
        claimed_at,
    )


def claim(
    session: Session,
    ids: Sequence[int],
    now: datetime,
    *,
    lease: timedelta,
    breaker: BreakerSettings,
    top_up: tuple[str, int] | None = None,
) -> list[Claimed]:
    """Claim what of ``ids`` may be sent now (see the module docstring), oldest first; ``top_up`` (queue,
    chunk size) fills the chunk with other due deliveries of that queue."""
    if not ids:
        return []
    given = Delivery.id.in_(ids)
    query = select(Delivery.id, Delivery.destination).where(
        Delivery.status == DeliveryStatus.PENDING, Delivery.next_attempt_at <= now
    )
    if top_up is not None and top_up[1] > len(ids):
        queue, size = top_up
        others = (Delivery.queue == queue) & Delivery.destination.not_in(blocked_destinations(now, breaker))
        query = query.where(or_(given, others)).order_by(case((given, 0), else_=1), Delivery.id).limit(size)
    else:
        query = query.where(given).order_by(Delivery.id)
    due = sorted(session.execute(query).all(), key=lambda row: row.id)
    allowed = admit(session, {row.destination for row in due}, now, breaker)
    chosen, waiting = [], []
    taken: Counter[str] = Counter()
    for row in due:
        limit = allowed[row.destination]
        if limit is None or taken[row.destination] < limit:
            chosen.append(row.id)
            taken[row.destination] += 1
        else:
            waiting.append(row.id)
    if waiting:
        _unpublished(session, waiting)
    return _take(session, chosen, now, lease) if chosen else []


def _take(session: Session, ids: list[int], now: datetime, lease: timedelta) -> list[Claimed]:
    target = Delivery.id.in_(ids)
    if session.get_bind().dialect.name == "postgresql":
        free = select(Delivery.id).where(target, Delivery.status == DeliveryStatus.PENDING)
        target = Delivery.id.in_(free.with_for_update(skip_locked=True).scalar_subquery())
    statement = (
        update(Delivery)
        .where(target, Delivery.status == DeliveryStatus.PENDING)
        .values(status=DeliveryStatus.IN_FLIGHT, lease_until=now + lease, attempts=Delivery.attempts + 1)
        .returning(*COLUMNS)
        .execution_options(synchronize_session=False)
    )
    rows = session.execute(statement).all()
    return sorted((snapshot(row, now) for row in rows), key=lambda claimed: claimed.id)


def _unpublished(session: Session, ids: list[int]) -> None:
    session.execute(
        update(Delivery)
        .where(Delivery.id.in_(ids), Delivery.status == DeliveryStatus.PENDING)
        .values(published_at=None)
        .execution_options(synchronize_session=False)
    )


def expired(session: Session, now: datetime, *, limit: int = 1000) -> list[Claimed]:
    """In-flight deliveries whose lease has run out: the worker holding them stopped (killed mid-send)."""
    rows = session.execute(
        select(*COLUMNS)
        .where(Delivery.status == DeliveryStatus.IN_FLIGHT, Delivery.lease_until < now)
        .order_by(Delivery.id)
        .limit(limit)
    ).all()
    return [snapshot(row, now) for row in rows]
