"""Allocation on PostgreSQL in one statement: the hot path of ``hub.inventory.allocation.allocate``.

The portable path takes three round trips under the row lock (claim the order line, conditional update of
the level, ledger entry) and builds each statement in Python. On PostgreSQL the same three steps run as one
statement with data-modifying CTEs, so an allocation costs one round trip plus the commit, and the level's
row lock is held for less time, which is what bounds throughput on a hot SKU::

    WITH claim AS (INSERT INTO inventory_allocations ... WHERE <location active>
                   ON CONFLICT (order_id, line_id, location_id) DO NOTHING RETURNING id),
         level AS (UPDATE inventory_levels SET committed = committed + :q
                   WHERE sku = :sku AND location_id = :loc AND <available> >= :q
                     AND EXISTS (SELECT 1 FROM claim) RETURNING <buckets>),
         entry AS (INSERT INTO inventory_ledger ... SELECT ... FROM level)
    SELECT (SELECT id FROM claim), level.* ...

The guard is the same conditional update, re-checked by PostgreSQL on the newest row version when another
transaction held the lock, so the no-oversell argument is unchanged. Only the common outcomes are decided
here: all units committed, or too few available (the claim is removed again). When the line was claimed
before, or the location is unknown or inactive, nothing is written and the portable path decides.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import delete, text
from sqlalchemy.orm import Session

from hub.db.models.base import utcnow
from hub.inventory.tables import ALLOCATIONS

ALLOCATE = text(
    """
WITH claim AS (
    INSERT INTO inventory_allocations
        (order_id, line_id, location_id, sku, quantity, shipped, released, status, created_at, updated_at)
    SELECT CAST(:order_id AS VARCHAR), CAST(:line_id AS VARCHAR), CAST(:location_id AS VARCHAR),
           CAST(:sku AS VARCHAR), CAST(:quantity AS INTEGER), 0, 0, 'active',
           CAST(:now AS TIMESTAMPTZ), CAST(:now AS TIMESTAMPTZ)
    WHERE EXISTS (SELECT 1 FROM inventory_locations WHERE id = CAST(:location_id AS VARCHAR) AND active)
    ON CONFLICT (order_id, line_id, location_id) DO NOTHING
    RETURNING id
), level AS (
    UPDATE inventory_levels
    SET committed = committed + CAST(:quantity AS INTEGER), updated_at = CAST(:now AS TIMESTAMPTZ)
    WHERE sku = CAST(:sku AS VARCHAR) AND location_id = CAST(:location_id AS VARCHAR)
      AND on_hand - committed - reserved - safety_stock >= CAST(:quantity AS INTEGER)
      AND EXISTS (SELECT 1 FROM claim)
    RETURNING on_hand, committed, reserved, safety_stock, incoming
), entry AS (
    INSERT INTO inventory_ledger
        (sku, location_id, bucket, delta, balance, reason, order_id, line_id, source, recorded_at, effective_at)
    SELECT CAST(:sku AS VARCHAR), CAST(:location_id AS VARCHAR), 'committed', CAST(:quantity AS INTEGER),
           level.committed, 'allocation', CAST(:order_id AS VARCHAR), CAST(:line_id AS VARCHAR),
           CAST(:source AS VARCHAR), stamp.at, stamp.at
    FROM level, (SELECT COALESCE(CAST(:recorded_at AS TIMESTAMPTZ), clock_timestamp()) AS at) AS stamp
)
SELECT (SELECT id FROM claim) AS allocation_id, level.*
FROM (SELECT 1) AS one LEFT JOIN level ON true
"""
)


class Outcome(StrEnum):
    ALLOCATED = "allocated"  # every unit committed
    SHORT = "short"  # the line was claimed but the guard failed: too little available (claim removed)
    UNDECIDED = "undecided"  # claimed before, or the location is unknown or inactive: nothing written


def allocate_in_one_statement(
    session: Session,
    order_id: str,
    line_id: str,
    sku: str,
    location_id: str,
    quantity: int,
    source: str,
    now: datetime | None,
) -> tuple[Outcome, int | None, dict[str, Any] | None]:
    """(outcome, allocation id, level buckets after) of the one-statement allocation."""
    params = {
        "order_id": order_id,
        "line_id": line_id,
        "location_id": location_id,
        "sku": sku,
        "quantity": quantity,
        "source": source,
        "now": now or utcnow(),
        "recorded_at": now,  # None: the database clock, read after the row lock, like the portable path
    }
    row = session.connection().execute(ALLOCATE, params).one()
    if row.allocation_id is None:
        return Outcome.UNDECIDED, None, None
    if row.committed is None:
        session.execute(delete(ALLOCATIONS).where(ALLOCATIONS.c.id == row.allocation_id))
        return Outcome.SHORT, None, None
    return Outcome.ALLOCATED, int(row.allocation_id), dict(row._mapping)
