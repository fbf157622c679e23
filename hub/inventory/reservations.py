"""Reservations: soft holds on units (a cart at checkout, a quote, an order waiting for payment) that lapse
on their own unless converted into an allocation.

``reserve(session, sku, location_id, quantity, ttl=...)``
    Moves units into the level's ``reserved`` bucket with the same conditional update allocation uses
    (``available >= :q``), so reservations and allocations together never exceed what is there. A caller
    ``key`` (e.g. the cart id and line) makes it idempotent: reserving again under the key returns the
    first reservation.

``convert_reservation(session, reservation_id, order_id, line_id)``
    Turns an active, unexpired reservation into an allocation of the same units (reserved -> committed in
    one update, so the units are never up for grabs in between). A reservation that already lapsed gives
    ``AllocationStatus.RESERVATION_LAPSED``: allocate the line normally then.

``release_reservation(...)`` gives the units back early; ``expire_reservations(session)`` releases every
reservation past its expiry and is what a periodic (beat) task calls. Each reservation leaves ``active``
through one conditional status update, so the sweep, a conversion and a release racing for it cannot both
act on it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from hub.db.models.base import utcnow
from hub.ids import new_id
from hub.inventory.allocation import (
    AllocationRequest,
    AllocationResult,
    AllocationStatus,
    find_allocation,
    new_allocation_row,
)
from hub.inventory.errors import InventoryConflict, InventoryInputError, UnknownRecord, check_quantity
from hub.inventory.ledger import Bucket, Cause, Reason, bounded_key
from hub.inventory.levels import change as change_level
from hub.inventory.levels import get_level
from hub.inventory.locations import location_state
from hub.inventory.tables import (
    ALLOCATIONS,
    AVAILABLE,
    RESERVATIONS,
    dialect_insert,
    from_row,
    insert_at_location,
    location_is_active,
)

DEFAULT_TTL = timedelta(minutes=15)
SWEEP_BATCH = 500


class ReservationStatus(StrEnum):
    RESERVED = "reserved"  # the units are held until expires_at
    INSUFFICIENT = "insufficient"  # nothing held: fewer units available than requested
    ALREADY_RESERVED = "already_reserved"  # the key was used before; that reservation is returned


@dataclass(frozen=True)
class ReservationRecord:
    id: str
    key: str | None
    sku: str
    location_id: str
    quantity: int
    status: str  # active, converted, released, expired
    reference: str | None
    expires_at: datetime
    order_id: str | None = None  # set when converted
    line_id: str | None = None


@dataclass(frozen=True)
class ReservationResult:
    status: ReservationStatus
    sku: str
    location_id: str
    requested: int
    available: int  # units still available after the call (when insufficient: what was available)
    reservation: ReservationRecord | None

    @property
    def ok(self) -> bool:
        return self.reservation is not None and self.reservation.status == "active"


def reserve(
    session: Session,
    sku: str,
    location_id: str,
    quantity: int,
    *,
    ttl: timedelta = DEFAULT_TTL,
    key: str | None = None,
    reference: str | None = None,
    source: str = "hub",
    now: datetime | None = None,
) -> ReservationResult:
    """Hold ``quantity`` units until ``now + ttl`` (see the module docstring)."""
    check_quantity(quantity)
    if ttl <= timedelta(0):
        raise InventoryInputError(f"a reservation needs a positive time to live, not {ttl}")
    start = now or utcnow()
    key = bounded_key(key) if key else None
    expires_at = start + ttl
    record = ReservationRecord(new_id("res"), key, sku, location_id, quantity, "active", reference, expires_at)
    existing = _insert(session, record, start)
    if existing is not None:
        available = get_level(session, existing.sku, existing.location_id).available
        status = ReservationStatus.ALREADY_RESERVED
        return ReservationResult(status, sku, location_id, quantity, available, existing)
    cause = Cause(Reason.RESERVATION, source, reference=record.id)
    guard = (AVAILABLE >= quantity) & location_is_active(location_id)
    level = change_level(session, sku, location_id, {Bucket.RESERVED: quantity}, cause, guard=guard, now=now)
    if level is None:
        session.execute(delete(RESERVATIONS).where(RESERVATIONS.c.id == record.id))
        if not location_state(session, location_id)[1]:
            raise InventoryInputError(f"location {location_id!r} is inactive: it takes no reservations")
        seen = get_level(session, sku, location_id)
        return ReservationResult(ReservationStatus.INSUFFICIENT, sku, location_id, quantity, seen.available, None)
    return ReservationResult(ReservationStatus.RESERVED, sku, location_id, quantity, level.available, record)


def _insert(session: Session, record: ReservationRecord, created_at: datetime) -> ReservationRecord | None:
    """Insert the reservation; None when it is new, the earlier one when its key was used before."""
    insert = insert_at_location(session, RESERVATIONS, asdict(record) | {"created_at": created_at})
    if record.key is not None:
        insert = insert.on_conflict_do_nothing(index_elements=["key"])
    if session.execute(insert.returning(RESERVATIONS.c.id)).scalar_one_or_none() is not None:
        return None
    location_state(session, record.location_id)  # UnknownLocation: that is why nothing was inserted
    existing = _find(session, RESERVATIONS.c.key == record.key)
    assert existing is not None  # it conflicted with a committed row, and held reservations are never deleted
    return existing


def _find(session: Session, condition: Any) -> ReservationRecord | None:
    row = session.execute(select(RESERVATIONS).where(condition)).one_or_none()
    return from_row(ReservationRecord, row) if row is not None else None


def get_reservation(session: Session, reservation_id: str) -> ReservationRecord:
    record = _find(session, RESERVATIONS.c.id == reservation_id)
    if record is None:
        raise UnknownRecord(f"no reservation {reservation_id!r}")
    return record


def _close(session: Session, reservation_id: str, status: str, now: datetime, *condition: Any, **values: Any) -> Any:
    """Move an active reservation to ``status`` in one conditional update; its row, or None if not active."""
    statement = (
        update(RESERVATIONS)
        .where(RESERVATIONS.c.id == reservation_id, RESERVATIONS.c.status == "active", *condition)
        .values(status=status, closed_at=now, **values)
        .returning(*RESERVATIONS.c)
    )
    return session.execute(statement).one_or_none()


def _give_back(session: Session, row: Any, reason: Reason, source: str, now: datetime | None) -> None:
    cause = Cause(reason, source, reference=row.id)
    if change_level(session, row.sku, row.location_id, {Bucket.RESERVED: -row.quantity}, cause, now=now) is None:
        raise InventoryConflict(
            f"{row.sku} at {row.location_id!r} records fewer reserved units than reservation {row.id} holds "
            f"({row.quantity}): the level and its reservations disagree"
        )


def release_reservation(
    session: Session, reservation_id: str, *, source: str = "hub", now: datetime | None = None
) -> ReservationRecord:
    """Give the units of an active reservation back; a reservation no longer active is returned unchanged."""
    row = _close(session, reservation_id, "released", now or utcnow())
    if row is None:
        return get_reservation(session, reservation_id)
    _give_back(session, row, Reason.RESERVATION_RELEASED, source, now)
    return from_row(ReservationRecord, row)


def expire_reservations(
    session: Session, *, now: datetime | None = None, limit: int = SWEEP_BATCH, source: str = "sweep"
) -> int:
    """Release up to ``limit`` reservations past their expiry; returns how many. Safe to run concurrently:
    PostgreSQL sweepers skip rows another one holds, and each reservation can only expire once."""
    moment = now or utcnow()
    candidates = (
        select(RESERVATIONS.c.id, RESERVATIONS.c.location_id, RESERVATIONS.c.sku)
        .where(RESERVATIONS.c.status == "active", RESERVATIONS.c.expires_at <= moment)
        .order_by(RESERVATIONS.c.expires_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    # Level locks in (location, sku) order, as allocate_lines takes them, so a sweep cannot deadlock with it.
    found = sorted(session.execute(candidates).all(), key=lambda r: (r.location_id, r.sku))
    expired = 0
    for candidate in found:
        row = _close(session, candidate.id, "expired", moment, RESERVATIONS.c.expires_at <= moment)
        if row is not None:
            _give_back(session, row, Reason.RESERVATION_EXPIRED, source, now)
            expired += 1
    return expired


def convert_reservation(
    session: Session,
    reservation_id: str,
    order_id: str,
    line_id: str,
    *,
    source: str = "hub",
    now: datetime | None = None,
) -> AllocationResult:
    """Turn an active reservation into (or onto) the allocation of the order line at its location."""
    moment = now or utcnow()
    unexpired = RESERVATIONS.c.expires_at > moment
    row = _close(session, reservation_id, "converted", moment, unexpired, order_id=order_id, line_id=line_id)
    if row is None:
        return _not_converted(session, get_reservation(session, reservation_id), order_id, line_id)
    request = AllocationRequest(order_id, line_id, row.sku, row.location_id, row.quantity)
    allocation_id, total = _add_to_allocation(session, request, moment)
    cause = Cause(Reason.RESERVATION_CONVERTED, source, reference=row.id, order_id=order_id, line_id=line_id)
    deltas = {Bucket.RESERVED: -row.quantity, Bucket.COMMITTED: row.quantity}
    level = change_level(session, row.sku, row.location_id, deltas, cause, now=now)
    if level is None:
        raise InventoryConflict(f"reservation {row.id}: the level records fewer reserved units than it holds")
    return AllocationResult(
        AllocationStatus.ALLOCATED,
        order_id,
        line_id,
        row.location_id,
        row.sku,
        row.quantity,
        row.quantity,
        total,
        level.available,
        allocation_id,
    )


def _add_to_allocation(session: Session, request: AllocationRequest, now: datetime) -> tuple[int, int]:
    """Add the reservation's units to the allocation of the line at the location (created if new): its id
    and the units it holds now."""
    insert = dialect_insert(session, ALLOCATIONS).values(**new_allocation_row(request, now))
    upsert = insert.on_conflict_do_update(
        index_elements=["order_id", "line_id", "location_id"],
        set_={"quantity": ALLOCATIONS.c.quantity + request.quantity, "status": "active", "updated_at": now},
        where=ALLOCATIONS.c.sku == request.sku,
    )
    row = session.execute(upsert.returning(ALLOCATIONS.c.id, ALLOCATIONS.c.quantity)).one_or_none()
    if row is None:
        raise InventoryInputError(
            f"order {request.order_id} line {request.line_id} is already allocated at {request.location_id!r} "
            f"for another SKU than {request.sku!r}"
        )
    return int(row.id), int(row.quantity)


def _not_converted(session: Session, record: ReservationRecord, order_id: str, line_id: str) -> AllocationResult:
    """The result for a reservation that was not active: converted before (for this line), or lapsed."""
    level = get_level(session, record.sku, record.location_id)
    if record.status == "converted":
        if (record.order_id, record.line_id) != (order_id, line_id):
            raise InventoryInputError(
                f"reservation {record.id} was converted for order {record.order_id} line {record.line_id}, "
                f"not order {order_id} line {line_id}"
            )
        allocation = find_allocation(session, order_id, line_id, record.location_id)
        committed = allocation.quantity if allocation else 0
        status, allocation_id = AllocationStatus.ALREADY_ALLOCATED, allocation.id if allocation else None
    else:
        committed, status, allocation_id = 0, AllocationStatus.RESERVATION_LAPSED, None
    return AllocationResult(
        status,
        order_id,
        line_id,
        record.location_id,
        record.sku,
        record.quantity,
        0,
        committed,
        level.available,
        allocation_id,
    )
