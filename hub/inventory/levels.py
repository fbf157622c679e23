"""Stock levels per (SKU, location) and the one way they change: :func:`change`.

A level holds five buckets: ``on_hand`` (physically there), ``committed`` (allocated to order lines, still
there until shipped), ``reserved`` (soft holds that expire), ``safety_stock`` (held back from selling) and
``incoming`` (expected from purchase orders, ASNs and suppliers; the open rows of ``inventory_incoming``).
What can be promised is::

    available = on_hand - committed - reserved - safety_stock

reported as 0 when it is negative (a count can find fewer units than are committed; that gap is reported
separately as ``shortage``, for re-allocation, instead of as negative stock).

:func:`change` applies deltas to a level with one conditional ``UPDATE ... SET b = b + :d WHERE <guard>
RETURNING <buckets>``. The guard (for allocation: ``available >= :q``) is evaluated by the database on the
row it locks, so two processes racing for the last unit cannot both pass it, on PostgreSQL (row lock, the
second re-checks the guard on the committed row) or SQLite (one writer at a time). When the guard fails,
nothing is written and the caller reads the level to say how many units there were. When it passes, the
ledger entries are written at once, in the same transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session

from hub.db.models.base import utcnow
from hub.inventory.ledger import Bucket, Cause, record
from hub.inventory.tables import LEVELS

BUCKET_COLUMNS = tuple(LEVELS.c[str(bucket)] for bucket in Bucket)


@dataclass(frozen=True)
class Level:
    sku: str
    location_id: str
    on_hand: int = 0
    committed: int = 0
    reserved: int = 0
    safety_stock: int = 0
    incoming: int = 0

    @classmethod
    def from_row(cls, sku: str, location_id: str, row: Mapping[Any, Any]) -> Level:
        return cls(sku, location_id, **{str(bucket): int(row[str(bucket)]) for bucket in Bucket})

    @property
    def free(self) -> int:
        """on_hand - committed - reserved - safety_stock, negative when more is promised than is there."""
        return self.on_hand - self.committed - self.reserved - self.safety_stock

    @property
    def available(self) -> int:
        """Units that can be promised now; never negative."""
        return max(self.free, 0)

    @property
    def shortage(self) -> int:
        """Committed units not backed by stock on hand (after a count found less): to be re-allocated."""
        return max(self.committed - self.on_hand, 0)

    def value(self, bucket: Bucket) -> int:
        return int(getattr(self, str(bucket)))

    def as_json(self) -> dict[str, Any]:
        return {
            "sku": self.sku,
            "location_id": self.location_id,
            **{str(bucket): self.value(bucket) for bucket in Bucket},
            "available": self.available,
            "shortage": self.shortage,
        }


def change(
    session: Session,
    sku: str,
    location_id: str,
    deltas: Mapping[Bucket, int],
    cause: Cause,
    *,
    guard: ColumnElement[bool] | None = None,
    now: datetime | None = None,
) -> Level | None:
    """Add ``deltas`` to the level and write their ledger entries; None (and nothing written) when the level
    does not exist or ``guard`` is false on it. Non-negativity of every bucket is always part of the guard."""
    conditions = [LEVELS.c.sku == sku, LEVELS.c.location_id == location_id]
    conditions += [LEVELS.c[str(bucket)] + delta >= 0 for bucket, delta in deltas.items() if delta < 0]
    if guard is not None:
        conditions.append(guard)
    values = {str(bucket): LEVELS.c[str(bucket)] + delta for bucket, delta in deltas.items() if delta}
    statement = (
        update(LEVELS).where(*conditions).values(**values, updated_at=now or utcnow()).returning(*BUCKET_COLUMNS)
    )
    row = session.execute(statement).one_or_none()
    if row is None:
        return None
    level = Level.from_row(sku, location_id, row._mapping)
    # Taken after the row lock, so entries of one level never go back in time.
    recorded_at = now or utcnow()
    record(session, sku, location_id, ((b, d, level.value(b)) for b, d in deltas.items()), cause, recorded_at)
    return level


def get_level(session: Session, sku: str, location_id: str) -> Level:
    """The level, or an all-zero one when nothing was ever recorded for the pair."""
    row = session.execute(
        select(*BUCKET_COLUMNS).where(LEVELS.c.sku == sku, LEVELS.c.location_id == location_id)
    ).one_or_none()
    return Level.from_row(sku, location_id, row._mapping) if row is not None else Level(sku, location_id)


def find_levels(session: Session, skus: list[str] | None = None, location_ids: list[str] | None = None) -> list[Level]:
    """Every recorded level for the SKUs and locations given (all of them when a filter is None)."""
    statement = select(LEVELS.c.sku, LEVELS.c.location_id, *BUCKET_COLUMNS)
    if skus is not None:
        statement = statement.where(LEVELS.c.sku.in_(skus))
    if location_ids is not None:
        statement = statement.where(LEVELS.c.location_id.in_(location_ids))
    rows = session.execute(statement.order_by(LEVELS.c.sku, LEVELS.c.location_id)).all()
    return [Level.from_row(row.sku, row.location_id, row._mapping) for row in rows]
