"""Many allocations at once, all or none: what a routing worker commits for a batch of orders.

``allocate_many(session, requests)`` commits every request (order, line, SKU, location, units) in a few
statements whatever their number, under the same guard as ``allocate``: each level is raised by the units
of all the batch's requests on it with one conditional update, ``available >= total``, checked by the
database on the locked row. So the batch never oversells; a level whose guard fails fails the whole call
(``BatchShort``, raised after the statement, so the caller must roll back what the statement wrote: its
transaction or a savepoint) and the caller falls back to allocating order by order.

Each request gets its own allocation row (keyed by (order, line, location) as always: a key allocated
before also fails the call) and its own ledger entry, whose balance is the level's committed units after
that request, in the order of ``requests``, so the ledger reads as if the allocations had been made one by
one. On PostgreSQL the claims, level updates and ledger entries are one statement with data-modifying CTEs
over arrays (the text does not depend on the batch size, so it is prepared once); elsewhere they are one
multi-row insert of claims, one update per level and one multi-row insert of ledger entries. Levels are
locked in (location, SKU) order, as ``allocate_lines`` and routing's commit take them, so two batches (or a
batch and a single order) wanting the same levels wait for each other instead of deadlocking.

Meant for first allocations of fresh order lines (a routing batch); topping up an existing allocation or
taking what is there (``partial``) stays with ``allocate`` and ``convert_reservation``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, text, update
from sqlalchemy.orm import Session

from hub.db.models.base import utcnow
from hub.inventory.allocation import AllocationRequest, new_allocation_row
from hub.inventory.errors import InventoryConflict, check_quantity
from hub.inventory.ledger import Bucket, Reason
from hub.inventory.tables import ALLOCATIONS, AVAILABLE, LEDGER, LEVELS, location_is_active

ALLOCATE_MANY = text(
    """
WITH req AS (
    SELECT * FROM unnest(CAST(:order_ids AS VARCHAR[]), CAST(:line_ids AS VARCHAR[]),
                         CAST(:location_ids AS VARCHAR[]), CAST(:skus AS VARCHAR[]), CAST(:quantities AS INTEGER[]))
        WITH ORDINALITY AS r(order_id, line_id, location_id, sku, quantity, seq)
), wanted AS (
    SELECT sku, location_id, CAST(sum(quantity) AS INTEGER) AS total FROM req GROUP BY sku, location_id
), locked AS (
    SELECT l.sku, l.location_id FROM inventory_levels AS l JOIN wanted AS w USING (sku, location_id)
    ORDER BY l.location_id, l.sku FOR UPDATE OF l
), level AS (
    UPDATE inventory_levels AS l
    SET committed = l.committed + w.total, updated_at = CAST(:now AS TIMESTAMPTZ)
    FROM wanted AS w JOIN locked AS k USING (sku, location_id)
    WHERE l.sku = w.sku AND l.location_id = w.location_id
      AND l.on_hand - l.committed - l.reserved - l.safety_stock >= w.total
      AND EXISTS (SELECT 1 FROM inventory_locations AS x WHERE x.id = w.location_id AND x.active)
    RETURNING l.sku, l.location_id, l.committed, w.total
), claim AS (
    INSERT INTO inventory_allocations
        (order_id, line_id, location_id, sku, quantity, shipped, released, status, created_at, updated_at)
    SELECT order_id, line_id, location_id, sku, quantity, 0, 0, 'active', CAST(:now AS TIMESTAMPTZ),
           CAST(:now AS TIMESTAMPTZ)
    FROM req ORDER BY seq
    ON CONFLICT (order_id, line_id, location_id) DO NOTHING
    RETURNING id
), entry AS (
    INSERT INTO inventory_ledger
        (sku, location_id, bucket, delta, balance, reason, order_id, line_id, source, recorded_at, effective_at)
    SELECT r.sku, r.location_id, 'committed', r.quantity,
           lv.committed - lv.total + CAST(sum(r.quantity) OVER (PARTITION BY r.sku, r.location_id ORDER BY r.seq)
                                          AS INTEGER),
           'allocation', r.order_id, r.line_id, CAST(:source AS VARCHAR), stamp.at, stamp.at
    FROM req AS r JOIN level AS lv ON lv.sku = r.sku AND lv.location_id = r.location_id,
         (SELECT clock_timestamp() AS at) AS stamp
    ORDER BY r.seq
)
SELECT (SELECT count(*) FROM wanted) AS levels_wanted, (SELECT count(*) FROM level) AS levels_raised,
       (SELECT count(*) FROM claim) AS claimed
