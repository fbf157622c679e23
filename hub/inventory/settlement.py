"""What happens to committed units after allocation: released back, or shipped.

``release(session, order_id, line_id, location_id, quantity=None)`` gives committed units back to
available (a cancelled line, a line re-routed elsewhere); all the allocation holds when ``quantity`` is None.
``ship(session, order_id, line_id, location_id, quantity, key=...)`` records units that left the building:
committed and on hand both decrease. ``key`` (the shipment, 945 or 856 reference) makes a confirmation
processed twice ship once.

Both lock the allocation row first, then change the level, the order every inventory operation takes its
locks in; the key is checked under that lock, so two deliveries of the same confirmation cannot both pass.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from hub.db.models.base import utcnow
from hub.inventory.allocation import AllocationRecord
from hub.inventory.errors import InventoryConflict, InventoryInputError, UnknownRecord, check_quantity
from hub.inventory.ledger import Bucket, Cause, Reason, key_seen, operation_key
from hub.inventory.levels import change, get_level
from hub.inventory.tables import ALLOCATIONS, from_row


def _lock_allocation(
    session: Session, order_id: str, line_id: str, location_id: str, now: datetime
) -> AllocationRecord:
    """Take the allocation's row lock (write lock on SQLite) and read it; UnknownRecord when there is none."""
    row = session.execute(
        update(ALLOCATIONS)
        .where(
            ALLOCATIONS.c.order_id == order_id,
            ALLOCATIONS.c.line_id == line_id,
            ALLOCATIONS.c.location_id == location_id,
        )
        .values(updated_at=now)
        .returning(*ALLOCATIONS.c)
    ).one_or_none()
    if row is None:
        raise UnknownRecord(f"no allocation for order {order_id} line {line_id} at location {location_id!r}")
    return from_row(AllocationRecord, row)


def _settle(session: Session, record: AllocationRecord, shipped: int, released: int) -> AllocationRecord:
    quantity = record.quantity - shipped - released
    total_shipped, total_released = record.shipped + shipped, record.released + released
    status = "active" if quantity else ("shipped" if total_shipped else "released")
    session.execute(
        update(ALLOCATIONS)
        .where(ALLOCATIONS.c.id == record.id)
        .values(quantity=quantity, shipped=total_shipped, released=total_released, status=status)
    )
    return replace(record, quantity=quantity, shipped=total_shipped, released=total_released, status=status)


def release(
    session: Session,
    order_id: str,
    line_id: str,
    location_id: str,
    quantity: int | None = None,
    *,
    source: str = "hub",
    note: str | None = None,
    now: datetime | None = None,
) -> AllocationRecord:
    """Give back ``quantity`` committed units of the allocation (all it holds when None)."""
    record = _lock_allocation(session, order_id, line_id, location_id, now or utcnow())
    units = record.quantity if quantity is None else check_quantity(quantity)
    if units > record.quantity:
        raise InventoryInputError(
            f"order {order_id} line {line_id} holds {record.quantity} committed units at {location_id!r}: "
            f"cannot release {units}"
        )
    if units == 0:
        return record
    cause = Cause(Reason.RELEASE, source, order_id=order_id, line_id=line_id, note=note)
    if change(session, record.sku, location_id, {Bucket.COMMITTED: -units}, cause, now=now) is None:
        level = get_level(session, record.sku, location_id)
        raise InventoryConflict(
            f"{record.sku} at {location_id!r} records {level.committed} committed units, fewer than the {units} "
            f"order {order_id} line {line_id} holds: the level and its allocations disagree"
        )
    return _settle(session, record, shipped=0, released=units)


def ship(
    session: Session,
    order_id: str,
    line_id: str,
    location_id: str,
    quantity: int,
    *,
    reference: str | None = None,
    key: str | None = None,
    source: str = "hub",
    now: datetime | None = None,
) -> tuple[AllocationRecord, bool]:
    """Record ``quantity`` committed units as shipped: committed and on hand both decrease.

    Returns the allocation and whether this call shipped anything (False when ``key`` was seen before).
    """
    check_quantity(quantity)
    record = _lock_allocation(session, order_id, line_id, location_id, now or utcnow())
    ledger_key = operation_key("shipment", location_id, order_id, line_id, key) if key else None
    if ledger_key is not None and key_seen(session, ledger_key):
        return record, False
    if quantity > record.quantity:
        raise InventoryInputError(
            f"order {order_id} line {line_id} holds {record.quantity} committed units at {location_id!r}: "
            f"cannot ship {quantity} (allocate them first)"
        )
    cause = Cause(Reason.SHIPMENT, source, reference=reference, order_id=order_id, line_id=line_id, key=ledger_key)
    deltas = {Bucket.COMMITTED: -quantity, Bucket.ON_HAND: -quantity}
    if change(session, record.sku, location_id, deltas, cause, now=now) is None:
        level = get_level(session, record.sku, location_id)
        raise InventoryConflict(
            f"{record.sku} at {location_id!r} has {level.on_hand} on hand and {level.committed} committed, "
            f"fewer than the {quantity} shipped: record a count for it, then ship again"
        )
    return _settle(session, record, shipped=quantity, released=0), True
