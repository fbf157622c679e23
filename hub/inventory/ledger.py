"""The inventory ledger: one append-only entry per change to a bucket of a level, written in the same
transaction as the change, so every figure the hub reports can be explained entry by entry.

An entry records the bucket, the delta, the bucket's value after it (``balance``), why (:class:`Reason`),
what it refers to (an order line, a PO or ASN, a count key, a reservation id), who made it (``source``) and
when. Database triggers refuse UPDATE and DELETE on the table (migration 0005), on SQLite and PostgreSQL.

Two properties follow, and the tests hold the code to them:

* the deltas of a bucket sum to the level's current value (:func:`totals` against the level row);
* the value of a bucket at a past moment is its current value less the deltas that took effect after that
  moment (:func:`values_at`), which is what a count "as of" a time is reconciled against.

Each entry has two times: ``recorded_at``, when the hub wrote it, and ``effective_at``, when the change
happened in the world. They are the same except for a count's correction, which takes effect at the
count's as-of time: a later count reconciled against an earlier moment must see that correction, or it
would apply it a second time. Entries of one level are written while its row is locked, with
``recorded_at`` taken after the lock, so within a level ids and recording times increase together.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from hub.inventory.tables import LEDGER


class Bucket(StrEnum):
    """The states a unit at a location can be in; each is a column of ``inventory_levels``."""

    ON_HAND = "on_hand"
    COMMITTED = "committed"
    RESERVED = "reserved"
    SAFETY_STOCK = "safety_stock"
    INCOMING = "incoming"


class Reason(StrEnum):
    RECEIPT = "receipt"  # incoming -> on hand, or an unplanned receipt
    ADJUSTMENT = "adjustment"  # a correction by hand or from a feed's delta
    COUNT = "count"  # reconciling an absolute figure (cycle count, feed, 846)
    ALLOCATION = "allocation"  # units committed to an order line
    RELEASE = "release"  # committed units given back (cancelled, re-routed)
    SHIPMENT = "shipment"  # committed units left the building
    RETURN_RESTOCK = "return_restock"  # a returned unit put back on the shelf
    RESERVATION = "reservation"  # a soft hold placed
    RESERVATION_RELEASED = "reservation_released"  # a soft hold given up
    RESERVATION_EXPIRED = "reservation_expired"  # a soft hold lapsed (the sweep)
    RESERVATION_CONVERTED = "reservation_converted"  # a soft hold became an allocation
    INCOMING_EXPECTED = "incoming_expected"  # a PO, ASN or supplier's on-order figure
    INCOMING_CANCELLED = "incoming_cancelled"  # an expected receipt will not come
    SAFETY_STOCK = "safety_stock"  # the hold-back changed


@dataclass(frozen=True)
class Cause:
    """Why a change is made, carried onto each of its ledger entries."""

    reason: Reason
    source: str = "hub"
    reference: str | None = None
    order_id: str | None = None
    line_id: str | None = None
    note: str | None = None
    key: str | None = None  # idempotency key of the operation: stored on its first entry only
    effective_at: datetime | None = None  # when the change happened, if earlier than its recording (counts)


@dataclass(frozen=True)
class LedgerLine:
    id: int
    sku: str
    location_id: str
    bucket: str
    delta: int
    balance: int
    reason: str
    reference: str | None
    order_id: str | None
    line_id: str | None
    source: str
    note: str | None
    recorded_at: datetime

    def as_json(self) -> dict[str, Any]:
        document = {name: getattr(self, name) for name in self.__dataclass_fields__}
        document["recorded_at"] = self.recorded_at.isoformat()
        return document


def record(
    session: Session,
    sku: str,
    location_id: str,
    changes: Iterable[tuple[Bucket, int, int]],
    cause: Cause,
    recorded_at: datetime,
) -> None:
    """Append one entry per (bucket, delta, balance); zero deltas are not entries."""
    rows = [
        {
            "sku": sku,
            "location_id": location_id,
            "bucket": str(bucket),
            "delta": delta,
            "balance": balance,
            "reason": str(cause.reason),
            "reference": cause.reference,
            "order_id": cause.order_id,
            "line_id": cause.line_id,
            "source": cause.source,
            "note": cause.note,
            "key": None,
            "recorded_at": recorded_at,
            "effective_at": cause.effective_at or recorded_at,
        }
        for bucket, delta, balance in changes
        if delta
    ]
    if not rows:
        return
    rows[0]["key"] = cause.key
    session.execute(insert(LEDGER), rows)


KEY_LENGTH = 255  # the key columns' width


def bounded_key(key: str) -> str:
    """The key as stored: itself when it fits the column, else its start and a digest of the whole, so long
    references (several ids joined) stay distinct and never overflow the column."""
    if len(key) <= KEY_LENGTH:
        return key
    return f"{key[:150]}~{hashlib.sha256(key.encode()).hexdigest()}"


def operation_key(kind: str, *parts: str) -> str:
    """The ledger key of an operation of ``kind`` on the parts that identify it (location, sku, caller key)."""
    return bounded_key(":".join((kind, *parts)))


def key_seen(session: Session, key: str) -> bool:
    """Whether an operation with this idempotency key is already recorded (call it under the row's lock)."""
    return session.execute(select(LEDGER.c.id).where(LEDGER.c.key == key)).first() is not None


def values_at(
    session: Session, sku: str, location_id: str, current: Mapping[Bucket, int], as_of: datetime
) -> dict[Bucket, int]:
    """The buckets' values at ``as_of``: ``current`` (read under the level's lock) less every delta that
    took effect after it. Only the recent entries are summed, however long the level's history."""
    statement = (
        select(LEDGER.c.bucket, func.sum(LEDGER.c.delta))
        .where(LEDGER.c.sku == sku, LEDGER.c.location_id == location_id, LEDGER.c.effective_at > as_of)
        .group_by(LEDGER.c.bucket)
    )
    later = {Bucket(bucket): int(total) for bucket, total in session.execute(statement)}
    return {bucket: value - later.get(bucket, 0) for bucket, value in current.items()}


def totals(session: Session, sku: str, location_id: str) -> dict[Bucket, int]:
    """The sum of the deltas per bucket: what the level row must hold."""
    statement = (
        select(LEDGER.c.bucket, func.sum(LEDGER.c.delta))
        .where(LEDGER.c.sku == sku, LEDGER.c.location_id == location_id)
        .group_by(LEDGER.c.bucket)
    )
    found = {Bucket(bucket): int(total) for bucket, total in session.execute(statement)}
    return {bucket: found.get(bucket, 0) for bucket in Bucket}


def history(
    session: Session,
    sku: str | None = None,
    location_id: str | None = None,
    *,
    order_id: str | None = None,
    reference: str | None = None,
    limit: int = 100,
) -> list[LedgerLine]:
    """The newest ``limit`` entries matching every filter given, oldest first."""
    statement = select(*(LEDGER.c[name] for name in LedgerLine.__dataclass_fields__))
    for column, value in (
        (LEDGER.c.sku, sku),
        (LEDGER.c.location_id, location_id),
        (LEDGER.c.order_id, order_id),
        (LEDGER.c.reference, reference),
    ):
        if value is not None:
            statement = statement.where(column == value)
    rows = session.execute(statement.order_by(LEDGER.c.id.desc()).limit(limit)).all()
    return [LedgerLine(**row._mapping) for row in reversed(rows)]
