"""A routing decision's allocations made binding with ``hub.inventory``, all or none.

The routing snapshot is advisory: stock can move between reading it and committing. ``commit_allocations``
commits every ``Commitment`` of a decision inside a savepoint, taking level locks in (location, SKU) order
so that two orders committing at once cannot deadlock. The first commitment that finds too little stock
stops it: the savepoint is rolled back (nothing of this attempt stays) and the caller learns which figure
was wrong (``ShortStock``), lowers it in the snapshot and decides again.

Each allocation is keyed by (order, line, location) in the inventory, so a task that commits and dies
before acknowledging cannot commit twice. Routing the rest of a line later may place more units at a
location that already holds some of that line: those are reserved and converted onto the existing
allocation (``reserve`` then ``convert_reservation``), under the same guard that never oversells.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from hub.inventory import (
    AllocationStatus,
    InventoryInputError,
    ReservationStatus,
    allocate,
    convert_reservation,
    find_allocation,
    reserve,
)
from hub.routing import Commitment

# A top-up reservation lives only between two statements of one transaction; a short life is plenty.
TOP_UP_TTL = timedelta(minutes=5)


@dataclass(frozen=True)
class ShortStock:
    """A commitment that found less stock than the snapshot promised."""

    location: str
    sku: str
    wanted: int
    available: int


def commit_allocations(
    session: Session, order_id: str, commitments: Sequence[Commitment], *, source: str
) -> ShortStock | None:
    """Commit every commitment, or none of them (see the module docstring); None when all were committed."""
    ordered = sorted(commitments, key=lambda c: (c.location, c.sku, c.line_id))
    savepoint = session.begin_nested()
    for commitment in ordered:
        short = _commit_one(session, order_id, commitment, source)
        if short is not None:
            savepoint.rollback()
            return short
    savepoint.commit()
    return None


def _commit_one(session: Session, order_id: str, c: Commitment, source: str) -> ShortStock | None:
    existing = find_allocation(session, order_id, c.line_id, c.location)
    try:
        if existing is None or existing.status == "released":
            result = allocate(session, order_id, c.line_id, c.sku, c.location, c.quantity, source=source)
            if result.status is AllocationStatus.ALLOCATED:
                return None
            return ShortStock(c.location, c.sku, c.quantity, max(0, result.available))
        return _top_up(session, order_id, c, source)
    except InventoryInputError:  # the location was deactivated since the snapshot: it has nothing to give
        return ShortStock(c.location, c.sku, c.quantity, 0)


def _top_up(session: Session, order_id: str, c: Commitment, source: str) -> ShortStock | None:
    """More units of a line at a location that already holds some of it."""
    held = reserve(
        session, c.sku, c.location, c.quantity, ttl=TOP_UP_TTL, reference=f"route:{order_id}:{c.line_id}", source=source
    )
    if held.status is not ReservationStatus.RESERVED or held.reservation is None:
        return ShortStock(c.location, c.sku, c.quantity, max(0, held.available))
    converted = convert_reservation(session, held.reservation.id, order_id, c.line_id, source=source)
    if converted.status is not AllocationStatus.ALLOCATED:
        return ShortStock(c.location, c.sku, c.quantity, max(0, converted.available))
    return None
