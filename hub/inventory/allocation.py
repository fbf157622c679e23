"""Allocation: committing units of a SKU at a location to an order line, and what happens to them next
(released back, or shipped). It never oversells.

Every call works inside the caller's transaction (``with database.session() as session: ...``) and is
final only when that commits; row locks taken here are held until then, so keep those transactions short.

``allocate(session, order_id, line_id, sku, location_id, quantity)``
    Commits ``quantity`` units with one conditional update of the level::

        UPDATE inventory_levels SET committed = committed + :q
        WHERE sku = :sku AND location_id = :loc AND on_hand - committed - reserved - safety_stock >= :q
          AND <location is active> RETURNING ...

    The database evaluates the condition on the locked row, so concurrent allocations (threads, processes,
    machines) can never commit more than is available, on PostgreSQL and SQLite alike. Too little stock is
    an ordinary result (:attr:`AllocationStatus.INSUFFICIENT`, with the units that were available), not an
    exception; ``partial=True`` takes what there is instead. The allocation is keyed by (order, line,
    location): a retried task finds the key and changes nothing (``ALREADY_ALLOCATED``), so it cannot
    commit twice. An allocation released in full can be allocated again under the same key. On
    PostgreSQL the claim, the update and the ledger entry go to the server as one statement
    (``hub.inventory.postgres_allocation``), one round trip instead of three.

``allocate_lines(session, requests)``
    Several allocations in one transaction, taken in (location, sku) order so that two multi-line orders
    cannot deadlock. To take every line or none, roll back when any result is not ``ok``.

What happens to committed units next, released back or shipped, is in ``hub.inventory.settlement``.

The routing engine decides the location; this module only enforces the stock. Reservations that become
allocations go through ``hub.inventory.reservations.convert_reservation``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from hub.db.models.base import utcnow
from hub.inventory.errors import (
    InventoryConflict,
    InventoryInputError,
    LocationUnavailable,
    check_quantity,
)
from hub.inventory.ledger import Bucket, Cause, Reason
from hub.inventory.levels import Level, change, get_level
from hub.inventory.locations import location_state
from hub.inventory.postgres_allocation import Outcome, allocate_in_one_statement
from hub.inventory.tables import ALLOCATIONS, AVAILABLE, from_row, insert_at_location, location_is_active

# How often a partial allocation re-reads the level after losing a race before reporting what it got.
PARTIAL_ATTEMPTS = 20


class AllocationStatus(StrEnum):
    ALLOCATED = "allocated"  # every requested unit committed by this call
    PARTIAL = "partial"  # partial=True and fewer units than requested were available: those are committed
    INSUFFICIENT = "insufficient"  # nothing committed: fewer units available than requested (or none)
    ALREADY_ALLOCATED = "already_allocated"  # the (order, line, location) key was allocated before
    RESERVATION_LAPSED = "reservation_lapsed"  # converting: the reservation expired or was released


@dataclass(frozen=True)
class AllocationResult:
    status: AllocationStatus
    order_id: str
    line_id: str
    location_id: str
    sku: str
    requested: int
    allocated: int  # units this call committed
    committed: int  # units the allocation holds now
    available: int  # units still available at the location (when insufficient: what was available)
    allocation_id: int | None

    @property
    def ok(self) -> bool:
        """Whether the line now holds units here (an insufficient or lapsed result holds none)."""
        return self.status in (AllocationStatus.ALLOCATED, AllocationStatus.PARTIAL, AllocationStatus.ALREADY_ALLOCATED)


@dataclass(frozen=True)
class AllocationRequest:
    order_id: str
    line_id: str
    sku: str
    location_id: str
    quantity: int


@dataclass(frozen=True)
class AllocationRecord:
    id: int
    order_id: str
    line_id: str
    location_id: str
    sku: str
    quantity: int  # still committed
    shipped: int
    released: int
    status: str  # active, shipped, released


def allocate(
    session: Session,
    order_id: str,
    line_id: str,
    sku: str,
    location_id: str,
    quantity: int,
    *,
    partial: bool = False,
    source: str = "hub",
    now: datetime | None = None,
) -> AllocationResult:
    """Commit ``quantity`` units of ``sku`` at ``location_id`` to the order line (see the module docstring)."""
    check_quantity(quantity)
    request = AllocationRequest(order_id, line_id, sku, location_id, quantity)
    if not partial and session.get_bind().dialect.name == "postgresql":
        decided = _allocate_on_postgres(session, request, source, now)
        if decided is not None:
            return decided
    claimed_id, existing = _claim(session, request, now or utcnow())
    if existing is not None:
        level = get_level(session, sku, location_id)
        return _result(request, AllocationStatus.ALREADY_ALLOCATED, 0, existing.quantity, level, existing.id)
    cause = Cause(Reason.ALLOCATION, source, order_id=order_id, line_id=line_id)
    taken, level = _commit(session, request, partial, cause, now)
    assert claimed_id is not None
    if taken == 0:
        _unclaim(session, claimed_id)
        _require_allocatable(session, location_id)
        return _result(request, AllocationStatus.INSUFFICIENT, 0, 0, level, None)
    if taken < quantity:
        session.execute(update(ALLOCATIONS).where(ALLOCATIONS.c.id == claimed_id).values(quantity=taken))
    status = AllocationStatus.ALLOCATED if taken == quantity else AllocationStatus.PARTIAL
    return _result(request, status, taken, taken, level, claimed_id)


def _allocate_on_postgres(
    session: Session, request: AllocationRequest, source: str, now: datetime | None
) -> AllocationResult | None:
    """The one-statement allocation (``hub.inventory.postgres_allocation``); None when the portable path
    must decide (a line claimed before, an unknown or inactive location, units freed since the attempt)."""
    r = request
    outcome, allocation_id, row = allocate_in_one_statement(
        session, r.order_id, r.line_id, r.sku, r.location_id, r.quantity, source, now
    )
    if outcome is Outcome.ALLOCATED:
        assert row is not None
        level = Level.from_row(r.sku, r.location_id, row)
        return _result(r, AllocationStatus.ALLOCATED, r.quantity, r.quantity, level, allocation_id)
    if outcome is Outcome.SHORT:
        seen = get_level(session, r.sku, r.location_id)
        if seen.available < r.quantity:
            return _result(r, AllocationStatus.INSUFFICIENT, 0, 0, seen, None)
    return None


def allocate_lines(
    session: Session, requests: Sequence[AllocationRequest], *, partial: bool = False, source: str = "hub"
) -> list[AllocationResult]:
    """Allocate each request, locking levels in (location, sku) order; results in the order of ``requests``."""
    order = sorted(range(len(requests)), key=lambda i: (requests[i].location_id, requests[i].sku))
    results: dict[int, AllocationResult] = {}
    for index in order:
        r = requests[index]
        results[index] = allocate(
            session, r.order_id, r.line_id, r.sku, r.location_id, r.quantity, partial=partial, source=source
        )
    return [results[i] for i in range(len(requests))]


def new_allocation_row(request: AllocationRequest, now: datetime) -> dict[str, Any]:
    """The columns of a new, active allocation holding the request's units."""
    return {
        "order_id": request.order_id,
        "line_id": request.line_id,
        "location_id": request.location_id,
        "sku": request.sku,
        "quantity": request.quantity,
        "shipped": 0,
        "released": 0,
        "status": "active",
        "created_at": now,
        "updated_at": now,
    }


