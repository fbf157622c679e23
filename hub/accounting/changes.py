"""What changed since a destination's last journal scan: the orders whose facts must be computed again.

A scan used to recompute every fact of every order; now each destination keeps a watermark (a row of
``event_cursors``, the table every reader of the timeline keeps its place in) and a scan recomputes only the
orders touched since:

* orders whose row changed (``orders.updated_at``: every write path sets it, the status batches included),
* orders with a refund on their timeline (``order_events`` of type ``order.refund_recorded``),
* orders with a shipment recorded (``shipments.created_at``), and the orders of supplier invoices received or
  read again (``supplier_invoices.received_at``).

An id or a timestamp is taken when a row is written, not when its transaction commits: on PostgreSQL a
slower transaction can commit a row stamped before a scan that could not see it. So each scan reads again
everything stamped within ``GRACE`` before the previous scan started, and timeline entries both above the
last id read and within that window. Reading an order twice is harmless: the journal compares its facts with
what is booked and writes nothing when they agree (and an entry id is booked once, ever).

The cursor's name is derived from what the facts depend on besides the documents (the destination, when it
recognises sales, the day it books from, and ``FACTS_VERSION``): changing any of them starts from a full scan.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from hub.db.models import EventCursor, OrderEvent, OrderRecord, ShipmentRecord, SupplierInvoice
from hub.db.models.base import as_utc

REFUND_EVENT = "order.refund_recorded"
GRACE = timedelta(minutes=5)
FACTS_VERSION = 1  # raise when ``hub.accounting.facts`` changes what a document books: the next scan is full
CHUNK = 500  # ids per IN list: well inside every backend's limit on bound parameters
WHOLE_ABOVE = 2000  # more changed orders than this: reading every order in bulk is cheaper than id lists

T = TypeVar("T")


@dataclass(frozen=True)
class Scope:
    """The orders a scan computes facts for: ``None`` means every order (a full scan)."""

    order_ids: frozenset[str] | None
    last_event_id: int  # the highest timeline id read, for the cursor

    @property
    def full(self) -> bool:
        return self.order_ids is None


def cursor_name(destination: str, recognise_on: str, books_from: date | None) -> str:
    settings = f"{destination}|{recognise_on}|{books_from}|{FACTS_VERSION}"
    return "journal:" + hashlib.sha256(settings.encode()).hexdigest()[:40]


def chunks(ids: Collection[T]) -> Iterator[list[T]]:
    ordered = sorted(ids)  # type: ignore[type-var]
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]


def _last_event_id(session: Session) -> int:
    return int(session.scalar(select(func.max(OrderEvent.id)).where(OrderEvent.type == REFUND_EVENT)) or 0)


def scope(session: Session, name: str, *, full: bool = False, grace: timedelta = GRACE) -> tuple[EventCursor, Scope]:
    """The destination's cursor (locked for this transaction on PostgreSQL) and what its scan must read."""
    cursor = session.get(EventCursor, name, with_for_update=True)
    if cursor is None or full:
        cursor = cursor or EventCursor(name=name, last_id=0)
        session.add(cursor)
        return cursor, Scope(None, _last_event_id(session))
    since = as_utc(cursor.updated_at) - grace
    refunds = session.execute(
        select(OrderEvent.id, OrderEvent.order_id).where(
            OrderEvent.type == REFUND_EVENT, (OrderEvent.id > cursor.last_id) | (OrderEvent.occurred_at >= since)
        )
    ).all()
    queries: list[Select[Any]] = [
        select(OrderRecord.id).where(OrderRecord.updated_at >= since),
        select(ShipmentRecord.order_id).where(ShipmentRecord.created_at >= since),
        select(SupplierInvoice.order_id).where(SupplierInvoice.received_at >= since),
    ]
    changed = {order_id for _id, order_id in refunds}
    for query in queries:
        changed.update(session.scalars(query))
    last = max([cursor.last_id, *(event_id for event_id, _order in refunds)])
    return cursor, Scope(frozenset(changed) if len(changed) <= WHOLE_ABOVE else None, last)


def advance(cursor: EventCursor, found: Scope, started: datetime) -> None:
    """Move the watermark to the scan's start (the grace window is subtracted when it is read)."""
    cursor.last_id, cursor.updated_at = found.last_event_id, started