"""
)


class BatchShort(InventoryConflict):
    """A level of the batch had fewer units than the batch wanted there (or its location is inactive), or a
    line was allocated there before: nothing of the batch may stand; roll back and allocate one by one."""


def allocate_many(
    session: Session, requests: Sequence[AllocationRequest], *, source: str = "hub", now: datetime | None = None
) -> int:
    """Commit every request or raise ``BatchShort`` (see the module docstring); returns the units committed."""
    if not requests:
        return 0
    for request in requests:
        check_quantity(request.quantity)
    moment = now or utcnow()
    if session.get_bind().dialect.name == "postgresql":
        _on_postgres(session, requests, source, moment)
    else:
        _portable(session, requests, source, moment)
    return sum(request.quantity for request in requests)


def _on_postgres(session: Session, requests: Sequence[AllocationRequest], source: str, now: datetime) -> None:
    params = {
        "order_ids": [r.order_id for r in requests],
        "line_ids": [r.line_id for r in requests],
        "location_ids": [r.location_id for r in requests],
        "skus": [r.sku for r in requests],
        "quantities": [r.quantity for r in requests],
        "source": source,
        "now": now,
    }
    row = session.connection().execute(ALLOCATE_MANY, params).one()
    if row.levels_raised != row.levels_wanted or row.claimed != len(requests):
        raise BatchShort(
            f"{row.levels_wanted - row.levels_raised} of {row.levels_wanted} levels had too little stock, "
            f"{len(requests) - row.claimed} lines were allocated there before"
        )


def _portable(session: Session, requests: Sequence[AllocationRequest], source: str, now: datetime) -> None:
    claimed = session.execute(
        insert(ALLOCATIONS).returning(ALLOCATIONS.c.id), [new_allocation_row(r, now) for r in requests]
    ).all()
    if len(claimed) != len(requests):
        raise BatchShort(f"{len(requests) - len(claimed)} lines were allocated there before")
    totals: dict[tuple[str, str], int] = defaultdict(int)
    for r in requests:
        totals[(r.sku, r.location_id)] += r.quantity
    balances: dict[tuple[str, str], int] = {}
    for (sku, location_id), total in sorted(totals.items(), key=lambda item: (item[0][1], item[0][0])):
        statement = (
            update(LEVELS)
            .where(LEVELS.c.sku == sku, LEVELS.c.location_id == location_id, AVAILABLE >= total)
            .where(location_is_active(location_id))
            .values(committed=LEVELS.c.committed + total, updated_at=now)
            .returning(LEVELS.c.committed)
        )
        after = session.execute(statement).scalar_one_or_none()
        if after is None:
            raise BatchShort(f"{sku} at {location_id}: fewer than {total} units available")
        balances[(sku, location_id)] = int(after) - total
    recorded_at = utcnow()  # after the level locks, so entries of one level never go back in time
    session.execute(insert(LEDGER), [_entry(r, balances, source, recorded_at) for r in requests])


def _entry(r: AllocationRequest, balances: dict[tuple[str, str], int], source: str, at: datetime) -> dict[str, Any]:
    balances[(r.sku, r.location_id)] += r.quantity
    return {
        "sku": r.sku,
        "location_id": r.location_id,
        "bucket": str(Bucket.COMMITTED),
        "delta": r.quantity,
        "balance": balances[(r.sku, r.location_id)],
        "reason": str(Reason.ALLOCATION),
        "reference": None,
        "order_id": r.order_id,
        "line_id": r.line_id,
        "source": source,
        "note": None,
        "key": None,
        "recorded_at": at,
        "effective_at": at,
    }
