"""Incoming stock: units expected at a location, and receiving them.

``expect(session, sku, location_id, quantity, source_type=..., reference=..., expected_on=...)``
    Records what a purchase-order line, an ASN line, a transfer or a supplier's on-order figure says is on
    its way. One row per (location, sku, source_type, reference) holds what is still expected; calling
    again with the same key revises it (the ledger records the difference), and 0 cancels it. The level's
    ``incoming`` bucket is the sum of the open rows, so routing and available-to-promise can look ahead by
    ``expected_on``.

``receive(session, sku, location_id, quantity, reference=...)``
    Puts units on hand. With a ``reference`` (or ``incoming_id``) the matching open incoming row is drawn
    down by up to ``quantity`` (an over-receipt still puts every unit on hand); without one it is an
    unplanned receipt. ``key`` (the receipt or 944 id) makes a receipt processed twice count once.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hub.db.models.base import utcnow
from hub.inventory.errors import InventoryConflict, UnknownRecord, check_quantity
from hub.inventory.ledger import Bucket, Cause, Reason, key_seen, operation_key
from hub.inventory.levels import Level, change, get_level
from hub.inventory.locations import location_state
from hub.inventory.tables import INCOMING, dialect_insert, ensure_level, from_row, lock_level


class IncomingSource(StrEnum):
    PO = "po"  # purchase-order line
    ASN = "asn"  # advance ship notice (856) line
    TRANSFER = "transfer"  # from another location of ours
    ADVICE = "advice"  # a supplier's on-order figure (846 QTY 63 / feed)


@dataclass(frozen=True)
class IncomingRecord:
    id: int
    sku: str
    location_id: str
    source_type: str
    reference: str
    quantity: int  # still expected
    received: int
    expected_on: date | None
    status: str  # open, received, cancelled


@dataclass(frozen=True)
class Receipt:
    level: Level
    incoming: IncomingRecord | None  # the expected receipt drawn down, if any
    applied: bool  # False when ``key`` had been received before (nothing changed)


def expect(
    session: Session,
    sku: str,
    location_id: str,
    quantity: int,
    *,
    source_type: IncomingSource,
    reference: str,
    expected_on: date | None = None,
    source: str = "hub",
    now: datetime | None = None,
) -> IncomingRecord:
    """Set what is still expected under (location, sku, source_type, reference) to ``quantity``."""
    check_quantity(quantity, minimum=0)
    moment = now or utcnow()
    location_state(session, location_id)
    ensure_level(session, sku, location_id, moment)
    row = _open_row(session, sku, location_id, IncomingSource(source_type), reference, moment)
    previous = row.quantity if row.status == "open" else 0
    status = "open" if quantity else ("received" if row.received else "cancelled")
    session.execute(
        update(INCOMING)
        .where(INCOMING.c.id == row.id)
        .values(quantity=quantity, expected_on=expected_on, status=status, updated_at=moment)
    )
    reason = Reason.INCOMING_EXPECTED if quantity else Reason.INCOMING_CANCELLED
    cause = Cause(reason, source, reference=f"{source_type}:{reference}")
    if change(session, sku, location_id, {Bucket.INCOMING: quantity - previous}, cause, now=now) is None:
        raise InventoryConflict(f"{sku} at {location_id!r}: the level records fewer incoming units than its rows")
    return replace(row, quantity=quantity, expected_on=expected_on, status=status)


def _open_row(
    session: Session, sku: str, location_id: str, source_type: IncomingSource, reference: str, now: datetime
) -> IncomingRecord:
    """The (locked) row for the key, created with nothing expected when new."""
    values = {
        "sku": sku,
        "location_id": location_id,
        "source_type": str(source_type),
        "reference": reference,
        "quantity": 0,
        "received": 0,
        "status": "cancelled",
        "created_at": now,
        "updated_at": now,
    }
    insert = dialect_insert(session, INCOMING).values(**values)
    session.execute(insert.on_conflict_do_nothing(index_elements=["location_id", "sku", "source_type", "reference"]))
    key = (
        INCOMING.c.location_id == location_id,
        INCOMING.c.sku == sku,
        INCOMING.c.source_type == str(source_type),
        INCOMING.c.reference == reference,
    )
    row = session.execute(update(INCOMING).where(*key).values(updated_at=now).returning(*INCOMING.c)).one()
    return from_row(IncomingRecord, row)


def cancel_incoming(session: Session, incoming_id: int, *, source: str = "hub") -> IncomingRecord:
    """Nothing more is expected under this row."""
    row = get_incoming(session, incoming_id)
    return expect(
        session,
        row.sku,
        row.location_id,
        0,
        source_type=IncomingSource(row.source_type),
        reference=row.reference,
        expected_on=row.expected_on,
        source=source,
    )


def get_incoming(session: Session, incoming_id: int) -> IncomingRecord:
    row = session.execute(select(INCOMING).where(INCOMING.c.id == incoming_id)).one_or_none()
    if row is None:
        raise UnknownRecord(f"no incoming stock row {incoming_id}")
    return from_row(IncomingRecord, row)


def open_incoming(session: Session, sku: str | None = None, location_id: str | None = None) -> list[IncomingRecord]:
    """Open expected receipts, soonest first (undated last)."""
    statement = select(INCOMING).where(INCOMING.c.status == "open")
    if sku is not None:
        statement = statement.where(INCOMING.c.sku == sku)
    if location_id is not None:
        statement = statement.where(INCOMING.c.location_id == location_id)
    statement = statement.order_by(INCOMING.c.expected_on.is_(None), INCOMING.c.expected_on, INCOMING.c.id)
    return [from_row(IncomingRecord, row) for row in session.execute(statement)]


def open_incoming_of(session: Session, skus: list[str]) -> list[IncomingRecord]:
    """Open expected receipts of any of ``skus``, soonest first (undated last), in chunks of 900 SKUs."""
    found: list[IncomingRecord] = []
    for start in range(0, len(skus), 900):
        statement = select(INCOMING).where(INCOMING.c.status == "open", INCOMING.c.sku.in_(skus[start : start + 900]))
        statement = statement.order_by(INCOMING.c.expected_on.is_(None), INCOMING.c.expected_on, INCOMING.c.id)
        found += [from_row(IncomingRecord, row) for row in session.execute(statement)]
    return found


def receive(
    session: Session,
    sku: str,
    location_id: str,
    quantity: int,
    *,
    reference: str | None = None,
    incoming_id: int | None = None,
    key: str | None = None,
    source: str = "hub",
    now: datetime | None = None,
) -> Receipt:
    """Put ``quantity`` units on hand, drawing down the expected receipt that matches (see module docstring)."""
    check_quantity(quantity)
    moment = now or utcnow()
    location_state(session, location_id)
    ensure_level(session, sku, location_id, moment)
    expected = _lock_expected(session, sku, location_id, reference, incoming_id, moment)
    lock_level(session, sku, location_id, moment)
    ledger_key = operation_key("receipt", location_id, sku, key) if key else None
    if ledger_key is not None and key_seen(session, ledger_key):
        return Receipt(get_level(session, sku, location_id), expected, applied=False)
    drawn = min(quantity, expected.quantity) if expected else 0
    reference_text = f"{expected.source_type}:{expected.reference}" if expected else reference
    cause = Cause(Reason.RECEIPT, source, reference=reference_text, key=ledger_key)
    level = change(session, sku, location_id, {Bucket.INCOMING: -drawn, Bucket.ON_HAND: quantity}, cause, now=now)
    if level is None:
        raise InventoryConflict(f"{sku} at {location_id!r}: the level records fewer incoming units than its rows")
    if expected is not None:
        expected = _draw_down(session, expected, drawn, quantity, moment)
    return Receipt(level, expected, applied=True)


def _lock_expected(
    session: Session, sku: str, location_id: str, reference: str | None, incoming_id: int | None, now: datetime
) -> IncomingRecord | None:
    """The open incoming row the receipt is against (by id, else the soonest open one with the reference)."""
    if incoming_id is None and reference is None:
        return None
    conditions = [INCOMING.c.sku == sku, INCOMING.c.location_id == location_id]
    if incoming_id is not None:
        conditions.append(INCOMING.c.id == incoming_id)
    else:
        open_ids = (
            select(INCOMING.c.id)
            .where(*conditions, INCOMING.c.reference == reference, INCOMING.c.status == "open")
            .order_by(INCOMING.c.expected_on.is_(None), INCOMING.c.expected_on, INCOMING.c.id)
            .limit(1)
        )
        found = session.execute(open_ids).scalar_one_or_none()
        if found is None:
            return None  # nothing expected under that reference: an unplanned receipt, referenced
        conditions.append(INCOMING.c.id == found)
    row = session.execute(
        update(INCOMING).where(*conditions).values(updated_at=now).returning(*INCOMING.c)
    ).one_or_none()
    if row is None:
        raise UnknownRecord(f"no incoming stock row {incoming_id} for {sku} at {location_id!r}")
    record = from_row(IncomingRecord, row)
    return record if record.status == "open" else None


def _draw_down(session: Session, expected: IncomingRecord, drawn: int, received: int, now: datetime) -> IncomingRecord:
    remaining = expected.quantity - drawn
    status = "open" if remaining else "received"
    total = expected.received + received
    session.execute(
        update(INCOMING)
        .where(INCOMING.c.id == expected.id)
        .values(quantity=remaining, received=total, status=status, updated_at=now)
    )
    return replace(expected, quantity=remaining, received=total, status=status)
