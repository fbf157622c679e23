"""Planning: what happened becomes ``event.publish`` deliveries, one per subscriber that wants it.

Two append-only logs are read, each from its own cursor: the order timeline (order events) and the
available-to-sell changes (``inventory.low`` when a listing's figure falls to the subscriber's threshold).
A subscriber receives what happens after it was added (its account's ``created_at``), never the history
before. Entries younger than ``GRACE`` are read again on the next pass, because on PostgreSQL an id is taken
when a row is inserted, not when its transaction commits, so a slower transaction can still commit an id
below one already read. Deliveries are keyed ``evt:<subscriber>:<entry>``: reading an entry twice plans it
once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.db.models import AvailabilityEvent, ConnectorAccount, Delivery, EventCursor, OrderEvent, OrderRecord
from hub.db.models.base import utcnow
from hub.delivery.outbox import enqueue
from hub.events.catalog import PUBLISHED, event_data, low_stock_data

CONNECTOR = "events"
OPERATION = "event.publish"
GRACE = timedelta(seconds=60)
PAGE = 500
MAX_PAGES = 20  # one pass plans at most this many pages per log; the next pass goes on
DEFAULT_LOW_STOCK = 5


@dataclass(frozen=True)
class Subscriber:
    name: str
    events: frozenset[str]
    since: datetime
    low_stock: int = DEFAULT_LOW_STOCK

    @property
    def destination(self) -> str:
        return f"{CONNECTOR}:{self.name}"

    def wants(self, event_type: str, occurred_at: datetime) -> bool:
        return occurred_at >= self.since and ("*" in self.events or event_type in self.events)


@dataclass(frozen=True)
class Event:
    """One event for one subscriber, ready to enqueue."""

    subscriber: Subscriber
    entry: str  # what it was read from, unique across logs: "123" (timeline), "av45" (availability)
    type: str
    occurred_at: datetime
    data: dict[str, Any]
    order_id: str | None = None

    @property
    def key(self) -> str:
        return f"evt:{self.subscriber.name}:{self.entry}"


@dataclass(frozen=True)
class Log:
    cursor: str
    page: Callable[[Session, int], Sequence[Any]]  # rows with .id and .occurred_at, by id, after an id
    events: Callable[[Session, Sequence[Any], Sequence[Subscriber]], list[Event]]
    settle: Callable[[Session, int, datetime], int]  # with nobody subscribed: how far the cursor may pass


def subscribers(session: Session) -> list[Subscriber]:
    query = select(ConnectorAccount).where(ConnectorAccount.connector == CONNECTOR, ConnectorAccount.active)
    return [
        Subscriber(
            row.account,
            frozenset(_names(row.settings.get("events", ["*"]))),
            row.created_at,
            int(row.settings.get("low_stock_threshold", DEFAULT_LOW_STOCK)),
        )
        for row in session.scalars(query)
    ]


def _names(value: Any) -> Iterable[str]:
    return [part.strip() for part in value.split(",")] if isinstance(value, str) else [str(part) for part in value]


def plan_events(session: Session, *, now: datetime | None = None) -> list[int]:
    """Plan deliveries for entries not planned yet; returns the ids of the new deliveries."""
    moment = now or utcnow()
    subs = subscribers(session)
    return [delivery for log in LOGS for delivery in _plan_log(session, log, subs, moment)]


def _plan_log(session: Session, log: Log, subs: Sequence[Subscriber], moment: datetime) -> list[int]:
    cursor = session.get(EventCursor, log.cursor, with_for_update=True)  # one planner at a time (PostgreSQL)
    cursor = cursor or EventCursor(name=log.cursor, last_id=0, updated_at=moment)
    session.add(cursor)
    if not subs:  # nothing to plan: the cursor moves on as reading would move it, without reading the entries
        cursor.last_id, cursor.updated_at = log.settle(session, cursor.last_id, moment - GRACE), moment
        session.flush()
        return []
    planned: list[int] = []
    read_from, settled, blocked = cursor.last_id, cursor.last_id, False
    for _ in range(MAX_PAGES):
        rows = log.page(session, read_from)
        if not rows:
            break
        planned += _enqueue(session, log.events(session, rows, subs), moment)
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


def _enqueue(session: Session, events: list[Event], moment: datetime) -> list[int]:
    if not events:
        return []
    keys = {event.key for event in events}
    known = set(session.scalars(select(Delivery.idempotency_key).where(Delivery.idempotency_key.in_(keys))))
    planned = []
    for event in events:
        if event.key in known:
            continue
        payload = {
            "id": f"evt_{event.entry}",
            "type": event.type,
            "occurred_at": event.occurred_at.isoformat(),
            "data": event.data,
        }
        delivery_id, created = enqueue(
            session,
            destination=event.subscriber.destination,
            operation=OPERATION,
            subject_type="event",
            subject_id=event.entry,
            idempotency_key=event.key,
            payload=payload,
            order_id=event.order_id,
            now=moment,
        )
        if created:
            planned.append(delivery_id)
    return planned


def _settled(session: Session, ids: Any, times: Any, after: int, old_before: datetime, *where: Any) -> int:
    """The last entry after ``after`` that the cursor may pass: every entry up to it is older than
    ``old_before`` (the first younger one stops it, as in ``_plan_log``); ``after`` when there is none.
    Unlike reading, it is not limited to ``MAX_PAGES`` a pass: nothing is read."""
    young = session.scalar(select(func.min(ids)).where(ids > after, times > old_before, *where))
    query = select(func.max(ids)).where(ids > after, *where)
    if young is not None:
        query = query.where(ids < young)
    return int(session.scalar(query) or after)


# -- the order timeline ------------------------------------------------------------------------------------


def _timeline_page(session: Session, after: int) -> Sequence[Any]:
    query = (
        select(OrderEvent.id, OrderEvent.order_id, OrderEvent.type, OrderEvent.occurred_at, OrderEvent.data)
        .where(OrderEvent.id > after, OrderEvent.type.in_(list(PUBLISHED)))
        .order_by(OrderEvent.id)
        .limit(PAGE)
    )
    return session.execute(query).all()


def _timeline_settled(session: Session, after: int, old_before: datetime) -> int:
    published = OrderEvent.type.in_(list(PUBLISHED))
    return _settled(session, OrderEvent.id, OrderEvent.occurred_at, after, old_before, published)


def _order_events(session: Session, rows: Sequence[Any], subs: Sequence[Subscriber]) -> list[Event]:
    wanted = [(row, sub) for row in rows for sub in subs if sub.wants(PUBLISHED[row.type], row.occurred_at)]
    orders = _orders(session, {row.order_id for row, _sub in wanted}) if wanted else {}
    return [
        Event(
            sub,
            str(row.id),
            PUBLISHED[row.type],
            row.occurred_at,
            event_data(orders[row.order_id], row.type, row.data or {}),
            row.order_id,
        )
        for row, sub in wanted
    ]


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


# -- available to sell -------------------------------------------------------------------------------------


def _availability_page(session: Session, after: int) -> Sequence[Any]:
    columns = (
        AvailabilityEvent.id,
        AvailabilityEvent.channel,
        AvailabilityEvent.account,
        AvailabilityEvent.sku,
        AvailabilityEvent.old_quantity,
        AvailabilityEvent.new_quantity,
        AvailabilityEvent.computed_at.label("occurred_at"),
    )
    query = select(*columns).where(AvailabilityEvent.id > after).order_by(AvailabilityEvent.id).limit(PAGE)
    return session.execute(query).all()


def _availability_settled(session: Session, after: int, old_before: datetime) -> int:
    return _settled(session, AvailabilityEvent.id, AvailabilityEvent.computed_at, after, old_before)


def _low_stock_events(session: Session, rows: Sequence[Any], subs: Sequence[Subscriber]) -> list[Event]:
    """``inventory.low`` when a listing's figure falls to the threshold or below from above it (or is first
    published there): once per fall, not again while it stays low."""
    return [
        Event(sub, f"av{row.id}", "inventory.low", row.occurred_at, low_stock_data(row, sub.low_stock))
        for row in rows
        for sub in subs
        if sub.wants("inventory.low", row.occurred_at)
        and row.new_quantity <= sub.low_stock
        and (row.old_quantity is None or row.old_quantity > sub.low_stock)
    ]


LOGS = (
    Log("events", _timeline_page, _order_events, _timeline_settled),
    Log("events.availability", _availability_page, _low_stock_events, _availability_settled),
)
