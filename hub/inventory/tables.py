"""The inventory tables as SQLAlchemy Core objects, and the statements every inventory module builds on.

The inventory core writes through Core statements rather than ORM objects: a conditional ``UPDATE ...
RETURNING`` is the unit of correctness here, and Core keeps it one round trip with no identity-map work.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar, cast

from sqlalchemy import ColumnElement, Table, exists, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from hub.db.models import (
    Allocation,
    IncomingStock,
    InventoryCount,
    InventoryLedgerEntry,
    InventoryLevel,
    Location,
    Reservation,
)

LEVELS = cast(Table, InventoryLevel.__table__)
LEDGER = cast(Table, InventoryLedgerEntry.__table__)
LOCATIONS = cast(Table, Location.__table__)
ALLOCATIONS = cast(Table, Allocation.__table__)
RESERVATIONS = cast(Table, Reservation.__table__)
INCOMING = cast(Table, IncomingStock.__table__)
COUNTS = cast(Table, InventoryCount.__table__)

Record = TypeVar("Record")

# What can still be promised: a level's units that are neither committed, reserved nor held back.
AVAILABLE = LEVELS.c.on_hand - LEVELS.c.committed - LEVELS.c.reserved - LEVELS.c.safety_stock


def from_row(record_type: type[Record], row: Any) -> Record:
    """A dataclass of ``record_type`` from the row's columns of the same names."""
    fields = record_type.__dataclass_fields__  # type: ignore[attr-defined]
    return record_type(**{name: row._mapping[name] for name in fields})


def dialect_insert(session: Session, table: Table) -> Any:
    """An INSERT with ``on_conflict_do_nothing`` / ``on_conflict_do_update`` for the session's backend."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def insert_at_location(session: Session, table: Table, values: dict[str, Any]) -> Any:
    """``INSERT INTO table SELECT <values> WHERE <the location exists>``: a row for an unknown location is
    simply not inserted (the caller then reports the location), where a plain INSERT would fail on the
    foreign key and, on PostgreSQL, abort the caller's whole transaction."""
    row = select(*(literal(value, table.c[name].type).label(name) for name, value in values.items()))
    row = row.where(exists().where(LOCATIONS.c.id == values["location_id"]))
    return dialect_insert(session, table).from_select(list(values), row)


def location_is_active(location_id: str) -> ColumnElement[bool]:
    """A condition for a level update: the location exists and takes new commitments."""
    return exists().where(LOCATIONS.c.id == location_id, LOCATIONS.c.active.is_(True))


def ensure_level(session: Session, sku: str, location_id: str, now: datetime) -> None:
    """Create the (sku, location) level at zero unless it exists; two first users cannot both create it."""
    statement = dialect_insert(session, LEVELS).values(
        sku=sku,
        location_id=location_id,
        on_hand=0,
        committed=0,
        reserved=0,
        safety_stock=0,
        incoming=0,
        updated_at=now,
    )
    session.execute(statement.on_conflict_do_nothing(index_elements=["sku", "location_id"]))


def lock_level(session: Session, sku: str, location_id: str, now: datetime) -> dict[str, Any] | None:
    """Take the level's row lock (the write lock on SQLite) and return its values, or None if it is missing.

    A no-op UPDATE rather than SELECT ... FOR UPDATE, because SQLite has no row locks: the write makes it
    take the database write lock, so what is read next in the transaction cannot change under it.
    """
    statement = (
        update(LEVELS)
        .where(LEVELS.c.sku == sku, LEVELS.c.location_id == location_id)
        .values(updated_at=now)
        .returning(*LEVELS.c)
    )
    row = session.execute(statement).one_or_none()
    return dict(row._mapping) if row is not None else None
