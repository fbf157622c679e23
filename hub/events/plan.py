"""Planning: timeline entries become ``event.publish`` deliveries, one per subscriber that wants them.

A subscriber receives what happens after it was added (its account's ``created_at``), never the history
before. Reading is by timeline id from the ``events`` cursor; entries younger than ``GRACE`` are read again on
the next pass, because on PostgreSQL an id is taken when a row is inserted, not when its transaction commits,
so a slower transaction can still commit an id below one already read. Deliveries are keyed
``evt:<subscriber>:<timeline id>``: reading an entry twice plans it once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.db.models import ConnectorAccount, Delivery, EventCursor, OrderEvent, OrderRecord
from hub.db.models.base import utcnow
from hub.delivery.outbox import enqueue
from hub.events.catalog import PUBLISHED, event_data

CONNECTOR = "events"
OPERATION = "event.publish"
CURSOR = "events"
GRACE = timedelta(seconds=60)
PAGE = 500
MAX_PAGES = 20  # one pass plans at most this many pages; the next pass goes on


@dataclass(frozen=True)
class Subscriber:
    name: str
    events: frozenset[str]
    since: datetime

    @property
    def destination(self) -> str:
        return f"{CONNECTOR}:{self.name}"

    def wants(self, event_type: str, occurred_at: datetime) -> bool:
        return occurred_at >= self.since and ("*" in self.events or event_type in self.events)


def subscribers(session: Session) -> list[Subscriber]:
    query = select(ConnectorAccount).where(ConnectorAccount.connector == CONNECTOR, ConnectorAccount.active)
    return [
        Subscriber(row.account, frozenset(_names(row.settings.get("events", ["*"]))), row.created_at)
        for row in session.scalars(query)
    ]


def _names(value: Any) -> Iterable[str]:
    return [part.strip() for part in value.split(",")] if isinstance(value, str) else [str(part) for part in value]


def event_key(subscriber: str, timeline_id: int) -> str:
    return f"evt:{subscriber}:{timeline_id}"


def plan_events(session: Session, *, now: datetime | None = None) -> list[int]:
    """Plan deliveries for timeline entries not planned yet; returns the ids of the new deliveries."""
    moment = now or utcnow()
    cursor = session.get(EventCursor, CURSOR, with_for_update=True)  # one planner at a time (PostgreSQL)
    cursor = cursor or EventCursor(name=CURSOR, last_id=0, updated_at=moment)
    session.add(cursor)
    subs = subscribers(session)
    planned: list[int] = []
    read_from, settled, blocked = cursor.last_id, cursor.last_id, False
    for _ in range(MAX_PAGES):
        rows = _page(session, read_from)
        if not rows:
            break
        if subs:
            planned += _plan_page(session, rows, subs, moment)
        read_from = rows[-1].id
        for row in rows:  # the cursor passes an entry only if it and all before it are older than the grace
            blocked = blocked or row.occurred_at > moment - GRACE
            if not blocked:
                settled = row.id
        if len(rows) < PAGE:
            break
    cursor.last_id, cursor.updated_at = settled, moment
    session.flush()
    return planned


def _plan_page(session: Session, rows: Sequence[Any], subs: Sequence[Subscriber], moment: datetime) -> list[int]:
    wanted = [(row, sub) for row in rows for sub in subs if sub.wants(PUBLISHED[row.type], row.occurred_at)]
    if not wanted:
        return []
    keys = {event_key(sub.name, row.id) for row, sub in wanted}
    known = set(session.scalars(select(Delivery.idempotency_key).where(Delivery.idempotency_key.in_(keys))))
    orders = _orders(session, {row.order_id for row, sub in wanted})
    planned = []
    for row, sub in wanted:
        key = event_key(sub.name, row.id)
        if key in known:
            continue
        payload = {
            "id": f"evt_{row.id}",
            "type": PUBLISHED[row.type],
            "occurred_at": row.occurred_at.isoformat(),
            "data": event_data(orders[row.order_id], row.type, row.data or {}),
        }
        delivery_id, created = enqueue(
            session,
            destination=sub.destination,
            operation=OPERATION,
            subject_type="order_event",
            subject_id=str(row.id),
            idempotency_key=key,
            payload=payload,
            order_id=row.order_id,
            now=moment,
        )
        if created:
            planned.append(delivery_id)
    return planned


def _orders(session: Session, order_ids: set[str]) -> dict[str, dict[str, Any]]:
    columns = (
        OrderRecord.id,
        OrderRecord.channel,
        OrderRecord.account,
        OrderRecord.channel_order_id,
        OrderRecord.number,
        OrderRecord.status,
    )
    query = select(*columns).where(OrderRecord.id.in_(order_ids))
    return {row.id: dict(row._mapping) for row in session.execute(query)}


def _page(session: Session, after: int) -> Sequence[Any]:
    query = (
        select(OrderEvent.id, OrderEvent.order_id, OrderEvent.type, OrderEvent.occurred_at, OrderEvent.data)
        .where(OrderEvent.id > after, OrderEvent.type.in_(list(PUBLISHED)))
        .order_by(OrderEvent.id)
        .limit(PAGE)
    )
    return session.execute(query).all()