def _claim(session: Session, request: AllocationRequest, now: datetime) -> tuple[int | None, AllocationRecord | None]:
    """Insert the allocation row for the key (optimistically holding the full quantity), or find it.

    Returns (new id, None) when this call owns the key, or (None, existing) when it was allocated before.
    A concurrent claimer of the same key waits on the unique index until the first one commits or rolls back.
    """
    insert = insert_at_location(session, ALLOCATIONS, new_allocation_row(request, now))
    insert = insert.on_conflict_do_nothing(index_elements=["order_id", "line_id", "location_id"])
    for _attempt in range(5):
        new_id = session.execute(insert.returning(ALLOCATIONS.c.id)).scalar_one_or_none()
        if new_id is not None:
            return int(new_id), None
        existing = find_allocation(session, request.order_id, request.line_id, request.location_id)
        if existing is not None:
            return _existing(session, request, existing, now)
        location_state(session, request.location_id)  # UnknownLocation: that is why nothing was inserted
        # Otherwise the row that conflicted was removed since (its claimer got no units): the key is free again.
    raise InventoryConflict(f"order {request.order_id} line {request.line_id}: the allocation key keeps changing")


def _existing(
    session: Session, request: AllocationRequest, existing: AllocationRecord, now: datetime
) -> tuple[int | None, AllocationRecord | None]:
    if existing.sku != request.sku:
        raise InventoryInputError(
            f"order {request.order_id} line {request.line_id} is already allocated at {request.location_id} "
            f"for SKU {existing.sku!r}, not {request.sku!r}: release it first"
        )
    if existing.status == "released":
        reopened = session.execute(
            update(ALLOCATIONS)
            .where(ALLOCATIONS.c.id == existing.id, ALLOCATIONS.c.status == "released")
            .values(status="active", quantity=request.quantity, updated_at=now)
            .returning(ALLOCATIONS.c.id)
        ).scalar_one_or_none()
        if reopened is not None:
            return int(reopened), None
    return None, find_allocation(session, request.order_id, request.line_id, request.location_id)


def _unclaim(session: Session, allocation_id: int) -> None:
    """Undo a claim that got no units: a new row goes, a re-opened one returns to released."""
    row = session.execute(select(ALLOCATIONS.c.released).where(ALLOCATIONS.c.id == allocation_id)).one()
    if row.released:
        session.execute(
            update(ALLOCATIONS).where(ALLOCATIONS.c.id == allocation_id).values(status="released", quantity=0)
        )
    else:
        session.execute(delete(ALLOCATIONS).where(ALLOCATIONS.c.id == allocation_id))


def _commit(
    session: Session, request: AllocationRequest, partial: bool, cause: Cause, now: datetime | None
) -> tuple[int, Level]:
    """Commit the units on the level: (units taken, level after) or (0, level as seen) when none were."""
    sku, location_id, quantity = request.sku, request.location_id, request.quantity
    active = location_is_active(location_id)
    wanted = quantity
    for _attempt in range(PARTIAL_ATTEMPTS):
        guard = (AVAILABLE >= wanted) & active
        level = change(session, sku, location_id, {Bucket.COMMITTED: wanted}, cause, guard=guard, now=now)
        if level is not None:
            return wanted, level
        seen = get_level(session, sku, location_id)
        # Units freed between the update and this read are worth another try; otherwise report what was seen.
        wanted = min(quantity, seen.available) if partial else quantity
        if wanted == 0 or seen.available < wanted or not location_state(session, location_id)[1]:
            return 0, seen  # short, or the location is inactive (the caller says which)
    return 0, seen


def _require_allocatable(session: Session, location_id: str) -> None:
    _kind, active = location_state(session, location_id)
    if not active:
        raise LocationUnavailable(f"location {location_id!r} is inactive: it takes no new allocations")


def _result(
    request: AllocationRequest,
    status: AllocationStatus,
    allocated: int,
    committed: int,
    level: Level,
    allocation_id: int | None,
) -> AllocationResult:
    return AllocationResult(
        status=status,
        order_id=request.order_id,
        line_id=request.line_id,
        location_id=request.location_id,
        sku=request.sku,
        requested=request.quantity,
        allocated=allocated,
        committed=committed,
        available=level.available,
        allocation_id=allocation_id,
    )


def find_allocation(session: Session, order_id: str, line_id: str, location_id: str) -> AllocationRecord | None:
    row = session.execute(
        select(ALLOCATIONS).where(
            ALLOCATIONS.c.order_id == order_id,
            ALLOCATIONS.c.line_id == line_id,
            ALLOCATIONS.c.location_id == location_id,
        )
    ).one_or_none()
    return from_row(AllocationRecord, row) if row is not None else None


def allocations_for_order(session: Session, order_id: str) -> list[AllocationRecord]:
    rows = session.execute(
        select(ALLOCATIONS).where(ALLOCATIONS.c.order_id == order_id).order_by(ALLOCATIONS.c.line_id, ALLOCATIONS.c.id)
    ).all()
    return [from_row(AllocationRecord, row) for row in rows]
